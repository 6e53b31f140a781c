// The plan parser on captured fixtures (tests/fixtures/plans: PGlite and a native PostgreSQL 18
// server, each with the SQL that made it), and TEXT against JSON for the same plans on PGlite.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { parsePlan, PlanParseError } from '../../src/analysis/plan/parse.ts';
import { diagnosePlan } from '../../src/analysis/plan/diagnose.ts';
import type { Plan, PlanNode } from '../../src/analysis/plan/types.ts';
import { localEngine } from '../support/pglite.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/plans', name), 'utf8');
const byLabel = (plan: Plan, label: string) => {
  const n = plan.nodes.find((x) => x.label === label);
  if (!n) throw new Error(`no node ${label} in ${plan.nodes.map((x) => x.label).join(' / ')}`);
  return n;
};

describe('JSON plans', () => {
  it('EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON): the tree, actuals, buffers and plan-level figures', () => {
    const text = fixture('join-analyze-buffers.json');
    const plan = parsePlan(text);
    expect(parsePlan(JSON.parse(text))).toEqual(plan);
    expect(parsePlan(JSON.parse(text)[0])).toEqual(plan);
    expect(plan).toMatchObject({ source: 'json', analyzed: true, hasBuffers: true, hasTiming: true, triggers: [] });
    expect(plan.planningTime).toBeGreaterThan(0);
    expect(plan.executionTime).toBeGreaterThan(0);
    expect(plan.planningBuffers?.shared.hit).toBeGreaterThan(0);
    expect(plan.nodes.map((n) => n.label)).toEqual([
      'Sort', 'HashAggregate', 'Hash Join', 'Seq Scan on orders o', 'Hash', 'Seq Scan on customers c',
    ]);
    expect(plan.nodes.map((n) => n.id)).toEqual(['1', '2', '3', '4', '5', '6']);
    const scan = byLabel(plan, 'Seq Scan on orders o');
    expect(scan).toMatchObject({
      nodeType: 'Seq Scan', relation: 'orders', alias: 'o', parentRelationship: 'Outer',
      conditions: { filter: "(status = 'paid'::text)" }, actualRows: 25000, loops: 1, rowsRemovedByFilter: 75000,
    });
    expect(scan.buffers!.shared.hit + scan.buffers!.shared.read).toBeGreaterThan(0);
    const join1 = byLabel(plan, 'Hash Join');
    expect(join1).toMatchObject({ joinType: 'Inner', conditions: { hashCond: '(o.customer_id = c.id)' } });
    expect(join1.exclusiveTime).toBeCloseTo(join1.inclusiveTime! - scan.inclusiveTime! - byLabel(plan, 'Hash').inclusiveTime!, 2);
    expect(byLabel(plan, 'HashAggregate')).toMatchObject({ nodeType: 'Aggregate', strategy: 'Hashed', groupKey: ['c.country'], hashAggBatches: 1 });
    expect(byLabel(plan, 'Hash')).toMatchObject({ hashBatches: 1, originalHashBatches: 1, hashBuckets: 8192 });
    expect(plan.root).toMatchObject({ sortMethod: 'quicksort', sortSpaceType: 'Memory' });
    for (const n of plan.nodes) {
      expect(n.exclusiveTime).toBeGreaterThanOrEqual(0);
      expect(n.exclusiveTime).toBeLessThanOrEqual(n.inclusiveTime!);
    }
  });

  it('plain EXPLAIN (FORMAT JSON): estimates only', () => {
    const plan = parsePlan(fixture('join-plain.json'));
    expect(plan).toMatchObject({ analyzed: false, hasBuffers: false, hasTiming: false });
    expect(plan.executionTime).toBeUndefined();
    const scan = byLabel(plan, 'Seq Scan on orders o');
    expect(scan.actualRows).toBeUndefined();
    expect(scan.inclusiveTime).toBeUndefined();
    expect(scan.estimatedRows).toBeGreaterThan(20000);
    expect(scan.exclusiveCost).toBe(scan.totalCost);
  });

  it('a native server plan with parallel workers, VERBOSE and a nested loop', () => {
    const plan = parsePlan(fixture('server-nested-loop-analyze.json'));
    expect(plan.root).toMatchObject({ nodeType: 'Gather', workersPlanned: 1, workersLaunched: 1 });
    const scan = plan.nodes.find((n) => n.nodeType === 'Seq Scan')!;
    expect(scan).toMatchObject({ parallelAware: true, schema: 'public', relation: 'orders', alias: 'o' });
    expect(scan.label).toBe('Parallel Seq Scan on public.orders o');
    expect(scan.workers?.[0]).toMatchObject({ number: 0 });
    const inner = plan.nodes.find((n) => n.nodeType === 'Index Scan')!;
    expect(inner).toMatchObject({ index: 'customers_pkey', parentRelationship: 'Inner', conditions: { indexCond: '(c.id = o.customer_id)' } });
    expect(inner.loops).toBeGreaterThan(1000);
    // Below a Gather, loops count the workers: time is not multiplied by them.
    expect(inner.inclusiveTime!).toBeLessThan(plan.executionTime!);
  });
});

