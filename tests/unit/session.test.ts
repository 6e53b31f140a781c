import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Session } from '../../src/db/session.ts';
import { loadCatalog } from '../../src/db/catalog.ts';
import { relationSummary } from '../../src/ui/relation-summary.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { localEngine } from '../support/pglite.ts';

let engine: LocalEngine;
let session: Session;
beforeAll(async () => {
  engine = await localEngine();
  session = new Session(engine);
});
afterAll(() => engine.db.close());

describe('Session.run', () => {
  it('gives each statement its own result with tag, typed columns and timing', async () => {
    const script = `create table s1 (id int primary key, name text);\ninsert into s1 values (1, 'a'), (2, null);\nselect id, name, now() as at from s1 order by id;`;
    const { results, stopped } = await session.run(script);
    expect(stopped).toBe(false);
    expect(results.map((r) => r.tag)).toEqual(['CREATE TABLE', 'INSERT 0 2', 'SELECT 2']);
    const sel = results[2];
    expect(sel.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:integer', 'name:text', 'at:timestamp with time zone']);
    expect(sel.rows[1][1]).toBeNull();
    expect(script.slice(sel.from, sel.to)).toBe('select id, name, now() as at from s1 order by id');
    for (const r of results) expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('says when a run may have changed the catalog', async () => {
    expect((await session.run(`select 1; insert into s1 values (100, 'x'); delete from s1 where id = 100;`)).catalogChanged).toBe(false);
    expect((await session.run(`select 1; create index s1_tmp on s1 (name); drop index s1_tmp;`)).catalogChanged).toBe(true);
    expect((await session.run(`do $$ begin null; end $$;`)).catalogChanged).toBe(true);
  });

  it('stops at the first error and maps its position into the editor text', async () => {
    const script = `select 1;\nselect 2;\nselect nosuchcol from s1;\nselect 4;`;
    const { results, stopped } = await session.run(script);
    expect(results).toHaveLength(3);
    expect(stopped).toBe(true);
    const err = results[2].error!;
    expect(err.code).toBe('42703');
    expect(err.message).toContain('nosuchcol');
    expect(script.slice(err.offset!, err.offset! + 'nosuchcol'.length)).toBe('nosuchcol');
  });

  it('goes on after an error when asked, and offsets a selection by its base', async () => {
    const text = `-- header\nselect 1/0; select 'after' as x`;
    const base = text.indexOf('select');
    const { results } = await session.run(text.slice(base), { stopOnError: false, baseOffset: base });
    expect(results).toHaveLength(2);
    expect(results[0].error?.code).toBe('22012');
    expect(results[1].rows).toEqual([['after']]);
    expect(text.slice(results[1].from, results[1].to)).toBe(`select 'after' as x`);
  });

  it('keeps a transaction open across statements and across runs', async () => {
    await session.run(`begin; insert into s1 values (3, 'c');`);
    expect(session.inTransaction).toBe(true);
    const { results } = await session.run(`rollback; select count(*)::int as n from s1;`);
    expect(results[0].tag).toBe('ROLLBACK');
    expect(results[1].rows).toEqual([['2']]);
    expect(session.inTransaction).toBe(false);
  });

  it('reports COMMIT of a failed transaction as ROLLBACK', async () => {
    const { results } = await session.run(`begin; select 1/0; commit;`, { stopOnError: false });
    expect(results.map((r) => r.tag)).toEqual(['BEGIN', 'ERROR', 'ROLLBACK']);
    expect(session.inTransaction).toBe(false);
  });

  it('collects notices per statement', async () => {
    const { results } = await session.run(`do $$ begin raise notice 'hello %', 42; end $$; drop table if exists nothing_here;`);
    expect(results[0].notices.map((n) => n.message)).toEqual(['hello 42']);
    expect(results[1].notices[0].message).toContain('does not exist, skipping');
  });

  it('runs statements that refuse a transaction block', async () => {
    const { results } = await session.run(`create index concurrently s1_name on s1 (name);\nvacuum analyze s1;\nreindex index concurrently s1_name;`);
    expect(results.map((r) => r.error?.message)).toEqual([undefined, undefined, undefined]);
    expect(results[0].tag).toBe('CREATE INDEX');
    expect(results[1].tag).toBe('VACUUM');
  });

  it('runs a function body with semicolons as one statement', async () => {
    const { results } = await session.run(`create function add1(i int) returns int language plpgsql as $f$ begin return i + 1; end; $f$;\nselect add1(41) as v;`);
    expect(results.map((r) => r.tag)).toEqual(['CREATE FUNCTION', 'SELECT 1']);
    expect(results[1].rows).toEqual([['42']]);
  });

  it('runs psql backslash commands between statements', async () => {
    const { results } = await session.run(`select 1;\n\\d s1\nselect 2;`);
    expect(results).toHaveLength(3);
    expect(results[1].psql?.length).toBeGreaterThan(0);
    expect(results[2].rows).toEqual([['2']]);
  });

  it('returns every value as PostgreSQL text, exactly as psql shows it', async () => {
    const { results } = await session.run(
      `select 9007199254740993::int8 as big, 1.50::numeric as n, '\\x0102'::bytea as b, '{"a":[1,2]}'::jsonb as j,` +
        ` '2026-01-02 03:04:05.123456+00'::timestamptz as ts, array[1,null]::int[] as arr, null::text as nothing, '' as empty`,
    );
    expect(results[0].rows[0]).toEqual([
      '9007199254740993', '1.50', '\\x0102', '{"a": [1, 2]}', '2026-01-02 03:04:05.123456+00', '{1,NULL}', null, '',
    ]);
  });

  it('reports a syntax error in the middle of a script at its place', async () => {
    const script = `select 1;\nselect 2;\nselec 3;\nselect 4;`;
    const { results } = await session.run(script);
    expect(results).toHaveLength(3);
    const err = results[2].error!;
    expect(err.code).toBe('42601');
    expect(script.slice(err.offset!, err.offset! + 5)).toBe('selec');
  });
});

describe('loadCatalog', () => {
  it('lists a table with its columns, indexes and constraints', async () => {
    const cat = await loadCatalog(engine);
    const s1 = cat.relations.find((r) => r.name === 's1')!;
    expect(s1.kind).toBe('table');
    expect(s1.columns.map((c) => `${c.name} ${c.type} ${c.notNull}`)).toEqual(['id integer true', 'name text false']);
    expect(s1.indexes.map((i) => i.name).sort()).toEqual(['s1_name', 's1_pkey']);
    expect(s1.constraints[0].definition).toBe('PRIMARY KEY (id)');
    expect(cat.functions.map((f) => f.name)).toContain('add1');
    expect(cat.extensions.map((e) => e.name)).toContain('plpgsql');
    await engine.query('create extension if not exists pg_stat_statements');
    const after = await loadCatalog(engine);
    expect(after.relations.map((r) => r.name)).not.toContain('pg_stat_statements');
    expect(after.extensions.map((e) => e.name)).toContain('pg_stat_statements');
  });

  it('has no row estimate for a table until ANALYZE counts it, nor for a view', async () => {
    await engine.query('create table est_rows as select g from generate_series(1, 1234) g');
    await engine.query('create view est_view as select * from est_rows');
    const before = await loadCatalog(engine);
    expect(before.relations.find((r) => r.name === 'est_rows')?.estimatedRows).toBeNull();
    expect(before.relations.find((r) => r.name === 'est_view')?.estimatedRows).toBeNull();
    expect(relationSummary(before.relations.find((r) => r.name === 'est_rows')!).text).toMatch(/^not analyzed · \d+ kB$/);
    expect(relationSummary(before.relations.find((r) => r.name === 'est_view')!)).toEqual({ text: 'view' });
    await engine.query('analyze est_rows');
    const after = (await loadCatalog(engine)).relations.find((r) => r.name === 'est_rows')!;
    expect(after.estimatedRows).toBe(1234);
    expect(relationSummary(after).text).toMatch(/^~1,234 rows · \d+ kB$/);
  });
});
