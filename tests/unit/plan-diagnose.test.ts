// Each diagnosis built on real PGlite, with data sized so the planner really makes the choice,
// and a near miss that must not be diagnosed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { parsePlan } from '../../src/analysis/plan/parse.ts';
import { conditionColumns, diagnosePlan, nodeIdOf, PLAN_CHECKS, type DiagnoseOptions } from '../../src/analysis/plan/diagnose.ts';
import { loadTableStats, planRelations } from '../../src/analysis/plan/stats.ts';
import type { Plan, PlanNode } from '../../src/analysis/plan/types.ts';
import { localEngine } from '../support/pglite.ts';

let engine: LocalEngine;

beforeAll(async () => {
  engine = await localEngine();
  await engine.db.exec(`
    create table big (id int primary key, a int, b int, c int, h int, e int, f int, grp int, d int, l int, p int, q int, pad text);
    insert into big
      select g, g % 1000, g % 100, g % 100, g % 100, g % 10, g % 10, g / 2000, g % 50, g % 97, g % 30, g % 30, md5(g::text)
        from generate_series(1, 200000) g;
    create index big_grp_idx on big (grp);
    create index big_l_idx on big (l);
    create table mid (id int primary key, v int);
    insert into mid select g, g % 7 from generate_series(1, 5000) g;
    create table small (id int primary key, a int);
    insert into small select g, g % 1000 from generate_series(1, 1000) g;
    create table ios_dirty (id int primary key, v int);
    insert into ios_dirty select g, g from generate_series(1, 100000) g;
    create table ios_clean (id int primary key, v int);
    insert into ios_clean select g, g from generate_series(1, 100000) g;
    create table never_analyzed (id int, x int);
    insert into never_analyzed select g, g % 100 from generate_series(1, 20000) g;
    create table changed (id int, x int);
    insert into changed select g, g % 100 from generate_series(1, 10000) g;
  `);
  // ANALYZE samples 300 × the statistics target rows: 1000 reads all 200,000 rows of big, so the
  // estimates (and the misestimate factors the tests grade) are the same on every run.
  await engine.db.exec('set default_statistics_target = 1000');
  await engine.db.exec('vacuum analyze big');
  await engine.db.exec('reset default_statistics_target');
  await engine.db.exec('vacuum analyze mid');
  await engine.db.exec('vacuum analyze small');
  await engine.db.exec('analyze ios_dirty');
  await engine.db.exec('vacuum analyze ios_clean');
  await engine.db.exec('analyze changed');
  await engine.db.exec('insert into changed select g, g % 100 from generate_series(10001, 15000) g');
}, 120_000);
afterAll(() => engine.db.close());

/** EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) under SET LOCAL settings, rolled back. */
async function explain(sql: string, settings: string[] = [], analyze = true): Promise<Plan> {
  await engine.db.query('begin');
  try {
    for (const s of settings) await engine.db.query(`set local ${s}`);
    const r = await engine.db.query<Record<string, unknown>>(`explain (${analyze ? 'analyze, buffers, ' : ''}format json) ${sql}`);
    return parsePlan(r.rows[0]['QUERY PLAN']);
  } finally {
    await engine.db.query('rollback');
  }
}

async function diagnose(sql: string, settings: string[] = [], opts: DiagnoseOptions = {}, analyze = true) {
  const plan = await explain(sql, settings, analyze);
  return { plan, findings: diagnosePlan(plan, opts) };
}

function find(findings: Finding[], check: string): Finding[] {
  return findings.filter((f) => f.check === check);
}

function nodeOf(plan: Plan, f: Finding): PlanNode {
  const node = plan.nodes.find((n) => n.id === nodeIdOf(f.object.node));
  if (!node) throw new Error(`no node for ${f.object.node}`);
  return node;
}

/** The one finding of `check`, on a node of type `nodeType`. */
function expectOne(plan: Plan, findings: Finding[], check: string, nodeType: string): { f: Finding; node: PlanNode } {
  const fs = find(findings, check);
  expect(fs, `${check} in ${JSON.stringify(findings.map((x) => x.check))}`).toHaveLength(1);
  const node = nodeOf(plan, fs[0]);
  expect(node.nodeType).toBe(nodeType);
  expect(fs[0].object.node).toBe(`#${node.id} ${node.label}`);
  expect(fs[0].message.length).toBeGreaterThan(10);
  expect(fs[0].why.length).toBeGreaterThan(40);
  return { f: fs[0], node };
}

