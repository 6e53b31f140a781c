// What a chapter says its examples show, written next to them so that the lesson verification
// can check it (scripts/verify-lessons.ts), on both copies of the data and on a native server.
//
// An instructor writes an HTML comment right after a ```sql block (it is not shown to learners):
//
//   <!-- expect
//   rows: 1
//   plan: { uses: Index Scan, relation: customers }
//   -->
//
// or a comment with its own `sql:` anywhere in the text, for a figure the prose quotes. The
// claims apply to one statement of the block (the last, or `statement: N`). See
// docs/lesson-examples.md for every key. Parsing is pure; checking runs over a tiny query
// interface (ClaimDb) that PGlite and node-postgres both fit.
import { parseYaml, YamlError, type YamlValue } from './yaml.ts';
import { splitScript } from '../db/splitter.ts';

/** A figure: exact, approximate (absolute tolerance, or "5%" relative), or within bounds. */
export interface Figure {
  equals?: number | string;
  approx?: number;
  /** Absolute, or relative when written as a percentage ("10%"). Default 0 for approx. */
  tolerance?: number | string;
  min?: number;
  max?: number;
}

export type Claim =
  | ({ kind: 'rows'; line: number } & Figure)
  /** The count of the command tag: the rows an UPDATE, DELETE, INSERT or MERGE changed ("UPDATE 2462"). */
  | ({ kind: 'affected'; line: number } & Figure)
  | { kind: 'plan'; line: number; uses?: string[]; avoids?: string[]; relation?: string; index?: string }
  | ({ kind: 'node'; line: number; type: string; relation?: string; index?: string; field: string; total?: boolean } & Figure)
  | ({ kind: 'value'; line: number; column?: string; row: number } & Figure)
  /** "about forty times the size", "87 % of orders": one value of the result over another. */
  /** With `type`, `of` and `to` are fields of that plan node ("estimated ten times too low"). */
  | ({ kind: 'ratio'; line: number; of: string; to: string; row: number; percent?: boolean; type?: string; relation?: string; index?: string } & Figure)
  | { kind: 'error'; line: number; code: string };

export interface ClaimSet {
  /** 1-based line of the `<!-- expect` in its file. */
  line: number;
  /** Index into the chapter's blocks, when the comment follows a block. */
  block?: number;
  /** A query of its own (a figure the prose quotes), run where the comment stands. */
  sql?: string;
  /** 1-based statement of the block the claims are about; default the last. */
  statement?: number;
  /** `main`: the figure holds for the learner's copy only (it depends on the seed). */
  copies: 'both' | 'main';
  claims: Claim[];
}

export class ClaimSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

const OPEN = /<!--\s*expect\b/g;
const KEYS = ['rows', 'affected', 'plan', 'node', 'value', 'ratio', 'error', 'statement', 'copies', 'sql'];
const FIGURE_KEYS = ['equals', 'approx', 'tolerance', 'min', 'max'];

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') n++;
  return n;
}

/** The text without its claim comments (what the learner sees). */
export function stripClaims(markdown: string): string {
  return markdown.replace(/[ \t]*<!--\s*expect\b[\s\S]*?-->[ \t]*\r?\n?/g, '');
}

/**
 * Every claim comment of a Markdown text. `firstLine` is the file line of the text's first line;
 * `blockLines` the file lines of the ```sql fences, in order (a comment after a block's closing
 * fence, with only blank lines between, is about that block).
 */
