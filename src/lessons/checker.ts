// Checks a learner's SQL against an exercise, on isolated copies of the chapter's database that
// the CheckContext provides (never the learner's own database, and no answer is ever stored in
// a database: the expected result comes from running the reference solution on its own copy).
//
// A run: [setup] → learner's SQL → result, catalog, plan and behavior checks, in that order.
// A result check runs a second time on the perturbed copy (the dataset built with another seed),
// so an answer that hard-codes values, or whose wrong filter happens to match, fails.
import { parse } from 'libpg-query';
import { Session } from '../db/session.ts';
import { splitScript, type ScriptPiece } from '../db/splitter.ts';
import type { Engine } from '../db/types.ts';
import { CONDITION_NAMES } from './loader.ts';
import type {
  BehaviorCheck, CatalogCheck, Check, CheckOutcome, CheckReport, ColumnAssertion, ConstraintAssertion, Exercise,
  IndexAssertion, PlanCheck, ResultCheck, ResultSet, Variant,
} from './format.ts';

export type IsolationMode = 'fresh' | 'shared';

/** Where checks run. ChapterSandbox (sandbox.ts) implements it on PGlite snapshots. */
export interface CheckContext {
  /**
   * Runs fn on a copy of the chapter's starting database built with the variant's seed.
   * `fresh`: a new instance restored from the prepared snapshot, discarded afterwards.
   * `shared`: a warm instance inside a READ ONLY transaction that is rolled back afterwards.
   * Nothing fn does may outlive the call.
   */
  withDatabase<T>(variant: Variant, mode: IsolationMode, fn: (db: Engine) => Promise<T>): Promise<{ value: T; resetMs: number }>;
}

const MAX_ROWS_SHOWN = 10;

interface ScriptRun {
  /** The last result set with columns. */
  result?: ResultSet;
  /** The last statement that can be explained (SELECT, or a DML statement). */
  lastQuery?: string;
  error?: { message: string; code?: string; statement: number; sql: string };
  leftTransactionOpen: boolean;
  broken: boolean;
}

/** Statement types that only read, so they can run in a rolled-back read-only transaction. */
const READ_ONLY_NODES = new Set(['SelectStmt', 'ExplainStmt', 'VariableShowStmt']);
const EXPLAINABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

function readOnly(pieces: ScriptPiece[]): boolean {
  return pieces.every((p) => p.kind === 'sql' && READ_ONLY_NODES.has(p.node));
}

async function runScript(db: Engine, sql: string): Promise<ScriptRun> {
  const session = new Session(db);
  const pieces = await splitScript(sql);
  const report = await session.run(sql, { stopOnError: true });
  const out: ScriptRun = { leftTransactionOpen: session.inTransaction, broken: report.broken };
  report.results.forEach((r, i) => {
    if (r.error) {
      out.error = { message: r.error.message, code: r.error.code, statement: i + 1, sql: r.sql };
      return;
    }
    if (r.columns.length) out.result = { columns: r.columns.map((c) => c.name), rows: r.rows as (string | null)[][] };
  });
  for (const p of pieces) if (p.kind === 'sql' && EXPLAINABLE.has(p.node)) out.lastQuery = p.text;
  return out;
}

async function runOrThrow(db: Engine, sql: string, what: string): Promise<ScriptRun> {
  const r = await runScript(db, sql);
  if (r.error) throw new Error(`${what} failed at statement ${r.error.statement} (${r.error.sql.slice(0, 80)}): ${r.error.message}`);
  if (r.leftTransactionOpen) await db.run('rollback');
  return r;
}

/** Undo session settings the learner changed (enable_seqscan = off would fake a plan). */
async function resetSettings(db: Engine) {
  // pglab's own settings are server options (engine.ts): RESET ALL keeps them.
  await db.run('reset all');
}

// ------------------------------------------------------------------ reference results

const referenceCache = new WeakMap<CheckContext, Map<string, Promise<ResultSet>>>();

