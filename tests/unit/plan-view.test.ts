// The plan view's pure helpers (rows, collapsing, figures, EXPLAIN results, text layout) and the
// planner lab's (settings, SET LOCAL, reasons on real PGlite plans).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpuMs } from '../support/cpu-time.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { parsePlan, parseTextPlan } from '../../src/analysis/plan/parse.ts';
import { diagnosePlan, nodeRef } from '../../src/analysis/plan/diagnose.ts';
import { explainQuery } from '../../src/analysis/plan/explain.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import type { Plan } from '../../src/analysis/plan/types.ts';
import {
  allCollapsible, collapsedFor, defaultCollapsed, REVEAL_ROWS_MAX, fmtBuffers, fmtMs, fmtPct, hasChildren, misestimate, nodeFacts, outline,
  planFromResult, planModel, planSummary, planToText, revealNode, visibleRows, OPEN_ROWS_BUDGET, REVEAL_MAX, SMALL_PLAN_NODES,
} from '../../src/ui/plan/plan-view.ts';
import {
  changedSettings, labBrackets, labReasons, LAB_DEFAULTS, READ_SETTINGS_SQL, setLocalStatements, settingsFromRow, validateLab,
  type LabSettings,
} from '../../src/ui/plan/planner-lab.ts';
import { localEngine } from '../support/pglite.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/plans', name), 'utf8');

/** A synthetic EXPLAIN ANALYZE JSON plan: an Append over `branches` chains of `depth` nodes. */
function bigPlan(branches: number, depth: number): Plan {
  let seq = 0;
  const chain = (d: number): Record<string, unknown> => {
    seq++;
    const leaf = d === depth;
    return {
      'Node Type': leaf ? 'Seq Scan' : 'Hash Join', 'Parallel Aware': false, 'Join Type': leaf ? undefined : 'Inner',
      ...(leaf ? { 'Relation Name': `t${seq}`, Alias: `t${seq}`, Filter: '(x = 1)', 'Rows Removed by Filter': 10 } : {}),
      'Startup Cost': 0, 'Total Cost': 10 * (depth - d + 1), 'Plan Rows': 10, 'Plan Width': 4,
      'Actual Startup Time': 0, 'Actual Total Time': 0.1 * (depth - d + 1), 'Actual Rows': 10, 'Actual Loops': 1,
      ...(leaf ? {} : { Plans: [chain(d + 1)] }),
    };
  };
  const plans = Array.from({ length: branches }, () => chain(1));
  return parsePlan([{ Plan: { 'Node Type': 'Append', 'Parallel Aware': false, 'Startup Cost': 0, 'Total Cost': 1000, 'Plan Rows': 10, 'Plan Width': 4,
    'Actual Startup Time': 0, 'Actual Total Time': 50, 'Actual Rows': 10, 'Actual Loops': 1, Plans: plans }, 'Planning Time': 1, 'Execution Time': 51 }]);
}

