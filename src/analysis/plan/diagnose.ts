// Diagnoses of a parsed plan: stable ids, a severity, the node concerned, a plain-language
// explanation and, when there is one, the SQL that mends it. Thresholds live in thresholds.ts.
import { qualified, type Finding, type Severity } from '../finding.ts';
import { walkPlan } from './parse.ts';
import { statsFor, type TableStatsMap } from './stats.ts';
import * as T from './thresholds.ts';
import type { Plan, PlanNode } from './types.ts';

export interface DiagnoseOptions {
  /** From loadTableStats: enables stale_statistics, and sizes from estimates for plain EXPLAIN. */
  tableStats?: TableStatsMap;
  /** The session's work_mem in kB (estimate-based spill checks); defaults to the plan's Settings or 4MB. */
  workMemKb?: number;
  hashMemMultiplier?: number;
}

/** Every diagnosis id, documented and never renamed. */
export const PLAN_CHECKS = [
  'row_misestimate', 'seq_scan_selective_filter', 'sort_spill', 'hash_batches', 'hash_agg_spill',
  'nested_loop_many_loops', 'lossy_bitmap', 'index_filter_heavy', 'index_only_heap_fetches', 'large_offset',
  'stale_statistics', 'cte_scan_materialized', 'slowest_node', 'costliest_node',
] as const;
export type PlanCheck = (typeof PLAN_CHECKS)[number];

/** `#3 Seq Scan on t`: what FindingObject.node holds for a plan diagnosis. */
export function nodeRef(node: PlanNode): string {
  return `#${node.id} ${node.label}`;
}

/** The node id out of FindingObject.node (`#3 Seq Scan on t` → `3`). */
export function nodeIdOf(ref: string | undefined): string | undefined {
  const m = /^#(\d+)/.exec(ref ?? '');
  return m ? m[1] : undefined;
}

const ESTIMATED = ' (from the planner\'s estimates: run EXPLAIN ANALYZE to confirm)';