/** The reference solution's result on a variant, computed once per context. */
export function referenceResult(ctx: CheckContext, exercise: Exercise, variant: Variant): Promise<ResultSet> {
  let cache = referenceCache.get(ctx);
  if (!cache) referenceCache.set(ctx, (cache = new Map()));
  const key = `${exercise.id}@${variant}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const pieces = await splitScript(exercise.solution);
      const mode: IsolationMode = exercise.isolation === 'auto' && !exercise.setup && readOnly(pieces) ? 'shared' : 'fresh';
      const { value } = await ctx.withDatabase(variant, mode, async (db) => {
        if (exercise.setup) await runOrThrow(db, exercise.setup, `The setup of ${exercise.id}`);
        return runOrThrow(db, exercise.solution, `The reference solution of ${exercise.id}`);
      });
      if (!value.result) throw new Error(`The reference solution of ${exercise.id} returns no rows to compare with (a result check needs a query at its end)`);
      return value.result;
    })();
    p.catch(() => cache!.delete(key));
    cache.set(key, p);
  }
  return p;
}

// ------------------------------------------------------------------ the entry point

export async function checkExercise(ctx: CheckContext, exercise: Exercise, learnerSql: string): Promise<CheckReport> {
  const t0 = performance.now();
  const pieces = await splitScript(learnerSql);
  const notes: string[] = [];
  if (!pieces.some((p) => p.kind !== 'backslash')) {
    return {
      passed: false, checks: [], notes,
      error: { message: 'There is no SQL to check yet: write your answer in the editor.', statement: 0, sql: '' },
      timing: { resetMs: 0, totalMs: performance.now() - t0, mode: 'fresh' },
    };
  }
  const resultCheck = exercise.checks.find((c): c is ResultCheck => c.kind === 'result');
  const needsWrites = exercise.checks.some((c) => c.kind === 'catalog' || c.kind === 'behavior');
  let mode: IsolationMode =
    exercise.isolation === 'auto' && !exercise.setup && !needsWrites && readOnly(pieces) ? 'shared' : 'fresh';

  const expected = resultCheck ? await referenceResult(ctx, exercise, 'main') : undefined;
  const orderKeys = resultCheck?.ordered ? resultCheck.orderBy ?? (await orderKeysOf(exercise.solution, expected!.columns)) : undefined;

  const runMain = (m: IsolationMode) =>
    ctx.withDatabase('main', m, async (db) => {
      if (exercise.setup) await runOrThrow(db, exercise.setup, `The setup of ${exercise.id}`);
      const run = await runScript(db, learnerSql);
      if (run.error || run.broken) return { run, outcomes: [] as CheckOutcome[] };
      if (run.leftTransactionOpen) {
        await db.run('rollback');
        notes.push('Your SQL left a transaction open: it was rolled back, as when a session ends without COMMIT.');
      }
      const outcomes: CheckOutcome[] = [];
      for (const check of ordered(exercise.checks)) outcomes.push(await runCheck(db, check, run, expected, orderKeys));
      return { run, outcomes };
    });

  let { value, resetMs } = await runMain(mode);
  // A statement that cannot run in the read-only transaction: run again on a fresh copy.
  if (mode === 'shared' && value.run.error && ['25006', '25001', '25P01', '25P02'].includes(value.run.error.code ?? '')) {
    mode = 'fresh';
    ({ value, resetMs } = await runMain(mode));
  }
  const { run, outcomes } = value;
  if (run.error || run.broken) {
    return {
      passed: false, checks: [], notes,
      error: run.error ?? { message: 'The database stopped answering while running your SQL (runaway recursion?).', statement: 0, sql: '' },
      timing: { resetMs, totalMs: performance.now() - t0, mode },
    };
  }

  // The same SQL on the perturbed copy, for the result check.
  const resultOutcome = outcomes.find((o) => o.kind === 'result');
  if (resultCheck && resultOutcome?.passed) {
    const expected2 = await referenceResult(ctx, exercise, 'perturbed');
    const { value: second } = await ctx.withDatabase('perturbed', mode, async (db) => {
      if (exercise.setup) await runOrThrow(db, exercise.setup, `The setup of ${exercise.id}`);
      return runScript(db, learnerSql);
    });
    const o = second.error || !second.result
      ? {
          kind: 'result' as const, passed: false,
          message: second.error
            ? `Your SQL works on this data but fails on a second copy with different values: ${second.error.message}`
            : 'Your SQL returns no rows on a second copy of the data with different values.',
          details: { variant: 'perturbed' as const, error: second.error?.message, sqlstate: second.error?.code },
        }
      : compareResults(expected2, second.result, resultCheck, orderKeys);
    if (!o.passed) {
      o.details.variant = 'perturbed';
      if (second.result) {
        o.message = 'Right on this data, but wrong on a second copy of the dataset built with other random values: ' +
          'does your query hard-code values (ids, counts, dates) instead of computing them, or filter on something that only happens to match? ' + o.message;
      }
      outcomes[outcomes.indexOf(resultOutcome)] = o;
    }
  }
  return {
    passed: outcomes.every((o) => o.passed),
    checks: outcomes,
    notes,
    timing: { resetMs, totalMs: performance.now() - t0, mode },
  };
}

/** Behavior checks write, so they come last. */
function ordered(checks: Check[]): Check[] {
  const rank = { result: 0, catalog: 1, plan: 2, behavior: 3 };
  return [...checks].sort((a, b) => rank[a.kind] - rank[b.kind]);
}

async function runCheck(db: Engine, check: Check, run: ScriptRun, expected: ResultSet | undefined, orderKeys: string[] | undefined): Promise<CheckOutcome> {
  switch (check.kind) {
    case 'result':
      if (!run.result) {
        return {
          kind: 'result', passed: false,
          message: 'Your SQL returns no rows to compare: the task asks for a query (SELECT) at the end.',
          details: { expectedColumns: expected!.columns },
        };
      }
      return compareResults(expected!, run.result, check, orderKeys);
    case 'plan':
      return checkPlan(db, check, run.lastQuery);
    case 'catalog':
      return checkCatalog(db, check);
    case 'behavior':
      return checkBehavior(db, check);
  }
}

// ------------------------------------------------------------------ result

/** Output columns that the solution's ORDER BY fixes, or undefined (then whole rows must be in order). */
export async function orderKeysOf(solution: string, columns: string[]): Promise<string[] | undefined> {
  try {
    const { stmts } = (await parse(solution)) as unknown as { stmts: { stmt: Record<string, Record<string, unknown>> }[] };
    const last = stmts[stmts.length - 1]?.stmt?.SelectStmt as { sortClause?: { SortBy: { node: Record<string, unknown> } }[] } | undefined;
    if (!last?.sortClause?.length) return undefined;
    const keys: string[] = [];
    for (const s of last.sortClause) {
      const node = s.SortBy.node;
      const ref = node.ColumnRef as { fields: { String?: { sval: string } }[] } | undefined;
      const konst = node.A_Const as { ival?: { ival?: number } } | undefined;
      if (ref) {
        const name = ref.fields[ref.fields.length - 1]?.String?.sval;
        if (!name || !columns.includes(name)) return undefined;
        keys.push(name);
      } else if (konst?.ival?.ival && columns[konst.ival.ival - 1]) {
        keys.push(columns[konst.ival.ival - 1]);
      } else return undefined;
    }
    return keys;
  } catch {
    return undefined;
  }
}

const fmtRow = (r: (string | null)[]) => '(' + r.map((v) => (v === null ? 'NULL' : v)).join(', ') + ')';

/** Compares two result sets as multisets, then the order on the keys the ORDER BY fixes. */
export function compareResults(expected: ResultSet, actual: ResultSet, check: ResultCheck, orderKeys?: string[]): CheckOutcome {
  const details: CheckOutcome['details'] = {
    expectedColumns: expected.columns, actualColumns: actual.columns,
    expectedRowCount: expected.rows.length, actualRowCount: actual.rows.length,
  };
  // Which of the learner's columns stand for which expected column.
  let projection: number[];
  if (check.columns) {
    const missing = check.columns.filter((c) => !actual.columns.includes(c));
    const unexpected = actual.columns.filter((c) => !check.columns!.includes(c));
    if (missing.length || unexpected.length) {
      details.wrongColumns = { missing, unexpected };
      const parts = [];
      if (missing.length) parts.push(`missing ${missing.map((c) => `"${c}"`).join(', ')}`);
      if (unexpected.length) parts.push(`not asked for ${unexpected.map((c) => `"${c}"`).join(', ')}`);
      return { kind: 'result', passed: false, message: `The columns are not the ones the task asks for (${check.columns.join(', ')}): ${parts.join('; ')}.`, details };
    }
    // Expected columns are the solution's; when the task names them, they are those names.
    projection = expected.columns.map((c) => actual.columns.indexOf(c));
    // The solution names its columns differently from the task: compare by position.
    if (projection.some((i) => i < 0)) projection = expected.columns.map((_, i) => i);
  } else {
    if (actual.columns.length !== expected.columns.length) {
      details.wrongColumns = { missing: [], unexpected: [] };
      return {
        kind: 'result', passed: false,
        message: `Your query returns ${actual.columns.length} column${actual.columns.length === 1 ? '' : 's'} (${actual.columns.join(', ')}), the expected result has ${expected.columns.length} (${expected.columns.join(', ')}).`,
        details,
      };
    }
    projection = expected.columns.map((_, i) => i);
  }
  const rows = actual.rows.map((r) => projection.map((i) => r[i] ?? null));
  const key = (r: (string | null)[]) => JSON.stringify(r);
  const want = new Map<string, { row: (string | null)[]; n: number }>();
  for (const r of expected.rows) {
    const k = key(r);
    const e = want.get(k);
    if (e) e.n++;
    else want.set(k, { row: r, n: 1 });
  }
  const extra: (string | null)[][] = [];
  for (const r of rows) {
    const e = want.get(key(r));
    if (e && e.n > 0) e.n--;
    else extra.push(r);
  }
  const missing: (string | null)[][] = [];
  for (const e of want.values()) for (let i = 0; i < e.n; i++) missing.push(e.row);
  if (missing.length || extra.length) {
    details.missingCount = missing.length;
    details.extraCount = extra.length;
    details.missingRows = missing.slice(0, MAX_ROWS_SHOWN);
    details.extraRows = extra.slice(0, MAX_ROWS_SHOWN);
    const parts = [];
    if (missing.length) parts.push(`${missing.length} expected row${missing.length === 1 ? ' is' : 's are'} missing (e.g. ${fmtRow(missing[0])})`);
    if (extra.length) parts.push(`${extra.length} row${extra.length === 1 ? ' is' : 's are'} not expected (e.g. ${fmtRow(extra[0])})`);
    return {
      kind: 'result', passed: false,
      message: `Your query returns ${rows.length} row${rows.length === 1 ? '' : 's'}, the expected result has ${expected.rows.length}: ${parts.join(', and ')}.`,
      details,
    };
  }
  if (check.ordered) {
    const idx = orderKeys?.map((k) => expected.columns.indexOf(k)).filter((i) => i >= 0);
    const proj = (r: (string | null)[]) => key(idx?.length ? idx.map((i) => r[i]) : r);
    for (let i = 0; i < rows.length; i++) {
      if (proj(rows[i]) !== proj(expected.rows[i])) {
        details.orderMismatchAt = i;
        const by = idx?.length ? ` (ordered by ${idx.map((j) => expected.columns[j]).join(', ')})` : '';
        return {
          kind: 'result', passed: false,
          message: `The rows are right but not in the order the task asks for${by}: row ${i + 1} should be ${fmtRow(expected.rows[i])}, yours is ${fmtRow(rows[i])}.`,
          details,
        };
      }
    }
  }
  return { kind: 'result', passed: true, message: `Same ${rows.length} row${rows.length === 1 ? '' : 's'} as the expected result${check.ordered ? ', in the right order' : ''}.`, details };
}

// ------------------------------------------------------------------ plan

interface PlanNode {
  'Node Type': string;
  Strategy?: string;
  Operation?: string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  'Total Cost'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** The name the text format shows: HashAggregate, GroupAggregate, Insert... */
function labelOf(n: PlanNode): string {
  if (n['Node Type'] === 'Aggregate' && n.Strategy) {
    return { Hashed: 'HashAggregate', Sorted: 'GroupAggregate', Mixed: 'MixedAggregate', Plain: 'Aggregate' }[n.Strategy] ?? 'Aggregate';
  }
  if (n['Node Type'] === 'SetOp' && n.Strategy === 'Hashed') return 'HashSetOp';
  if (n['Node Type'] === 'ModifyTable' && n.Operation) return n.Operation;
  return n['Node Type'];
}

function nodes(n: PlanNode, depth = 0, out: { node: PlanNode; depth: number }[] = []) {
  out.push({ node: n, depth });
  for (const c of n.Plans ?? []) nodes(c, depth + 1, out);
  return out;
}

export function planOutline(root: PlanNode): string[] {
  return nodes(root).map(({ node: n, depth }) => {
    let s = '  '.repeat(depth) + labelOf(n);
    if (n['Index Name']) s += ` using ${n['Index Name']}`;
    if (n['Relation Name']) s += ` on ${n['Relation Name']}${n.Alias && n.Alias !== n['Relation Name'] ? ` ${n.Alias}` : ''}`;
    if (n['Total Cost'] !== undefined) s += `  (cost ${n['Total Cost']})`;
    return s;
  });
}

const isType = (n: PlanNode, types: string[]) => types.some((t) => t.toLowerCase() === n['Node Type'].toLowerCase() || t.toLowerCase() === labelOf(n).toLowerCase());

function glob(pattern: string, value: string | undefined): boolean {
  if (!value) return false;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*') + '$', 'i');
  return re.test(value);
}

function onRelation(n: PlanNode, relation?: string): boolean {
  if (!relation) return true;
  return n['Relation Name'] === relation || n.Alias === relation;
}

function usesIndex(n: PlanNode, index?: string): boolean {
  if (!index) return true;
  // A Bitmap Heap Scan names no index: its Bitmap Index Scans below do.
  return nodes(n).some(({ node }) => glob(index, node['Index Name']));
}

function describe(types: string[], check: PlanCheck): string {
  return `${types.join(' or ')}${check.relation ? ` on ${check.relation}` : ''}${check.index ? ` using ${check.index}` : ''}`;
}

async function checkPlan(db: Engine, check: PlanCheck, lastQuery?: string): Promise<CheckOutcome> {
  const query = check.query ?? lastQuery?.replace(/;\s*$/, '');
  if (!query) {
    return { kind: 'plan', passed: false, message: 'Your SQL has no query whose plan could be checked: end it with the query the task asks for.', details: {} };
  }
  await resetSettings(db);
  const analyze = check.maxBuffers !== undefined;
  let root: PlanNode;
  try {
    const r = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`explain (format json, costs${analyze ? ', analyze, buffers' : ''}) ${query}`);
    root = r.rows[0]['QUERY PLAN'][0].Plan;
  } catch (e) {
    return { kind: 'plan', passed: false, message: `EXPLAIN of the checked query failed: ${(e as Error).message}`, details: { error: (e as Error).message } };
  }
  const all = nodes(root).map((x) => x.node);
  const details: CheckOutcome['details'] = { plan: planOutline(root), cost: root['Total Cost'] };
  const scans = all.filter((n) => n['Relation Name']).map((n) => `${labelOf(n)} on ${n['Relation Name']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`);
  const shown = scans.length ? `it reads with ${[...new Set(scans)].join(', ')}` : `its nodes are ${[...new Set(all.map(labelOf))].join(', ')}`;
  const q = query.length > 90 ? query.slice(0, 87).replace(/\s+/g, ' ') + '…' : query.replace(/\s+/g, ' ');
  const problems: string[] = [];
  const good: string[] = [];
  if (check.uses) {
    const hit = all.find((n) => isType(n, check.uses!) && onRelation(n, check.relation) && usesIndex(n, check.index));
    if (hit) good.push(`uses ${describe([labelOf(hit)], check)}`);
    else problems.push(`the plan of \`${q}\` has no ${describe(check.uses, check)}: ${shown}`);
  }
  if (check.avoids) {
    const hit = all.find((n) => isType(n, check.avoids!) && onRelation(n, check.relation));
    if (hit) problems.push(`the plan of \`${q}\` still has ${labelOf(hit)}${hit['Relation Name'] ? ` on ${hit['Relation Name']}` : ''}, which it should avoid`);
    else good.push(`no ${describe(check.avoids, check)}`);
  }
  if (check.maxCost !== undefined) {
    const cost = root['Total Cost'] ?? Infinity;
    if (cost > check.maxCost) problems.push(`its estimated cost is ${cost}, above the target of ${check.maxCost}`);
    else good.push(`estimated cost ${cost} ≤ ${check.maxCost}`);
  }
  if (check.maxBuffers !== undefined) {
    const buffers = (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0);
    details.buffers = buffers;
    if (buffers > check.maxBuffers) problems.push(`running it touches ${buffers} buffers (8 kB pages), above the target of ${check.maxBuffers}`);
    else good.push(`${buffers} buffers ≤ ${check.maxBuffers}`);
  }
  if (problems.length) {
    const msg = problems.join('; ');
    return { kind: 'plan', passed: false, message: msg[0].toUpperCase() + msg.slice(1) + '.', details };
  }
  return { kind: 'plan', passed: true, message: `The plan ${good.join(', ')}.`, details };
}

