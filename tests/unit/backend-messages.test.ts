import { describe, it, expect, afterAll } from 'vitest';
import { exchangeBytes, ProtocolError, readBackendMessages } from '../../src/db/backend-messages.ts';
import { Session } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';

const engine = await localEngine();
afterAll(() => engine.db.close().catch(() => {}));

/** PostgreSQL's answer to a simple Query, as the bytes PGlite streams. */
const answerBytes = (sql: string) => engine.db.runExclusive(() => exchangeBytes(engine.db, sql));

describe('readBackendMessages on real PGlite answers', () => {
  it('reads fields with their type oids, text values, NULLs, non-ASCII text and the command tags', async () => {
    const a = readBackendMessages(await answerBytes(`select 1::int as n, null::text as nothing, 'héllo ✓' as greeting, 1.50::numeric as price; select g from generate_series(1, 3) g;`));
    expect(a.status).toBe('I');
    expect(a.results).toHaveLength(2);
    expect(a.results[0].fields).toEqual([{ name: 'n', dataTypeID: 23 }, { name: 'nothing', dataTypeID: 25 }, { name: 'greeting', dataTypeID: 25 }, { name: 'price', dataTypeID: 1700 }]);
    expect(a.results[0].rows).toEqual([['1', null, 'héllo ✓', '1.50']]);
    expect(a.results[0].commandTag).toBe('SELECT 1');
    expect(a.results[1].rows).toEqual([['1'], ['2'], ['3']]);
    expect(a.results[1].commandTag).toBe('SELECT 3');
  });

  it('reads an error with all its fields, the notices before it, and the failed transaction state', async () => {
    await answerBytes('begin');
    const sql = `do $$ begin raise notice 'about to fail' using hint = 'no worries'; end $$; select missing_column from pg_class;`;
    const a = readBackendMessages(await answerBytes(sql));
    expect(a.notices).toEqual([{ severity: 'NOTICE', message: 'about to fail', detail: undefined, hint: 'no worries' }]);
    expect(a.error).toMatchObject({ severity: 'ERROR', code: '42703', message: 'column "missing_column" does not exist', position: sql.indexOf('missing_column') + 1 });
    expect(a.status).toBe('E');
    expect(readBackendMessages(await answerBytes('rollback')).status).toBe('I');
  });

  it('the tags of writes and DDL are PostgreSQL\'s own', async () => {
    const tag = async (sql: string) => readBackendMessages(await answerBytes(sql)).results.at(-1)?.commandTag;
    expect(await tag('create temp table bm (v int)')).toBe('CREATE TABLE');
    expect(await tag('insert into bm select generate_series(1, 5)')).toBe('INSERT 0 5');
    expect(await tag('create temp table bm2 as select * from bm')).toBe('SELECT 5');
    expect(await tag('update bm set v = v + 1 where v > 2')).toBe('UPDATE 3');
    expect(await tag('')).toBeUndefined();
  });

  it('rejects an answer cut short', async () => {
    const bytes = await answerBytes('select 42 as answer');
    expect(() => readBackendMessages(bytes.subarray(0, bytes.length - 3))).toThrow(ProtocolError);
    expect(() => readBackendMessages(bytes.subarray(0, 3))).toThrow(/header/);
  });
});

describe('COPY in the session', () => {
  it('COPY … TO STDOUT shows its lines as psql prints them', async () => {
    const { results } = await new Session(engine).run(`copy (select g, 'x' || g from generate_series(1, 3) g) to stdout with (format csv);`);
    expect(results[0].tag).toBe('COPY 3');
    expect(results[0].rows).toEqual([['1,x1'], ['2,x2'], ['3,x3']]);
  });

  it('COPY … FROM STDIN reads the lines after it as its data, as psql does, and the database keeps working', async () => {
    // psql sends the next lines to COPY: here "select 1;" is a data line, which COPY rejects for an int column.
    const session = new Session(engine);
    const { results } = await session.run(`create temp table copied (v int);\ncopy copied from stdin;\nselect 1;`, { stopOnError: false });
    expect(results).toHaveLength(2);
    expect(results[1].error?.message).toMatch(/invalid input syntax for type integer: "select 1;"/);
    const after = await session.run('copy copied from stdin;\n7\n\\.\nselect count(*) as n from copied;');
    expect(after.results.map((r) => r.tag)).toEqual(['COPY 1', 'SELECT 1']);
    expect(after.results[1].rows).toEqual([['1']]);
  });
});

describe('the session shows PostgreSQL\'s command tags', () => {
  it('CREATE TABLE AS reports the rows it wrote, as psql does', async () => {
    const { results } = await new Session(engine).run('create temp table tagged as select g from generate_series(1, 200) g;\ndelete from tagged where g <= 20;');
    expect(results.map((r) => r.tag)).toEqual(['SELECT 200', 'DELETE 20']);
    expect(results[1].rowCount).toBe(20);
  });
});