export function diagnosePlan(plan: Plan, opts: DiagnoseOptions = {}): Finding[] {
  const ctx = new Context(plan, opts);
  walkPlan(plan.root, (node, ancestors) => {
    misestimate(ctx, node, ancestors);
    seqScanFilter(ctx, node);
    sortSpill(ctx, node, ancestors);
    hashBatches(ctx, node);
    hashAggSpill(ctx, node);
    nestedLoop(ctx, node);
    lossyBitmap(ctx, node);
    indexFilterHeavy(ctx, node);
    heapFetches(ctx, node);
    largeOffset(ctx, node);
    cteScan(ctx, node);
  });
  staleStatistics(ctx);
  hotspots(ctx);
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return ctx.findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank[a.f.severity] - rank[b.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

class Context {
  findings: Finding[] = [];
  readonly analyzed: boolean;
  readonly workMemKb: number;
  /** Whether work_mem came from the caller or the plan, not the default. */
  readonly workMemKnown: boolean;
  readonly hashMemMultiplier: number;
  constructor(readonly plan: Plan, readonly opts: DiagnoseOptions) {
    this.analyzed = plan.analyzed;
    const known = opts.workMemKb ?? parseMemKb(plan.settings?.work_mem);
    this.workMemKnown = known !== undefined;
    this.workMemKb = known ?? T.DEFAULT_WORK_MEM_KB;
    this.hashMemMultiplier = opts.hashMemMultiplier ?? (Number(plan.settings?.hash_mem_multiplier) || T.DEFAULT_HASH_MEM_MULTIPLIER);
  }
  add(node: PlanNode, check: PlanCheck, severity: Severity, message: string, why: string, fix?: string, extra: Partial<Finding['object']> = {}) {
    const object: Finding['object'] = { node: nodeRef(node) };
    if (node.relation) {
      if (node.schema) object.schema = node.schema;
      object.table = node.relation;
    }
    if (node.index) object.index = node.index;
    for (const [k, v] of Object.entries(extra) as [keyof Finding['object'], unknown][]) {
      if (v === undefined) delete object[k];
      else (object as Record<string, unknown>)[k] = v;
    }
    const f: Finding = { check, severity, object, message, why };
    if (fix) f.fix = fix;
    this.findings.push(f);
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

const fmt = (n: number) => (Number.isInteger(n) ? n : Math.round(n * 100) / 100).toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(x >= 0.995 && x < 1 ? 1 : 0)}%`;
const ms = (x: number) => `${x >= 100 ? Math.round(x) : Math.round(x * 10) / 10} ms`;

function executed(n: PlanNode): boolean {
  return n.loops !== undefined && n.loops > 0;
}

/** Rows the node returned over all loops. */
function totalActual(n: PlanNode): number {
  return (n.actualRows ?? 0) * (n.loops ?? 0);
}

function tableName(n: PlanNode): string {
  return n.relation ? qualified(n.schema ?? 'public', n.relation) : '';
}

function parseMemKb(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(\d+)\s*(kB|MB|GB)?$/.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'GB' ? 1024 * 1024 : m[2] === 'MB' ? 1024 : 1);
}

/** A work_mem value comfortably above `kb`: the next power of two in MB (at least 1MB). */
export function suggestWorkMem(kb: number): string {
  let mb = 1;
  while (mb * 1024 < kb) mb *= 2;
  return mb >= 1024 ? `${mb / 1024}GB` : `${mb}MB`;
}

const KEYWORDS = new Set([
  'and', 'or', 'not', 'is', 'null', 'true', 'false', 'any', 'all', 'some', 'array', 'like', 'ilike', 'in', 'between',
  'distinct', 'from', 'case', 'when', 'then', 'else', 'end', 'unknown', 'similar', 'to', 'escape', 'row', 'collate',
  'current_date', 'current_timestamp', 'localtimestamp', 'current_time', 'current_user', 'session_user', 'subplan', 'initplan',
]);

export interface ConditionColumns {
  /** Compared with `=` or IS NULL: lead an index with these. */
  equality: string[];
  /** Compared otherwise (ranges, LIKE, IN ...). */
  other: string[];
  /** Referenced only inside a function call or expression: a plain index on them would not help. */
  inExpressions: string[];
}

/**
 * The columns a condition such as `((a = 5) AND ((b)::text > 'x'::text))` compares, with
 * those compared by equality first. Qualified references count only when they belong to `alias`.
 */
export function conditionColumns(expr: string, alias?: string): ConditionColumns {
  const out: ConditionColumns = { equality: [], other: [], inExpressions: [] };
  // Drop string literals and type casts, which hold words that are not columns.
  let s = expr.replace(/'(?:[^']|'')*'/g, "''").replace(/\((?:InitPlan|SubPlan|hashed SubPlan) \d+\)(?:\.\w+)?/g, '$0');
  s = s.replace(/::(?:"[^"]*"|[a-z_][\w ]*?)(?:\[\])?(?=\)|,|$|\s(?:AND|OR|IS|[=<>!~]))/gi, '');
  const tokens = [...s.matchAll(/"(?:[^"]|"")+"(?:\."(?:[^"]|"")+"|\.[a-z_][\w$]*)?|[a-z_][\w$]*(?:\.(?:"(?:[^"]|"")+"|[a-z_][\w$]*))?|\$\d+|\d+(?:\.\d+)?|[()]|[^\s\w()"']+/gi)].map((m) => m[0]);
  const parens: ('func' | 'group')[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === '(') {
      const prev = tokens[i - 1];
      parens.push(prev && /^[a-z_"]/i.test(prev) && !KEYWORDS.has(prev.toLowerCase()) ? 'func' : 'group');
      continue;
    }
    if (tok === ')') {
      parens.pop();
      continue;
    }
    if (!/^[a-z_"]/i.test(tok) || KEYWORDS.has(tok.toLowerCase())) continue;
    if (tokens[i + 1] === '(') continue; // a function name
    const parts = tok.match(/"(?:[^"]|"")+"|[^.]+/g)!.map((p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p));
    if (parts.length === 2 && alias !== undefined && parts[0] !== alias) continue;
    const col = parts[parts.length - 1];
    const inFunc = parens.includes('func');
    // What follows the column (past closing parentheses) tells how it is compared.
    let j = i + 1;
    while (tokens[j] === ')') j++;
    const op = tokens[j];
    const isEq = op === '=' || (op?.toLowerCase() === 'is' && tokens[j + 1]?.toLowerCase() === 'null');
    // ... or what precedes it, for `5 = a`.
    let k = i - 1;
    while (tokens[k] === '(') k--;
    const isEqBefore = tokens[k] === '=';
    const key = `${inFunc ? 'f' : ''}${col}`;
    if (seen.has(key)) {
      if (!inFunc && (isEq || isEqBefore) && out.other.includes(col)) {
        out.other.splice(out.other.indexOf(col), 1);
        out.equality.push(col);
      }
      continue;
    }
    seen.add(key);
    if (inFunc) out.inExpressions.push(col);
    else if (isEq || isEqBefore) out.equality.push(col);
    else out.other.push(col);
  }
  out.inExpressions = out.inExpressions.filter((c) => !out.equality.includes(c) && !out.other.includes(c));
  return out;
}

/** Index columns for a condition: equality columns first, at most three. */
function indexColumns(...conds: (ConditionColumns | undefined)[]): string[] {
  const cols: string[] = [];
  for (const c of conds) for (const col of c?.equality ?? []) if (!cols.includes(col)) cols.push(col);
  for (const c of conds) for (const col of c?.other ?? []) if (!cols.includes(col)) cols.push(col);
  return cols.slice(0, 3);
}

function createIndex(node: PlanNode, columns: string[]): string | undefined {
  if (!node.relation || !columns.length) return undefined;
  return `CREATE INDEX CONCURRENTLY ON ${tableName(node)} (${columns.map(identCol).join(', ')});`;
}

function identCol(c: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(c) ? c : `"${c.replace(/"/g, '""')}"`;
}