// ------------------------------------------------------------------ catalog

/** Runs fn inside a transaction that is rolled back (or a savepoint, inside one). */
async function scratch<T>(db: Engine, fn: () => Promise<T>): Promise<T> {
  const begin = await db.run('begin');
  const nested = begin.ok && begin.notices.some((n) => /already a transaction/.test(n.message));
  if (nested) await db.run('savepoint pglab_scratch');
  try {
    return await fn();
  } finally {
    await db.run(nested ? 'rollback to savepoint pglab_scratch' : 'rollback');
  }
}

const quoteIdent = (s: string) => (/^[a-z_][a-z0-9_]*$/.test(s) ? s : '"' + s.replace(/"/g, '""') + '"');

async function tableOid(db: Engine, table: string): Promise<number | null> {
  const r = await db.query<{ oid: number | null }>('select to_regclass($1)::oid::int as oid', [table]);
  return r.rows[0]?.oid ?? null;
}

interface IndexRow {
  name: string;
  method: string;
  unique: boolean;
  keys: string[];
  include: string[];
  predicate: string | null;
  def: string;
}

const INDEX_SQL = `
  select c.relname as name, am.amname as method, i.indisunique as unique,
         array(select pg_catalog.pg_get_indexdef(i.indexrelid, k, true) from generate_series(1, i.indnkeyatts) k) as keys,
         array(select pg_catalog.pg_get_indexdef(i.indexrelid, k, true) from generate_series(i.indnkeyatts + 1, i.indnatts) k) as include,
         pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) as predicate,
         pg_catalog.pg_get_indexdef(i.indexrelid) as def
  from pg_catalog.pg_index i
  join pg_catalog.pg_class c on c.oid = i.indexrelid
  join pg_catalog.pg_am am on am.oid = c.relam
  where i.indrelid = $1 and i.indisvalid
  order by c.relname`;

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, '');

async function checkCatalog(db: Engine, check: CatalogCheck): Promise<CheckOutcome> {
  if (check.index) return checkIndex(db, check.index);
  if (check.constraint) return checkConstraint(db, check.constraint);
  return checkColumn(db, check.column!);
}

function describeIndex(a: IndexAssertion): string {
  let s = `${a.unique ? 'unique ' : ''}${a.method ?? ''}${a.method ? ' ' : ''}index`;
  if (a.name) s += ` named ${a.name}`;
  s += ` on ${a.table}`;
  if (a.columns) s += ` (${a.columns.join(', ')})`;
  if (a.include) s += ` INCLUDE (${a.include.join(', ')})`;
  if (a.predicate && a.predicate !== 'none') s += ` WHERE ${a.predicate}`;
  if (a.predicate === 'none') s += ' (not partial)';
  return s;
}

async function checkIndex(db: Engine, a: IndexAssertion): Promise<CheckOutcome> {
  const oid = await tableOid(db, a.table);
  if (oid === null) return { kind: 'catalog', passed: false, message: `The table ${a.table} does not exist.`, details: {} };
  // PostgreSQL's own spelling of the declared columns and predicate: build the same index on an
  // empty temporary copy of the table and read it back (then roll it all back).
  const canon = await scratch(db, async () => {
    await db.query(`create temp table pglab_shape (like ${a.table})`);
    const out: { keys?: string[]; include?: string[]; predicate?: string } = {};
    if (a.columns || a.include) {
      const cols = a.columns ?? [(await db.query<{ n: string }>(`select attname as n from pg_catalog.pg_attribute where attrelid = 'pglab_shape'::regclass and attnum = 1`)).rows[0].n];
      await db.query(`create index pglab_probe on pglab_shape using ${a.method ?? 'btree'} (${cols.join(', ')})${a.include ? ` include (${a.include.join(', ')})` : ''}`);
      const r = await db.query<IndexRow>(INDEX_SQL, [await tableOid(db, 'pglab_shape')]);
      if (a.columns) out.keys = r.rows[0].keys;
      if (a.include) out.include = r.rows[0].include;
      await db.query('drop index pglab_probe');
    }
    if (a.predicate && a.predicate !== 'none') {
      const first = (await db.query<{ n: string }>(`select attname as n from pg_catalog.pg_attribute where attrelid = 'pglab_shape'::regclass and attnum = 1`)).rows[0].n;
      await db.query(`create index pglab_probe on pglab_shape (${quoteIdent(first)}) where ${a.predicate}`);
      out.predicate = (await db.query<IndexRow>(INDEX_SQL, [await tableOid(db, 'pglab_shape')])).rows[0].predicate ?? undefined;
    }
    return out;
  });
  const all = (await db.query<IndexRow>(INDEX_SQL, [oid])).rows;
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => norm(v) === norm(y[i]));
  const matches = all.filter((ix) =>
    (!a.method || ix.method === a.method) &&
    (!canon.keys || same(ix.keys, canon.keys)) &&
    (!canon.include || same([...ix.include].sort(), [...canon.include].sort())) &&
    (a.predicate === undefined || (a.predicate === 'none' ? ix.predicate === null : ix.predicate !== null && norm(ix.predicate) === norm(canon.predicate ?? ''))) &&
    (a.unique === undefined || ix.unique === a.unique) &&
    (!a.name || ix.name === a.name));
  const details = { found: all.map((ix) => ix.def) };
  const want = describeIndex(a);
  const existing = all.length ? ` Indexes on ${a.table}: ${all.map((ix) => ix.def.replace(/^CREATE (UNIQUE )?INDEX /, '').replace(/ ON \S+ USING /, ' ')).join('; ')}.` : ` ${a.table} has no index.`;
  if (a.exists === false) {
    return matches.length
      ? { kind: 'catalog', passed: false, message: `There should be no ${want}, but ${matches.map((m) => m.name).join(', ')} ${matches.length === 1 ? 'is' : 'are'} still there.`, details }
      : { kind: 'catalog', passed: true, message: `No ${want}, as asked.`, details };
  }
  if (a.count !== undefined && matches.length !== a.count) {
    return { kind: 'catalog', passed: false, message: `Expected exactly ${a.count} ${want}, found ${matches.length}${matches.length ? ` (${matches.map((m) => m.name).join(', ')})` : ''}.`, details };
  }
  if (!matches.length) {
    // Say what is closest: right columns, wrong method or predicate.
    const near = canon.keys ? all.filter((ix) => same(ix.keys, canon.keys!)) : [];
    let why = '';
    if (near.length) {
      const n = near[0];
      const diffs = [];
      if (a.method && n.method !== a.method) diffs.push(`it is ${n.method}, not ${a.method}`);
      if (a.predicate === 'none' && n.predicate) diffs.push(`it is partial (WHERE ${n.predicate})`);
      else if (a.predicate && a.predicate !== 'none' && norm(n.predicate ?? '') !== norm(canon.predicate ?? '')) diffs.push(n.predicate ? `its predicate is ${n.predicate}` : 'it is not partial');
      if (a.unique !== undefined && n.unique !== a.unique) diffs.push(n.unique ? 'it is unique' : 'it is not unique');
      if (canon.include && !same([...n.include].sort(), [...canon.include].sort())) diffs.push(n.include.length ? `it includes (${n.include.join(', ')})` : 'it has no INCLUDE columns');
      if (diffs.length) why = ` ${n.name} is on the right columns, but ${diffs.join(', ')}.`;
    }
    return { kind: 'catalog', passed: false, message: `No ${want}.${why || existing}`, details };
  }
  return { kind: 'catalog', passed: true, message: `Found ${matches.map((m) => m.name).join(', ')}: ${want}.`, details };
}

