// Runs EXPLAIN on a live database and returns the parsed plan with its diagnoses. With ANALYZE,
// a statement that writes runs inside a transaction (or a savepoint) that is rolled back.
import { parse } from 'libpg-query';
import type { Finding } from '../finding.ts';
import type { Queryable, RunOutcome } from '../../db/types.ts';
import { diagnosePlan } from './diagnose.ts';
import { parsePlan } from './parse.ts';
import { loadTableStats, planRelations, type TableStatsMap } from './stats.ts';
import type { Plan } from './types.ts';

export interface ExplainOptions {
  /** Execute the statement (EXPLAIN ANALYZE). Default false. */
  analyze?: boolean;
  /** Buffer counts; default: on with analyze (PostgreSQL 18's own default). */
  buffers?: boolean;
  /** Read pg_stat / pg_class for the plan's tables (stale_statistics). Default true. */
  tableStats?: boolean;
}

export interface ExplainResult {
  /** The statement explained (a leading EXPLAIN and trailing semicolon removed). */
  sql: string;
  /** What was sent to the server. */
  explainSql: string;
  /** The parse tree's top node type, e.g. `SelectStmt`, `InsertStmt`. */
  statementType: string;
  /** The statement (or a CTE in it) writes: INSERT / UPDATE / DELETE / MERGE, CREATE TABLE AS, EXECUTE ... */
  writes: boolean;
  /** The statement was executed inside a transaction or savepoint that was rolled back. */
  rolledBack: boolean;
  plan: Plan;
  findings: Finding[];
  tableStats?: TableStatsMap;
}

export type ExplainTarget = Queryable & { run?(sql: string): Promise<RunOutcome> };

const WRITE_NODES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
const ALWAYS_WRITES = new Set(['CreateTableAsStmt', 'ExecuteStmt', 'RefreshMatViewStmt', 'DeclareCursorStmt']);

/** Whether a parsed statement writes, and its top node type. Unknown (unparsable) counts as writing. */
export async function statementWrites(sql: string): Promise<{ type: string; writes: boolean; explain?: Record<string, unknown> }> {
  let stmts: { stmt?: Record<string, unknown> }[];
  try {
    stmts = (await parse(sql)).stmts as { stmt?: Record<string, unknown> }[];
  } catch {
    return { type: 'Unknown', writes: true };
  }
  if (stmts.length !== 1 || !stmts[0].stmt) {
    if (stmts.length > 1) throw new Error('EXPLAIN takes one statement at a time.');
    return { type: 'Unknown', writes: true };
  }
  let top = stmts[0].stmt;
  let type = Object.keys(top)[0];
  let explain: Record<string, unknown> | undefined;
  if (type === 'ExplainStmt') {
    explain = top.ExplainStmt as Record<string, unknown>;
    top = explain.query as Record<string, unknown>;
    type = Object.keys(top)[0];
  }
  if (ALWAYS_WRITES.has(type)) return { type, writes: true, explain };
  const body = top[type] as Record<string, unknown>;
  if (type === 'SelectStmt' && body.intoClause) return { type, writes: true, explain };
  return { type, writes: containsWrite(top), explain };
}

function containsWrite(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsWrite);
  if (typeof node !== 'object' || node === null) return false;
  for (const [k, v] of Object.entries(node)) {
    if (WRITE_NODES.has(k)) return true;
    if (containsWrite(v)) return true;
  }
  return false;
}

/** EXPLAIN's own options from a parsed ExplainStmt: `analyze`, `buffers off` ... */
function explainOptions(explain: Record<string, unknown>): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const o of (explain.options as { DefElem?: { defname: string; arg?: Record<string, { sval?: string; boolval?: boolean; ival?: number }> } }[]) ?? []) {
    if (!o.DefElem) continue;
    const arg = o.DefElem.arg ? Object.values(o.DefElem.arg)[0] : undefined;
    const v = arg === undefined ? true : arg.boolval ?? !/^(off|false|0|no)$/i.test(String(arg.sval ?? arg.ival ?? 'on'));
    out[o.DefElem.defname] = v;
  }
  return out;
}