// ---------------------------------------------------------------------------------------------
// checks

/** Nodes whose actual rows are not rows: BitmapAnd/Or report none, ModifyTable without RETURNING none. */
function reportsRows(n: PlanNode): boolean {
  if (n.nodeType === 'BitmapAnd' || n.nodeType === 'BitmapOr') return false;
  if (n.nodeType === 'ModifyTable' && !n.actualRows) return false;
  return true;
}

function misestimateFactor(n: PlanNode): { factor: number; under: boolean } | undefined {
  // COSTS OFF: no estimate to compare with (absent is not zero).
  if (!executed(n) || n.actualRows === undefined || n.estimatedRows === undefined || !reportsRows(n)) return undefined;
  const est = n.estimatedRows;
  const act = n.actualRows;
  if (Math.max(est, act) * (n.loops ?? 1) < T.MISESTIMATE_MIN_ROWS) return undefined;
  const factor = Math.max(est, act) / Math.max(Math.min(est, act), 1);
  return { factor, under: act > est };
}

function misestimate(ctx: Context, node: PlanNode, ancestors: PlanNode[]): void {
  if (!ctx.analyzed) return;
  const m = misestimateFactor(node);
  if (!m || m.factor < T.MISESTIMATE_WARNING_FACTOR) return;
  if (!m.under) {
    // Fewer rows than estimated is expected where execution stops early.
    const parent = ancestors[ancestors.length - 1];
    if (ancestors.some((a) => a.nodeType === 'Limit')) return;
    if (parent && parent.nodeType === 'Merge Join') return;
    if (parent && /Semi|Anti/.test(parent.joinType ?? '') && node.parentRelationship === 'Inner') return;
  }
  // Report where the error starts, not every node that inherits it from a child.
  for (const c of node.children) {
    if (c.subplanName) continue;
    const cm = misestimateFactor(c);
    if (cm && cm.under === m.under && cm.factor >= T.MISESTIMATE_WARNING_FACTOR && m.factor < cm.factor * T.MISESTIMATE_WARNING_FACTOR) return;
  }
  const severity: Severity = m.factor >= T.MISESTIMATE_ERROR_FACTOR ? 'error' : 'warning';
  const grade = m.factor >= T.MISESTIMATE_SEVERE_FACTOR ? '×1000' : m.factor >= T.MISESTIMATE_ERROR_FACTOR ? '×100' : '×10';
  const dir = m.under ? 'underestimated' : 'overestimated';
  const perLoop = (node.loops ?? 1) > 1 ? ' per loop' : '';
  const message = `${node.label}: rows ${dir} ${grade} (estimated ${fmt(node.estimatedRows ?? 0)}, actual ${fmt(node.actualRows ?? 0)}${perLoop}, off by ×${fmt(Math.round(m.factor))}).`;
  const cond = [node.conditions.indexCond ?? node.conditions.recheckCond, node.conditions.filter].filter(Boolean).join(' AND ');
  const cols = cond ? conditionColumns(cond, node.alias) : undefined;
  const nCols = cols ? new Set([...cols.equality, ...cols.other]).size : 0;
  let why = `The planner chooses join methods, join order and memory use from row estimates; off by ${grade} it is choosing for a different query than the one that runs. `;
  let fix: string | undefined;
  if (node.relation) {
    if (nCols >= 2) {
      const c = [...new Set([...cols!.equality, ...cols!.other])].slice(0, 8);
      why += `The condition combines ${c.join(', ')}, which the planner treats as independent: if they are correlated, extended statistics tell it so.`;
      fix = `CREATE STATISTICS ${identCol(`${node.relation}_${c.join('_')}_stats`)} (dependencies, mcv) ON ${c.map(identCol).join(', ')} FROM ${tableName(node)};\nANALYZE ${tableName(node)};`;
    } else {
      why += 'Up-to-date statistics (ANALYZE), a larger statistics target for a skewed column, or extended statistics for correlated columns bring the estimate closer.';
      fix = `ANALYZE ${tableName(node)};`;
    }
  } else {
    why += 'The error starts at this node (its inputs are estimated well): look at its condition — correlated join columns or expressions the planner cannot see into are the usual cause.';
  }
  ctx.add(node, 'row_misestimate', severity, message, why, fix);
}

