// Opens a share pack in a throwaway PGlite: runs the set-up, restores the server's statistics
// (PostgreSQL 18's pg_restore_relation_stats / pg_restore_attribute_stats, every value passed as a
// parameter), gives the tables the server's sizes (relation-size.ts), applies the settings,
// EXPLAINs the query and compares the plan's shape with the one the sender saw.
//
// `describeReplay` lists what will run, for the reader to see before anything runs.
import type { PGlite } from '@electric-sql/pglite';
import { parseJsonPlan } from '../analysis/plan/parse.ts';
import { comparePlans } from '../analysis/plan/compare.ts';
import { splitScript, type ScriptPiece } from '../db/splitter.ts';
import { copyCommand, copyFromScript } from '../db/psql-copy.ts';
import { LocalEngine } from '../db/local-engine.ts';
import type { AttributeStats, RelationStats, SharePack } from './format.ts';
import { simulateBlocks } from './relation-size.ts';

export interface ReplayStep {
  label: string;
  ok: boolean;
  message?: string;
}

export interface ShapeComparison {
  sameShape: boolean;
  /** One line per difference, from the plan comparison. */
  changes: string[];
  joinOrderSender: string;
  joinOrderHere: string;
}

export interface ReplayResult {
  ok: boolean;
  /** Why it stopped, when it did. */
  error?: string;
  steps: ReplayStep[];
  /** EXPLAIN (FORMAT JSON) here. */
  plan?: unknown;
  /** Null when the pack has no plan of the sender's, or it does not parse. */
  comparison: ShapeComparison | null;
  warnings: string[];
}

export interface ReplayPreview {
  setupStatements: number;
  setup: string;
  settings: string[];
  statistics: string[];
  explain: string;
}

/** `$1`-style parameters outside strings and comments (a statement from pg_stat_statements has them). */
export function hasParameters(query: string): boolean {
  const bare = query.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  return /(^|[^\w$])\$\d+/.test(bare);
}

/** The EXPLAIN the replay runs: GENERIC_PLAN for a query with parameters, as the capture did. */
export function explainSql(query: string): string {
  const q = query.trim().replace(/;\s*$/, '');
  return `explain (${hasParameters(q) ? 'generic_plan, ' : ''}format json) ${q}`;
}

/**
 * The COPY a set-up piece runs with the rows written after it in the script (`COPY … FROM STDIN`,
 * psql's `\copy … from stdin`), as the playground sends them: a bare COPY FROM STDIN would wait
 * for a client that sends nothing. Undefined for any other piece.
 */
function inlineCopy(p: ScriptPiece): string | undefined {
  if (p.kind === 'sql' && p.readsStdin) return p.text;
  if (p.kind !== 'backslash' || p.name !== 'copy') return undefined;
  const c = copyCommand(p.args);
  return c.ok && c.from && c.std ? c.sql : undefined;
}

/** Whether the replay runs a piece (other psql commands are skipped, with a warning). */
const runs = (p: ScriptPiece) => p.kind !== 'backslash' || inlineCopy(p) !== undefined;

/** What opening the pack will run, in order, for the reader to check first. */
export async function describeReplay(pack: SharePack): Promise<ReplayPreview> {
  const pieces = pack.setup.trim() ? await splitScript(pack.setup) : [];
  const statistics = pack.stats
    ? [
        ...pack.stats.relations.map((r) => `${r.schema}.${r.name}: ${r.relpages.toLocaleString('en-US')} pages, ${r.reltuples.toLocaleString('en-US')} rows, ${r.relallvisible.toLocaleString('en-US')} all-visible pages`),
        `${pack.stats.attributes.length} column statistics (pg_stats rows)${pack.redacted.length ? `, sample values redacted for ${pack.redacted.map((c) => `${c.relation}.${c.column}`).join(', ')}` : ''}`,
      ]
    : [];
  return {
    setupStatements: pieces.filter(runs).length,
    setup: pack.setup,
    settings: pack.settings.map((s) => `set ${s.name} = '${s.value.replace(/'/g, "''")}'`),
    statistics,
    explain: explainSql(pack.query),
  };
}