export function parseClaims(markdown: string, firstLine = 1, blockLines: number[] = []): ClaimSet[] {
  const out: ClaimSet[] = [];
  OPEN.lastIndex = 0;
  for (let m = OPEN.exec(markdown); m; m = OPEN.exec(markdown)) {
    const line = firstLine + lineAt(markdown, m.index) - 1;
    const end = markdown.indexOf('-->', m.index);
    if (end < 0) throw new ClaimSyntaxError('the "<!-- expect" comment is not closed with "-->"', line);
    const bodyStart = m.index + m[0].length;
    const source = markdown.slice(bodyStart, end);
    // Several comments may follow one block: look past the earlier ones.
    let before = markdown.slice(0, m.index).replace(/\s+$/, '');
    while (before.endsWith('-->') && /<!--\s*expect\b/.test(before.slice(before.lastIndexOf('<!--')))) before = before.slice(0, before.lastIndexOf('<!--')).replace(/\s+$/, '');
    const afterFence = /(^|\n)[ \t]*(```|~~~)[ \t]*$/.test(before);
    let block: number | undefined;
    if (afterFence) {
      for (let i = 0; i < blockLines.length; i++) if (blockLines[i] < line) block = i;
    }
    out.push(parseClaimSet(source, line, firstLine + lineAt(markdown, bodyStart) - 1, block));
    OPEN.lastIndex = end + 3;
  }
  return out;
}

function parseClaimSet(source: string, line: number, sourceLine: number, block: number | undefined): ClaimSet {
  let value: YamlValue;
  try {
    value = parseYaml(source, sourceLine);
  } catch (e) {
    if (e instanceof YamlError) throw new ClaimSyntaxError(e.message.replace(/^line \d+: /, ''), e.line);
    throw e;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ClaimSyntaxError('an "expect" comment holds "key: value" lines (rows, affected, plan, node, value, ratio, error)', line);
  }
  const keyLine = (k: string) => {
    const i = source.split(/\r?\n/).findIndex((l) => new RegExp(`^\\s*${k}\\s*:`).test(l));
    return i < 0 ? line : sourceLine + i;
  };
  for (const k of Object.keys(value)) {
    if (!KEYS.includes(k)) throw new ClaimSyntaxError(`unknown key "${k}" (expected one of: ${KEYS.join(', ')})`, keyLine(k));
  }
  const set: ClaimSet = { line, copies: 'both', claims: [] };
  if (value.sql !== undefined) {
    if (typeof value.sql !== 'string' || !value.sql.trim()) throw new ClaimSyntaxError('sql is the query whose result the claims are about', keyLine('sql'));
    set.sql = value.sql.trim();
  } else if (block === undefined) {
    throw new ClaimSyntaxError('an "expect" comment follows a ```sql block (only blank lines between) or has its own sql:', line);
  } else set.block = block;
  if (value.statement !== undefined) {
    if (typeof value.statement !== 'number' || !Number.isInteger(value.statement) || value.statement < 1) {
      throw new ClaimSyntaxError('statement is the 1-based number of a statement in the block', keyLine('statement'));
    }
    set.statement = value.statement;
  }
  if (value.copies !== undefined) {
    if (value.copies !== 'both' && value.copies !== 'main') throw new ClaimSyntaxError('copies is "both" or "main"', keyLine('copies'));
    set.copies = value.copies;
  }
  const items = (k: string): YamlValue[] => (value[k] === undefined ? [] : Array.isArray(value[k]) ? (value[k] as YamlValue[]) : [value[k]]);
  for (const v of items('rows')) set.claims.push({ kind: 'rows', line: keyLine('rows'), ...figure(v, 'rows', keyLine('rows')) });
  for (const v of items('affected')) set.claims.push({ kind: 'affected', line: keyLine('affected'), ...figure(v, 'affected', keyLine('affected')) });
  for (const v of items('plan')) set.claims.push(planClaim(v, keyLine('plan')));
  for (const v of items('node')) set.claims.push(nodeClaim(v, keyLine('node')));
  for (const v of items('value')) set.claims.push(valueClaim(v, keyLine('value')));
  for (const v of items('ratio')) set.claims.push(ratioClaim(v, keyLine('ratio')));
  for (const v of items('error')) {
    if (typeof v !== 'string' && typeof v !== 'number') throw new ClaimSyntaxError('error is a SQLSTATE such as 42883', keyLine('error'));
    const code = String(v);
    if (!/^[0-9A-Z]{5}$/.test(code)) throw new ClaimSyntaxError(`error is a five-character SQLSTATE such as 42883 (got "${code}")`, keyLine('error'));
    set.claims.push({ kind: 'error', line: keyLine('error'), code });
  }
  if (!set.claims.length) throw new ClaimSyntaxError('an "expect" comment states at least one of rows, affected, plan, node, value, ratio, error', line);
  if (set.claims.some((c) => c.kind === 'error') && set.claims.length > 1) {
    throw new ClaimSyntaxError('a statement that fails has no rows, plan or values to state', line);
  }
  return set;
}

function asMap(v: YamlValue, what: string, line: number): Record<string, YamlValue> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ClaimSyntaxError(`${what} needs "key: value" options`, line);
  return v;
}