function filterDiscard(n: PlanNode): { read: number; kept: number; ratio: number } | undefined {
  if (!executed(n) || n.rowsRemovedByFilter === undefined) return undefined;
  const loops = n.loops ?? 1;
  const removed = n.rowsRemovedByFilter * loops;
  const kept = totalActual(n);
  const read = removed + kept;
  return read > 0 ? { read, kept, ratio: removed / read } : undefined;
}

function seqScanFilter(ctx: Context, node: PlanNode): void {
  if (node.nodeType !== 'Seq Scan' || !node.conditions.filter) return;
  const cols = conditionColumns(node.conditions.filter, node.alias);
  const columns = indexColumns(cols);
  const fix = createIndex(node, columns);
  const why = `A sequential scan reads every row and throws most away; an index on ${columns.length ? columns.join(', ') : 'the filtered expression'} reads only the rows that match.` +
    (columns.length ? ' CONCURRENTLY builds it without blocking writes.' : cols.inExpressions.length ? ` The filter compares an expression of ${cols.inExpressions.join(', ')}: an expression index on exactly that expression is needed.` : '');
  if (ctx.analyzed) {
    const d = filterDiscard(node);
    if (!d || d.read < T.SEQ_SCAN_MIN_ROWS_READ || d.ratio < T.SELECTIVE_FILTER_DISCARD_RATIO) return;
    const message = `${node.label} reads ${fmt(d.read)} rows and its filter ${node.conditions.filter} throws away ${pct(d.ratio)} of them, keeping ${fmt(d.kept)}.`;
    ctx.add(node, 'seq_scan_selective_filter', 'warning', message, why, fix, columns.length ? { columns } : {});
    return;
  }
  const stats = statsFor(ctx.opts.tableStats, node.relation ?? '', node.schema);
  if (!stats || stats.reltuples < T.SEQ_SCAN_MIN_ROWS_READ || node.estimatedRows === undefined) return;
  const ratio = 1 - node.estimatedRows / stats.reltuples;
  if (ratio < T.SELECTIVE_FILTER_DISCARD_RATIO) return;
  const message = `${node.label} reads about ${fmt(stats.reltuples)} rows to keep about ${fmt(node.estimatedRows)}: its filter ${node.conditions.filter} throws away ${pct(ratio)}${ESTIMATED}.`;
  ctx.add(node, 'seq_scan_selective_filter', 'warning', message, why, fix, columns.length ? { columns } : {});
}

function sortSpill(ctx: Context, node: PlanNode, ancestors: PlanNode[]): void {
  if (!/Sort$/.test(node.nodeType)) return;
  const why = 'The rows to sort did not fit in work_mem, so PostgreSQL wrote them to temporary files and merged them back: far slower than sorting in memory. Raise work_mem for this query (SET LOCAL in its transaction), or give the ORDER BY an index so no sort is needed.';
  if (ctx.analyzed) {
    const disk = node.sortSpaceType === 'Disk' || /external/.test(node.sortMethod ?? '');
    const workerDisk = (node.workers ?? []).filter((w) => w.sortSpaceType === 'Disk');
    if (!disk && !workerDisk.length) return;
    const kb = (node.sortSpaceType === 'Disk' ? node.sortSpaceUsed ?? 0 : 0) + workerDisk.reduce((s, w) => s + (w.sortSpaceUsed ?? 0), 0);
    const message = `${node.label} spilled to disk: ${node.sortMethod ?? 'external sort'}${kb ? `, ${fmt(kb)} kB written` : ''}${ctx.workMemKnown ? ` (work_mem is ${fmt(ctx.workMemKb)} kB)` : ''}.`;
    ctx.add(node, 'sort_spill', 'warning', message, why, `SET work_mem = '${suggestWorkMem(Math.max(kb * 2, ctx.workMemKnown ? ctx.workMemKb * 2 : 0))}';`);
    return;
  }
  const parent = ancestors[ancestors.length - 1];
  if (parent?.nodeType === 'Limit' || node.width === undefined || node.estimatedRows === undefined) return; // a bounded (top-N) sort keeps only the limit
  const kb = (node.estimatedRows * (node.width + T.ROW_MEMORY_OVERHEAD_BYTES)) / 1024;
  if (kb <= ctx.workMemKb) return;
  const message = `${node.label} will likely spill to disk: about ${fmt(Math.round(kb))} kB to sort with work_mem ${fmt(ctx.workMemKb)} kB${ESTIMATED}.`;
  ctx.add(node, 'sort_spill', 'info', message, why, `SET work_mem = '${suggestWorkMem(kb * 1.5)}';`);
}

