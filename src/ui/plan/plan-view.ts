// What the plan view shows, computed once per plan: flat rows in pre-order with depth, subtree
// extent, share of time (or cost), misestimates, buffers and the diagnoses pinned to each node.
// Collapsing is a set of node ids; the visible rows are a linear pass that skips subtrees.
import type { Finding, Severity } from '../../analysis/finding.ts';
import { nodeIdOf } from '../../analysis/plan/diagnose.ts';
import { parsePlan } from '../../analysis/plan/parse.ts';
import type { BufferCounts, Plan, PlanNode } from '../../analysis/plan/types.ts';
import { isExplainResult } from './explain-result.ts';

export interface NodeRow {
  node: PlanNode;
  depth: number;
  /** Index (in PlanModel.rows) just past this node's subtree. */
  end: number;
  parentId?: string;
  /** 0..1: the node's own (exclusive) time, or cost without timing, against the whole plan. */
  share: number;
  findings: Finding[];
  /** Worst severity among the findings pinned to the node's descendants. */
  belowWorst?: Severity;
  belowFindings: number;
}

export interface PlanModel {
  rows: NodeRow[];
  index: Map<string, number>;
  /** What share measures. */
  basis: 'time' | 'cost';
  /** The total share is measured against (ms or cost units). */
  total: number;
  /** Findings whose node is not in the plan (none expected, kept so nothing is lost). */
  unpinned: Finding[];
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export function worse(a: Severity | undefined, b: Severity | undefined): Severity | undefined {
  if (!a) return b;
  if (!b) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

export function planModel(plan: Plan, findings: Finding[]): PlanModel {
  const rows: NodeRow[] = [];
  const index = new Map<string, number>();
  const timed = plan.analyzed && plan.hasTiming && plan.root.inclusiveTime !== undefined;
  const basis: PlanModel['basis'] = timed ? 'time' : 'cost';
  const total = timed ? Math.max(plan.root.inclusiveTime ?? 0, 0) : Math.max(plan.root.totalCost ?? 0, 0);
  const byNode = new Map<string, Finding[]>();
  const unpinned: Finding[] = [];
  for (const f of findings) {
    const id = nodeIdOf(f.object.node);
    if (id === undefined) {
      unpinned.push(f);
      continue;
    }
    const list = byNode.get(id) ?? [];
    list.push(f);
    byNode.set(id, list);
  }
  const rec = (node: PlanNode, depth: number, parentId: string | undefined) => {
    const i = rows.length;
    const own = basis === 'time' ? node.exclusiveTime ?? 0 : node.exclusiveCost ?? 0;
    const row: NodeRow = {
      node, depth, end: i + 1, parentId,
      share: total > 0 ? Math.min(1, Math.max(0, own / total)) : 0,
      findings: byNode.get(node.id) ?? [], belowFindings: 0,
    };
    byNode.delete(node.id);
    rows.push(row);
    index.set(node.id, i);
    for (const c of node.children) rec(c, depth + 1, node.id);
    row.end = rows.length;
    for (const c of node.children) {
      const d = rows[index.get(c.id)!];
      row.belowFindings += d.findings.length + d.belowFindings;
      for (const f of d.findings) row.belowWorst = worse(row.belowWorst, f.severity);
      row.belowWorst = worse(row.belowWorst, d.belowWorst);
    }
  };
  rec(plan.root, 0, undefined);
  for (const list of byNode.values()) unpinned.push(...list);
  return { rows, index, basis, total, unpinned };
}

/** Plans up to this many nodes open fully. */
export const SMALL_PLAN_NODES = 30;
/** A larger plan opens level by level while the rows in view stay within this many. */
export const OPEN_ROWS_BUDGET = 50;
/** The way to this many nodes with an error or warning is opened too (errors first); the others are a click away. */
export const REVEAL_MAX = 5;
/** ...unless opening the way would show more rows than this (a warning inside a 100-way Append). */
export const REVEAL_ROWS_MAX = 2 * 50;

/**
 * Node ids collapsed when a plan is first shown: nothing for a small plan. A large one opens
 * depth by depth, a whole level at a time, while the rows shown stay within OPEN_ROWS_BUDGET
 * (so a deep plan collapses its deep subtrees and a wide one its many branches); the way to
 * the first REVEAL_MAX nodes with an error or a warning is opened as well.
 */
export function defaultCollapsed(model: PlanModel): Set<string> {
  if (model.rows.length <= SMALL_PLAN_NODES) return new Set();
  const collapsed = allCollapsible(model);
  collapsed.add(model.rows[0].node.id);
  let shown = 1;
  let level = [model.rows[0]];
  while (level.length) {
    const opening = level.filter((r) => collapsed.has(r.node.id));
    const cost = opening.reduce((n, r) => n + r.node.children.length, 0);
    // The root always opens; a deeper level opens whole or not at all.
    if (shown > 1 && shown + cost > OPEN_ROWS_BUDGET) break;
    for (const r of opening) collapsed.delete(r.node.id);
    shown += cost;
    level = opening.flatMap((r) => r.node.children.map((c) => model.rows[model.index.get(c.id)!]));
  }
  let out: Set<string> = collapsed;
  const serious = (sev: Severity) => model.rows.filter((r) => r.findings.some((f) => f.severity === sev));
  for (const r of [...serious('error'), ...serious('warning')].slice(0, REVEAL_MAX)) {
    const opened = revealNode(model, out, r.node.id);
    if (visibleRows(model, opened).length <= REVEAL_ROWS_MAX) out = opened;
  }
  return out;
}

/** A reader's expand/collapse choice, for the plan it was made on. */
export interface CollapseChoice {
  plan: Plan;
  collapsed: Set<string>;
}

/**
 * The collapsed nodes to draw: the reader's choice while the same plan is shown, else the default
 * (recomputed when findings arrive, so a late finding can still open its node).
 */
export function collapsedFor(model: PlanModel, plan: Plan, choice: CollapseChoice | null): Set<string> {
  return choice?.plan === plan ? choice.collapsed : defaultCollapsed(model);
}

/** The rows to draw: descendants of collapsed nodes skipped. */
export function visibleRows(model: PlanModel, collapsed: ReadonlySet<string>): NodeRow[] {
  const out: NodeRow[] = [];
  let i = 0;
  while (i < model.rows.length) {
    const r = model.rows[i];
    out.push(r);
    i = collapsed.has(r.node.id) ? r.end : i + 1;
  }
  return out;
}

/** Every node with children (for "Collapse all", which keeps the root open). */
export function allCollapsible(model: PlanModel): Set<string> {
  const out = new Set<string>();
  for (let i = 1; i < model.rows.length; i++) if (model.rows[i].end > i + 1) out.add(model.rows[i].node.id);
  return out;
}

/** `collapsed` without the ancestors of `id`, so the node is in view. */
export function revealNode(model: PlanModel, collapsed: ReadonlySet<string>, id: string): Set<string> {
  const out = new Set(collapsed);
  let i = model.index.get(id);
  while (i !== undefined) {
    const parent: string | undefined = model.rows[i].parentId;
    if (parent === undefined) break;
    out.delete(parent);
    i = model.index.get(parent);
  }
  return out;
}

export function hasChildren(model: PlanModel, row: NodeRow): boolean {
  return row.end > model.index.get(row.node.id)! + 1;
}

// ---------------------------------------------------------------------------------------------
// figures

export const fmtCount = (n: number) => (Number.isInteger(n) ? n : Math.round(n * 100) / 100).toLocaleString('en-US');

export function fmtMs(x: number): string {
  if (x >= 100) return `${Math.round(x).toLocaleString('en-US')} ms`;
  if (x >= 1) return `${Math.round(x * 10) / 10} ms`;
  return `${Math.round(x * 1000) / 1000} ms`;
}

export function fmtPct(share: number): string {
  const p = share * 100;
  if (p === 0) return '0%';
  if (p < 1) return '<1%';
  return `${Math.round(p)}%`;
}

export interface Misestimate {
  /** max / min of estimated and actual rows per loop (at least 1 each). */
  factor: number;
  direction: 'under' | 'over' | 'ok';
  /** `×12 under`, `×3 over`, `on target`. */
  text: string;
  /** 0 = within ×2, 1 = ×10, 2 = ×100, 3 = ×1000 or more. */
  grade: 0 | 1 | 2 | 3;
}

/** How far the planner's row estimate is from what the node returned (per loop). */
export function misestimate(node: PlanNode): Misestimate | undefined {
  if (node.actualRows === undefined || !node.loops || node.estimatedRows === undefined) return undefined;
  const est = Math.max(node.estimatedRows, 1);
  const act = Math.max(node.actualRows, 1);
  const factor = Math.max(est, act) / Math.min(est, act);
  if (factor < 2) return { factor, direction: 'ok', text: 'on target', grade: 0 };
  const direction = act > est ? 'under' : 'over';
  const grade = factor >= 1000 ? 3 : factor >= 100 ? 2 : factor >= 10 ? 1 : 0;
  return { factor, direction, text: `×${factor >= 10 ? fmtCount(Math.round(factor)) : factor.toFixed(1)} ${direction}`, grade };
}

/** `hit 120 · read 40 (1.3 MB)`, temp and local blocks when there are any; undefined without BUFFERS. */
export function fmtBuffers(b: BufferCounts | undefined): string | undefined {
  if (!b) return undefined;
  const parts: string[] = [];
  const s = b.shared;
  if (s.hit || s.read) parts.push(`shared hit ${fmtCount(s.hit)}${s.read ? ` · read ${fmtCount(s.read)}` : ''}`);
  if (s.dirtied || s.written) parts.push(`dirtied ${fmtCount(s.dirtied)} · written ${fmtCount(s.written)}`);
  const l = b.local;
  if (l.hit || l.read || l.written) parts.push(`local hit ${fmtCount(l.hit)} · read ${fmtCount(l.read)}`);
  if (b.temp.read || b.temp.written) parts.push(`temp read ${fmtCount(b.temp.read)} · written ${fmtCount(b.temp.written)}`);
  if (!parts.length) return 'none';
  const blocks = s.hit + s.read + l.hit + l.read + b.temp.read + b.temp.written;
  return `${parts.join('; ')} (${fmtBytes(blocks * 8192)})`;
}

export function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.round(n / 1024)} kB`;
}

/** The node's conditions as `Label: expression` lines, EXPLAIN's names. */
export function conditionLines(node: PlanNode): string[] {
  const c = node.conditions;
  const out: string[] = [];
  if (c.indexCond) out.push(`Index Cond: ${c.indexCond}`);
  if (c.recheckCond) out.push(`Recheck Cond: ${c.recheckCond}`);
  if (c.hashCond) out.push(`Hash Cond: ${c.hashCond}`);
  if (c.mergeCond) out.push(`Merge Cond: ${c.mergeCond}`);
  if (c.joinFilter) out.push(`Join Filter: ${c.joinFilter}`);
  if (c.filter) out.push(`Filter: ${c.filter}`);
  if (c.oneTimeFilter) out.push(`One-Time Filter: ${c.oneTimeFilter}`);
  if (c.tidCond) out.push(`TID Cond: ${c.tidCond}`);
  if (c.orderBy) out.push(`Order By: ${c.orderBy}`);
  if (node.sortKey?.length) out.push(`Sort Key: ${node.sortKey.join(', ')}`);
  if (node.groupKey?.length) out.push(`Group Key: ${node.groupKey.join(', ')}`);
  return out;
}

/** Short facts worth seeing at a glance: rows removed, sort method, hash batches, workers ... */
export function nodeFacts(node: PlanNode): string[] {
  const out: string[] = [];
  if (node.rowsRemovedByFilter !== undefined) out.push(`removed by filter ${fmtCount(node.rowsRemovedByFilter)}`);
  if (node.rowsRemovedByJoinFilter !== undefined) out.push(`removed by join filter ${fmtCount(node.rowsRemovedByJoinFilter)}`);
  if (node.rowsRemovedByIndexRecheck) out.push(`removed by recheck ${fmtCount(node.rowsRemovedByIndexRecheck)}`);
  if (node.sortMethod) out.push(`${node.sortMethod}${node.sortSpaceUsed !== undefined ? ` ${fmtCount(node.sortSpaceUsed)} kB ${node.sortSpaceType ?? ''}`.trimEnd() : ''}`);
  if (node.hashBatches !== undefined) out.push(`hash batches ${node.hashBatches}${node.originalHashBatches && node.originalHashBatches !== node.hashBatches ? ` (planned ${node.originalHashBatches})` : ''}`);
  if (node.hashAggBatches !== undefined && node.hashAggBatches > 1) out.push(`batches ${node.hashAggBatches}`);
  if (node.diskUsage) out.push(`disk ${fmtCount(node.diskUsage)} kB`);
  if (node.peakMemoryUsage !== undefined) out.push(`memory ${fmtCount(node.peakMemoryUsage)} kB`);
  if (node.heapFetches !== undefined) out.push(`heap fetches ${fmtCount(node.heapFetches)}`);
  if (node.exactHeapBlocks !== undefined || node.lossyHeapBlocks !== undefined) {
    out.push(`heap blocks exact ${fmtCount(node.exactHeapBlocks ?? 0)}${node.lossyHeapBlocks ? ` · lossy ${fmtCount(node.lossyHeapBlocks)}` : ''}`);
  }
  if (node.workersPlanned !== undefined) out.push(`workers ${node.workersLaunched ?? '?'} of ${node.workersPlanned}`);
  if (node.cacheHits !== undefined) out.push(`cache hits ${fmtCount(node.cacheHits)} · misses ${fmtCount(node.cacheMisses ?? 0)}`);
  if (node.disabled) out.push('disabled by a planner setting');
  return out;
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN results in the playground

/** The plan out of a result's rows (text: one row a line; JSON: one row of text), or why not. */
export function planFromResult(result: { tag: string; rows: unknown[][]; columns: unknown[]; error?: unknown }): { plan: Plan; raw: string } | { error: string } | undefined {
  if (!isExplainResult(result)) return undefined;
  const lines = result.rows.map((r) => (r[0] === null || r[0] === undefined ? '' : String(r[0])));
  const raw = lines.join('\n');
  // YAML and XML would pass for odd TEXT plans: say so instead.
  if (/^\s*(- Plan:|<explain\b|<\?xml)/.test(raw)) return { error: 'The plan view reads EXPLAIN\'s TEXT and JSON formats; this one is shown as rows.' };
  try {
    return { plan: parsePlan(lines.length === 1 ? lines[0] : lines), raw };
  } catch (e) {
    return { error: `The plan view reads EXPLAIN's TEXT and JSON formats: ${(e as Error).message}` };
  }
}