function figure(v: YamlValue, what: string, line: number): Figure {
  if (typeof v === 'number') return { equals: v };
  const o = asMap(v, what, line);
  return figureOf(o, what, line);
}

function figureOf(o: Record<string, YamlValue>, what: string, line: number): Figure {
  const f: Figure = {};
  if (o.equals !== undefined) {
    if (typeof o.equals !== 'number' && typeof o.equals !== 'string') throw new ClaimSyntaxError(`${what}: equals is a number or a text`, line);
    f.equals = o.equals;
  }
  for (const k of ['approx', 'min', 'max'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'number') throw new ClaimSyntaxError(`${what}: ${k} is a number`, line);
    f[k] = o[k] as number;
  }
  if (o.tolerance !== undefined) {
    const t = o.tolerance;
    if (!(typeof t === 'number' && t >= 0) && !(typeof t === 'string' && /^\d+(\.\d+)?%$/.test(t))) {
      throw new ClaimSyntaxError(`${what}: tolerance is a number or a percentage such as "10%"`, line);
    }
    if (f.approx === undefined) throw new ClaimSyntaxError(`${what}: tolerance goes with approx`, line);
    f.tolerance = t;
  }
  if (f.equals === undefined && f.approx === undefined && f.min === undefined && f.max === undefined) {
    throw new ClaimSyntaxError(`${what} states equals, approx (with tolerance), min or max`, line);
  }
  return f;
}

function names(v: YamlValue | undefined, what: string, line: number): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) return v as string[];
  throw new ClaimSyntaxError(`${what} is a node type or a list of them`, line);
}

function onlyKeys(o: Record<string, YamlValue>, allowed: string[], what: string, line: number) {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ClaimSyntaxError(`unknown ${what} option "${k}" (expected one of: ${allowed.join(', ')})`, line);
}

function optText(o: Record<string, YamlValue>, k: string, what: string, line: number): string | undefined {
  if (o[k] === undefined) return undefined;
  if (typeof o[k] !== 'string' || !(o[k] as string).trim()) throw new ClaimSyntaxError(`${what}: ${k} is a name`, line);
  return (o[k] as string).trim();
}

function planClaim(v: YamlValue, line: number): Claim {
  const o = asMap(v, 'plan', line);
  onlyKeys(o, ['uses', 'avoids', 'relation', 'index'], 'plan', line);
  const c: Claim = { kind: 'plan', line, uses: names(o.uses, 'plan: uses', line), avoids: names(o.avoids, 'plan: avoids', line), relation: optText(o, 'relation', 'plan', line), index: optText(o, 'index', 'plan', line) };
  if (!c.uses && !c.avoids) throw new ClaimSyntaxError('plan states uses or avoids (node types)', line);
  return c;
}