function hashBatches(ctx: Context, node: PlanNode): void {
  if (node.nodeType !== 'Hash') return;
  const why = 'The hash table of the join\'s inner side did not fit in work_mem × hash_mem_multiplier, so both sides were split into batches written to temporary files and joined batch by batch.' +
    ' More work_mem keeps it in one batch; a better row estimate (ANALYZE) lets the planner size it, or choose another join, in advance.';
  if (ctx.analyzed) {
    if (!executed(node) || (node.hashBatches ?? 1) <= 1) return;
    const grew = node.originalHashBatches !== undefined && node.originalHashBatches < node.hashBatches!;
    const message = `${node.label} spilled into ${fmt(node.hashBatches!)} batches${grew ? ` (planned ${fmt(node.originalHashBatches!)}: the inner side was larger than estimated)` : ''}, using ${fmt(node.peakMemoryUsage ?? 0)} kB of memory per batch.`;
    const needKb = ((node.peakMemoryUsage ?? ctx.workMemKb) * node.hashBatches!) / ctx.hashMemMultiplier;
    ctx.add(node, 'hash_batches', 'warning', message, why, `SET work_mem = '${suggestWorkMem(needKb * 1.5)}';`);
    return;
  }
  const input = node.children[0];
  if (!input || input.width === undefined || input.estimatedRows === undefined) return;
  const kb = (input.estimatedRows * (input.width + T.ROW_MEMORY_OVERHEAD_BYTES)) / 1024;
  const limit = ctx.workMemKb * ctx.hashMemMultiplier;
  if (kb <= limit) return;
  const message = `${node.label} will likely need several batches: about ${fmt(Math.round(kb))} kB to hash with ${fmt(limit)} kB available${ESTIMATED}.`;
  ctx.add(node, 'hash_batches', 'info', message, why, `SET work_mem = '${suggestWorkMem((kb * 1.5) / ctx.hashMemMultiplier)}';`);
}

function hashAggSpill(ctx: Context, node: PlanNode): void {
  if (node.nodeType !== 'Aggregate' || !/Hashed|Mixed/.test(node.strategy ?? '')) return;
  const why = 'The hash table of the groups did not fit in work_mem × hash_mem_multiplier, so groups were written to temporary files and aggregated again in batches. More work_mem keeps it in memory; a better estimate of the number of groups (ANALYZE, extended statistics on the grouped columns) helps the planner choose between hashing and sorting.';
  if (ctx.analyzed) {
    if (!executed(node) || ((node.hashAggBatches ?? 1) <= 1 && !(node.diskUsage ?? 0))) return;
    const message = `${node.label} spilled to disk: ${fmt(node.hashAggBatches ?? 0)} batches, ${fmt(node.diskUsage ?? 0)} kB written, ${fmt(node.peakMemoryUsage ?? 0)} kB of memory used.`;
    const needKb = ((node.peakMemoryUsage ?? 0) + (node.diskUsage ?? 0)) / ctx.hashMemMultiplier;
    ctx.add(node, 'hash_agg_spill', 'warning', message, why, `SET work_mem = '${suggestWorkMem(needKb * 1.5)}';`);
    return;
  }
  if (!(node.plannedPartitions ?? 0)) return;
  const message = `${node.label} is planned to spill: ${fmt(node.plannedPartitions!)} partitions planned${ESTIMATED}.`;
  ctx.add(node, 'hash_agg_spill', 'info', message, why, `SET work_mem = '${suggestWorkMem(ctx.workMemKb * (node.plannedPartitions! + 1))}';`);
}