function relationArgs(r: RelationStats): { sql: string; params: unknown[] } {
  return {
    sql: `select pg_restore_relation_stats('schemaname', $1::text, 'relname', $2::text, 'relpages', $3::int, 'reltuples', $4::real, 'relallvisible', $5::int) as ok`,
    params: [r.schema, r.name, r.relpages, r.reltuples, r.relallvisible],
  };
}

const ARRAY_TEXT = ['most_common_vals', 'histogram_bounds', 'most_common_elems', 'range_length_histogram', 'range_bounds_histogram'] as const;
const ARRAY_REAL = ['most_common_freqs', 'most_common_elem_freqs', 'elem_count_histogram'] as const;

export function attributeArgs(a: AttributeStats): { sql: string; params: unknown[] } {
  const params: unknown[] = [a.schema, a.relation, a.attname, a.inherited];
  const parts = [`'schemaname', $1::text`, `'relname', $2::text`, `'attname', $3::text`, `'inherited', $4::boolean`];
  const add = (key: string, value: unknown, cast: string) => {
    if (value === null || value === undefined) return;
    params.push(value);
    parts.push(`'${key}', $${params.length}::${cast}`);
  };
  add('null_frac', a.null_frac, 'real');
  add('avg_width', a.avg_width, 'int');
  add('n_distinct', a.n_distinct, 'real');
  add('correlation', a.correlation, 'real');
  add('range_empty_frac', a.range_empty_frac, 'real');
  // Array values travel as PostgreSQL's text form; the function parses them as the column's type.
  for (const k of ARRAY_TEXT) add(k, a[k], 'text');
  for (const k of ARRAY_REAL) add(k, a[k] === null ? null : `{${a[k]!.join(',')}}`, 'real[]');
  return { sql: `select pg_restore_attribute_stats(${parts.join(', ')}) as ok`, params };
}

