// Compares two plans of (usually) the same query: what the planner chose differently (scan
// methods, index choice, join order and methods, node types) and what it cost (time, cost,
// buffers, rows). Pure: the compare view and tests read the same result.
import type { BufferCounts, Plan, PlanNode } from './types.ts';

export type MetricKey = 'executionTime' | 'planningTime' | 'totalCost' | 'rows' | 'sharedBuffers' | 'sharedRead' | 'tempBuffers';

export interface MetricChange {
  key: MetricKey;
  name: string;
  unit: 'ms' | 'cost' | 'rows' | 'blocks';
  before?: number;
  after?: number;
  /** after / before, when both are known and before > 0. */
  ratio?: number;
}

/** How one table (by alias) is read. */
export interface ScanInfo {
  /** Alias, or the relation when there is none; a second scan of the same alias gets `#2`. */
  key: string;
  relation?: string;
  alias?: string;
  /** Seq Scan, Index Scan, Index Only Scan, Bitmap Heap Scan, Tid Scan ... (without Parallel). */
  method: string;
  parallel: boolean;
  /** The indexes the scan reads (a bitmap scan may combine several). */
  indexes: string[];
  /** e.g. `Bitmap Heap Scan using orders_customer_id_idx`. */
  description: string;
  nodeId: string;
}

export interface ScanChange {
  key: string;
  before?: ScanInfo;
  after?: ScanInfo;
}

export type ChangeKind = 'scan' | 'index' | 'node_types' | 'join_order' | 'join_method' | 'time' | 'cost' | 'buffers' | 'rows' | 'spill';

export interface PlanChange {
  kind: ChangeKind;
  text: string;
}

export interface PlanComparison {
  metrics: MetricChange[];
  /** Node types whose count differs. */
  nodeTypes: { type: string; before: number; after: number }[];
  /** Tables read differently (method or index), or read in one plan only. */
  scans: ScanChange[];
  indexesBefore: string[];
  indexesAfter: string[];
  /** The join tree without methods, e.g. `((o ⋈ c) ⋈ p)`; empty when the plan has no join. */
  joinOrderBefore: string;
  joinOrderAfter: string;
  joinMethodsBefore: string[];
  joinMethodsAfter: string[];
  /** Same node types in the same tree shape, reading the same tables the same way. */
  sameShape: boolean;
  /** One line per difference that matters, most telling first. */
  changes: PlanChange[];
}

const JOIN_TYPES = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);
const SCAN_WITH_RELATION = /Scan$/;

function walk(n: PlanNode, visit: (n: PlanNode) => void) {
  visit(n);
  for (const c of n.children) walk(c, visit);
}

/** Rows the root returned (actual over all loops) or, for plain EXPLAIN, the estimate. */
export function planRows(plan: Plan): number {
  const r = plan.root;
  if (plan.analyzed && r.actualRows !== undefined) return r.actualRows * (r.loops ?? 1);
  return r.estimatedRows ?? 0;
}

/** Execution time, or the root's inclusive time when the footer is missing. */
export function planTime(plan: Plan): number | undefined {
  if (!plan.analyzed) return undefined;
  return plan.executionTime ?? plan.root.inclusiveTime;
}

function sharedBlocks(b: BufferCounts | undefined): number | undefined {
  return b ? b.shared.hit + b.shared.read : undefined;
}

/** Every table scan in pre-order, keyed by alias. */
export function planScans(plan: Plan): ScanInfo[] {
  const out: ScanInfo[] = [];
  const seen = new Map<string, number>();
  walk(plan.root, (n) => {
    if (!n.relation || !SCAN_WITH_RELATION.test(n.nodeType)) return;
    const indexes: string[] = [];
    if (n.index) indexes.push(n.index);
    if (n.nodeType === 'Bitmap Heap Scan') {
      for (const c of n.children) walk(c, (d) => { if (d.nodeType === 'Bitmap Index Scan' && d.index && !indexes.includes(d.index)) indexes.push(d.index); });
    }
    const base = n.alias ?? n.relation;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const method = n.nodeType;
    const description = `${n.parallelAware ? 'Parallel ' : ''}${method}${indexes.length ? ` using ${indexes.join(', ')}` : ''}`;
    out.push({
      key: count > 1 ? `${base}#${count}` : base,
      relation: n.relation, alias: n.alias, method, parallel: n.parallelAware, indexes, description, nodeId: n.id,
    });
  });
  return out;
}