function nestedLoop(ctx: Context, node: PlanNode): void {
  if (node.nodeType !== 'Nested Loop' || node.children.length < 2) return;
  const outer = node.children.find((c) => c.parentRelationship === 'Outer') ?? node.children[0];
  const inner = node.children.find((c) => c.parentRelationship === 'Inner') ?? node.children[1];
  const innerScan = inner.nodeType === 'Materialize' || inner.nodeType === 'Memoize' ? inner.children[0] : inner;
  const seqInner = innerScan?.nodeType === 'Seq Scan';
  let fix: string | undefined;
  if (seqInner && innerScan.relation) {
    const cond = [node.conditions.joinFilter, innerScan.conditions.filter].filter(Boolean).join(' AND ');
    fix = createIndex(innerScan, indexColumns(conditionColumns(cond, innerScan.alias)));
  }
  const why = `A nested loop runs its inner side once per outer row. That is ideal for a few rows; for thousands, a hash or merge join reads each side once. The usual cause is an outer row count the planner underestimated (see row_misestimate)${seqInner ? ', and here every loop scans the whole inner table: an index on the join column turns each loop into a lookup' : ''}. Comparing with SET enable_nestloop = off shows what the alternative costs.`;
  if (ctx.analyzed) {
    const loops = inner.loops ?? 0;
    if (loops < T.NESTED_LOOP_MIN_LOOPS) return;
    const total = ctx.plan.executionTime ?? ctx.plan.root.inclusiveTime;
    let share: number | undefined;
    if (ctx.plan.hasTiming && total) {
      share = (inner.inclusiveTime ?? 0) / total;
      if (share < T.NESTED_LOOP_MIN_TIME_SHARE) return;
    }
    const message = `${node.label} ran its inner side (${inner.label}) ${fmt(loops)} times${share !== undefined ? `, ${pct(share)} of the execution time` : ''} (the outer side was estimated at ${outer.estimatedRows === undefined ? '?' : fmt(outer.estimatedRows)} rows, got ${fmt(totalActual(outer))}).`;
    ctx.add(node, 'nested_loop_many_loops', 'warning', message, why, fix);
    return;
  }
  if (outer.estimatedRows === undefined || outer.estimatedRows < T.NESTED_LOOP_MIN_LOOPS || !seqInner) return;
  const message = `${node.label} will run a sequential scan of its inner side (${inner.label}) about ${fmt(outer.estimatedRows)} times${ESTIMATED}.`;
  ctx.add(node, 'nested_loop_many_loops', 'warning', message, why, fix);
}

function lossyBitmap(ctx: Context, node: PlanNode): void {
  if (node.nodeType !== 'Bitmap Heap Scan' || !ctx.analyzed) return;
  // A parallel scan prints the leader's pages on the node and each worker's under it: add them up.
  const sum = (k: 'exactHeapBlocks' | 'lossyHeapBlocks') => (node[k] ?? 0) + (node.workers ?? []).reduce((s, w) => s + (w[k] ?? 0), 0);
  const lossy = sum('lossyHeapBlocks');
  if (!lossy) return;
  const blocks = sum('exactHeapBlocks') + lossy;
  // An exact bitmap page entry costs roughly 64 bytes of work_mem (tidbitmap.c PagetableEntry + hash slot).
  const needKb = (blocks * 64) / 1024;
  const message = `${node.label}: the bitmap went lossy for ${fmt(lossy)} of ${fmt(blocks)} heap pages${node.rowsRemovedByIndexRecheck ? `, and rechecking them threw away ${fmt(node.rowsRemovedByIndexRecheck * (node.loops ?? 1))} rows` : ''}.`;
  const why = 'When the bitmap of matching rows outgrows work_mem, PostgreSQL keeps only whole pages for part of it and must recheck every row on those pages against the condition. More work_mem keeps the bitmap exact.';
  ctx.add(node, 'lossy_bitmap', 'warning', message, why, `SET work_mem = '${suggestWorkMem(Math.max(needKb * 2, ctx.workMemKb * 2))}';`);
}

function indexFilterHeavy(ctx: Context, node: PlanNode): void {
  if (!/^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/.test(node.nodeType) || !node.conditions.filter || !ctx.analyzed) return;
  const d = filterDiscard(node);
  if (!d || d.ratio < T.SELECTIVE_FILTER_DISCARD_RATIO || d.read - d.kept < T.INDEX_FILTER_MIN_REMOVED) return;
  const indexCond = node.conditions.indexCond ?? node.conditions.recheckCond;
  const columns = indexColumns(indexCond ? conditionColumns(indexCond, node.alias) : undefined, conditionColumns(node.conditions.filter, node.alias));
  const message = `${node.label} fetches ${fmt(d.read)} rows through the index and its filter ${node.conditions.filter} throws away ${pct(d.ratio)} of them.`;
  const why = `The index narrows the search only by ${indexCond ?? 'its condition'}; every row it finds is then read from the table and checked against the filter. An index that also covers the filtered columns finds only the rows that are kept.`;
  ctx.add(node, 'index_filter_heavy', 'warning', message, why, columns.length > 1 ? createIndex(node, columns) : undefined, columns.length ? { columns } : {});
}