function message(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

export interface ReplayOptions {
  /**
   * Runs it all inside a transaction that is rolled back, leaving `db` as it was (a server pack's
   * DDL is transactional; a script with VACUUM or CREATE INDEX CONCURRENTLY is not).
   */
  rollback?: boolean;
}

/** Runs the pack in `db` (a fresh in-memory PGlite: it is changed for good, unless rolled back) and compares plans. */
export async function replayPack(db: PGlite, pack: SharePack, opts: ReplayOptions = {}): Promise<ReplayResult> {
  if (!opts.rollback) return replayIn(db, pack);
  await db.exec('begin');
  try {
    return await replayIn(db, pack);
  } finally {
    await db.exec('rollback');
  }
}

async function replayIn(db: PGlite, pack: SharePack): Promise<ReplayResult> {
  const steps: ReplayStep[] = [];
  const warnings: string[] = [];
  const stop = (error: string): ReplayResult => ({ ok: false, error, steps, comparison: null, warnings });

  // 1. The set-up, statement by statement (a pack's script is the sender's, shown before this runs).
  const pieces = pack.setup.trim() ? await splitScript(pack.setup) : [];
  let n = 0;
  const engine = new LocalEngine(db);
  for (const p of pieces) {
    if (!runs(p)) {
      warnings.push(`psql command skipped: ${p.text}`);
      continue;
    }
    n++;
    try {
      const copy = inlineCopy(p);
      if (copy === undefined) await db.exec(p.text);
      else {
        const out = await copyFromScript(engine, copy, p.copyData?.text ?? '', false);
        if (!out.ok) throw new Error(out.error.message);
      }
    } catch (e) {
      steps.push({ label: `set-up statement ${n}`, ok: false, message: message(e) });
      return stop(`Set-up statement ${n} failed: ${message(e)}\n${p.text.slice(0, 300)}`);
    }
  }
  steps.push({ label: `set-up: ${n} statement${n === 1 ? '' : 's'}`, ok: true });

  // 2. The server's statistics and sizes.
  if (pack.stats) {
    const { rows: dd } = await db.query<{ d: string }>("select current_setting('data_directory') as d");
    const dataDir = dd[0].d;
    let restored = 0;
    for (const r of pack.stats.relations) {
      try {
        const { rows } = await db.query<{ path: string | null }>("select pg_relation_filepath(format('%I.%I', $1::text, $2::text)::regclass) as path", [r.schema, r.name]);
        if (rows[0]?.path && r.relpages > 0) simulateBlocks(db, dataDir, rows[0].path, r.relpages);
        const { sql, params } = relationArgs(r);
        const res = await db.query<{ ok: boolean }>(sql, params);
        if (res.rows[0]?.ok === false) warnings.push(`statistics of ${r.schema}.${r.name} were restored only in part`);
        restored++;
      } catch (e) {
        warnings.push(`statistics of ${r.schema}.${r.name} not restored: ${message(e)}`);
      }
    }
    let cols = 0;
    for (const a of pack.stats.attributes) {
      try {
        const { sql, params } = attributeArgs(a);
        const notices: string[] = [];
        const res = await db.query<{ ok: boolean }>(sql, params, { onNotice: (m) => void notices.push(m.message ?? '') });
        if (res.rows[0]?.ok === false) warnings.push(`column statistics ${a.relation}.${a.attname} restored only in part${notices.length ? `: ${notices.join('; ')}` : ''}`);
        cols++;
      } catch (e) {
        warnings.push(`column statistics ${a.relation}.${a.attname} not restored: ${message(e)}`);
      }
    }
    steps.push({ label: `statistics: ${restored} of ${pack.stats.relations.length} relations, ${cols} of ${pack.stats.attributes.length} columns`, ok: restored === pack.stats.relations.length && cols === pack.stats.attributes.length });
  }

  // 3. Settings, for the session.
  let applied = 0;
  for (const s of pack.settings) {
    try {
      await db.query('select set_config($1, $2, false)', [s.name, s.value]);
      applied++;
    } catch (e) {
      warnings.push(`setting ${s.name} = ${s.value} not applied: ${message(e)}`);
    }
  }
  if (pack.settings.length) steps.push({ label: `settings: ${applied} of ${pack.settings.length} applied`, ok: applied === pack.settings.length });

  // 4. The plan here, and the comparison.
  let plan: unknown;
  try {
    // Simple protocol: a parameter would otherwise need a bound value (GENERIC_PLAN's whole point is that it has none).
    const [res] = await db.exec(explainSql(pack.query));
    plan = res?.rows[0]?.['QUERY PLAN'];
    if (typeof plan === 'string') plan = JSON.parse(plan);
  } catch (e) {
    steps.push({ label: 'EXPLAIN', ok: false, message: message(e) });
    return stop(`EXPLAIN failed: ${message(e)}`);
  }
  steps.push({ label: 'EXPLAIN', ok: true });
  return { ok: true, steps, plan, comparison: compareShapes(pack.plan, plan), warnings };
}

/** The sender's plan against this one; null when the sender kept none (or it does not parse). */
export function compareShapes(sender: unknown, here: unknown): ShapeComparison | null {
  if (sender === null || sender === undefined) return null;
  let a, b;
  try {
    a = parseJsonPlan(sender);
    b = parseJsonPlan(here);
  } catch {
    return null;
  }
  const c = comparePlans(a, b);
  return {
    sameShape: c.sameShape,
    changes: c.changes.filter((x) => !['time', 'cost', 'buffers', 'rows'].includes(x.kind)).map((x) => x.text),
    joinOrderSender: c.joinOrderBefore,
    joinOrderHere: c.joinOrderAfter,
  };
}