describe('planModel and collapsing', () => {
  const plan = parsePlan(fixture('join-analyze-buffers.json'));
  const findings = diagnosePlan(plan);

  it('rows in pre-order with depth, subtree extent, share of time and the diagnoses pinned to their node', () => {
    const m = planModel(plan, findings);
    expect(m.basis).toBe('time');
    expect(m.rows.map((r) => r.node.id)).toEqual(plan.nodes.map((n) => n.id));
    expect(m.rows.map((r) => r.depth)).toEqual([0, 1, 2, 3, 3, 4]);
    expect(m.rows[0].end).toBe(6);
    expect(m.rows[2].end).toBe(6); // Hash Join: both inputs
    expect(m.rows[3].end).toBe(4); // a leaf
    expect(hasChildren(m, m.rows[4])).toBe(true);
    expect(hasChildren(m, m.rows[5])).toBe(false);
    const total = m.rows.reduce((s, r) => s + r.share, 0);
    expect(total).toBeGreaterThan(0.9);
    expect(total).toBeLessThanOrEqual(1.0001);
    for (const f of findings) {
      const row = m.rows.find((r) => r.findings.includes(f));
      expect(row && nodeRef(row.node)).toBe(f.object.node);
    }
    expect(m.unpinned).toEqual([]);
    // The root knows how many diagnoses sit below it.
    const below = findings.filter((f) => f.object.node !== nodeRef(plan.root)).length;
    expect(m.rows[0].belowFindings).toBe(below);
  });

  it('a small plan opens fully; Collapse all keeps the root open; collapsing hides exactly the subtree', () => {
    const m = planModel(plan, findings);
    expect(defaultCollapsed(m).size).toBe(0);
    expect(visibleRows(m, new Set()).length).toBe(6);
    const all = allCollapsible(m);
    expect(all.has(plan.root.id)).toBe(false);
    expect(visibleRows(m, all).map((r) => r.node.label)).toEqual(['Sort', 'HashAggregate']);
    expect(visibleRows(m, new Set(['3'])).map((r) => r.node.id)).toEqual(['1', '2', '3']);
    expect(visibleRows(m, new Set(['5'])).map((r) => r.node.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(revealNode(m, all, '6')).toEqual(new Set());
  });

  it('a 200-node plan opens to a readable size, reveals a node on request, in time linear in its size', () => {
    const big = bigPlan(40, 5);
    expect(big.nodes.length).toBe(201);
    expect(big.nodes.length).toBeGreaterThan(SMALL_PLAN_NODES);
    const open = (p: Plan) => { const m = planModel(p, []); visibleRows(m, defaultCollapsed(m)); };
    // 8 times the branches: ~8 times the work when linear, ~64 when quadratic (best of 5, CPU time).
    const huge = bigPlan(320, 5);
    open(big); open(huge);
    let [small, large] = [Infinity, Infinity];
    for (let i = 0; i < 5; i++) {
      small = Math.min(small, cpuMs(() => open(big)));
      large = Math.min(large, cpuMs(() => open(huge)));
    }
    expect(large / small).toBeLessThan(24);
    const m = planModel(big, []);
    const collapsed = defaultCollapsed(m);
    const vis = visibleRows(m, collapsed);
    // Opening the 40 branches would show 81 rows: they stay closed.
    expect(vis.length).toBe(41);
    expect(vis.length).toBeLessThanOrEqual(OPEN_ROWS_BUDGET);
    const deepLeaf = big.nodes[big.nodes.length - 1];
    const opened = visibleRows(m, revealNode(m, collapsed, deepLeaf.id));
    expect(opened.some((r) => r.node.id === deepLeaf.id)).toBe(true);
    expect(opened.length).toBe(vis.length + 4);
  });

  it('a deep, narrow plan opens level by level and collapses below the budget', () => {
    const deep = bigPlan(2, 40);
    const m = planModel(deep, []);
    const vis = visibleRows(m, defaultCollapsed(m));
    expect(vis.length).toBeLessThanOrEqual(OPEN_ROWS_BUDGET);
    expect(vis.length).toBeGreaterThan(OPEN_ROWS_BUDGET - 3);
    const maxDepth = Math.max(...vis.map((r) => r.depth));
    expect(vis.filter((r) => r.depth === maxDepth).every((r) => !hasChildren(m, r) || defaultCollapsed(m).has(r.node.id))).toBe(true);
  });

  it('a large plan opens the way to a warning, and the collapsed rows count the diagnoses below', () => {
    const big = bigPlan(40, 5);
    const leaf = big.nodes[big.nodes.length - 1];
    const warn: Finding = { check: 'seq_scan_selective_filter', severity: 'warning', object: { node: nodeRef(leaf) }, message: 'm', why: 'w' };
    const m = planModel(big, [warn]);
    const vis = visibleRows(m, defaultCollapsed(m));
    expect(vis.some((r) => r.node.id === leaf.id)).toBe(true);
    expect(vis.length).toBe(41 + 4);
    expect(m.rows[0].belowWorst).toBe('warning');
    expect(m.rows[0].belowFindings).toBe(1);
    // With a warning on every leaf, only the first few are opened: the rest are a click away.
    const many = big.nodes.filter((n) => n.nodeType === 'Seq Scan').map((n): Finding => ({ ...warn, object: { node: nodeRef(n) } }));
    const m2 = planModel(big, many);
    expect(visibleRows(m2, defaultCollapsed(m2)).length).toBe(41 + 4 * REVEAL_MAX);
  });

  it("the reader's Expand all is kept when the plan's findings arrive later; another plan starts from its default", () => {
    // A plain EXPLAIN's findings come after the plan (they read the table statistics): a new
    // findings list makes a new model of the same plan, which must not collapse it again.
    const big = bigPlan(40, 5);
    const leaf = big.nodes[big.nodes.length - 1];
    const before = planModel(big, []);
    expect(visibleRows(before, collapsedFor(before, big, null)).length).toBe(41);
    const choice = { plan: big, collapsed: new Set<string>() };
    expect(visibleRows(before, collapsedFor(before, big, choice)).length).toBe(big.nodes.length);
    const warn: Finding = { check: 'seq_scan_selective_filter', severity: 'warning', object: { node: nodeRef(leaf) }, message: 'm', why: 'w' };
    const after = planModel(big, [warn]);
    expect(visibleRows(after, collapsedFor(after, big, choice)).length).toBe(big.nodes.length);
    // Before any choice, the late finding still opens the way to its node.
    expect(visibleRows(after, collapsedFor(after, big, null)).length).toBe(41 + 4);
    const other = bigPlan(40, 5);
    const m = planModel(other, []);
    expect(visibleRows(m, collapsedFor(m, other, choice)).length).toBe(41);
  });

  it('a warning inside a wide Append stays a click away rather than opening a hundred rows', () => {
    const wide = bigPlan(100, 2);
    // Under a join root, so the root opening does not already show the hundred branches.
    const root = { ...wide.root, id: 'top', nodeType: 'Hash Join', label: 'Hash Join', children: [wide.root] };
    const joined = { ...wide, root, nodes: [root, ...wide.nodes] };
    const leaf = wide.nodes[wide.nodes.length - 1];
    const warn: Finding = { check: 'stale_statistics', severity: 'warning', object: { node: nodeRef(leaf) }, message: 'm', why: 'w' };
    const m = planModel(joined, [warn]);
    const vis = visibleRows(m, defaultCollapsed(m));
    expect(vis.length).toBeLessThanOrEqual(REVEAL_ROWS_MAX);
    expect(vis.some((r) => r.node.id === leaf.id)).toBe(false);
    // The collapsed Append still says a warning is below it.
    expect(m.rows[0].belowWorst).toBe('warning');
    expect(visibleRows(m, revealNode(m, defaultCollapsed(m), leaf.id)).some((r) => r.node.id === leaf.id)).toBe(true);
  });

  it('plain EXPLAIN: shares of cost', () => {
    const p = parsePlan(fixture('join-plain.json'));
    const m = planModel(p, []);
    expect(m.basis).toBe('cost');
    expect(m.total).toBe(p.root.totalCost);
    expect(m.rows.some((r) => r.share > 0)).toBe(true);
    expect(planSummary(p)).toMatch(/^total cost [\d,.]+ · \d+ nodes$/);
  });
});

describe('figures', () => {
  it('misestimates by factor and direction', () => {
    const base = parsePlan(fixture('join-analyze-buffers.json')).root;
    expect(misestimate({ ...base, estimatedRows: 10, actualRows: 1200, loops: 1 })).toMatchObject({ direction: 'under', grade: 2, text: '×120 under' });
    expect(misestimate({ ...base, estimatedRows: 5000, actualRows: 1, loops: 1 })).toMatchObject({ direction: 'over', grade: 3 });
    expect(misestimate({ ...base, estimatedRows: 100, actualRows: 150, loops: 1 })).toMatchObject({ direction: 'ok', text: 'on target' });
    expect(misestimate({ ...base, estimatedRows: 1, actualRows: 4, loops: 1 })).toMatchObject({ direction: 'under', grade: 0, text: '×4.0 under' });
    expect(misestimate({ ...base, actualRows: undefined, loops: undefined })).toBeUndefined();
  });

  it('buffers, times and shares read naturally', () => {
    expect(fmtBuffers(undefined)).toBeUndefined();
    const b = { shared: { hit: 120, read: 8, dirtied: 0, written: 0 }, local: { hit: 0, read: 0, dirtied: 0, written: 0 }, temp: { read: 0, written: 0 } };
    expect(fmtBuffers(b)).toBe('shared hit 120 · read 8 (1.0 MB)');
    expect(fmtBuffers({ ...b, shared: { hit: 0, read: 0, dirtied: 0, written: 0 } })).toBe('none');
    expect(fmtMs(0.0234)).toBe('0.023 ms');
    expect(fmtMs(12.345)).toBe('12.3 ms');
    expect(fmtMs(1234.5)).toBe('1,235 ms');
    expect(fmtPct(0.004)).toBe('<1%');
    expect(fmtPct(0.456)).toBe('46%');
  });

  it('node facts: rows removed, sort method, hash batches', () => {
    const p = parsePlan(fixture('spill-analyze-buffers.txt'));
    const facts = p.nodes.flatMap(nodeFacts).join(' | ');
    expect(facts).toMatch(/external merge/);
  });
});

describe('EXPLAIN results in the playground', () => {
  const textRows = fixture('index-plain.txt').split('\n').filter((l) => l.trim() && !/^QUERY PLAN|^-+$|^\(\d+ rows?\)$/.test(l.trim())).map((l) => [l]);

  it('TEXT (one row a line) and JSON (one row of text) become a plan; the raw text is kept', () => {
    const t = planFromResult({ tag: 'EXPLAIN', columns: [{}], rows: textRows });
    expect(t && 'plan' in t && t.plan.source).toBe('text');
    expect(t && 'raw' in t && t.raw.split('\n').length).toBe(textRows.length);
    const json = fixture('join-analyze-buffers.json');
    const j = planFromResult({ tag: 'EXPLAIN', columns: [{}], rows: [[json]] });
    expect(j && 'plan' in j && j.plan.nodes.length).toBe(6);
  });

  it('other results are not plans; an unreadable format says why', () => {
    expect(planFromResult({ tag: 'SELECT 1', columns: [{}], rows: [['x']] })).toBeUndefined();
    expect(planFromResult({ tag: 'EXPLAIN', columns: [], rows: [] })).toBeUndefined();
    const y = planFromResult({ tag: 'EXPLAIN', columns: [{}], rows: [['- Plan: \n    Node Type: "Seq Scan"']] });
    expect(y && 'error' in y ? y.error : '').toMatch(/TEXT and JSON/);
    const x = planFromResult({ tag: 'EXPLAIN', columns: [{}], rows: [['<explain xmlns="http://www.postgresql.org/2009/explain">']] });
    expect(x && 'error' in x).toBe(true);
  });

  it('planToText lays a JSON plan out as EXPLAIN text, which parses back to the same tree', () => {
    const p = parsePlan(fixture('join-analyze-buffers.json'));
    const text = planToText(p);
    expect(text.split('\n')[0]).toMatch(/^Sort {2}\(cost=[\d.]+\.\.[\d.]+ rows=5 width=\d+\) \(actual time=/);
    expect(text).toMatch(/Execution Time: [\d.]+ ms$/);
    const back = parseTextPlan(text);
    expect(back.nodes.map((n) => n.label)).toEqual(p.nodes.map((n) => n.label));
    expect(back.nodes.map((n) => n.actualRows)).toEqual(p.nodes.map((n) => n.actualRows));
    expect(back.root.buffers?.shared.hit).toBe(p.root.buffers?.shared.hit);
  });

  it('outline: one line a node for the side-by-side view', () => {
    const p = parsePlan(fixture('join-plain.json'));
    const o = outline(p);
    expect(o.length).toBe(p.nodes.length);
    expect(o[0].figure).toMatch(/^cost [\d,.]+ · [\d,]+ rows est\.$/);
  });
});

describe('planner lab helpers', () => {
  it('changed settings, validation and SET LOCAL', () => {
    const next: LabSettings = { ...LAB_DEFAULTS, enable_seqscan: false, random_page_cost: '1.1', work_mem: '64 MB' };
    const ch = changedSettings(LAB_DEFAULTS, next);
    expect(ch).toEqual([
      { name: 'enable_seqscan', from: 'on', to: 'off' },
      { name: 'random_page_cost', from: '4', to: '1.1' },
      { name: 'work_mem', from: '4MB', to: '64 MB' },
    ]);
    expect(setLocalStatements(ch)).toEqual([`SET LOCAL enable_seqscan = 'off'`, `SET LOCAL random_page_cost = '1.1'`, `SET LOCAL work_mem = '64MB'`]);
    expect(changedSettings(LAB_DEFAULTS, { ...LAB_DEFAULTS, random_page_cost: '4.0' })).toEqual([]);
    expect(validateLab(next)).toBeNull();
    expect(validateLab({ ...next, work_mem: `1MB'; drop table x; --` })).toMatch(/work_mem/);
    expect(validateLab({ ...next, work_mem: '16kB' })).toMatch(/between/);
    expect(validateLab({ ...next, random_page_cost: 'abc' })).toMatch(/random_page_cost/);
    expect(validateLab({ ...next, random_page_cost: '' })).toMatch(/random_page_cost/);
    expect(labBrackets(false)).toEqual({ open: ['BEGIN'], close: ['ROLLBACK'] });
    expect(labBrackets(true).open).toEqual(['SAVEPOINT pglab_lab']);
  });
});

describe('planner lab on real PGlite', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await localEngine();
    await engine.db.exec(`
      create table orders (id int primary key, customer_id int not null, amount int not null);
      insert into orders select g, g % 5000, g % 1000 from generate_series(1, 100000) g;
      create index orders_customer_idx on orders (customer_id);
      create table plain (id int, x int);
      insert into plain select g, g % 100 from generate_series(1, 20000) g;
    `);
    await engine.db.exec('vacuum analyze orders, plain');
  }, 60_000);
  afterAll(() => engine.db.close());

  async function lab(sql: string, next: Partial<LabSettings>, inTransaction = false) {
    const base = settingsFromRow((await engine.query<Record<string, unknown>>(READ_SETTINGS_SQL)).rows[0]);
    const changes = changedSettings(base, { ...base, ...next });
    const { open, close } = labBrackets(inTransaction);
    for (const s of open) await engine.run(s);
    try {
      const before = (await explainQuery(engine, sql, { tableStats: false })).plan;
      for (const s of setLocalStatements(changes)) expect((await engine.run(s)).ok).toBe(true);
      const after = (await explainQuery(engine, sql, { tableStats: false })).plan;
      return { before, after, reasons: labReasons(changes, before, after) };
    } finally {
      for (const s of close) await engine.run(s);
    }
  }

  it('reads the session settings', async () => {
    const s = settingsFromRow((await engine.query<Record<string, unknown>>(READ_SETTINGS_SQL)).rows[0]);
    expect(s).toMatchObject({ enable_seqscan: true, enable_nestloop: true, random_page_cost: '4' });
    expect(s.work_mem).toMatch(/^\d+(kB|MB|GB)$/);
  });

  it('enable_bitmapscan off: the bitmap scan is replaced, the reason says so, and the session is unchanged', async () => {
    const r = await lab('select * from orders where customer_id < 50', { enable_bitmapscan: false });
    expect(r.before.root.nodeType).toBe('Bitmap Heap Scan');
    expect(r.after.root.nodeType).not.toBe('Bitmap Heap Scan');
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0].change).toBe('enable_bitmapscan: on → off');
    expect(r.reasons[0].text).toMatch(/^Off, bitmap scans .* are avoided; here the plan's 1 Bitmap Heap Scan was replaced \(orders: Bitmap Heap Scan using orders_customer_idx → /);
    const after = await engine.query<{ v: string }>(`select current_setting('enable_bitmapscan') as v`);
    expect(after.rows[0].v).toBe('on');
  });

  it('near miss: enable_seqscan off on a table with no index keeps the Seq Scan, and says why', async () => {
    const r = await lab('select * from plain where x = 3', { enable_seqscan: false });
    expect(r.after.root.nodeType).toBe('Seq Scan');
    expect(r.reasons[0].text).toMatch(/still 1 Seq Scan: no other way to run it was found/);
  });

  it('a toggle that concerns nothing in the plan says there was nothing to replace', async () => {
    const r = await lab('select * from plain where x = 3', { enable_hashjoin: false });
    expect(r.reasons[0].text).toMatch(/the plan had no Hash Join, so there was nothing to replace/);
  });

  it('random_page_cost: lower makes the index look cheaper, inside a savepoint of an open transaction', async () => {
    await engine.run('BEGIN');
    try {
      const r = await lab('select * from orders where customer_id < 400', { random_page_cost: '1.1' }, true);
      expect(r.reasons[0].text).toMatch(/index reads look cheaper/);
      expect(r.after.root.totalCost!).toBeLessThan(r.before.root.totalCost!);
      const still = await engine.query<{ v: string }>(`select current_setting('random_page_cost') as v`);
      expect(still.rows[0].v).toBe('4');
    } finally {
      await engine.run('ROLLBACK');
    }
  });
});
