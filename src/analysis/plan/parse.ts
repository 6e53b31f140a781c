// Parses EXPLAIN output into the typed tree of types.ts: FORMAT JSON (the parsed value or its
// text, with or without ANALYZE / BUFFERS) and the TEXT format pasted from psql or any client.
import { ident } from '../finding.ts';
import { extractPlan, PlanParseError } from './paste.ts';
import type { BufferCounts, Plan, PlanConditions, PlanNode, PlanTrigger, WorkerStats } from './types.ts';

export type { Plan, PlanNode } from './types.ts';

export { PlanParseError };

/**
 * Any EXPLAIN output: the FORMAT JSON value (array, its element, or a bare plan node), JSON text,
 * TEXT-format output as one string (psql decoration such as the `QUERY PLAN` header, `(N rows)`
 * footer and `+` wrap marks is ignored), or the TEXT rows as an array of strings.
 */
export function parsePlan(input: unknown): Plan {
  if (typeof input === 'string') return parseString(input);
  if (Array.isArray(input) && input.every((x) => typeof x === 'string')) return parseString(input.join('\n'));
  if (Array.isArray(input) && input.length === 1 && isRecord(input[0]) && 'QUERY PLAN' in input[0]) {
    return parsePlan(input[0]['QUERY PLAN']);
  }
  return parseJsonPlan(input);
}

function parseString(text: string): Plan {
  const x = extractPlan(text);
  return x.format === 'json' ? parseJsonText(x.json) : textPlanFromLines(x.lines);
}

function parseJsonText(json: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new PlanParseError(`The JSON plan does not parse (${(e as Error).message}). Expected the whole output of EXPLAIN (FORMAT JSON).`);
  }
  return parseJsonPlan(value);
}

// ---------------------------------------------------------------------------------------------
// JSON

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJsonPlan(value: unknown): Plan {
  let top: unknown = value;
  if (Array.isArray(top)) top = top[0];
  // A client's export of the result row: `[{"QUERY PLAN": [...]}]`.
  if (isRecord(top) && 'QUERY PLAN' in top && !('Plan' in top)) return parsePlan(top['QUERY PLAN']);
  if (!isRecord(top)) throw new PlanParseError('Not an EXPLAIN (FORMAT JSON) plan.');
  const planJson = isRecord(top.Plan) ? top.Plan : 'Node Type' in top ? top : undefined;
  if (!planJson) throw new PlanParseError('Not an EXPLAIN (FORMAT JSON) plan: no "Plan" key.');
  const root = jsonTree(planJson);
  const triggers: PlanTrigger[] = Array.isArray(top.Triggers)
    ? top.Triggers.filter(isRecord).map((t) => ({
        name: String(t['Trigger Name'] ?? ''),
        constraint: str(t['Constraint Name']),
        relation: str(t.Relation),
        time: num(t.Time),
        calls: num(t.Calls),
      }))
    : [];
  const plan = finish(root, 'json', {
    planningTime: num(top['Planning Time']),
    executionTime: num(top['Execution Time']),
    planningBuffers: isRecord(top.Planning) ? jsonBuffers(top.Planning) : undefined,
    triggers,
    settings: isRecord(top.Settings) ? Object.fromEntries(Object.entries(top.Settings).map(([k, v]) => [k, String(v)])) : undefined,
    jit: isRecord(top.JIT) ? top.JIT : undefined,
  });
  return plan;
}

const BUFFER_KEYS: readonly string[] = [
  ...['Shared', 'Local'].flatMap((k) => ['Hit', 'Read', 'Dirtied', 'Written'].map((w) => `${k} ${w} Blocks`)),
  'Temp Read Blocks', 'Temp Written Blocks',
];
function bufferKeys(): readonly string[] {
  return BUFFER_KEYS;
}

const JSON_CONSUMED = new Set([
  'Node Type', 'Parent Relationship', 'Subplan Name', 'Parallel Aware', 'Operation', 'Relation Name', 'Schema', 'Alias',
  'Index Name', 'Function Name', 'CTE Name', 'Scan Direction', 'Join Type', 'Strategy', 'Partial Mode', 'Command',
  'Filter', 'Index Cond', 'Hash Cond', 'Merge Cond', 'Join Filter', 'Recheck Cond', 'One-Time Filter', 'TID Cond', 'Order By',
  'Sort Key', 'Presorted Key', 'Group Key', 'Grouping Sets', 'Output', 'Startup Cost', 'Total Cost', 'Plan Rows', 'Plan Width',
  'Actual Startup Time', 'Actual Total Time', 'Actual Rows', 'Actual Loops', 'Disabled',
  'Rows Removed by Filter', 'Rows Removed by Join Filter', 'Rows Removed by Index Recheck',
  'Sort Method', 'Sort Space Used', 'Sort Space Type', 'Hash Buckets', 'Original Hash Buckets', 'Hash Batches',
  'Original Hash Batches', 'Peak Memory Usage', 'HashAgg Batches', 'Disk Usage', 'Planned Partitions',
  'Heap Fetches', 'Exact Heap Blocks', 'Lossy Heap Blocks', 'Index Searches', 'Workers Planned', 'Workers Launched', 'Workers',
  'Cache Hits', 'Cache Misses', 'Cache Evictions', 'Cache Overflows', 'Plans',
  ...bufferKeys(),
]);


/** A node's buffer counts; none when all are zero, as the TEXT format leaves the line out then. */
function jsonBuffers(j: Json): BufferCounts | undefined {
  if (!bufferKeys().some((k) => (num(j[k]) ?? 0) > 0)) return undefined;
  const b = emptyBuffers();
  b.shared = { hit: num(j['Shared Hit Blocks']) ?? 0, read: num(j['Shared Read Blocks']) ?? 0, dirtied: num(j['Shared Dirtied Blocks']) ?? 0, written: num(j['Shared Written Blocks']) ?? 0 };
  b.local = { hit: num(j['Local Hit Blocks']) ?? 0, read: num(j['Local Read Blocks']) ?? 0, dirtied: num(j['Local Dirtied Blocks']) ?? 0, written: num(j['Local Written Blocks']) ?? 0 };
  b.temp = { read: num(j['Temp Read Blocks']) ?? 0, written: num(j['Temp Written Blocks']) ?? 0 };
  return b;
}