describe('conditionColumns', () => {
  it.each([
    ["((status)::text = 'paid'::text)", ['status'], [], []],
    ["(lower(email) = 'x'::text)", [], [], ['email']],
    ['((a = 5) AND (b > 10))', ['a'], ['b'], []],
    ["(created_at >= '2025-03-01 00:00:00+00'::timestamp with time zone)", [], ['created_at'], []],
    ['((t.a = 5) AND (u.b = 3))', ['a'], [], []],
    ["((name ~~ 'abc%'::text) AND (deleted_at IS NULL))", ['deleted_at'], ['name'], []],
    ['(5 = a)', ['a'], [], []],
    ['("Weird Col" = 1)', ['Weird Col'], [], []],
    ['(amount > (InitPlan 2).col1)', [], ['amount'], []],
  ])('%s', (expr, equality, other, inExpressions) => {
    expect(conditionColumns(expr, 't')).toEqual({ equality, other, inExpressions });
  });
});

describe('seq_scan_selective_filter', () => {
  it('points at the sequential scan and suggests the index on the filtered columns', async () => {
    const { plan, findings } = await diagnose('select * from big where a = 5');
    const { f } = expectOne(plan, findings, 'seq_scan_selective_filter', 'Seq Scan');
    expect(f.severity).toBe('warning');
    expect(f.object.table).toBe('big');
    expect(f.object.columns).toEqual(['a']);
    expect(f.fix).toBe('CREATE INDEX CONCURRENTLY ON big (a);');
    expect(f.message).toContain('99.9%');
  });

  it('puts equality columns first when the filter also has a range', async () => {
    const { findings } = await diagnose('select * from big where a > 990 and b = 7');
    const f = find(findings, 'seq_scan_selective_filter')[0];
    expect(f.object.columns).toEqual(['b', 'a']);
  });

  it('near miss: a filter that keeps half the rows, and a small table', async () => {
    expect(find((await diagnose('select * from big where a < 500')).findings, 'seq_scan_selective_filter')).toEqual([]);
    expect(find((await diagnose('select * from small where a = 5')).findings, 'seq_scan_selective_filter')).toEqual([]);
  });

  it('from estimates alone, given the table size, and says so', async () => {
    const plan = await explain('select * from big where a = 5', [], false);
    expect(plan.analyzed).toBe(false);
    const tableStats = await loadTableStats(engine, planRelations(plan));
    const [f] = find(diagnosePlan(plan, { tableStats }), 'seq_scan_selective_filter');
    expect(f.message).toMatch(/estimates/);
    expect(nodeOf(plan, f).nodeType).toBe('Seq Scan');
    expect(diagnosePlan(plan).filter((x) => x.check === 'seq_scan_selective_filter')).toEqual([]);
  });
});

describe('row_misestimate', () => {
  it('grades ×10 as a warning', async () => {
    // p and q are equal: estimated 200000 / 30 / 30 ≈ 222 rows, actually 6667 (×30).
    const { plan, findings } = await diagnose('select * from big where p = 1 and q = 1');
    const { f } = expectOne(plan, findings, 'row_misestimate', 'Seq Scan');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('×10 ');
    expect(f.message).toContain('underestimated');
    expect(f.fix).toContain('CREATE STATISTICS');
    expect(f.fix).toContain('ON p, q FROM big');
  });

  it('grades ×100 and ×1000 as errors', async () => {
    // a = g % 1000 implies b = g % 100: estimated 200000 × 1/1000 × 1/100 → 1 row, actually 200.
    const r100 = await diagnose('select * from big where a = 1 and b = 1');
    const { f: f100 } = expectOne(r100.plan, r100.findings, 'row_misestimate', 'Seq Scan');
    expect(f100.severity).toBe('error');
    expect(f100.message).toContain('×100 ');
    const r1000 = await diagnose('select * from big where b = 1 and c = 1 and h = 1');
    const { f: f1000 } = expectOne(r1000.plan, r1000.findings, 'row_misestimate', 'Seq Scan');
    expect(f1000.severity).toBe('error');
    expect(f1000.message).toContain('×1000 ');
  });

  it('reports where the error starts, not the nodes that inherit it', async () => {
    const { plan, findings } = await diagnose('select * from big where b = 1 and c = 1 and h = 1 order by pad');
    expect(plan.root.nodeType).toBe('Sort');
    expectOne(plan, findings, 'row_misestimate', 'Seq Scan');
  });

  it('near miss: a single-column filter is estimated well; plain EXPLAIN has no actual rows', async () => {
    expect(find((await diagnose('select * from big where b = 1')).findings, 'row_misestimate')).toEqual([]);
    expect(find((await diagnose('select * from big where b = 1 and c = 1', [], {}, false)).findings, 'row_misestimate')).toEqual([]);
  });
});