function leafName(n: PlanNode): string | undefined {
  if (n.alias) return n.alias;
  if (n.relation) return n.relation;
  if (n.cteName) return n.cteName;
  if (n.functionName) return n.functionName;
  return undefined;
}

/**
 * The join tree as text: each join is `(outer ⋈ inner)`, each input its alias; nodes between
 * (Hash, Sort, Materialize, Memoize ...) are looked through. With `methods`, joins are named.
 */
export function joinTree(n: PlanNode, methods = false): string {
  const main = n.children.filter((c) => !c.subplanName && c.parentRelationship !== 'InitPlan' && c.parentRelationship !== 'SubPlan');
  if (JOIN_TYPES.has(n.nodeType) && main.length >= 2) {
    const [a, b] = main.map((c) => joinTree(c, methods));
    return methods ? `(${a} ${n.nodeType} ${b})` : `(${a} ⋈ ${b})`;
  }
  const parts = main.map((c) => joinTree(c, methods)).filter(Boolean);
  if (SCAN_WITH_RELATION.test(n.nodeType) && n.nodeType !== 'Subquery Scan' && n.nodeType !== 'Bitmap Index Scan') {
    return leafName(n) ?? parts.join(', ');
  }
  if (n.nodeType === 'Subquery Scan' && parts.length === 1 && !parts[0].startsWith('(')) return leafName(n) ?? parts[0];
  if (parts.length > 1) return parts.join(', ');
  return parts[0] ?? '';
}

function joinMethods(plan: Plan): string[] {
  const out: string[] = [];
  walk(plan.root, (n) => { if (JOIN_TYPES.has(n.nodeType)) out.push(n.label); });
  return out;
}

function typeCounts(plan: Plan): Map<string, number> {
  const m = new Map<string, number>();
  walk(plan.root, (n) => m.set(n.nodeType, (m.get(n.nodeType) ?? 0) + 1));
  return m;
}

function shape(n: PlanNode): string {
  return `${n.nodeType}[${n.alias ?? ''}:${n.index ?? ''}](${n.children.map(shape).join(',')})`;
}

function spills(plan: Plan): string[] {
  const out: string[] = [];
  walk(plan.root, (n) => {
    if (n.sortSpaceType === 'Disk' || /external/i.test(n.sortMethod ?? '')) out.push(`${n.label}: ${n.sortMethod ?? 'sort'} on disk`);
    if ((n.hashBatches ?? 1) > 1) out.push(`${n.label}: ${n.hashBatches} batches`);
    if ((n.hashAggBatches ?? 1) > 1) out.push(`${n.label}: ${n.hashAggBatches} batches`);
  });
  return out;
}

const fmtNum = (n: number) => (Number.isInteger(n) ? n : Math.round(n * 100) / 100).toLocaleString('en-US');
export const fmtMs = (x: number) => `${x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 1 ? (Math.round(x * 10) / 10).toString() : (Math.round(x * 1000) / 1000).toString()} ms`;

/** One value of a metric in its unit; `—` when unknown. */
export function metricValue(m: Pick<MetricChange, 'unit'>, v: number | undefined): string {
  return v === undefined ? '—' : m.unit === 'ms' ? fmtMs(v) : fmtNum(m.unit === 'cost' ? Math.round(v * 100) / 100 : v);
}