function nodeClaim(v: YamlValue, line: number): Claim {
  const o = asMap(v, 'node', line);
  onlyKeys(o, ['type', 'relation', 'index', 'field', 'total', ...FIGURE_KEYS], 'node', line);
  const type = optText(o, 'type', 'node', line);
  const field = optText(o, 'field', 'node', line);
  if (!type || !field) throw new ClaimSyntaxError('node names a type (e.g. Seq Scan) and a field of it (e.g. Rows Removed by Filter, Actual Loops)', line);
  if (o.total !== undefined && typeof o.total !== 'boolean') throw new ClaimSyntaxError('node: total is true or false', line);
  return { kind: 'node', line, type, field, relation: optText(o, 'relation', 'node', line), index: optText(o, 'index', 'node', line), total: o.total as boolean | undefined, ...figureOf(o, 'node', line) };
}

function valueClaim(v: YamlValue, line: number): Claim {
  if (typeof v === 'number' || typeof v === 'string') return { kind: 'value', line, row: 1, equals: v };
  const o = asMap(v, 'value', line);
  onlyKeys(o, ['column', 'row', ...FIGURE_KEYS], 'value', line);
  if (o.row !== undefined && (typeof o.row !== 'number' || !Number.isInteger(o.row) || o.row < 1)) throw new ClaimSyntaxError('value: row is 1-based', line);
  return { kind: 'value', line, column: optText(o, 'column', 'value', line), row: (o.row as number | undefined) ?? 1, ...figureOf(o, 'value', line) };
}

function ratioClaim(v: YamlValue, line: number): Claim {
  const o = asMap(v, 'ratio', line);
  onlyKeys(o, ['of', 'to', 'row', 'percent', 'type', 'relation', 'index', ...FIGURE_KEYS], 'ratio', line);
  const of = optText(o, 'of', 'ratio', line);
  const to = optText(o, 'to', 'ratio', line);
  if (!of || !to) throw new ClaimSyntaxError('ratio names two columns of the result: of (the numerator) and to (the denominator)', line);
  if (o.row !== undefined && (typeof o.row !== 'number' || !Number.isInteger(o.row) || o.row < 1)) throw new ClaimSyntaxError('ratio: row is 1-based', line);
  if (o.percent !== undefined && typeof o.percent !== 'boolean') throw new ClaimSyntaxError('ratio: percent is true or false', line);
  const type = optText(o, 'type', 'ratio', line);
  if (!type && (o.relation !== undefined || o.index !== undefined)) throw new ClaimSyntaxError('ratio: relation and index go with type (a plan node whose fields of and to are)', line);
  const c: Claim = { kind: 'ratio', line, of, to, row: (o.row as number | undefined) ?? 1, percent: o.percent as boolean | undefined, ...figureOf(o, 'ratio', line) };
  if (type) Object.assign(c, { type, relation: optText(o, 'relation', 'ratio', line), index: optText(o, 'index', 'ratio', line) });
  return c;
}

// ---------------------------------------------------------------- checking

/** A statement's outcome with every value as PostgreSQL's text. */
export interface ClaimResult {
  columns: string[];
  rows: (string | null)[][];
  /** The command tag's count (UPDATE 3 → 3), when the statement has one. */
  affected?: number;
}

/** What the checker needs of a database: run one statement; a failure throws with `code`. */
export interface ClaimDb {
  query(sql: string): Promise<ClaimResult>;
}

/** Whether a figure holds; the message says what was found. */
export function figureHolds(f: Figure, actual: number | string | null): boolean {
  if (actual === null) return false;
  if (f.equals !== undefined) {
    if (typeof f.equals === 'number') return Number(actual) === f.equals;
    return String(actual) === f.equals;
  }
  const n = Number(actual);
  if (!Number.isFinite(n)) return false;
  if (f.approx !== undefined) {
    const t = f.tolerance === undefined ? 0 : typeof f.tolerance === 'number' ? f.tolerance : (Math.abs(f.approx) * parseFloat(f.tolerance)) / 100;
    if (Math.abs(n - f.approx) > t + 1e-9) return false;
  }
  if (f.min !== undefined && n < f.min) return false;
  if (f.max !== undefined && n > f.max) return false;
  return true;
}

