// comparePlans on real PGlite plans: an index added, join methods forced, join order changed,
// a spill removed by work_mem, and a plan compared with itself.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { explainQuery } from '../../src/analysis/plan/explain.ts';
import { comparePlans, joinTree, planScans, changeWord, describeMetric } from '../../src/analysis/plan/compare.ts';
import type { Plan } from '../../src/analysis/plan/types.ts';
import { localEngine } from '../support/pglite.ts';

let engine: LocalEngine;

beforeAll(async () => {
  engine = await localEngine();
  await engine.db.exec(`
    create table customers (id int primary key, country text not null);
    insert into customers select g, (array['fr','de','us','jp','br'])[1 + g % 5] from generate_series(0, 4999) g;
    create table orders (id int primary key, customer_id int not null, status text not null, amount numeric(10,2) not null);
    insert into orders select g, g % 5000, (array['new','paid','shipped','cancelled'])[1 + g % 4], (g % 1000) / 10.0
      from generate_series(1, 120000) g;
    create table regions (country text primary key, region text not null);
    insert into regions values ('fr','eu'), ('de','eu'), ('us','am'), ('jp','as'), ('br','am');
  `);
  await engine.db.exec('vacuum analyze customers, orders, regions');
}, 60_000);
afterAll(() => engine.db.close());

/** EXPLAIN with planner settings applied by SET LOCAL inside a rolled-back transaction. */
async function planWith(sql: string, settings: string[] = [], analyze = true): Promise<Plan> {
  await engine.run('BEGIN');
  try {
    for (const s of settings) await engine.run(`SET LOCAL ${s}`);
    return (await explainQuery(engine, sql, { analyze, tableStats: false })).plan;
  } finally {
    await engine.run('ROLLBACK');
  }
}