/** The tree, without recursion: plans nested thousands deep must not overflow the stack. */
function jsonTree(rootJson: Json): PlanNode {
  const root = jsonNode(rootJson);
  const todo: [Json, PlanNode][] = [[rootJson, root]];
  while (todo.length) {
    const [j, node] = todo.pop()!;
    for (const c of Array.isArray(j.Plans) ? j.Plans.filter(isRecord) : []) {
      const child = jsonNode(c);
      node.children.push(child);
      todo.push([c, child]);
    }
  }
  return root;
}

/** One node's own fields (its children are added by jsonTree). */
/** Sets a field only when it has a value: assigning undefined and deleting it later is slow. */
function put<K extends keyof PlanNode>(node: PlanNode, key: K, value: PlanNode[K] | undefined): void {
  if (value !== undefined) node[key] = value;
}

function jsonNode(j: Json): PlanNode {
  const node = blankNode(String(j['Node Type'] ?? 'Unknown'));
  put(node, 'parentRelationship', str(j['Parent Relationship']));
  if (typeof j['Subplan Name'] === 'string') setSubplan(node, j['Subplan Name']);
  put(node, 'parallelAware', j['Parallel Aware'] === true);
  put(node, 'operation', str(j.Operation));
  put(node, 'relation', str(j['Relation Name']));
  put(node, 'schema', str(j.Schema));
  put(node, 'alias', str(j.Alias));
  put(node, 'index', str(j['Index Name']));
  put(node, 'functionName', str(j['Function Name']));
  put(node, 'cteName', str(j['CTE Name']));
  put(node, 'scanDirection', str(j['Scan Direction']));
  put(node, 'joinType', str(j['Join Type']));
  put(node, 'strategy', str(j.Strategy));
  put(node, 'partialMode', str(j['Partial Mode']));
  put(node, 'command', str(j.Command));
  const c: PlanConditions = {};
  const condKeys: [keyof PlanConditions, string][] = [
    ['filter', 'Filter'], ['indexCond', 'Index Cond'], ['hashCond', 'Hash Cond'], ['mergeCond', 'Merge Cond'],
    ['joinFilter', 'Join Filter'], ['recheckCond', 'Recheck Cond'], ['oneTimeFilter', 'One-Time Filter'],
    ['tidCond', 'TID Cond'], ['orderBy', 'Order By'],
  ];
  for (const [k, key] of condKeys) if (typeof j[key] === 'string') c[k] = j[key] as string;
  node.conditions = c;
  put(node, 'sortKey', strList(j['Sort Key']));
  put(node, 'presortedKey', strList(j['Presorted Key']));
  put(node, 'groupKey', strList(j['Group Key']));
  if (Array.isArray(j['Grouping Sets'])) {
    node.groupingSets = [];
    for (const set of j['Grouping Sets'].filter(isRecord)) {
      for (const [k, kind] of [['Hash Keys', 'Hash'], ['Group Keys', 'Group']] as const) {
        if (Array.isArray(set[k])) for (const keys of set[k]) node.groupingSets.push({ kind, keys: strList(keys) ?? [] });
      }
    }
  }
  put(node, 'output', strList(j.Output));
  put(node, 'startupCost', num(j['Startup Cost']));
  put(node, 'totalCost', num(j['Total Cost']));
  put(node, 'estimatedRows', num(j['Plan Rows']));
  put(node, 'width', num(j['Plan Width']));
  put(node, 'actualStartupTime', num(j['Actual Startup Time']));
  put(node, 'actualTotalTime', num(j['Actual Total Time']));
  put(node, 'actualRows', num(j['Actual Rows']));
  put(node, 'loops', num(j['Actual Loops']));
  put(node, 'neverExecuted', node.loops === 0);
  // TEXT prints only `Disabled: true`; JSON says false on every node.
  if (j.Disabled === true) node.disabled = true;
  put(node, 'buffers', jsonBuffers(j));
  put(node, 'rowsRemovedByFilter', num(j['Rows Removed by Filter']));
  put(node, 'rowsRemovedByJoinFilter', num(j['Rows Removed by Join Filter']));
  put(node, 'rowsRemovedByIndexRecheck', num(j['Rows Removed by Index Recheck']));
  put(node, 'sortMethod', str(j['Sort Method']));
  put(node, 'sortSpaceUsed', num(j['Sort Space Used']));
  put(node, 'sortSpaceType', str(j['Sort Space Type']));
  put(node, 'hashBuckets', num(j['Hash Buckets']));
  put(node, 'originalHashBuckets', num(j['Original Hash Buckets']));
  put(node, 'hashBatches', num(j['Hash Batches']));
  put(node, 'originalHashBatches', num(j['Original Hash Batches']));
  put(node, 'peakMemoryUsage', num(j['Peak Memory Usage']));
  put(node, 'hashAggBatches', num(j['HashAgg Batches']));
  put(node, 'diskUsage', num(j['Disk Usage']));
  put(node, 'plannedPartitions', num(j['Planned Partitions']));
  put(node, 'heapFetches', num(j['Heap Fetches']));
  put(node, 'exactHeapBlocks', num(j['Exact Heap Blocks']));
  put(node, 'lossyHeapBlocks', num(j['Lossy Heap Blocks']));
  put(node, 'indexSearches', num(j['Index Searches']));
  put(node, 'workersPlanned', num(j['Workers Planned']));
  put(node, 'workersLaunched', num(j['Workers Launched']));
  if (Array.isArray(j.Workers)) {
    node.workers = j.Workers.filter(isRecord).map((w) => ({
      number: num(w['Worker Number']) ?? 0,
      actualStartupTime: num(w['Actual Startup Time']),
      actualTotalTime: num(w['Actual Total Time']),
      actualRows: num(w['Actual Rows']),
      loops: num(w['Actual Loops']),
      sortMethod: str(w['Sort Method']),
      sortSpaceUsed: num(w['Sort Space Used']),
      sortSpaceType: str(w['Sort Space Type']),
      exactHeapBlocks: num(w['Exact Heap Blocks']),
      lossyHeapBlocks: num(w['Lossy Heap Blocks']),
      buffers: jsonBuffers(w),
      hashAggBatches: num(w['HashAgg Batches']),
      peakMemoryUsage: num(w['Peak Memory Usage']),
      diskUsage: num(w['Disk Usage']),
    }));
    for (const w of node.workers) for (const k of Object.keys(w) as (keyof WorkerStats)[]) if (w[k] === undefined) delete w[k];
    // Without VERBOSE the array is there but empty, where TEXT has no Worker lines.
    if (!node.workers.length) delete node.workers;
  }
  put(node, 'cacheHits', num(j['Cache Hits']));
  put(node, 'cacheMisses', num(j['Cache Misses']));
  put(node, 'cacheEvictions', num(j['Cache Evictions']));
  put(node, 'cacheOverflows', num(j['Cache Overflows']));
  for (const [k, v] of Object.entries(j)) if (!JSON_CONSUMED.has(k)) node.extra[k] = v;
  return node;
}