export function describeFigure(f: Figure): string {
  const parts: string[] = [];
  if (f.equals !== undefined) parts.push(`${f.equals}`);
  if (f.approx !== undefined) parts.push(`about ${f.approx}${f.tolerance !== undefined ? ` (± ${f.tolerance})` : ''}`);
  if (f.min !== undefined) parts.push(`at least ${f.min}`);
  if (f.max !== undefined) parts.push(`at most ${f.max}`);
  return parts.join(', ');
}

/** One plan node as EXPLAIN (FORMAT JSON) gives it. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
  [field: string]: unknown;
}

function nodesOf(n: PlanNode, out: PlanNode[] = []): PlanNode[] {
  out.push(n);
  for (const c of n.Plans ?? []) nodesOf(c, out);
  return out;
}

/** EXPLAIN's names for join and aggregate strategies ("Hash Anti Join" is a Hash Join, "HashAggregate" an Aggregate). */
function nodeName(n: PlanNode): string[] {
  const t = n['Node Type'];
  const names = [t];
  const jt = n['Join Type'] as string | undefined;
  if (jt && jt !== 'Inner') names.push(t === 'Nested Loop' ? `Nested Loop ${jt} Join` : `${t.replace(/ Join$/, '')} ${jt} Join`);
  if (t === 'Aggregate' && n.Strategy === 'Hashed') names.push('HashAggregate');
  if (t === 'Aggregate' && n.Strategy === 'Sorted') names.push('GroupAggregate');
  if (t === 'Aggregate' && n.Strategy === 'Mixed') names.push('MixedAggregate');
  if (t === 'SetOp' && n.Strategy === 'Hashed') names.push('HashSetOp');
  return names;
}

const like = (pattern: string, s: string | undefined) =>
  s !== undefined && new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(s);

function matches(n: PlanNode, type: string, relation?: string, index?: string): boolean {
  if (!nodeName(n).some((x) => x.toLowerCase() === type.toLowerCase())) return false;
  if (relation && !like(relation, n['Relation Name']) && !like(relation, n.Alias)) return false;
  if (index && !like(index, n['Index Name'])) return false;
  return true;
}

/** A plan, one line per node, for messages. */
function planLines(root: PlanNode): string {
  const out: string[] = [];
  const walk = (n: PlanNode, depth: number) => {
    const on = n['Relation Name'] ? ` on ${n['Relation Name']}` : '';
    const using = n['Index Name'] ? ` using ${n['Index Name']}` : '';
    out.push(`${'  '.repeat(depth)}${nodeName(n).length > 1 ? nodeName(n)[1] : n['Node Type']}${using}${on}`);
    for (const c of n.Plans ?? []) walk(c, depth + 1);
  };
  walk(root, 0);
  return out.join(' / ');
}

/** The statement EXPLAIN is about, and whether it was EXPLAIN ANALYZE; null when it is not an EXPLAIN. */
export function explainParts(sql: string): { query: string; analyze: boolean } | null {
  const m = /^\s*explain\b\s*(\((?:[^()]|\([^()]*\))*\))?\s*((?:(?:analy[sz]e|verbose)\b\s*)*)/i.exec(sql);
  if (!m) return null;
  const opts = (m[1] ?? '').toLowerCase();
  const analyze = /\banaly[sz]e\b(?!\s+(false|off|0))/.test(opts) || /analy[sz]e/i.test(m[2] ?? '');
  return { query: sql.slice(m[0].length), analyze };
}

/**
 * A claim set with its own sql: the statements before the last run first (e.g. to build the
 * index whose size the prose compares), the claims are about the last.
 */
export async function checkOwnSql(db: ClaimDb, set: ClaimSet): Promise<string[]> {
  const statements = await blockStatements(set.sql!);
  for (const sql of statements.slice(0, -1)) {
    try {
      await db.query(sql);
    } catch (e) {
      return [`line ${set.line}: the claim's sql fails: ${(e as Error).message}`];
    }
  }
  return checkClaimSet(db, set, statements[statements.length - 1]);
}