describe('comparePlans', () => {
  it('an added index: the scan changes from Seq Scan to an index or bitmap scan, with time, cost and buffers', async () => {
    const sql = 'select * from orders where customer_id = 42';
    const before = await planWith(sql);
    expect(before.root.nodeType).toBe('Seq Scan');
    await engine.run('create index orders_customer_idx on orders (customer_id)');
    try {
      const after = await planWith(sql);
      const c = comparePlans(before, after);
      expect(c.scans).toHaveLength(1);
      expect(c.scans[0].before).toMatchObject({ key: 'orders', method: 'Seq Scan', indexes: [] });
      expect(c.scans[0].after?.method).toMatch(/^(Index Scan|Bitmap Heap Scan)$/);
      expect(c.scans[0].after?.indexes).toEqual(['orders_customer_idx']);
      expect(c.indexesBefore).toEqual([]);
      expect(c.indexesAfter).toEqual(['orders_customer_idx']);
      const kinds = c.changes.map((x) => x.kind);
      expect(kinds.slice(0, 2)).toEqual(['scan', 'index']);
      expect(kinds).toContain('node_types');
      expect(kinds).toContain('time');
      expect(kinds).toContain('cost');
      expect(kinds).toContain('buffers');
      expect(kinds).not.toContain('rows'); // same 24 rows
      expect(c.changes[0].text).toMatch(/^orders: Seq Scan → (Index Scan|Bitmap Heap Scan) using orders_customer_idx$/);
      expect(c.changes.find((x) => x.kind === 'index')!.text).toBe('Index choice: now uses orders_customer_idx');
      expect(c.nodeTypes.find((t) => t.type === 'Seq Scan')).toEqual({ type: 'Seq Scan', before: 1, after: 0 });
      const cost = c.metrics.find((m) => m.key === 'totalCost')!;
      expect(cost.after!).toBeLessThan(cost.before! / 10);
      const buf = c.metrics.find((m) => m.key === 'sharedBuffers')!;
      expect(buf.after!).toBeLessThan(buf.before!);
      expect(c.metrics.find((m) => m.key === 'rows')).toMatchObject({ before: 24, after: 24 });
      expect(c.sameShape).toBe(false);
    } finally {
      await engine.run('drop index orders_customer_idx');
    }
  });

  it('join methods forced by planner settings are listed, and the rows stay the same', async () => {
    const sql = `select c.country, count(*) from orders o join customers c on c.id = o.customer_id where o.status = 'paid' group by c.country`;
    const hash = await planWith(sql);
    const merge = await planWith(sql, ['enable_hashjoin = off', 'enable_nestloop = off']);
    const c = comparePlans(hash, merge);
    expect(c.joinMethodsBefore).toEqual(['Hash Join']);
    expect(c.joinMethodsAfter).toEqual(['Merge Join']);
    expect(c.changes.find((x) => x.kind === 'join_method')?.text).toBe('Join methods: Hash Join → Merge Join');
    expect(c.nodeTypes.map((t) => t.type)).toContain('Merge Join');
    expect(c.metrics.find((m) => m.key === 'rows')).toMatchObject({ before: 5, after: 5 });
    expect(c.changes.some((x) => x.kind === 'rows')).toBe(false);
  });

  it('join order: the tables are joined in another order', async () => {
    // join_collapse_limit = 1 keeps the written order of explicit JOINs.
    const a = await planWith(
      `select count(*) from orders o join customers c on c.id = o.customer_id join regions r on r.country = c.country`,
      ['join_collapse_limit = 1'], false);
    const b = await planWith(
      `select count(*) from regions r join customers c on r.country = c.country join orders o on c.id = o.customer_id`,
      ['join_collapse_limit = 1'], false);
    expect(joinTree(a.root)).toMatch(/^\(\((o ⋈ c|c ⋈ o)\) ⋈ r\)$|^\(r ⋈ \((o ⋈ c|c ⋈ o)\)\)$/);
    expect(joinTree(b.root)).toMatch(/\((r ⋈ c|c ⋈ r)\)/);
    const c = comparePlans(a, b);
    const line = c.changes.find((x) => x.kind === 'join_order');
    expect(line?.text).toBe(`Join order: ${joinTree(a.root)} → ${joinTree(b.root)}`);
    // Plain EXPLAIN: no time, no buffers.
    expect(c.metrics.find((m) => m.key === 'executionTime')).toMatchObject({ before: undefined, after: undefined });
    expect(c.changes.some((x) => x.kind === 'time' || x.kind === 'buffers')).toBe(false);
  });

  it('work_mem: an external sort that fits in memory after the change is a spill that went away', async () => {
    const sql = 'select * from orders order by amount, id';
    const small = await planWith(sql, [`work_mem = '64kB'`]);
    const big = await planWith(sql, [`work_mem = '64MB'`]);
    const c = comparePlans(small, big);
    const spill = c.changes.find((x) => x.kind === 'spill');
    expect(spill?.text).toMatch(/^Spills to disk: Sort: external merge on disk → none$/);
    expect(c.metrics.find((m) => m.key === 'tempBuffers')!.before!).toBeGreaterThan(0);
    expect(c.metrics.find((m) => m.key === 'tempBuffers')!.after).toBe(0);
  });

  it('near miss: a plan compared with itself has the same shape and no structural change', async () => {
    const p = await planWith('select * from orders where customer_id = 42', [], false);
    const c = comparePlans(p, p);
    expect(c.sameShape).toBe(true);
    expect(c.scans).toEqual([]);
    expect(c.nodeTypes).toEqual([]);
    expect(c.changes).toEqual([]);
  });

  it('self-joins are told apart by alias', async () => {
    const p = await planWith('select count(*) from customers a join customers b on a.id = b.id + 1', [], false);
    expect(planScans(p).map((s) => s.key).sort()).toEqual(['a', 'b']);
  });
});

describe('metric wording', () => {
  it('times as a factor, other measures as a percentage', () => {
    expect(changeWord({ key: 'executionTime', name: '', unit: 'ms', before: 40, after: 0.5 })).toBe('80× faster');
    expect(changeWord({ key: 'executionTime', name: '', unit: 'ms', before: 1, after: 2.5 })).toBe('2.5× slower');
    expect(changeWord({ key: 'totalCost', name: '', unit: 'cost', before: 2000, after: 87 })).toBe('-96%');
    expect(changeWord({ key: 'rows', name: '', unit: 'rows', before: 24, after: 24 })).toBe('same');
    expect(describeMetric({ key: 'executionTime', name: '', unit: 'ms', before: 12.34, after: 0.123 })).toBe('12.3 ms → 0.123 ms (100× faster)');
  });
});