describe('TEXT plans', () => {
  it('PGlite EXPLAIN (ANALYZE, BUFFERS) with a CTE, an InitPlan, spills and a top-N sort', () => {
    const plan = parsePlan(fixture('spill-analyze-buffers.txt'));
    expect(plan).toMatchObject({ source: 'text', analyzed: true, hasBuffers: true, hasTiming: true });
    expect(plan.planningBuffers?.shared.hit).toBeGreaterThan(0);
    expect(plan.nodes.map((n) => n.label)).toEqual([
      'Limit', 'GroupAggregate', 'Sort', 'Seq Scan on orders', 'Aggregate', 'Seq Scan on orders orders_1',
      'Sort', 'Hash Join', 'Seq Scan on orders o', 'Hash', 'CTE Scan on big b',
    ]);
    const [, cte, spill, , initPlan] = plan.nodes;
    expect(cte).toMatchObject({ subplanName: 'CTE big', parentRelationship: 'InitPlan', strategy: 'Sorted', groupKey: ['orders.customer_id'] });
    expect(initPlan).toMatchObject({ subplanName: 'InitPlan 2', parentRelationship: 'InitPlan' });
    expect(spill).toMatchObject({ sortMethod: 'external merge', sortSpaceType: 'Disk', sortKey: ['orders.customer_id'] });
    expect(spill.sortSpaceUsed).toBeGreaterThan(1000);
    expect(spill.buffers!.temp.written).toBeGreaterThan(0);
    expect(plan.nodes[6]).toMatchObject({ sortMethod: 'top-N heapsort', sortSpaceType: 'Memory', sortKey: ['o.created_at DESC'] });
    expect(byLabel(plan, 'Hash')).toMatchObject({ hashBatches: 2, originalHashBatches: 1, hashBuckets: 4096, originalHashBuckets: 2048 });
    const cteScan = byLabel(plan, 'CTE Scan on big b');
    expect(cteScan).toMatchObject({ cteName: 'big', alias: 'b', rowsRemovedByFilter: 5, conditions: { filter: "(total > '0'::numeric)" } });
    // The CTE runs inside the CTE Scan, the InitPlan inside the scan whose filter uses it.
    expect(cteScan.exclusiveTime!).toBeLessThan(cteScan.inclusiveTime! - cte.inclusiveTime! + 0.01);
    const outerScan = byLabel(plan, 'Seq Scan on orders o');
    expect(outerScan.exclusiveTime!).toBeCloseTo(outerScan.inclusiveTime! - initPlan.inclusiveTime!, 2);
    expect(plan.root.actualRows).toBe(50);
    const checks = diagnosePlan(plan).map((f) => f.check);
    expect(checks).toEqual(expect.arrayContaining(['sort_spill', 'hash_batches']));
  });

  it('a native server plan with Gather Merge, partial aggregates and worker lines', () => {
    const plan = parsePlan(fixture('server-parallel-analyze.txt'));
    expect(plan.nodes.map((n) => n.label)).toEqual([
      'Finalize GroupAggregate', 'Gather Merge', 'Sort', 'Partial HashAggregate', 'Parallel Seq Scan on orders',
    ]);
    expect(plan.nodes[0]).toMatchObject({ nodeType: 'Aggregate', strategy: 'Sorted', partialMode: 'Finalize' });
    expect(plan.nodes[1]).toMatchObject({ workersPlanned: 1, workersLaunched: 1 });
    expect(plan.nodes[2].workers?.[0]).toMatchObject({ number: 0, sortMethod: 'quicksort', sortSpaceType: 'Memory' });
    expect(plan.nodes[4]).toMatchObject({ nodeType: 'Seq Scan', parallelAware: true, loops: 2 });
    expect(plan.nodes[4].actualRows! % 1).not.toBe(0); // PostgreSQL 18 prints fractional average rows
  });

  it('a native server bitmap scan gone lossy', () => {
    const plan = parsePlan(fixture('server-bitmap-analyze.txt'));
    expect(plan.root).toMatchObject({
      nodeType: 'Bitmap Heap Scan', relation: 'orders', conditions: { recheckCond: '(customer_id < 2000)', filter: "(status = 'paid'::text)" },
    });
    expect(plan.root.lossyHeapBlocks).toBeGreaterThan(0);
    expect(plan.root.rowsRemovedByIndexRecheck).toBeGreaterThan(0);
    expect(plan.nodes[1]).toMatchObject({ nodeType: 'Bitmap Index Scan', index: 'orders_customer_idx', indexSearches: 1 });
    expect(diagnosePlan(plan).map((f) => f.check)).toContain('lossy_bitmap');
  });

  it('plain EXPLAIN, an INSERT with its trigger', () => {
    const plain = parsePlan(fixture('index-plain.txt'));
    expect(plain.analyzed).toBe(false);
    expect(plain.root).toMatchObject({
      nodeType: 'Index Scan', index: 'orders_pkey', relation: 'orders', alias: 'o', scanDirection: 'Forward',
      startupCost: 0.29, conditions: { indexCond: '((id >= 10) AND (id <= 20))', filter: "(status <> 'new'::text)" },
    });
    const ins = parsePlan(fixture('insert-analyze.txt'));
    expect(ins.root).toMatchObject({ nodeType: 'ModifyTable', operation: 'Insert', relation: 'orders', label: 'Insert on orders' });
    expect(ins.nodes[1]).toMatchObject({ nodeType: 'Function Scan', functionName: 'generate_series', alias: 'g' });
    expect(ins.triggers).toEqual([expect.objectContaining({ constraint: 'orders_customer_id_fkey', calls: 100 })]);
  });

  it('a plan pasted from psql, with its header, footer, wrap marks and a never-executed node', () => {
    const pasted = `                                  QUERY PLAN
-------------------------------------------------------------------------------
 Nested Loop Left Join  (cost=0.29..16.34 rows=1 width=8) (actual time=0.010..0.011 rows=0.00 loops=1)
   Join Filter: (a.x = "B".y)
   ->  Seq Scan on "Weird Table" a  (cost=0.00..8.00 rows=1 width=4) (actual time=0.009..0.009 rows=0.00 loops=1)
         Filter: (x > 100)
         Rows Removed by Filter: 400
   ->  Index Only Scan Backward using "B_pkey" on public."B"  (cost=0.29..8.31 rows=1 width=4) (never executed)
         Index Cond: (y > 5)
         Heap Fetches: 0
   SubPlan 1
     ->  Result  (cost=0.00..0.01 rows=1 width=4) (actual rows=1.00 loops=3)
 Planning Time: 0.200 ms
 Execution Time: 0.050 ms
(12 rows)
`;
    const plan = parsePlan(pasted);
    expect(plan.nodes.map((n) => n.label)).toEqual([
      'Nested Loop Left Join', 'Seq Scan on "Weird Table" a', 'Index Only Scan Backward using "B_pkey" on public."B"', 'Result',
    ]);
    expect(plan.root).toMatchObject({ nodeType: 'Nested Loop', joinType: 'Left', conditions: { joinFilter: '(a.x = "B".y)' } });
    expect(plan.nodes[1]).toMatchObject({ relation: 'Weird Table', alias: 'a', rowsRemovedByFilter: 400, parentRelationship: 'Outer' });
    expect(plan.nodes[2]).toMatchObject({ relation: 'B', schema: 'public', index: 'B_pkey', scanDirection: 'Backward', neverExecuted: true, loops: 0, parentRelationship: 'Inner' });
    expect(plan.nodes[3]).toMatchObject({ subplanName: 'SubPlan 1', parentRelationship: 'SubPlan', actualRows: 1, loops: 3 });
    expect(plan.nodes[3].actualTotalTime).toBeUndefined();
    expect(plan.executionTime).toBe(0.05);
  });

  it('rejects what is not a plan', () => {
    expect(() => parsePlan('')).toThrow(PlanParseError);
    expect(() => parsePlan('{"a": 1}')).toThrow(PlanParseError);
    expect(() => parsePlan('[{"Plan": ')).toThrow(PlanParseError);
  });
});

