// explainQuery on real PGlite: EXPLAIN (FORMAT JSON) run, parsed and diagnosed; writes under
// ANALYZE rolled back (a savepoint when the caller's transaction is open).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import type { Queryable } from '../../src/db/types.ts';
import { explainQuery, statementWrites } from '../../src/analysis/plan/explain.ts';
import { nodeIdOf } from '../../src/analysis/plan/diagnose.ts';
import { localEngine } from '../support/pglite.ts';

let engine: LocalEngine;
const count = async (table: string) => Number((await engine.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0].n);

beforeAll(async () => {
  engine = await localEngine();
  await engine.db.exec(`
    create table items (id int primary key, cat int not null, name text not null);
    insert into items select g, g % 500, 'item ' || g from generate_series(1, 50000) g;
    create table log (id serial primary key, item_id int, note text);
    create table unanalyzed (id int, x int);
    insert into unanalyzed select g, g % 100 from generate_series(1, 20000) g;
  `);
  await engine.db.exec('vacuum analyze items');
  await engine.db.exec('analyze log');
}, 60_000);
afterAll(() => engine.db.close());

describe('statementWrites', () => {
  it('tells reading from writing statements, including writing CTEs and CREATE TABLE AS', async () => {
    expect(await statementWrites('select * from items')).toMatchObject({ type: 'SelectStmt', writes: false });
    expect(await statementWrites('select * from items for update')).toMatchObject({ writes: false });
    expect(await statementWrites('insert into log (note) values (1)')).toMatchObject({ type: 'InsertStmt', writes: true });
    expect(await statementWrites('update items set name = name')).toMatchObject({ type: 'UpdateStmt', writes: true });
    expect(await statementWrites('delete from items')).toMatchObject({ type: 'DeleteStmt', writes: true });
    expect(await statementWrites('merge into items i using log l on l.item_id = i.id when matched then delete')).toMatchObject({ writes: true });
    expect(await statementWrites('with d as (delete from log returning *) select count(*) from d')).toMatchObject({ type: 'SelectStmt', writes: true });
    expect(await statementWrites('create table x as select 1')).toMatchObject({ writes: true });
    expect(await statementWrites('select 1 into newtable')).toMatchObject({ writes: true });
    expect(await statementWrites('execute some_prepared')).toMatchObject({ writes: true });
    expect(await statementWrites('explain analyze delete from log')).toMatchObject({ type: 'DeleteStmt', writes: true });
    await expect(statementWrites('select 1; select 2')).rejects.toThrow(/one statement/);
  });
});