const EXPLAIN_PREFIX = /^\s*explain\b\s*(?:\((?:[^()']|'[^']*')*\)|(?:(?:analy[sz]e|verbose)\b\s*)*)\s*/i;

export async function explainQuery(db: ExplainTarget, sqlIn: string, opts: ExplainOptions = {}): Promise<ExplainResult> {
  let sql = sqlIn.trim().replace(/;\s*$/, '');
  const info = await statementWrites(sql);
  let { analyze, buffers } = opts;
  if (info.explain) {
    const given = explainOptions(info.explain);
    analyze ??= given.analyze ?? false;
    buffers ??= given.buffers;
    sql = sql.replace(EXPLAIN_PREFIX, '');
  }
  analyze ??= false;
  buffers ??= analyze;
  const explainSql = `EXPLAIN (ANALYZE ${analyze}, BUFFERS ${buffers}, SETTINGS true, FORMAT JSON) ${sql}`;
  const needsRollback = analyze && info.writes;
  const runExplain = async () => (await db.query<Record<string, unknown>>(explainSql)).rows;
  const rows = needsRollback ? await rolledBack(db, runExplain) : await runExplain();
  const plan = parsePlan(planValue(rows));

  let tableStats: TableStatsMap | undefined;
  if (opts.tableStats !== false) {
    try {
      tableStats = await loadTableStats(db, planRelations(plan));
    } catch {
      tableStats = undefined; // the catalog views may be out of reach on a server; the plan still stands
    }
  }
  let workMemKb: number | undefined;
  let hashMemMultiplier: number | undefined;
  try {
    const r = await db.query<{ wm: string; hm: string }>(
      `select pg_size_bytes(current_setting('work_mem'))::float8 / 1024 as wm, current_setting('hash_mem_multiplier') as hm`,
    );
    workMemKb = Number(r.rows[0].wm);
    hashMemMultiplier = Number(r.rows[0].hm);
  } catch {
    /* defaults from the plan's Settings */
  }
  // Settings that the EXPLAIN itself reports (SET LOCAL inside the statement's transaction) win.
  if (plan.settings?.work_mem) workMemKb = undefined;
  const findings = diagnosePlan(plan, { tableStats, workMemKb, hashMemMultiplier });
  const result: ExplainResult = { sql, explainSql, statementType: info.type, writes: info.writes, rolledBack: needsRollback, plan, findings };
  if (tableStats) result.tableStats = tableStats;
  return result;
}

/** The QUERY PLAN value out of the rows: parsed JSON (PGlite, node-postgres) or its text (raw parsers, text format). */
export function planValue(rows: Record<string, unknown>[]): unknown {
  if (!rows.length) throw new Error('EXPLAIN returned no rows.');
  const key = 'QUERY PLAN' in rows[0] ? 'QUERY PLAN' : Object.keys(rows[0])[0];
  if (rows.length > 1) return rows.map((r) => String(r[key]));
  return rows[0][key];
}

async function exec(db: ExplainTarget, sql: string): Promise<void> {
  if (db.run) {
    const r = await db.run(sql);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return;
  }
  await db.query(sql);
}

/**
 * Runs fn inside a savepoint when a transaction is already open (so the caller's transaction
 * survives), otherwise inside BEGIN ... ROLLBACK.
 */
async function rolledBack<T>(db: ExplainTarget, fn: () => Promise<T>): Promise<T> {
  let savepoint = false;
  try {
    await exec(db, 'SAVEPOINT pglab_explain');
    savepoint = true;
  } catch (e) {
    // 25P01: no transaction block, the usual case. Anything else (an aborted transaction) is the caller's.
    if ((e as { code?: string }).code !== '25P01') throw e;
  }
  if (!savepoint) await exec(db, 'BEGIN');
  try {
    return await fn();
  } finally {
    if (savepoint) {
      await exec(db, 'ROLLBACK TO SAVEPOINT pglab_explain');
      await exec(db, 'RELEASE SAVEPOINT pglab_explain');
    } else {
      await exec(db, 'ROLLBACK');
    }
  }
}