function heapFetches(ctx: Context, node: PlanNode): void {
  if (node.nodeType !== 'Index Only Scan') return;
  const fix = node.relation ? `VACUUM ${tableName(node)};` : undefined;
  const why = 'An index-only scan can skip the table only for pages the visibility map marks all-visible; for the others it visits the table anyway. VACUUM sets the visibility map (autovacuum does it on a server; PGlite never runs it).';
  if (ctx.analyzed) {
    if (!executed(node)) return;
    const fetches = node.heapFetches ?? 0;
    const rows = Math.max(totalActual(node), 1);
    if (fetches < T.HEAP_FETCH_MIN || fetches / rows < T.HEAP_FETCH_RATIO) return;
    const message = `${node.label} had to visit the table for ${fmt(fetches)} of ${fmt(totalActual(node))} rows (${pct(Math.min(1, fetches / rows))}): the visibility map is not set.`;
    ctx.add(node, 'index_only_heap_fetches', 'warning', message, why, fix);
    return;
  }
  const stats = statsFor(ctx.opts.tableStats, node.relation ?? '', node.schema);
  if (!stats || stats.relpages <= 0) return;
  const visible = stats.relallvisible / stats.relpages;
  if (visible >= 1 - T.HEAP_FETCH_RATIO) return;
  const message = `${node.label}: only ${pct(visible)} of ${tableName(node)}'s pages are marked all-visible, so most rows will need a table visit${ESTIMATED}.`;
  ctx.add(node, 'index_only_heap_fetches', 'warning', message, why, fix);
}

function largeOffset(ctx: Context, node: PlanNode): void {
  if (node.nodeType !== 'Limit' || !node.children.length) return;
  const child = node.children.find((c) => !c.subplanName) ?? node.children[0];
  let skipped: number;
  let estimated = false;
  if (ctx.analyzed) {
    if (!executed(node) || !executed(child)) return;
    skipped = (child.actualRows ?? 0) - (node.actualRows ?? 0);
  } else {
    // adjust_limit_rows_costs: Limit startup = child startup + child run cost × offset / child rows.
    const run = (child.totalCost ?? 0) - (child.startupCost ?? 0);
    if (!(run > 0) || node.startupCost === undefined || child.estimatedRows === undefined) return;
    skipped = Math.round((((node.startupCost ?? 0) - (child.startupCost ?? 0)) / run) * child.estimatedRows);
    estimated = true;
  }
  if (skipped < T.LARGE_OFFSET_MIN_ROWS) return;
  const message = `${node.label} reads and throws away ${estimated ? 'about ' : ''}${fmt(skipped)} rows to reach its OFFSET, returning ${fmt((estimated ? node.estimatedRows : node.actualRows) ?? 0)}${estimated ? ESTIMATED : '.'}`;
  const why = 'OFFSET does not skip rows: it produces them and discards them, so every later page is slower than the one before. Keyset pagination remembers the last row shown and asks for the next ones — `WHERE (sort_key, id) > ($last_key, $last_id) ORDER BY sort_key, id LIMIT n` — which an index answers as fast for page 1000 as for page 1.';
  ctx.add(node, 'large_offset', 'warning', message, why);
}

function cteScan(ctx: Context, node: PlanNode): void {
  if (node.nodeType !== 'CTE Scan' || !node.conditions.filter) return;
  const cte = ctx.plan.nodes.find((n) => n.subplanName === `CTE ${node.cteName}`);
  const recursive = cte?.nodeType === 'Recursive Union';
  const why = `The CTE ${node.cteName} is materialized: computed in full and stored, and the filter applied afterwards on every row of it, where an inlined subquery would let the condition reach the tables (and their indexes).` +
    (recursive ? ' It is recursive, so it cannot be inlined: move the condition into the CTE itself if it allows.' : ` Writing \`WITH ${node.cteName} AS NOT MATERIALIZED (...)\` (or referencing it once, without MATERIALIZED) lets PostgreSQL push the filter down.`);
  let message: string;
  if (ctx.analyzed) {
    const d = filterDiscard(node);
    if (!d || d.ratio < T.SELECTIVE_FILTER_DISCARD_RATIO || d.read - d.kept < T.INDEX_FILTER_MIN_REMOVED) return;
    message = `${node.label} filters the materialized CTE after the fact: ${node.conditions.filter} throws away ${pct(d.ratio)} of its ${fmt(d.read)} rows.`;
  } else {
    const cteRows = cte?.estimatedRows;
    if (!cteRows || cteRows < T.INDEX_FILTER_MIN_REMOVED || node.estimatedRows === undefined) return;
    const ratio = 1 - node.estimatedRows / cteRows;
    if (ratio < T.SELECTIVE_FILTER_DISCARD_RATIO) return;
    message = `${node.label} filters the materialized CTE after the fact: ${node.conditions.filter} keeps about ${fmt(node.estimatedRows)} of ${fmt(cteRows)} rows${ESTIMATED}.`;
  }
  ctx.add(node, 'cte_scan_materialized', 'warning', message, why);
}