const CONTYPE: Record<ConstraintAssertion['type'], string> = {
  check: 'c', unique: 'u', 'primary key': 'p', 'foreign key': 'f', exclusion: 'x', 'not null': 'n',
};

async function checkConstraint(db: Engine, a: ConstraintAssertion): Promise<CheckOutcome> {
  const oid = await tableOid(db, a.table);
  if (oid === null) return { kind: 'catalog', passed: false, message: `The table ${a.table} does not exist.`, details: {} };
  const { rows } = await db.query<{ name: string; cols: string[]; def: string }>(
    `select con.conname as name, pg_catalog.pg_get_constraintdef(con.oid, true) as def,
            array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
                  join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.o) as cols
     from pg_catalog.pg_constraint con where con.conrelid = $1 and con.contype = $2 order by 1`,
    [oid, CONTYPE[a.type]],
  );
  const matches = rows.filter((r) =>
    (!a.columns || (r.cols.length === a.columns.length && a.columns.every((c) => r.cols.includes(c)))) &&
    (!a.name || r.name === a.name) &&
    (!a.contains || norm(r.def).replace(/[()]/g, '').includes(norm(a.contains).replace(/[()]/g, ''))));
  const want = `${a.type} constraint on ${a.table}${a.columns ? ` (${a.columns.join(', ')})` : ''}${a.contains ? ` with ${a.contains}` : ''}`;
  const details = { found: rows.map((r) => `${r.name}: ${r.def}`) };
  if (a.exists === false) {
    return matches.length
      ? { kind: 'catalog', passed: false, message: `There should be no ${want}, but ${matches[0].name} is there.`, details }
      : { kind: 'catalog', passed: true, message: `No ${want}, as asked.`, details };
  }
  if (!matches.length) {
    const list = rows.length ? ` The ${a.type} constraints on ${a.table}: ${rows.map((r) => `${r.name} ${r.def}`).join('; ')}.` : '';
    return { kind: 'catalog', passed: false, message: `No ${want}.${list}`, details };
  }
  return { kind: 'catalog', passed: true, message: `Found ${matches[0].name}: ${matches[0].def}.`, details };
}