/** The plan in EXPLAIN's text layout, rebuilt from the tree (for plans that came as JSON). */
export function planToText(plan: Plan): string {
  const out: string[] = [];
  const rec = (n: PlanNode, depth: number) => {
    const pad = depth === 0 ? '' : ' '.repeat(depth * 6 - 4);
    const detailPad = depth === 0 ? '  ' : ' '.repeat(depth * 6 + 2);
    if (n.subplanName && depth > 0) out.push(`${' '.repeat(depth * 6 - 4)}${n.subplanName}`);
    let line = `${depth === 0 ? '' : pad + '->  '}${n.label}`;
    if (n.totalCost !== undefined) line += `  (cost=${(n.startupCost ?? 0).toFixed(2)}..${n.totalCost.toFixed(2)} rows=${n.estimatedRows ?? 0} width=${n.width ?? 0})`;
    if (plan.analyzed) {
      if (n.neverExecuted) line += ' (never executed)';
      else if (n.actualRows !== undefined) {
        line += plan.hasTiming && n.actualTotalTime !== undefined
          ? ` (actual time=${(n.actualStartupTime ?? 0).toFixed(3)}..${n.actualTotalTime.toFixed(3)} rows=${n.actualRows.toFixed(2)} loops=${n.loops ?? 1})`
          : ` (actual rows=${n.actualRows.toFixed(2)} loops=${n.loops ?? 1})`;
      }
    }
    out.push(line);
    for (const c of conditionLines(n)) out.push(detailPad + c);
    if (n.rowsRemovedByFilter !== undefined) out.push(`${detailPad}Rows Removed by Filter: ${n.rowsRemovedByFilter}`);
    if (n.rowsRemovedByIndexRecheck !== undefined) out.push(`${detailPad}Rows Removed by Index Recheck: ${n.rowsRemovedByIndexRecheck}`);
    if (n.sortMethod) out.push(`${detailPad}Sort Method: ${n.sortMethod}${n.sortSpaceUsed !== undefined ? `  ${n.sortSpaceType === 'Disk' ? 'Disk' : 'Memory'}: ${n.sortSpaceUsed}kB` : ''}`);
    if (n.hashBuckets !== undefined) out.push(`${detailPad}Buckets: ${n.hashBuckets}  Batches: ${n.hashBatches ?? 1}  Memory Usage: ${n.peakMemoryUsage ?? 0}kB`);
    if (n.exactHeapBlocks !== undefined || n.lossyHeapBlocks !== undefined) out.push(`${detailPad}Heap Blocks: exact=${n.exactHeapBlocks ?? 0}${n.lossyHeapBlocks ? ` lossy=${n.lossyHeapBlocks}` : ''}`);
    if (n.heapFetches !== undefined) out.push(`${detailPad}Heap Fetches: ${n.heapFetches}`);
    const b = n.buffers;
    if (b) {
      const parts: string[] = [];
      const sh = [['hit', b.shared.hit], ['read', b.shared.read], ['dirtied', b.shared.dirtied], ['written', b.shared.written]].filter(([, v]) => v).map(([k, v]) => `${k}=${v}`);
      if (sh.length) parts.push(`shared ${sh.join(' ')}`);
      const tp = [['read', b.temp.read], ['written', b.temp.written]].filter(([, v]) => v).map(([k, v]) => `${k}=${v}`);
      if (tp.length) parts.push(`temp ${tp.join(' ')}`);
      if (parts.length) out.push(`${detailPad}Buffers: ${parts.join(', ')}`);
    }
    for (const c of n.children) rec(c, depth + 1);
  };
  rec(plan.root, 0);
  if (plan.planningTime !== undefined) out.push(`Planning Time: ${plan.planningTime.toFixed(3)} ms`);
  if (plan.executionTime !== undefined) out.push(`Execution Time: ${plan.executionTime.toFixed(3)} ms`);
  return out.join('\n');
}