function staleStatistics(ctx: Context): void {
  const map = ctx.opts.tableStats;
  if (!map) return;
  const done = new Set<string>();
  for (const node of ctx.plan.nodes) {
    if (!node.relation) continue;
    const s = statsFor(map, node.relation, node.schema);
    if (!s) continue;
    const key = `${s.schema}.${s.relation}`;
    if (done.has(key)) continue;
    done.add(key);
    const name = qualified(s.schema, s.relation);
    const fix = `ANALYZE ${name};`;
    const tail = ctx.analyzed ? '' : ' Estimates in this plan rest on them.';
    if (!s.lastAnalyze && !s.lastAutoanalyze) {
      const message = `${name} has never been analyzed: the planner is guessing its row counts and value distributions.`;
      const why = `Without statistics the planner assumes default selectivities and a size taken from the file, so row estimates can be far off in either direction. A server's autovacuum would analyze it after enough changes; PGlite never runs autovacuum.${tail}`;
      ctx.add(node, 'stale_statistics', 'warning', message, why, fix, { schema: s.schema, table: s.relation, index: undefined });
      continue;
    }
    const rows = Math.max(s.reltuples, 0);
    const limit = T.STALE_STATS_BASE_ROWS + T.STALE_STATS_SCALE_FACTOR * rows;
    if (s.nModSinceAnalyze <= limit) continue;
    const message = `${name} has had ${fmt(s.nModSinceAnalyze)} rows changed since its last ANALYZE (statistics describe ${fmt(rows)} rows).`;
    const why = `Statistics describe the table as it was when last analyzed; after this many changes (autovacuum would re-analyze past ${fmt(Math.round(limit))}), row counts and value distributions may no longer match.${tail}`;
    ctx.add(node, 'stale_statistics', 'warning', message, why, fix, { schema: s.schema, table: s.relation, index: undefined });
  }
}

function hotspots(ctx: Context): void {
  const nodes = ctx.plan.nodes;
  if (nodes.length < 2) return;
  if (ctx.plan.hasTiming) {
    const total = ctx.plan.executionTime ?? ctx.plan.root.inclusiveTime ?? 0;
    const slowest = nodes.reduce((a, b) => ((b.exclusiveTime ?? 0) > (a.exclusiveTime ?? 0) ? b : a));
    const t = slowest.exclusiveTime ?? 0;
    if (total >= T.SLOWEST_NODE_MIN_MS && t / total >= T.HOTSPOT_MIN_SHARE) {
      const message = `${slowest.label} is the slowest step: ${ms(t)} of its own, ${pct(t / total)} of the ${ms(total)} execution.`;
      const why = 'Time is counted per node, without its children: this is where the query spends most of its time, so a change here pays off most. The other diagnoses on this node, if any, say what to change.';
      ctx.add(slowest, 'slowest_node', 'info', message, why);
    }
  }
  const rootCost = ctx.plan.root.totalCost;
  if (rootCost) {
    const costliest = nodes.reduce((a, b) => ((b.exclusiveCost ?? 0) > (a.exclusiveCost ?? 0) ? b : a));
    const c = costliest.exclusiveCost ?? 0;
    if (c / rootCost >= T.HOTSPOT_MIN_SHARE) {
      const message = `${costliest.label} carries the largest share of the planner's cost estimate: ${fmt(c)} of ${fmt(rootCost)} (${pct(c / rootCost)}).`;
      const why = `Cost is the planner's own unit (about one sequential page read), counted per node without its children. It is what the planner minimizes, so this is the node it considered most expensive${ctx.analyzed ? '; compare it with where the time really went (slowest_node)' : ''}.`;
      ctx.add(costliest, 'costliest_node', 'info', message, why);
    }
  }
}