describe('TEXT and JSON of the same plan agree (PGlite)', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await localEngine();
    await engine.db.exec(`
      create table t (id int primary key, a int, b int, pad text);
      insert into t select g, g % 1000, g % 7, md5(g::text) from generate_series(1, 100000) g;
      create index t_a_idx on t (a);
      create table u (id int primary key, t_id int);
      insert into u select g, g * 3 from generate_series(1, 3000) g;
    `);
    await engine.db.exec('vacuum analyze t');
    await engine.db.exec('analyze u');
  }, 60_000);
  afterAll(() => engine.db.close());

  const STRUCTURAL: (keyof PlanNode)[] = [
    'id', 'label', 'nodeType', 'parentRelationship', 'subplanName', 'parallelAware', 'relation', 'alias', 'index', 'functionName',
    'cteName', 'joinType', 'strategy', 'conditions', 'sortKey', 'groupKey', 'startupCost', 'totalCost', 'estimatedRows', 'width',
    'actualRows', 'loops', 'rowsRemovedByFilter', 'rowsRemovedByJoinFilter', 'rowsRemovedByIndexRecheck', 'sortMethod',
    'sortSpaceType', 'hashBatches', 'originalHashBatches', 'hashBuckets', 'heapFetches', 'exactHeapBlocks', 'lossyHeapBlocks',
    'hashAggBatches', 'neverExecuted',
  ];
  const pick = (n: PlanNode) => Object.fromEntries(STRUCTURAL.filter((k) => n[k] !== undefined).map((k) => [k, n[k]]));

  const QUERIES: [string, string[]][] = [
    ['select b, count(*), max(pad) from t where a < 300 group by b order by b', []],
    ['select * from t join u on u.t_id = t.id where t.a > 990', ['enable_hashjoin = off', 'enable_mergejoin = off']],
    ['select pad, count(*) from t group by pad', ['enable_sort = off', "work_mem = '64kB'"]],
    ['with w as materialized (select * from t where b = 1) select * from w where a = (select max(a) from u join t on t.id = u.t_id) order by pad limit 5 offset 100', ["work_mem = '64kB'"]],
    ['select count(pad) from t where a between 10 and 500', ['enable_seqscan = off', 'enable_indexscan = off', "work_mem = '64kB'"]],
    ['select id from t where id < 5000 and exists (select 1 from u where u.t_id = t.id)', []],
    ['select * from t where id in (1, 2, 3) union all select * from t where a = 1 and false', []],
  ];

  it.each(QUERIES)('%s', async (sql, settings) => {
    const run = async (format: string) => {
      await engine.db.query('begin');
      try {
        for (const s of settings) await engine.db.query(`set local ${s}`);
        const r = await engine.db.query<Record<string, unknown>>(`explain (analyze, buffers, format ${format}) ${sql}`);
        return format === 'json' ? r.rows[0]['QUERY PLAN'] : r.rows.map((x) => String(x['QUERY PLAN'])).join('\n');
      } finally {
        await engine.db.query('rollback');
      }
    };
    const json = parsePlan(await run('json'));
    const text = parsePlan(await run('text'));
    expect(text.nodes.map(pick)).toEqual(json.nodes.map(pick));
    expect(text.triggers).toEqual(json.triggers);
    expect(text.executionTime).toBeGreaterThan(0);
    // TEXT and JSON come from two executions: the diagnoses that weigh a node's share of that
    // run's time (slowest_node, and nested_loop_many_loops once ANALYZE gives times) can differ
    // between them near their threshold; every other diagnosis must agree.
    const timed = /slowest|costliest|nested_loop_many_loops/;
    expect(diagnosePlan(text).map((f) => `${f.check} ${f.object.node}`).filter((f) => !timed.test(f)))
      .toEqual(diagnosePlan(json).map((f) => `${f.check} ${f.object.node}`).filter((f) => !timed.test(f)));
  });
});