// ---------------------------------------------------------------------------------------------
// TEXT

const ID = String.raw`(?:"(?:[^"]|"")*"|[^\s".]+)`;
const QID = String.raw`(?:${ID}\.)?${ID}`;

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}

function splitQualified(s: string): { schema?: string; name: string } {
  const m = new RegExp(`^(${ID})\\.(${ID})$`).exec(s);
  return m ? { schema: unquote(m[1]), name: unquote(m[2]) } : { name: unquote(s) };
}

/** TEXT output as one string: what tools add around it is stripped first (paste.ts). */
export function parseTextPlan(text: string): Plan {
  const x = extractPlan(text);
  if (x.format === 'json') return parseJsonText(x.json);
  return textPlanFromLines(x.lines);
}

type LineKind = 'node' | 'header' | 'worker' | 'detail' | 'footer';
interface Logical { kind: LineKind; indent: number; content: string; /** An odd number of single quotes so far. */ inLiteral: boolean }

const oddQuotes = (s: string) => {
  let n = 0;
  for (let i = s.indexOf("'"); i !== -1; i = s.indexOf("'", i + 1)) n++;
  return n % 2 === 1;
};

/** Lines after the tree: plan-level figures, at the root's column. */
const FOOTER = /^(Planning [Tt]ime:|Execution [Tt]ime:|Total runtime:|Planning:|Execution:|Settings:|JIT:|Triggers?\b.*:|Query Identifier:|Serialization:|Query Text:)/;
/** `InitPlan 1 (returns $0)`, `SubPlan 2`, `CTE name`, and PG ≤ 8.4's bare `InitPlan` / `SubPlan`. */
const HEADER = /^(InitPlan|SubPlan|CTE)(\s+\S.*)?$/;
/** `Key: value` (a capitalised key of a few words) or `Key:` alone. */
const DETAIL = /^[A-Z][\w()/-]*(?: [\w()/-]+){0,6}:(?:\s|$)/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * One logical line per node line, detail, worker line or header: a line that is none of these
 * continues the one before (a value with a newline printed at column 0, or a hard-wrapped line).
 */
function logicalLines(lines: string[]): Logical[] {
  const rootIndent = indentOf(lines[0]);
  const out: Logical[] = [];
  let footer = false;
  let blank = false;
  let widest = 0;
  for (const l of lines) widest = Math.max(widest, l.length);
  let prevWidth = 0;
  for (const raw of lines) {
    const content = raw.trim();
    if (!content) {
      blank = true;
      continue;
    }
    const indent = indentOf(raw);
    let kind: LineKind | undefined;
    if (footer) kind = 'footer';
    else if (!out.length || content.startsWith('->')) kind = 'node';
    else if (indent <= rootIndent + 1 && FOOTER.test(content)) kind = footer = 'footer' as never;
    else if (HEADER.test(content) && !content.includes(': ') && !/^CTE Scan\b/.test(content)) kind = 'header';
    else if (/^Worker \d+:/.test(content)) kind = 'worker';
    else if (DETAIL.test(content)) kind = 'detail';
    else if (blank && indent <= rootIndent) kind = footer = 'footer' as never; // text after the plan
    if (footer) kind = 'footer';
    blank = false;
    if (kind) {
      prevWidth = raw.length;
      out.push({ kind, indent, content, inLiteral: oddQuotes(content) });
      continue;
    }
    const prev = out[out.length - 1];
    // Inside a string literal, a break before a word that would have fit on the line was a newline
    // of the value (EXPLAIN prints it at column 0); otherwise the line was hard-wrapped.
    const firstWord = content.indexOf(' ') === -1 ? content.length : content.indexOf(' ');
    const wouldFit = prevWidth + 1 + firstWord <= widest;
    prev.content += prev.inLiteral && wouldFit ? '\n' + raw.slice(Math.min(rootIndent, indent)) : ' ' + content;
    if (oddQuotes(content)) prev.inLiteral = !prev.inLiteral;
    prevWidth = raw.length;
    continue;
  }
  return out;
}

interface StackEntry {
  kind: 'node' | 'header' | 'worker';
  /** Column of the entry's own text: deeper lines belong to it. */
  col: number;
  node: PlanNode;
  header?: string;
  worker?: PlanNode;
}

