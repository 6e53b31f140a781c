import { describe, it, expect, afterAll } from 'vitest';
import { Session } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';
import { exportCsvCommand, guessType, loadScript, readCsv, toCsv } from '../../src/workspaces/csv.ts';

const engine = await localEngine();
afterAll(() => engine.db.close().catch(() => {}));

describe('CSV: parsing and type guessing', () => {
  it('guesses the narrowest type every value fits, empty values being NULL', () => {
    expect(guessType(['1', '-2', ''])).toBe('integer');
    expect(guessType(['1', '3000000000'])).toBe('bigint');
    expect(guessType(['1', '99999999999999999999'])).toBe('numeric');
    expect(guessType(['1.5', '2', '1e3'])).toBe('numeric');
    expect(guessType(['t', 'false', 'Yes'])).toBe('boolean');
    expect(guessType(['2026-01-02', '2026-12-31'])).toBe('date');
    expect(guessType(['2026-01-02 03:04:05+00', '2026-01-02T03:04Z'])).toBe('timestamptz');
    expect(guessType(['1', 'x'])).toBe('text');
    expect(guessType(['', ''])).toBe('text');
  });

  it('reads quotes, embedded delimiters and newlines, a BOM, and guesses the delimiter', () => {
    const p = readCsv('\uFEFFid;name;price;when\n1;"semi; colon";1.50;2026-01-02\n2;"two\nlines";;2026-01-03\n', { header: true });
    expect(p.delimiter).toBe(';');
    expect(p.columns).toEqual(['id', 'name', 'price', 'when']);
    expect(p.types).toEqual(['integer', 'text', 'numeric', 'date']);
    expect(p.rows).toEqual([['1', 'semi; colon', '1.50', '2026-01-02'], ['2', 'two\nlines', '', '2026-01-03']]);
    expect(p.errors).toEqual([]);
  });

  it('names the line of a row with the wrong number of fields', () => {
    const p = readCsv('a,b\n1,2\n3\n4,5\n', { header: true });
    expect(p.errors).toEqual([{ line: 3, message: '1 fields where the file has 2.' }]);
  });
});

describe('CSV: loading into PostgreSQL', () => {
  it('creates a new table with the guessed types and loads every row, exactly', async () => {
    const p = readCsv('id,name,price,"select"\n1,"a ""quoted"" one",1.5,t\n2,\\.,,f\n3,"comma, inside",-2,\n', { header: true });
    const run = await new Session(engine).run(loadScript(p, 'public.imported', { create: true }));
    expect(run.results.filter((r) => r.error).map((r) => r.error?.message)).toEqual([]);
    const types = await engine.query<{ c: string; t: string }>(`select attname as c, format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'public.imported'::regclass and attnum > 0 order by attnum`);
    expect(types.rows.map((r) => `${r.c} ${r.t}`)).toEqual(['id integer', 'name text', 'price numeric', 'select boolean']);
    const rows = await engine.query<{ r: string }>(`select i::text as r from imported i order by id`);
    expect(rows.rows.map((r) => r.r)).toEqual(['(1,"a ""quoted"" one",1.5,t)', '(2,"\\\\.",,f)', '(3,"comma, inside",-2,)']);
  });

  it('into an existing table: a bad value is refused by COPY with its line, and nothing is loaded', async () => {
    await engine.run('create table existing (id int primary key, qty int not null)');
    const p = readCsv('id,qty\n1,5\n2,many\n', { header: true });
    const run = await new Session(engine).run(loadScript(p, 'existing', { create: false }));
    const err = run.results.find((r) => r.error)?.error;
    expect(err?.message).toMatch(/invalid input syntax for type integer: "many"/);
    // Line 3 of the file, as COPY counts it (the header is line 1).
    expect(err?.where).toMatch(/line 3/);
    expect((await engine.query<{ n: number }>('select count(*)::int as n from existing')).rows[0].n).toBe(0);
  });

  it('exports a result as CSV that reads back the same', () => {
    const csv = toCsv(['a', 'b'], [['1', 'x,y'], ['2', null]]);
    expect(csv).toBe('a,b\r\n1,"x,y"\r\n2,');
    expect(readCsv(csv, { header: true }).rows).toEqual([['1', 'x,y'], ['2', '']]);
  });

  it('exports a table or a view as a CSV download with a header, whatever their names', async () => {
    const session = new Session(engine);
    await session.run(`create schema "Sales Dept"; create table "Sales Dept"."Order ""Lines""" (id int, note text);
      insert into "Sales Dept"."Order ""Lines""" values (1, 'a,b'), (2, null);
      create view "Sales Dept".big_lines as select * from "Sales Dept"."Order ""Lines""" where id > 1;`);
    const table = (await session.run(exportCsvCommand('Sales Dept', 'Order "Lines"', 'table'))).results[0];
    expect(table.error).toBeUndefined();
    expect(table.psql).toEqual([{ kind: 'download', file: 'Order-Lines.csv', text: 'id,note\n1,"a,b"\n2,\n' }]);
    // COPY refuses a view by name; the command reads it through a query.
    expect((await session.run(`\\copy "Sales Dept".big_lines to 'x.csv' with (format csv, header)`)).results[0].error?.message).toMatch(/cannot copy from view/);
    const view = (await session.run(exportCsvCommand('Sales Dept', 'big_lines', 'view'))).results[0];
    expect(view.psql).toEqual([{ kind: 'download', file: 'big_lines.csv', text: 'id,note\n2,\n' }]);
  });
});