describe('sort_spill', () => {
  it('an external sort under a small work_mem', async () => {
    const { plan, findings } = await diagnose('select * from big order by pad', [`work_mem = '64kB'`]);
    const { node, f } = expectOne(plan, findings, 'sort_spill', 'Sort');
    expect(node.sortSpaceType).toBe('Disk');
    expect(f.fix).toMatch(/^SET work_mem = '\d+MB';$/);
  });

  it('near miss: a sort that fits in memory', async () => {
    const { plan, findings } = await diagnose('select * from big where a = 5 order by pad');
    expect(plan.nodes.find((n) => n.nodeType === 'Sort')?.sortSpaceType).toBe('Memory');
    expect(find(findings, 'sort_spill')).toEqual([]);
  });

  it('from estimates: rows × width against work_mem', async () => {
    const plan = await explain('select * from big order by pad', [], false);
    const [f] = find(diagnosePlan(plan, { workMemKb: 64 }), 'sort_spill');
    expect(f.severity).toBe('info');
    expect(f.message).toMatch(/estimates/);
    expect(find(diagnosePlan(plan, { workMemKb: 1024 * 1024 }), 'sort_spill')).toEqual([]);
  });
});

describe('hash_batches', () => {
  const off = ['enable_mergejoin = off', 'enable_nestloop = off'];
  it('a hash join whose inner side spilled into batches', async () => {
    const { plan, findings } = await diagnose('select * from big b1 join big b2 on b1.id = b2.a', [...off, `work_mem = '64kB'`]);
    const { node } = expectOne(plan, findings, 'hash_batches', 'Hash');
    expect(node.hashBatches).toBeGreaterThan(1);
  });

  it('near miss: a small inner side in one batch', async () => {
    const { plan, findings } = await diagnose('select * from big join small using (id)', off);
    expect(plan.nodes.find((n) => n.nodeType === 'Hash')?.hashBatches).toBe(1);
    expect(find(findings, 'hash_batches')).toEqual([]);
  });
});

describe('hash_agg_spill', () => {
  it('a hash aggregate that spilled to disk', async () => {
    const { plan, findings } = await diagnose('select pad, count(*) from big group by pad', ['enable_sort = off', `work_mem = '64kB'`]);
    const { node } = expectOne(plan, findings, 'hash_agg_spill', 'Aggregate');
    expect(node.strategy).toBe('Hashed');
    expect(node.hashAggBatches).toBeGreaterThan(1);
  });

  it('from estimates: planned partitions', async () => {
    const { plan, findings } = await diagnose('select pad, count(*) from big group by pad', ['enable_sort = off', `work_mem = '64kB'`], {}, false);
    const { f } = expectOne(plan, findings, 'hash_agg_spill', 'Aggregate');
    expect(f.message).toMatch(/estimates/);
  });

  it('near miss: a thousand groups fit in memory', async () => {
    const { plan, findings } = await diagnose('select a, count(*) from big group by a');
    expect(plan.nodes.some((n) => n.nodeType === 'Aggregate' && n.strategy === 'Hashed')).toBe(true);
    expect(find(findings, 'hash_agg_spill')).toEqual([]);
  });
});