/** A one-line summary of the plan: time or cost, and whether the figures are measured or estimated. */
export function planSummary(plan: Plan): string {
  const parts: string[] = [];
  if (plan.analyzed) {
    if (plan.executionTime !== undefined) parts.push(`execution ${fmtMs(plan.executionTime)}`);
    if (plan.planningTime !== undefined) parts.push(`planning ${fmtMs(plan.planningTime)}`);
  }
  if (plan.root.totalCost !== undefined) parts.push(`total cost ${fmtCount(plan.root.totalCost)}`);
  parts.push(`${plan.nodes.length} node${plan.nodes.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------
// side by side

export interface OutlineLine {
  id: string;
  depth: number;
  label: string;
  /** `0.5 ms · 24 rows` (ANALYZE) or `cost 87.48 · 24 rows est.` */
  figure: string;
}

/** Every node as one line (for the side-by-side comparison). */
export function outline(plan: Plan): OutlineLine[] {
  const out: OutlineLine[] = [];
  const rec = (n: PlanNode, depth: number) => {
    let figure: string;
    if (plan.analyzed && n.neverExecuted) figure = 'never executed';
    else if (plan.analyzed && n.actualRows !== undefined) {
      const rows = `${fmtCount(n.actualRows * (n.loops ?? 1))} rows`;
      figure = n.inclusiveTime !== undefined ? `${fmtMs(n.inclusiveTime)} · ${rows}` : rows;
    } else figure = n.estimatedRows === undefined ? 'no estimates (COSTS OFF)' : `cost ${fmtCount(n.totalCost ?? 0)} · ${fmtCount(n.estimatedRows)} rows est.`;
    out.push({ id: n.id, depth, label: n.label, figure });
    for (const c of n.children) rec(c, depth + 1);
  };
  rec(plan.root, 0);
  return out;
}