describe('explainQuery', () => {
  it('EXPLAIN ANALYZE of a SELECT: plan, buffers, diagnoses pinned to nodes, nothing rolled back', async () => {
    const r = await explainQuery(engine, 'select * from items where cat = 7;', { analyze: true });
    expect(r).toMatchObject({ sql: 'select * from items where cat = 7', statementType: 'SelectStmt', writes: false, rolledBack: false });
    expect(r.explainSql).toMatch(/^EXPLAIN \(ANALYZE true, BUFFERS true, SETTINGS true, FORMAT JSON\) select/);
    expect(r.plan).toMatchObject({ analyzed: true, hasBuffers: true, source: 'json' });
    expect(r.plan.root).toMatchObject({ nodeType: 'Seq Scan', relation: 'items', actualRows: 100 });
    const f = r.findings.find((x) => x.check === 'seq_scan_selective_filter')!;
    expect(nodeIdOf(f.object.node)).toBe(r.plan.root.id);
    expect(f.fix).toBe('CREATE INDEX CONCURRENTLY ON items (cat);');
    expect(r.tableStats?.items.lastAnalyze).not.toBeNull();
  });

  it('plain EXPLAIN: estimates only, and the diagnoses say so', async () => {
    const r = await explainQuery(engine, 'select * from items where cat = 7');
    expect(r.plan.analyzed).toBe(false);
    expect(r.explainSql).toContain('ANALYZE false, BUFFERS false');
    const f = r.findings.find((x) => x.check === 'seq_scan_selective_filter')!;
    expect(f.message).toMatch(/estimates/);
  });

  it('finds a table never analyzed through the catalog', async () => {
    const r = await explainQuery(engine, 'select * from unanalyzed where x = 3');
    const f = r.findings.find((x) => x.check === 'stale_statistics')!;
    expect(f.object.table).toBe('unanalyzed');
    expect(f.fix).toBe('ANALYZE unanalyzed;');
  });

  it('EXPLAIN ANALYZE of a write runs it in a transaction that is rolled back', async () => {
    const before = await count('items');
    const r = await explainQuery(engine, 'delete from items where cat < 250', { analyze: true });
    expect(r).toMatchObject({ writes: true, rolledBack: true, statementType: 'DeleteStmt' });
    expect(r.plan.root).toMatchObject({ nodeType: 'ModifyTable', operation: 'Delete', label: 'Delete on items' });
    expect(r.plan.nodes[1].actualRows).toBe(25000);
    expect(await count('items')).toBe(before);
    expect(engine.db.isInTransaction()).toBe(false);
  });

  it('a writing CTE under ANALYZE is rolled back too; plain EXPLAIN of a write runs nothing', async () => {
    const r = await explainQuery(engine, `with ins as (insert into log (item_id, note) select id, 'x' from items where id <= 10 returning id) select count(*) from ins`, { analyze: true });
    expect(r).toMatchObject({ writes: true, rolledBack: true });
    expect(await count('log')).toBe(0);
    const plain = await explainQuery(engine, 'delete from items');
    expect(plain).toMatchObject({ writes: true, rolledBack: false });
    expect(plain.plan.analyzed).toBe(false);
    expect(await count('items')).toBe(50000);
  });

  it('inside the caller\'s open transaction, rolls back to a savepoint and leaves that transaction open', async () => {
    expect((await engine.run('begin')).ok).toBe(true);
    await engine.run(`insert into log (item_id, note) values (1, 'mine')`);
    const r = await explainQuery(engine, `update log set note = 'changed'`, { analyze: true });
    expect(r.rolledBack).toBe(true);
    expect(engine.db.isInTransaction()).toBe(true);
    const rows = (await engine.query<{ note: string }>('select note from log')).rows;
    expect(rows).toEqual([{ note: 'mine' }]);
    await engine.run('rollback');
    expect(await count('log')).toBe(0);
  });

  it('a failing write under ANALYZE still rolls back and reports the error', async () => {
    await expect(explainQuery(engine, 'insert into items values (1, 1, null)', { analyze: true })).rejects.toThrow(/null/);
    expect(engine.db.isInTransaction()).toBe(false);
  });

  it('accepts a statement that already starts with EXPLAIN and honours its options', async () => {
    const r = await explainQuery(engine, 'EXPLAIN (ANALYZE, BUFFERS off) select count(*) from items');
    expect(r.sql).toBe('select count(*) from items');
    expect(r.plan.analyzed).toBe(true);
    expect(r.plan.hasBuffers).toBe(false);
    const r2 = await explainQuery(engine, 'explain analyze delete from items');
    expect(r2).toMatchObject({ sql: 'delete from items', rolledBack: true });
    expect(await count('items')).toBe(50000);
  });

  it('handles QUERY PLAN arriving as JSON text (node-postgres with raw type parsing)', async () => {
    const textDb: Queryable = {
      query: async <T,>(sql: string, params?: unknown[]) => {
        const r = await engine.rawQuery(sql, params);
        return { rows: r.rows as T[], fields: r.fields };
      },
    };
    const r = await explainQuery(textDb, 'select * from items where cat = 7', { analyze: true, tableStats: false });
    expect(r.plan.root).toMatchObject({ nodeType: 'Seq Scan', actualRows: 100 });
    expect(r.tableStats).toBeUndefined();
    expect(r.findings.map((f) => f.check)).toContain('seq_scan_selective_filter');
  });

  it('uses the session\'s work_mem for estimate-based spill checks', async () => {
    await engine.query(`set work_mem = '64kB'`);
    try {
      const r = await explainQuery(engine, 'select * from items order by name');
      expect(r.plan.settings?.work_mem).toBe('64kB');
      const f = r.findings.find((x) => x.check === 'sort_spill')!;
      expect(f.severity).toBe('info');
      expect(f.message).toMatch(/work_mem 64 kB/);
    } finally {
      await engine.query('reset work_mem');
    }
    const r = await explainQuery(engine, 'select * from items order by name');
    expect(r.findings.filter((x) => x.check === 'sort_spill')).toEqual([]);
  });
});