async function checkColumn(db: Engine, a: ColumnAssertion): Promise<CheckOutcome> {
  const oid = await tableOid(db, a.table);
  if (oid === null) return { kind: 'catalog', passed: false, message: `The table ${a.table} does not exist.`, details: {} };
  const { rows } = await db.query<{ type: string; notnull: boolean }>(
    `select pg_catalog.format_type(atttypid, atttypmod) as type, attnotnull as notnull
     from pg_catalog.pg_attribute where attrelid = $1 and attname = $2 and attnum > 0 and not attisdropped`,
    [oid, a.column],
  );
  const col = rows[0];
  if (a.exists === false) {
    return col
      ? { kind: 'catalog', passed: false, message: `${a.table}.${a.column} should not exist any more.`, details: {} }
      : { kind: 'catalog', passed: true, message: `${a.table}.${a.column} is gone, as asked.`, details: {} };
  }
  if (!col) return { kind: 'catalog', passed: false, message: `${a.table} has no column ${a.column}.`, details: {} };
  const problems: string[] = [];
  if (a.type) {
    const want = await scratch(db, async () => {
      await db.query(`create temp table pglab_type (c ${a.type})`);
      return (await db.query<{ t: string }>(`select pg_catalog.format_type(atttypid, atttypmod) as t from pg_catalog.pg_attribute where attrelid = 'pglab_type'::regclass and attname = 'c'`)).rows[0].t;
    });
    if (want !== col.type) problems.push(`its type is ${col.type}, not ${want}`);
  }
  if (a.notNull !== undefined && col.notnull !== a.notNull) problems.push(col.notnull ? 'it is NOT NULL' : 'it accepts NULL');
  const details = { found: [`${a.column} ${col.type}${col.notnull ? ' not null' : ''}`] };
  if (problems.length) return { kind: 'catalog', passed: false, message: `${a.table}.${a.column}: ${problems.join(', ')}.`, details };
  return { kind: 'catalog', passed: true, message: `${a.table}.${a.column} is ${col.type}${col.notnull ? ' not null' : ''}.`, details };
}