function textPlanFromLines(lines: string[]): Plan {
  const logical = logicalLines(lines);
  const first = logical[0];
  const rootArrow = /^->\s*/.exec(first.content);
  const root = textNode(first.content.slice(rootArrow ? rootArrow[0].length : 0));
  const stack: StackEntry[] = [{ kind: 'node', col: first.indent + (rootArrow ? rootArrow[0].length : 0), node: root }];
  const footer: string[] = [];
  const workerScratch = new Map<PlanNode, Map<number, PlanNode>>();
  for (let i = 1; i < logical.length; i++) {
    const { kind, indent, content } = logical[i];
    if (kind === 'footer') {
      footer.push(' '.repeat(Math.max(0, indent - first.indent)) + content);
      continue;
    }
    // A line left of where it belongs still belongs to the plan: the root is never left.
    while (stack.length > 1 && stack[stack.length - 1].col >= indent) stack.pop();
    const top = stack[stack.length - 1];
    if (kind === 'node') {
      const arrow = /^->\s*/.exec(content)!;
      const node = textNode(content.slice(arrow[0].length));
      if (top.kind === 'header') {
        const h = top.header!;
        node.parentRelationship = h.startsWith('CTE') ? 'InitPlan' : h.split(' ')[0];
        setSubplan(node, h);
      }
      top.node.children.push(node);
      stack.push({ kind: 'node', col: indent + arrow[0].length, node });
    } else if (kind === 'header') {
      stack.push({ kind: 'header', col: indent, node: top.node, header: content });
    } else if (kind === 'worker') {
      const m = /^Worker (\d+):\s*(.*)$/.exec(content)!;
      const owner = top.node;
      let scratch = workerScratch.get(owner);
      if (!scratch) workerScratch.set(owner, (scratch = new Map()));
      const number = Number(m[1]);
      let w = scratch.get(number);
      if (!w) scratch.set(number, (w = blankNode(owner.nodeType)));
      if (m[2]) workerDetail(w, m[2]);
      stack.push({ kind: 'worker', col: indent, node: owner, worker: w });
    } else if (top.kind === 'worker') {
      workerDetail(top.worker!, content);
    } else if (top.kind === 'node') {
      textDetail(top.node, content);
    } else {
      textDetail(top.node, content);
    }
  }
  for (const [owner, scratch] of workerScratch) {
    owner.workers = [...scratch].map(([number, w]) => workerStats(number, w));
  }
  assignRelationships(root);
  const fields = textFooter(footer);
  return finish(root, 'text', fields);
}

/** `InitPlan 1 (returns $0)` (PG ≤ 15) → name `InitPlan 1` and the parameters it sets, `$0`. */
function setSubplan(node: PlanNode, header: string): void {
  const m = /^(.*?)\s*\(returns ([^)]*)\)\s*$/.exec(header);
  node.subplanName = m ? m[1] : header;
  if (m) node.subplanParams = m[2].split(',').map((p) => p.trim()).filter(Boolean);
}

/** A worker's `actual …` figures or one of its detail lines. */
function workerDetail(w: PlanNode, content: string): void {
  const act = /^actual (?:time=([\d.]+)\.\.([\d.]+) )?rows=([\d.]+) loops=(\d+)/.exec(content);
  if (act) {
    if (act[1] !== undefined) {
      w.actualStartupTime = Number(act[1]);
      w.actualTotalTime = Number(act[2]);
    }
    w.actualRows = Number(act[3]);
    w.loops = Number(act[4]);
    return;
  }
  textDetail(w, content);
}