/** `12.3 ms → 0.1 ms (123× faster)`; `-96%` for costs and buffers. */
export function describeMetric(m: MetricChange): string {
  const f = (v: number | undefined) => metricValue(m, v);
  return `${f(m.before)} → ${f(m.after)}${m.before !== undefined && m.after !== undefined ? ` (${changeWord(m)})` : ''}`;
}

export function changeWord(m: MetricChange): string {
  const { before, after } = m;
  if (before === undefined || after === undefined) return '';
  if (before === after) return 'same';
  if (m.unit === 'ms') {
    if (before === 0 || after === 0) return after > before ? 'slower' : 'faster';
    const f = Math.max(before, after) / Math.min(before, after);
    if (f < 1.1) return after < before ? 'slightly faster' : 'slightly slower';
    return `${f >= 10 ? Math.round(f) : f.toFixed(1)}× ${after < before ? 'faster' : 'slower'}`;
  }
  if (before === 0) return `+${fmtNum(after)}`;
  const pct = ((after - before) / before) * 100;
  const p = Math.abs(pct) >= 10 ? Math.round(pct) : Math.round(pct * 10) / 10;
  return `${p > 0 ? '+' : ''}${p}%`;
}

export function comparePlans(a: Plan, b: Plan): PlanComparison {
  const metric = (key: MetricKey, name: string, unit: MetricChange['unit'], get: (p: Plan) => number | undefined): MetricChange => {
    const m: MetricChange = { key, name, unit, before: get(a), after: get(b) };
    if (m.before !== undefined && m.after !== undefined && m.before > 0) m.ratio = m.after / m.before;
    return m;
  };
  const metrics: MetricChange[] = [
    metric('executionTime', 'Execution time', 'ms', planTime),
    metric('planningTime', 'Planning time', 'ms', (p) => p.planningTime),
    metric('totalCost', 'Total cost (planner)', 'cost', (p) => p.root.totalCost),
    metric('rows', 'Rows returned', 'rows', planRows),
    metric('sharedBuffers', 'Shared buffers (hit + read)', 'blocks', (p) => (p.hasBuffers ? sharedBlocks(p.root.buffers) ?? 0 : undefined)),
    metric('sharedRead', 'Shared buffers read', 'blocks', (p) => (p.hasBuffers ? p.root.buffers?.shared.read ?? 0 : undefined)),
    metric('tempBuffers', 'Temp buffers (read + written)', 'blocks', (p) => (p.hasBuffers ? (p.root.buffers ? p.root.buffers.temp.read + p.root.buffers.temp.written : 0) : undefined)),
  ];

  const ca = typeCounts(a);
  const cb = typeCounts(b);
  const nodeTypes = [...new Set([...ca.keys(), ...cb.keys()])]
    .map((type) => ({ type, before: ca.get(type) ?? 0, after: cb.get(type) ?? 0 }))
    .filter((t) => t.before !== t.after);

  const sa = planScans(a);
  const sb = planScans(b);
  const scans: ScanChange[] = [];
  for (const key of [...new Set([...sa.map((s) => s.key), ...sb.map((s) => s.key)])]) {
    const before = sa.find((s) => s.key === key);
    const after = sb.find((s) => s.key === key);
    if (before && after && before.description === after.description) continue;
    scans.push({ key, before, after });
  }
  const indexesBefore = [...new Set(sa.flatMap((s) => s.indexes))];
  const indexesAfter = [...new Set(sb.flatMap((s) => s.indexes))];
  const joinOrderBefore = joinTree(a.root);
  const joinOrderAfter = joinTree(b.root);
  const joinMethodsBefore = joinMethods(a);
  const joinMethodsAfter = joinMethods(b);
  const sameShape = shape(a.root) === shape(b.root);

  const changes: PlanChange[] = [];
  for (const s of scans) {
    const what = s.before?.relation ?? s.after?.relation ?? s.key;
    const name = s.key !== what ? `${what} ${s.key}` : what;
    if (s.before && s.after) changes.push({ kind: 'scan', text: `${name}: ${s.before.description} → ${s.after.description}` });
    else if (s.after) changes.push({ kind: 'scan', text: `${name}: now read (${s.after.description})` });
    else if (s.before) changes.push({ kind: 'scan', text: `${name}: no longer read (was ${s.before.description})` });
  }
  const added = indexesAfter.filter((i) => !indexesBefore.includes(i));
  const dropped = indexesBefore.filter((i) => !indexesAfter.includes(i));
  if (added.length || dropped.length) {
    const parts = [];
    if (added.length) parts.push(`now uses ${added.join(', ')}`);
    if (dropped.length) parts.push(`no longer uses ${dropped.join(', ')}`);
    changes.push({ kind: 'index', text: `Index choice: ${parts.join('; ')}` });
  }
  if (joinOrderBefore !== joinOrderAfter && (joinOrderBefore.includes('⋈') || joinOrderAfter.includes('⋈'))) {
    changes.push({ kind: 'join_order', text: `Join order: ${joinOrderBefore || '(no join)'} → ${joinOrderAfter || '(no join)'}` });
  }
  if (joinMethodsBefore.join('|') !== joinMethodsAfter.join('|')) {
    changes.push({ kind: 'join_method', text: `Join methods: ${joinMethodsBefore.join(', ') || 'none'} → ${joinMethodsAfter.join(', ') || 'none'}` });
  }
  if (nodeTypes.length) {
    const gone = nodeTypes.filter((t) => t.after < t.before).map((t) => `${t.type}${t.before - t.after > 1 ? ` ×${t.before - t.after}` : ''}`);
    const come = nodeTypes.filter((t) => t.after > t.before).map((t) => `${t.type}${t.after - t.before > 1 ? ` ×${t.after - t.before}` : ''}`);
    const parts = [];
    if (come.length) parts.push(`added ${come.join(', ')}`);
    if (gone.length) parts.push(`removed ${gone.join(', ')}`);
    changes.push({ kind: 'node_types', text: `Node types: ${parts.join('; ')}` });
  }
  const spA = spills(a);
  const spB = spills(b);
  if (spA.join('|') !== spB.join('|')) {
    changes.push({ kind: 'spill', text: `Spills to disk: ${spA.length ? spA.join('; ') : 'none'} → ${spB.length ? spB.join('; ') : 'none'}` });
  }
  const byKey = (k: MetricKey) => metrics.find((m) => m.key === k)!;
  const time = byKey('executionTime');
  if (time.before !== undefined && time.after !== undefined) changes.push({ kind: 'time', text: `Execution time: ${describeMetric(time)}` });
  const cost = byKey('totalCost');
  if (cost.before !== cost.after) changes.push({ kind: 'cost', text: `Total cost: ${describeMetric(cost)}` });
  const buf = byKey('sharedBuffers');
  if (buf.before !== undefined && buf.after !== undefined && buf.before !== buf.after) {
    changes.push({ kind: 'buffers', text: `Buffers: ${describeMetric(buf)} shared blocks (8 kB each)` });
  }
  const temp = byKey('tempBuffers');
  if (temp.before !== undefined && temp.after !== undefined && temp.before !== temp.after) {
    changes.push({ kind: 'buffers', text: `Temp blocks: ${describeMetric(temp)}` });
  }
  const rows = byKey('rows');
  if (rows.before !== rows.after) {
    const note = a.analyzed && b.analyzed ? ' — the two runs did not return the same number of rows: are they the same query on the same data?' : ' (estimated)';
    changes.push({ kind: 'rows', text: `Rows: ${describeMetric(rows)}${note}` });
  }
  return { metrics, nodeTypes, scans, indexesBefore, indexesAfter, joinOrderBefore, joinOrderAfter, joinMethodsBefore, joinMethodsAfter, sameShape, changes };
}