// ------------------------------------------------------------------ behavior

async function checkBehavior(db: Engine, check: BehaviorCheck): Promise<CheckOutcome> {
  const wantCode = check.expect === 'ok' ? null : CONDITION_NAMES[check.expect] ?? check.expect;
  const label = check.expect === 'ok' ? 'succeed' : `fail with ${check.expect}${wantCode !== check.expect ? ` (SQLSTATE ${wantCode})` : ''}`;
  const what = check.description ? `${check.description}: ` : '';
  const sqlShown = check.sql.trim().replace(/\s+/g, ' ');
  const run = await runScript(db, check.sql);
  if (run.leftTransactionOpen) await db.run('rollback');
  if (!run.error) {
    return wantCode === null
      ? { kind: 'behavior', passed: true, message: `${what}\`${sqlShown}\` succeeds, as it should.`, details: {} }
      : { kind: 'behavior', passed: false, message: `${what}\`${sqlShown}\` should ${label}, but it succeeded.`, details: {} };
  }
  const details = { sqlstate: run.error.code, error: run.error.message };
  const nameOf = (code?: string) => Object.entries(CONDITION_NAMES).find(([, c]) => c === code)?.[0];
  const got = `${run.error.code ?? 'an error'}${nameOf(run.error.code) ? ` ${nameOf(run.error.code)}` : ''}: ${run.error.message}`;
  if (wantCode !== null && run.error.code === wantCode) {
    return { kind: 'behavior', passed: true, message: `${what}\`${sqlShown}\` is rejected with ${got}, as it should be.`, details };
  }
  return { kind: 'behavior', passed: false, message: `${what}\`${sqlShown}\` should ${label}, but it failed with ${got}.`, details };
}