function workerStats(number: number, w: PlanNode): WorkerStats {
  const s: WorkerStats = { number };
  const keys = ['actualStartupTime', 'actualTotalTime', 'actualRows', 'loops', 'sortMethod', 'sortSpaceUsed', 'sortSpaceType',
    'exactHeapBlocks', 'lossyHeapBlocks', 'buffers', 'hashAggBatches', 'peakMemoryUsage', 'diskUsage'] as const;
  for (const k of keys) if (w[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = w[k];
  return s;
}

/** EXPLAIN's text format names join children Outer/Inner only implicitly; set them like JSON does. */
function assignRelationships(root: PlanNode): void {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    const plain = node.children.filter((c) => !c.parentRelationship);
    if (plain.length) {
      const members = /Append|BitmapAnd|BitmapOr/.test(node.nodeType) && !/Recursive Union/.test(node.nodeType);
      plain.forEach((c, i) => {
        if (members) c.parentRelationship = 'Member';
        else if (node.nodeType === 'Subquery Scan') c.parentRelationship = 'Subquery';
        else c.parentRelationship = i === 0 ? 'Outer' : 'Inner';
      });
    }
    stack.push(...node.children);
  }
}

/** Splits `label  (cost=…) (actual …)` with index searches, not a backtracking regex (linear time). */
function textNode(content: string): PlanNode {
  const node = blankNode('Unknown');
  let label = content;
  const cut = (marker: string) => {
    const i = label.lastIndexOf(marker);
    if (i === -1) return undefined;
    const end = label.indexOf(')', i);
    const inner = label.slice(i + 1, end === -1 ? label.length : end);
    label = label.slice(0, i) + (end === -1 ? '' : label.slice(end + 1));
    return inner;
  };
  const never = cut('(never executed)');
  const actual = cut('(actual ');
  const cost = cut('(cost=');
  label = label.trim();
  const c = cost && /^cost=([\d.]+)\.\.([\d.]+) rows=(\d+) width=(\d+)/.exec(cost);
  if (c) {
    node.startupCost = Number(c[1]);
    node.totalCost = Number(c[2]);
    node.estimatedRows = Number(c[3]);
    node.width = Number(c[4]);
  }
  const a = actual && /^actual (?:time=([\d.]+)\.\.([\d.]+) )?rows=([\d.]+) loops=(\d+)/.exec(actual);
  if (a) {
    if (a[1] !== undefined) {
      node.actualStartupTime = Number(a[1]);
      node.actualTotalTime = Number(a[2]);
    }
    node.actualRows = Number(a[3]);
    node.loops = Number(a[4]);
  }
  if (never !== undefined) {
    node.neverExecuted = true;
    node.actualRows = 0;
    node.loops = 0;
  }
  parseLabel(node, label);
  return node;
}

const JOIN_TYPES = 'Left|Right|Full|Semi|Anti|Right Semi|Right Anti';
const SCAN_ON = [
  'Seq Scan', 'Bitmap Heap Scan', 'Tid Scan', 'Tid Range Scan', 'Sample Scan', 'Foreign Scan', 'Subquery Scan',
  'CTE Scan', 'WorkTable Scan', 'Function Scan', 'Table Function Scan', 'Values Scan', 'Named Tuplestore Scan',
];

function parseLabel(node: PlanNode, labelIn: string): void {
  let label = labelIn;
  const par = /^Parallel\s+/.exec(label);
  if (par) {
    node.parallelAware = true;
    label = label.slice(par[0].length);
  }
  label = label.replace(/^Async\s+/, '');
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^(Index Scan|Index Only Scan)( Backward)? using (${ID}) on (${QID})(?: (${ID}))?$`).exec(label))) {
    node.nodeType = m[1];
    node.scanDirection = m[2] ? 'Backward' : 'Forward';
    node.index = unquote(m[3]);
    setRelation(node, m[4], m[5]);
  } else if ((m = new RegExp(`^Bitmap Index Scan on (${ID})$`).exec(label))) {
    node.nodeType = 'Bitmap Index Scan';
    node.index = unquote(m[1]);
  } else if ((m = new RegExp(`^(${SCAN_ON.join('|')}|Custom Scan \\(\\w+\\)) on (${QID})(?: (${ID}))?$`).exec(label))) {
    node.nodeType = m[1].startsWith('Custom Scan') ? 'Custom Scan' : m[1];
    if (node.nodeType === 'Custom Scan') node.extra['Custom Plan Provider'] = m[1].slice(13, -1);
    const target = splitQualified(m[2]);
    const alias = m[3] !== undefined ? unquote(m[3]) : undefined;
    switch (node.nodeType) {
      case 'Function Scan':
        node.functionName = target.name;
        node.schema = target.schema;
        node.alias = alias ?? target.name;
        break;
      case 'CTE Scan':
        node.cteName = target.name;
        node.alias = alias ?? target.name;
        break;
      case 'WorkTable Scan':
        node.cteName = target.name;
        node.alias = alias ?? target.name;
        break;
      case 'Subquery Scan':
      case 'Values Scan':
      case 'Table Function Scan':
      case 'Named Tuplestore Scan':
        node.alias = alias ?? target.name;
        break;
      default:
        setRelation(node, m[2], m[3]);
    }
  } else if ((m = new RegExp(`^(Insert|Update|Delete|Merge) on (${QID})(?: (${ID}))?$`).exec(label))) {
    node.nodeType = 'ModifyTable';
    node.operation = m[1];
    setRelation(node, m[2], m[3]);
  } else if ((m = new RegExp(`^(Nested Loop|Hash|Merge)(?: (${JOIN_TYPES}))?(?: Join)?$`).exec(label)) && (m[1] === 'Nested Loop' || label.endsWith('Join'))) {
    node.nodeType = m[1] === 'Nested Loop' ? 'Nested Loop' : `${m[1]} Join`;
    node.joinType = m[2] ?? 'Inner';
  } else if ((m = /^(?:(Partial|Finalize) )?(HashAggregate|GroupAggregate|Aggregate|MixedAggregate)$/.exec(label))) {
    node.nodeType = 'Aggregate';
    node.partialMode = m[1] ?? 'Simple';
    node.strategy = { HashAggregate: 'Hashed', GroupAggregate: 'Sorted', Aggregate: 'Plain', MixedAggregate: 'Mixed' }[m[2]];
  } else if ((m = /^(HashSetOp|SetOp) (Intersect All|Intersect|Except All|Except)$/.exec(label))) {
    node.nodeType = 'SetOp';
    node.strategy = m[1] === 'HashSetOp' ? 'Hashed' : 'Sorted';
    node.command = m[2];
  } else if ((m = new RegExp(`^(Subquery Scan|Values Scan|CTE Scan|Function Scan) (${ID})$`).exec(label))) {
    // PG ≤ 9.x: `Subquery Scan alias`, without "on".
    node.nodeType = m[1];
    node.alias = unquote(m[2]);
    if (m[1] === 'CTE Scan') node.cteName = node.alias;
    if (m[1] === 'Function Scan') node.functionName = node.alias;
  } else if ((m = /^Foreign Scan$/.exec(label))) {
    node.nodeType = 'Foreign Scan';
  } else {
    node.nodeType = label;
  }
}

function setRelation(node: PlanNode, qualifiedRel: string, alias: string | undefined): void {
  const r = splitQualified(qualifiedRel);
  node.relation = r.name;
  if (r.schema) node.schema = r.schema;
  node.alias = alias !== undefined ? unquote(alias) : r.name;
}

const CONDITION_KEYS: Record<string, keyof PlanConditions> = {
  'Filter': 'filter', 'Index Cond': 'indexCond', 'Hash Cond': 'hashCond', 'Merge Cond': 'mergeCond',
  'Join Filter': 'joinFilter', 'Recheck Cond': 'recheckCond', 'One-Time Filter': 'oneTimeFilter',
  'TID Cond': 'tidCond', 'Order By': 'orderBy',
};

/** Lines whose value holds several `Key: value` fields separated by two spaces. */
const MULTI_FIELD = new Set(['Sort Method', 'Buckets', 'Batches', 'Planned Partitions', 'Hits', 'Storage', 'Full-sort Groups', 'Pre-sorted Groups']);

/**
 * `Sort Method: quicksort  Memory: 25kB` → pairs. A new field starts only where a `Key:` follows
 * two spaces, so PG ≤ 9.x's `Sort Method:  quicksort` (two spaces after the colon) reads the same.
 */
function splitFields(content: string): [string, string][] {
  const out: [string, string][] = [];
  const key = /^([A-Z][\w-]*(?: [A-Za-z][\w-]*){0,3}):(?:\s+|$)/;
  // Segments between runs of two or more spaces, found with indexOf: linear however long the runs.
  let i = 0;
  while (i < content.length) {
    let j = content.indexOf('  ', i);
    if (j === -1) j = content.length;
    const seg = content.slice(i, j);
    const m = key.exec(seg);
    if (m) out.push([m[1], seg.slice(m[0].length)]);
    else if (out.length) out[out.length - 1][1] = (out[out.length - 1][1] ? out[out.length - 1][1] + ' ' : '') + seg;
    else out.push([seg, '']);
    i = j;
    while (content[i] === ' ') i++;
  }
  return out.map(([k, v]) => [k, v.trim()]);
}

/** `Full-sort Groups: 63  Sort Method: quicksort  Average Memory: 29kB  Peak Memory: 29kB`, as JSON has it. */
function incrementalGroups(content: string): Record<string, unknown> {
  const f = new Map(splitFields(content));
  const kb = (v: string | undefined) => (v === undefined ? undefined : Number(v.replace(/kB$/, '')));
  const group: Record<string, unknown> = { 'Group Count': Number(f.get('Full-sort Groups') ?? f.get('Pre-sorted Groups')) };
  const methods = f.get('Sort Method') ?? f.get('Sort Methods');
  if (methods) group['Sort Methods Used'] = methods.split(/,\s*/);
  for (const space of ['Memory', 'Disk']) {
    const avg = kb(f.get(`Average ${space}`));
    if (avg !== undefined) group[`Sort Space ${space}`] = { 'Average Sort Space Used': avg, 'Peak Sort Space Used': kb(f.get(`Peak ${space}`)) };
  }
  return group;
}

function textDetail(node: PlanNode, content: string): void {
  const colon = content.indexOf(':');
  const key = colon === -1 ? content : content.slice(0, colon);
  const value = colon === -1 ? '' : content.slice(colon + 1).trim();
  if (key in CONDITION_KEYS) {
    node.conditions[CONDITION_KEYS[key]] = value;
    return;
  }
  if (key === 'Full-sort Groups' || key === 'Pre-sorted Groups') {
    node.extra[key] = incrementalGroups(content);
    return;
  }
  if (MULTI_FIELD.has(key)) {
    for (const [k, v] of splitFields(content)) textField(node, k, v);
    return;
  }
  textField(node, key, value);
}

function textField(node: PlanNode, key: string, value: string): void {
  const n = () => Number(value.replace(/kB$/, ''));
  const orig = () => {
    const m = /^(\d+)(?: \(originally (\d+)\))?$/.exec(value);
    return m ? [Number(m[1]), m[2] !== undefined ? Number(m[2]) : Number(m[1])] : [NaN, NaN];
  };
  switch (key) {
    case 'Rows Removed by Filter': node.rowsRemovedByFilter = n(); break;
    case 'Rows Removed by Join Filter': node.rowsRemovedByJoinFilter = n(); break;
    case 'Rows Removed by Index Recheck': node.rowsRemovedByIndexRecheck = n(); break;
    case 'Sort Key': node.sortKey = splitList(value); break;
    case 'Presorted Key': node.presortedKey = splitList(value); break;
    case 'Group Key':
    case 'Hash Key': {
      // Grouping sets print one line per set (`()` for the empty one); JSON has "Grouping Sets".
      const keys = value === '()' ? [] : splitList(value);
      const kind = key === 'Hash Key' ? 'Hash' : 'Group';
      if (node.groupingSets) node.groupingSets.push({ kind, keys });
      else if (node.groupKey !== undefined || kind === 'Hash' || value === '()') {
        node.groupingSets = node.groupKey ? [{ kind: 'Group', keys: node.groupKey }] : [];
        node.groupingSets.push({ kind, keys });
        delete node.groupKey;
      } else node.groupKey = keys;
      break;
    }
    case 'Output': node.output = splitList(value); break;
    case 'Sort Method': node.sortMethod = value; break;
    case 'Memory':
    case 'Disk':
      if (node.sortMethod !== undefined) {
        node.sortSpaceType = key;
        node.sortSpaceUsed = n();
      }
      break;
    case 'Buckets': [node.hashBuckets, node.originalHashBuckets] = orig(); break;
    case 'Batches':
      if (node.nodeType === 'Hash') [node.hashBatches, node.originalHashBatches] = orig();
      else node.hashAggBatches = n();
      break;
    case 'Memory Usage': node.peakMemoryUsage = n(); break;
    case 'Disk Usage': node.diskUsage = n(); break;
    case 'Planned Partitions': node.plannedPartitions = n(); break;
    case 'Heap Fetches': node.heapFetches = n(); break;
    case 'Heap Blocks': {
      const e = /exact=(\d+)/.exec(value);
      const l = /lossy=(\d+)/.exec(value);
      node.exactHeapBlocks = e ? Number(e[1]) : 0;
      node.lossyHeapBlocks = l ? Number(l[1]) : 0;
      break;
    }
    case 'Index Searches': node.indexSearches = n(); break;
    case 'Workers Planned': node.workersPlanned = n(); break;
    case 'Workers Launched': node.workersLaunched = n(); break;
    case 'Buffers': node.buffers = textBuffers(value, node.buffers); break;
    case 'Hits': node.cacheHits = n(); break;
    case 'Misses': node.cacheMisses = n(); break;
    case 'Evictions': node.cacheEvictions = n(); break;
    case 'Overflows': node.cacheOverflows = n(); break;
    case 'Disabled': node.disabled = value === 'true'; break;
    default: node.extra[key] = value;
  }
}

function sortFields(method: string, type: string, kb: string): Partial<WorkerStats> {
  return { sortMethod: method, sortSpaceType: type, sortSpaceUsed: Number(kb) };
}

/** `a, b DESC, lower(c)`: splits on top-level commas only. */
function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** `shared hit=1 read=2 dirtied=3 written=4, local hit=5, temp read=6 written=7` */
function textBuffers(value: string, into?: BufferCounts): BufferCounts {
  const b = into ?? emptyBuffers();
  for (const part of value.split(',')) {
    const m = /^\s*(shared|local|temp)\s+(.*)$/.exec(part);
    if (!m) continue;
    for (const kv of m[2].matchAll(/(hit|read|dirtied|written)=(\d+)/g)) {
      const group = b[m[1] as 'shared' | 'local' | 'temp'] as Record<string, number>;
      group[kv[1]] = Number(kv[2]);
    }
  }
  return b;
}

function textFooter(lines: string[]): Partial<Plan> {
  const out: Partial<Plan> = { triggers: [] };
  let section = '';
  for (const line of lines) {
    const indented = /^\s/.test(line);
    const content = line.trim();
    if (!indented) section = '';
    let m: RegExpExecArray | null;
    // `Planning time:` / `Execution time:` up to PG 12, `Total runtime:` up to 9.3.
    if ((m = /^Planning [Tt]ime: ([\d.]+) ms$/.exec(content))) out.planningTime = Number(m[1]);
    else if ((m = /^(?:Execution [Tt]ime|Total runtime): ([\d.]+) ms$/.exec(content))) out.executionTime = Number(m[1]);
    else if ((m = /^Trigger(?: (?!for constraint )(.+?))?(?: for constraint (.+?))?(?: on (.+?))?: (?:time=([\d.]+) )?calls=(\d+)$/.exec(content))) {
      const t: PlanTrigger = { name: m[1] ? unquote(m[1]) : '', calls: Number(m[5]) };
      if (m[2]) t.constraint = m[2];
      if (m[3]) t.relation = m[3];
      if (m[4]) t.time = Number(m[4]);
      out.triggers!.push(t);
    } else if ((m = /^Settings: (.*)$/.exec(content))) {
      out.settings = Object.fromEntries(splitList(m[1]).map((kv) => {
        const i = kv.indexOf(' = ');
        return [kv.slice(0, i), kv.slice(i + 3).replace(/^'|'$/g, '')];
      }));
    } else if (!indented && /:$/.test(content)) {
      section = content.slice(0, -1);
      if (section === 'JIT') out.jit = {};
    } else if (section === 'Planning' && (m = /^Buffers: (.*)$/.exec(content))) {
      out.planningBuffers = textBuffers(m[1]);
    } else if (section === 'JIT' && (m = /^([^:]+): (.*)$/.exec(content))) {
      out.jit![m[1]] = m[2];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared

function blankNode(nodeType: string): PlanNode {
  return { id: '', label: '', nodeType, parallelAware: false, conditions: {}, neverExecuted: false, extra: {}, children: [] };
}

function emptyBuffers(): BufferCounts {
  return { shared: { hit: 0, read: 0, dirtied: 0, written: 0 }, local: { hit: 0, read: 0, dirtied: 0, written: 0 }, temp: { read: 0, written: 0 } };
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map(String) : undefined;
}

/** Numbers the nodes, builds labels and derives inclusive/exclusive time and cost. */
function finish(root: PlanNode, source: 'json' | 'text', fields: Partial<Plan>): Plan {
  const nodes: PlanNode[] = [];
  walkPlan(root, (n) => {
    nodes.push(n);
    n.id = String(nodes.length);
    n.label = nodeLabel(n);
  });
  const analyzed = nodes.some((n) => n.loops !== undefined);
  const hasTiming = nodes.some((n) => n.actualTotalTime !== undefined);
  if (source === 'text') for (const n of nodes) fillTextZeros(n, analyzed, nodes.some((x) => x.actualTotalTime !== undefined));
  if (hasTiming) computeTimes(root, nodes);
  computeCost(nodes);
  for (const n of nodes) stripUndefined(n);
  const plan: Plan = {
    root,
    analyzed,
    hasBuffers: nodes.some((n) => n.buffers !== undefined),
    hasTiming,
    source,
    triggers: fields.triggers ?? [],
    nodes,
  };
  if (fields.planningTime !== undefined) plan.planningTime = fields.planningTime;
  if (fields.executionTime !== undefined) plan.executionTime = fields.executionTime;
  if (fields.planningBuffers) plan.planningBuffers = fields.planningBuffers;
  if (fields.settings) plan.settings = fields.settings;
  if (fields.jit) plan.jit = fields.jit;
  return plan;
}

/** The text format leaves out counters that are zero; JSON has them. Put them back. */
function fillTextZeros(n: PlanNode, analyzed: boolean, timed: boolean): void {
  if (n.nodeType === 'Aggregate' && /Hashed|Mixed/.test(n.strategy ?? '')) {
    if (n.totalCost !== undefined) n.plannedPartitions ??= 0; // an estimate: not there with COSTS OFF
    if (analyzed && !n.neverExecuted) n.diskUsage ??= 0;
  }
  if (!analyzed) return;
  // JSON gives a never-executed node zero times; TEXT says "(never executed)".
  if (n.neverExecuted && timed) {
    n.actualStartupTime ??= 0;
    n.actualTotalTime ??= 0;
  }
  const c = n.conditions;
  if (c.filter !== undefined) n.rowsRemovedByFilter ??= 0;
  if (c.joinFilter !== undefined) n.rowsRemovedByJoinFilter ??= 0;
  if ((c.indexCond !== undefined && /^Index (Only )?Scan$/.test(n.nodeType)) || (c.recheckCond !== undefined && n.nodeType === 'Bitmap Heap Scan')) {
    n.rowsRemovedByIndexRecheck ??= 0;
  }
  if (n.nodeType === 'Bitmap Heap Scan') {
    n.exactHeapBlocks ??= 0;
    n.lossyHeapBlocks ??= 0;
  }
}

/**
 * Inclusive time = per-loop total time × loops. Below a Gather, loops count the workers too and
 * they run at the same time, so the loops are divided by the processes that shared the work.
 */
function computeInclusive(root: PlanNode): void {
  const todo: [PlanNode, number][] = [[root, 1]];
  while (todo.length) {
    const [node, parallelDivisor] = todo.pop()!;
    const loops = node.loops ?? 0;
    const effectiveLoops = node.parallelAware || parallelDivisor > 1 ? Math.max(1, loops / parallelDivisor) : loops;
    node.inclusiveTime = round3((node.actualTotalTime ?? 0) * (loops === 0 ? 0 : effectiveLoops));
    const divisor = /^Gather/.test(node.nodeType) ? (node.workersLaunched ?? node.workersPlanned ?? 0) + 1 : parallelDivisor;
    for (const c of node.children) todo.push([c, divisor]);
  }
}

/**
 * Exclusive time = inclusive time minus what ran inside it. Sub-plans run where they are used,
 * not where EXPLAIN lists them: a CTE inside the CTE Scans that read it, an InitPlan or SubPlan
 * inside the node whose condition refers to it. Their time is taken off those nodes.
 */
function computeTimes(root: PlanNode, nodes: PlanNode[]): void {
  computeInclusive(root);
  const own = new Map<PlanNode, number>(nodes.map((n) => [n, n.inclusiveTime ?? 0]));
  const take = (n: PlanNode, t: number) => own.set(n, (own.get(n) ?? 0) - t);
  for (const parent of nodes) {
    for (const c of parent.children) {
      const t = c.inclusiveTime ?? 0;
      if (!c.subplanName) {
        take(parent, t);
      } else if (c.subplanName.startsWith('CTE ')) {
        const name = c.subplanName.slice(4);
        let left = t;
        for (const scan of nodes.filter((n) => n.nodeType === 'CTE Scan' && n.cteName === name)) {
          const d = Math.min(left, Math.max(0, own.get(scan) ?? 0));
          take(scan, d);
          left -= d;
        }
      } else {
        take(usedBy(parent, c) ?? parent, t);
      }
    }
  }
  for (const n of nodes) n.exclusiveTime = round3(Math.max(0, own.get(n) ?? 0));
}

/**
 * The node under `parent` (or parent itself) whose expressions refer to the sub-plan `sub`: by
 * name (`(InitPlan 1).col1`, `(SubPlan 2)`, never `InitPlan 10` for `InitPlan 1`) or, up to
 * PG 15, by the parameters it returns (`$0`). A reference in a node that never ran did not run it.
 */
function usedBy(parent: PlanNode, sub: PlanNode): PlanNode | undefined {
  const names = [sub.subplanName!, ...(sub.subplanParams ?? [])].map((n) => n.replace(/[$()]/g, '\\$&'));
  const ref = new RegExp(`(?:${names.join('|')})(?![0-9])`);
  const mentions = (n: PlanNode) =>
    Object.values(n.conditions).some((c) => c !== undefined && ref.test(c)) || (n.output ?? []).some((o) => ref.test(o)) ||
    [...(n.sortKey ?? []), ...(n.groupKey ?? [])].some((k) => ref.test(k));
  let fallback: PlanNode | undefined;
  const queue = [parent];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    if (mentions(n)) {
      if (!n.neverExecuted) return n;
      fallback ??= n;
    }
    for (const c of n.children) if (c !== sub) queue.push(c);
  }
  return fallback;
}

function computeCost(nodes: PlanNode[]): void {
  // Pre-order reversed: every node comes after its children.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    let childCost = 0;
    for (const c of node.children) childCost += c.totalCost ?? 0;
    if (node.totalCost !== undefined) node.exclusiveCost = round3(Math.max(0, node.totalCost - childCost));
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function stripUndefined(n: PlanNode): void {
  const r = n as unknown as Record<string, unknown>;
  for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
  for (const k of Object.keys(n.conditions) as (keyof PlanConditions)[]) if (n.conditions[k] === undefined) delete n.conditions[k];
}

const AGG_NAMES: Record<string, string> = { Plain: 'Aggregate', Sorted: 'GroupAggregate', Hashed: 'HashAggregate', Mixed: 'MixedAggregate' };

/** The node's line as EXPLAIN's text format prints it (without costs). */
export function nodeLabel(n: PlanNode): string {
  let s: string;
  const onRel = () => {
    const rel = n.relation ? (n.schema ? `${ident(n.schema)}.${ident(n.relation)}` : ident(n.relation)) : '';
    return n.alias && n.alias !== n.relation ? `${rel} ${ident(n.alias)}` : rel;
  };
  switch (n.nodeType) {
    case 'Index Scan':
    case 'Index Only Scan':
      s = `${n.nodeType}${n.scanDirection === 'Backward' ? ' Backward' : ''} using ${ident(n.index ?? '?')} on ${onRel()}`;
      break;
    case 'Bitmap Index Scan':
      s = `Bitmap Index Scan on ${ident(n.index ?? '?')}`;
      break;
    case 'ModifyTable':
      s = `${n.operation ?? 'Modify'} on ${onRel()}`;
      break;
    case 'Aggregate':
      s = AGG_NAMES[n.strategy ?? 'Plain'] ?? 'Aggregate';
      if (n.partialMode && n.partialMode !== 'Simple') s = `${n.partialMode} ${s}`;
      break;
    case 'SetOp':
      s = `${n.strategy === 'Hashed' ? 'HashSetOp' : 'SetOp'}${n.command ? ' ' + n.command : ''}`;
      break;
    case 'Nested Loop':
      s = n.joinType && n.joinType !== 'Inner' ? `Nested Loop ${n.joinType} Join` : 'Nested Loop';
      break;
    case 'Hash Join':
    case 'Merge Join':
      s = n.joinType && n.joinType !== 'Inner' ? `${n.nodeType.split(' ')[0]} ${n.joinType} Join` : n.nodeType;
      break;
    case 'Function Scan': {
      const f = n.functionName ?? '?';
      s = `Function Scan on ${n.schema ? ident(n.schema) + '.' : ''}${ident(f)}${n.alias && n.alias !== f ? ' ' + ident(n.alias) : ''}`;
      break;
    }
    case 'CTE Scan':
    case 'WorkTable Scan': {
      const c = n.cteName ?? '?';
      s = `${n.nodeType} on ${ident(c)}${n.alias && n.alias !== c ? ' ' + ident(n.alias) : ''}`;
      break;
    }
    case 'Subquery Scan':
    case 'Values Scan':
    case 'Table Function Scan':
    case 'Named Tuplestore Scan':
      s = n.alias ? `${n.nodeType} on ${ident(n.alias)}` : n.nodeType;
      break;
    default:
      s = n.relation ? `${n.nodeType} on ${onRel()}` : n.nodeType;
  }
  return n.parallelAware ? `Parallel ${s}` : s;
}

/** Pre-order walk with the ancestors of each node (nearest last). */
export function walkPlan(root: PlanNode, visit: (node: PlanNode, ancestors: PlanNode[]) => void): void {
  // Without recursion and without copying the path: `ancestors` is one array, changed as the walk
  // goes on (copy it to keep it).
  const path: PlanNode[] = [];
  const todo: [PlanNode, number][] = [[root, 0]];
  while (todo.length) {
    const [n, depth] = todo.pop()!;
    path.length = depth;
    visit(n, path);
    path.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) todo.push([n.children[i], depth + 1]);
  }
}