/** The messages of every claim of the set that does not hold (empty: all hold). */
export async function checkClaimSet(db: ClaimDb, set: ClaimSet, sql: string): Promise<string[]> {
  const problems: string[] = [];
  const explain = explainParts(sql);
  // The rows of an EXPLAIN ANALYZE are those of the query: its plan's top node.
  const nodeRatio = (c: Claim) => c.kind === 'ratio' && c.type !== undefined;
  const needsPlan = set.claims.some((c) => c.kind === 'plan' || c.kind === 'node' || nodeRatio(c) || (explain !== null && c.kind === 'rows'));
  const needsResult = set.claims.some((c) => c.kind === 'rows' || c.kind === 'affected' || c.kind === 'value' || (c.kind === 'ratio' && !nodeRatio(c)));
  const errorClaim = set.claims.find((c) => c.kind === 'error');
  let result: ClaimResult | undefined;
  let plan: PlanNode | undefined;
  try {
    if (needsPlan) {
      const target = explain ? explain.query : sql;
      const analyze = explain ? explain.analyze : set.claims.some((c) => c.kind === 'node' || nodeRatio(c));
      const r = await db.query(`explain (format json${analyze ? ', analyze, buffers' : ''}) ${target}`);
      const doc = JSON.parse(String(r.rows[0][0]));
      plan = doc[0].Plan as PlanNode;
    }
    if (!needsPlan || needsResult) {
      result = explain && plan ? undefined : await db.query(sql);
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (errorClaim && errorClaim.kind === 'error') {
      if (code !== errorClaim.code) problems.push(`line ${errorClaim.line}: the statement fails with ${code ?? 'an error'} (${(e as Error).message}), not ${errorClaim.code}`);
      return problems;
    }
    return [`line ${set.line}: the statement fails: ${(e as Error).message}`];
  }
  if (errorClaim && errorClaim.kind === 'error') return [`line ${errorClaim.line}: the statement succeeds; the text says it fails with ${errorClaim.code}`];
  for (const c of set.claims) {
    if (c.kind === 'rows') {
      // For EXPLAIN ANALYZE, the rows the query returned: the top node's actual rows.
      const n = result ? result.rows.length : plan ? Number(plan['Actual Rows']) * Number(plan['Actual Loops'] ?? 1) : NaN;
      if (!figureHolds(c, n)) problems.push(`line ${c.line}: the text says ${describeFigure(c)} rows; the statement returns ${n}`);
    } else if (c.kind === 'affected') {
      // The count of the statement as written: an EXPLAIN (even ANALYZE) reports none.
      if (!result || result.affected === undefined) {
        problems.push(`line ${c.line}: the text says the statement changes ${describeFigure(c)} rows; the database reported no row count for it (an UPDATE, DELETE, INSERT or MERGE has one)`);
        continue;
      }
      if (!figureHolds(c, result.affected)) problems.push(`line ${c.line}: the text says the statement changes ${describeFigure(c)} rows; it changed ${result.affected}`);
    } else if (c.kind === 'value') {
      if (!result) {
        problems.push(`line ${c.line}: a value claim needs a statement that returns rows`);
        continue;
      }
      const col = c.column === undefined ? 0 : result.columns.indexOf(c.column);
      if (col < 0) {
        problems.push(`line ${c.line}: the result has no column "${c.column}" (columns: ${result.columns.join(', ')})`);
        continue;
      }
      const row = result.rows[c.row - 1];
      const v = row ? row[col] : null;
      if (!figureHolds(c, v)) problems.push(`line ${c.line}: the text says ${c.column ?? result.columns[0]} is ${describeFigure(c)}${c.row > 1 ? ` in row ${c.row}` : ''}; it is ${row ? v : `missing (${result.rows.length} rows)`}`);
    } else if (c.kind === 'ratio' && c.type !== undefined && plan) {
      const found = nodesOf(plan).filter((n) => matches(n, c.type!, c.relation, c.index));
      if (!found.length) {
        problems.push(`line ${c.line}: the plan has no ${c.type}${c.relation ? ` on ${c.relation}` : ''}; it is ${planLines(plan)}`);
        continue;
      }
      const pairs = found.map((n) => [Number(n[c.of]), Number(n[c.to])] as const);
      const ratios = pairs.map(([a, b]) => (b === 0 || !Number.isFinite(a) || !Number.isFinite(b) ? NaN : (a / b) * (c.percent ? 100 : 1)));
      if (!ratios.some((r) => Number.isFinite(r) && figureHolds(c, r))) {
        problems.push(`line ${c.line}: the text says ${c.of} of ${c.type} is ${describeFigure(c)}${c.percent ? ' %' : '×'} its ${c.to}; the plan has ${pairs.map(([a, b], i) => `${Number.isFinite(ratios[i]) ? `${+ratios[i].toFixed(2)}${c.percent ? ' %' : '×'}` : 'no ratio'} (${a} / ${b})`).join(', ')}`);
      }
    } else if (c.kind === 'ratio') {
      if (!result) {
        problems.push(`line ${c.line}: a ratio claim needs a statement that returns rows`);
        continue;
      }
      const missing = [c.of, c.to].filter((name) => !result!.columns.includes(name));
      if (missing.length) {
        problems.push(`line ${c.line}: the result has no column ${missing.map((m) => `"${m}"`).join(' or ')} (columns: ${result.columns.join(', ')})`);
        continue;
      }
      const row = result.rows[c.row - 1];
      const num = row ? Number(row[result.columns.indexOf(c.of)]) : NaN;
      const den = row ? Number(row[result.columns.indexOf(c.to)]) : NaN;
      const r = den === 0 || !Number.isFinite(num) || !Number.isFinite(den) ? NaN : (num / den) * (c.percent ? 100 : 1);
      const shown = Number.isFinite(r) ? `${+r.toFixed(2)}${c.percent ? ' %' : '×'} (${num} / ${den})` : `not a ratio (${row ? `${row[result.columns.indexOf(c.of)]} / ${row[result.columns.indexOf(c.to)]}` : `missing row ${c.row}`})`;
      if (!Number.isFinite(r) || !figureHolds(c, r)) problems.push(`line ${c.line}: the text says ${c.of} is ${describeFigure(c)}${c.percent ? ' %' : '×'} of ${c.to}; it is ${shown}`);
    } else if (c.kind === 'plan' && plan) {
      const all = nodesOf(plan);
      for (const u of c.uses ?? []) {
        if (!all.some((n) => matches(n, u, c.relation, c.index))) problems.push(`line ${c.line}: the text says the plan has ${u}${c.relation ? ` on ${c.relation}` : ''}${c.index ? ` using ${c.index}` : ''}; the plan is ${planLines(plan)}`);
      }
      for (const a of c.avoids ?? []) {
        if (all.some((n) => matches(n, a, c.relation, c.index))) problems.push(`line ${c.line}: the text says the plan has no ${a}${c.relation ? ` on ${c.relation}` : ''}; the plan is ${planLines(plan)}`);
      }
    } else if (c.kind === 'node' && plan) {
      const found = nodesOf(plan).filter((n) => matches(n, c.type, c.relation, c.index));
      if (!found.length) {
        problems.push(`line ${c.line}: the plan has no ${c.type}${c.relation ? ` on ${c.relation}` : ''}; it is ${planLines(plan)}`);
        continue;
      }
      const values = found.map((n) => {
        const v = n[c.field];
        if (v === undefined) return null;
        const x = typeof v === 'number' ? v : typeof v === 'string' ? v : JSON.stringify(v);
        return c.total && typeof x === 'number' ? x * Number(n['Actual Loops'] ?? 1) : x;
      });
      if (!values.some((v) => figureHolds(c, v))) problems.push(`line ${c.line}: the text says ${c.field} of ${c.type} is ${describeFigure(c)}; the plan has ${values.map((v) => (v === null ? 'none' : v)).join(', ')}`);
    }
  }
  return problems;
}

/** A statement of a chapter's example, as the verification runs it. */
export interface ExampleStatement {
  /** Index of the block in the chapter. */
  block: number;
  /** 1-based within its block. */
  statement: number;
  sql: string;
}

/** The SQL statements of a block (psql backslash lines are left out: they change nothing in the data). */
export async function blockStatements(sql: string): Promise<string[]> {
  return (await splitScript(sql)).filter((p) => p.kind === 'sql').map((p) => p.text);
}

export interface ClaimRunOptions {
  variant: 'main' | 'perturbed';
  /** File name for messages. */
  file: string;
}

/**
 * Runs a chapter's ```sql blocks in order on one database, as a learner reading the chapter
 * would, and checks every claim where it stands. Returns problems as `file:line: message`, and
 * how many claims were checked.
 */
export async function runChapterClaims(
  db: ClaimDb, blocks: { sql: string; line: number }[], sets: ClaimSet[], opts: ClaimRunOptions,
): Promise<{ problems: string[]; checked: number }> {
  const problems: string[] = [];
  let checked = 0;
  const active = sets.filter((s) => s.copies === 'both' || opts.variant === 'main');
  const byBlock = new Map<number, ClaimSet[]>();
  const loose: ClaimSet[] = [];
  for (const s of active) {
    if (s.block !== undefined) byBlock.set(s.block, [...(byBlock.get(s.block) ?? []), s]);
    else loose.push(s);
  }
  const report = (line: number, msgs: string[]) => {
    for (const m of msgs) problems.push(`${opts.file}:${/^line (\d+): /.exec(m)?.[1] ?? line}: ${m.replace(/^line \d+: /, '')} (${opts.variant} copy)`);
  };
  const runLoose = async (beforeLine: number) => {
    while (loose.length && loose[0].line < beforeLine) {
      const s = loose.shift()!;
      checked += s.claims.length;
      report(s.line, await checkOwnSql(db, s));
    }
  };
  for (let b = 0; b < blocks.length; b++) {
    await runLoose(blocks[b].line);
    const statements = await blockStatements(blocks[b].sql);
    const claims = byBlock.get(b) ?? [];
    for (const s of claims) {
      const n = s.statement ?? statements.length;
      if (n > statements.length) problems.push(`${opts.file}:${s.line}: statement ${n} is beyond the block's ${statements.length}`);
    }
    for (let i = 0; i < statements.length; i++) {
      const mine = claims.filter((s) => (s.statement ?? statements.length) === i + 1);
      if (mine.length) {
        for (const s of mine) {
          checked += s.claims.length;
          report(s.line, await checkClaimSet(db, s, statements[i]));
        }
        // Checking ran the statement itself, except when only its plan was asked for (plain
        // EXPLAIN of a statement that is not an EXPLAIN): then it runs now, once, as in the text.
        const all = mine.flatMap((s) => s.claims);
        const ran = explainParts(statements[i]) !== null || all.some((c) => c.kind !== 'plan');
        if (!ran) await runOne(db, statements[i], blocks[b].line, opts, problems);
        continue;
      }
      await runOne(db, statements[i], blocks[b].line, opts, problems);
    }
  }
  await runLoose(Infinity);
  return { problems, checked };
}

async function runOne(db: ClaimDb, sql: string, line: number, opts: ClaimRunOptions, problems: string[]) {
  try {
    await db.query(sql);
  } catch (e) {
    problems.push(`${opts.file}:${line}: the example fails: ${(e as Error).message} (statement: ${sql.slice(0, 80).replace(/\s+/g, ' ')}; ${opts.variant} copy)`);
    // A failed statement inside BEGIN leaves the transaction aborted: end it, as a learner would.
    await db.query('rollback').catch(() => undefined);
  }
}