describe('nested_loop_many_loops', () => {
  const off = ['enable_hashjoin = off', 'enable_mergejoin = off'];
  it('an inner index scan run thousands of times', async () => {
    const { plan, findings } = await diagnose('select sum(b.a) from mid m join big b on b.id = m.id * 10', off);
    const { node } = expectOne(plan, findings, 'nested_loop_many_loops', 'Nested Loop');
    expect(node.children[1].loops).toBe(5000);
  });

  it('near miss: a hundred loops', async () => {
    const { plan, findings } = await diagnose('select sum(b.a) from mid m join big b on b.id = m.id * 10 where m.id <= 100', off);
    expect(plan.nodes.some((n) => n.nodeType === 'Nested Loop')).toBe(true);
    expect(find(findings, 'nested_loop_many_loops')).toEqual([]);
  });
});

describe('lossy_bitmap', () => {
  const bitmapOnly = ['enable_seqscan = off', 'enable_indexscan = off'];
  it('a bitmap heap scan that went lossy under a small work_mem', async () => {
    const { plan, findings } = await diagnose('select count(pad) from big where l < 40', [...bitmapOnly, `work_mem = '64kB'`]);
    const { node } = expectOne(plan, findings, 'lossy_bitmap', 'Bitmap Heap Scan');
    expect(node.lossyHeapBlocks).toBeGreaterThan(0);
  });

  it('near miss: an exact bitmap', async () => {
    const { plan, findings } = await diagnose('select count(pad) from big where l < 40', bitmapOnly);
    const scan = plan.nodes.find((n) => n.nodeType === 'Bitmap Heap Scan')!;
    expect(scan.lossyHeapBlocks ?? 0).toBe(0);
    expect(scan.exactHeapBlocks).toBeGreaterThan(0);
    expect(find(findings, 'lossy_bitmap')).toEqual([]);
  });
});

describe('index_filter_heavy', () => {
  it('an index scan whose filter throws most rows away, with a covering index as the fix', async () => {
    const { plan, findings } = await diagnose('select * from big where grp = 5 and d = 3');
    const fs = find(findings, 'index_filter_heavy');
    expect(fs).toHaveLength(1);
    const node = nodeOf(plan, fs[0]);
    expect(['Index Scan', 'Bitmap Heap Scan']).toContain(node.nodeType);
    expect(fs[0].object.table).toBe('big');
    expect(fs[0].fix).toBe('CREATE INDEX CONCURRENTLY ON big (grp, d);');
  });

  it('near miss: a filter that keeps most of what the index finds', async () => {
    const { findings } = await diagnose('select * from big where grp = 5 and d < 45');
    expect(find(findings, 'index_filter_heavy')).toEqual([]);
  });
});

describe('index_only_heap_fetches', () => {
  const ios = ['enable_seqscan = off', 'enable_bitmapscan = off'];
  it('an index-only scan on a table never vacuumed, with VACUUM as the fix', async () => {
    const { plan, findings } = await diagnose('select id from ios_dirty where id < 50000', ios);
    const { f, node } = expectOne(plan, findings, 'index_only_heap_fetches', 'Index Only Scan');
    expect(node.heapFetches).toBeGreaterThan(1000);
    expect(f.fix).toBe('VACUUM ios_dirty;');
  });

  it('near miss: after VACUUM the visibility map is set', async () => {
    const { plan, findings } = await diagnose('select id from ios_clean where id < 50000', ios);
    expect(plan.root.nodeType).toBe('Index Only Scan');
    expect(plan.root.heapFetches).toBe(0);
    expect(find(findings, 'index_only_heap_fetches')).toEqual([]);
  });

  it('from estimates: the visibility map share from pg_class', async () => {
    const plan = await explain('select id from ios_dirty where id < 50000', ios, false);
    const tableStats = await loadTableStats(engine, planRelations(plan));
    const [f] = find(diagnosePlan(plan, { tableStats }), 'index_only_heap_fetches');
    expect(f.message).toMatch(/estimates/);
  });
});

describe('large_offset', () => {
  it('a Limit that reads and throws away 50 000 rows', async () => {
    const { plan, findings } = await diagnose('select * from big order by id offset 50000 limit 10');
    const { f } = expectOne(plan, findings, 'large_offset', 'Limit');
    expect(f.message).toContain('50,000');
    expect(f.why).toMatch(/[Kk]eyset/);
  });

  it('from estimates: the offset the Limit was costed with', async () => {
    const { plan, findings } = await diagnose('select * from big order by id offset 50000 limit 10', [], {}, false);
    const { f } = expectOne(plan, findings, 'large_offset', 'Limit');
    expect(f.message).toMatch(/about 50,000 rows/);
    expect(f.message).toMatch(/estimates/);
  });

  it('near miss: a small offset', async () => {
    expect(find((await diagnose('select * from big order by id offset 100 limit 10')).findings, 'large_offset')).toEqual([]);
    expect(find((await diagnose('select * from big order by id offset 100 limit 10', [], {}, false)).findings, 'large_offset')).toEqual([]);
  });
});

describe('stale_statistics', () => {
  it('a table never analyzed, and one changed a lot since', async () => {
    const plan = await explain('select * from never_analyzed n join changed c using (id) where n.x = 1');
    const tableStats = await loadTableStats(engine, planRelations(plan));
    expect(tableStats.never_analyzed.lastAnalyze).toBeNull();
    expect(tableStats.changed.nModSinceAnalyze).toBe(5000);
    const fs = find(diagnosePlan(plan, { tableStats }), 'stale_statistics');
    expect(fs.map((f) => f.object.table).sort()).toEqual(['changed', 'never_analyzed']);
    for (const f of fs) {
      expect(f.fix).toBe(`ANALYZE ${f.object.table};`);
      expect(nodeOf(plan, f).relation).toBe(f.object.table);
    }
    expect(fs.find((f) => f.object.table === 'never_analyzed')!.message).toContain('never been analyzed');
  });

  it('near miss: a table analyzed after loading; no stats given, no diagnosis', async () => {
    const plan = await explain('select * from big where a = 5');
    const tableStats = await loadTableStats(engine, planRelations(plan));
    expect(tableStats.big.lastAnalyze).not.toBeNull();
    expect(find(diagnosePlan(plan, { tableStats }), 'stale_statistics')).toEqual([]);
    const stale = await explain('select * from never_analyzed');
    expect(find(diagnosePlan(stale), 'stale_statistics')).toEqual([]);
  });
});

describe('cte_scan_materialized', () => {
  it('a materialized CTE filtered after the fact', async () => {
    const { plan, findings } = await diagnose('with x as materialized (select * from big) select * from x where a = 5');
    const { node, f } = expectOne(plan, findings, 'cte_scan_materialized', 'CTE Scan');
    expect(node.cteName).toBe('x');
    expect(f.why).toContain('NOT MATERIALIZED');
  });

  it('near miss: the same CTE inlined', async () => {
    const { plan, findings } = await diagnose('with x as (select * from big) select * from x where a = 5');
    expect(plan.nodes.some((n) => n.nodeType === 'CTE Scan')).toBe(false);
    expect(find(findings, 'cte_scan_materialized')).toEqual([]);
  });
});

describe('slowest_node and costliest_node', () => {
  it('name the node with the most time and cost of its own', async () => {
    const { plan, findings } = await diagnose('select * from big where a = 5 order by pad');
    const { node: slow } = expectOne(plan, findings, 'slowest_node', 'Seq Scan');
    expect(slow.exclusiveTime).toBeGreaterThan(plan.root.exclusiveTime!);
    const { f } = expectOne(plan, findings, 'costliest_node', 'Seq Scan');
    expect(f.severity).toBe('info');
  });

  it('near miss: no timing without ANALYZE; a single node is no hotspot', async () => {
    const plain = await diagnose('select * from big where a = 5 order by pad', [], {}, false);
    expect(find(plain.findings, 'slowest_node')).toEqual([]);
    expect(find(plain.findings, 'costliest_node')).toHaveLength(1);
    const single = await diagnose('select * from big where a = 5');
    expect(find(single.findings, 'slowest_node')).toEqual([]);
    expect(find(single.findings, 'costliest_node')).toEqual([]);
  });
});

describe('findings', () => {
  it('use only documented ids, errors first', async () => {
    const { findings } = await diagnose('select * from big where b = 1 and c = 1 order by pad', [`work_mem = '64kB'`]);
    for (const f of findings) expect(PLAN_CHECKS as readonly string[]).toContain(f.check);
    const ranks = findings.map((f) => ({ error: 0, warning: 1, info: 2 })[f.severity]);
    expect([...ranks].sort()).toEqual(ranks);
    expect(JSON.parse(JSON.stringify(findings))).toEqual(findings);
  });
});
