// Query analyzer: the statements that cost the most, from pg_stat_statements, with the checks
// that matter for each and a look at the plan of the top ones (EXPLAIN without ANALYZE, so
// nothing is executed; a generic plan where the text has $n parameters).
import type { Queryable } from '../db/types.ts';
import { ident, qualified, type Finding, type Report } from './finding.ts';
import { OWN_TAG } from '../db/own-statements.ts';
import { flushStats, formatBytes, literal, num, quietly, rows, sortFindings, str } from './util.ts';
import { percent } from './percent.ts';

/** A tenth of a second per call is where users start to notice and connections pile up. */
export const SLOW_QUERY_MEAN_MS = 100;
/** One-off statements (a migration, an ad-hoc report) are not worth tuning. */
export const SLOW_QUERY_MIN_CALLS = 5;
/** A standard deviation larger than the mean means some calls take several times the usual time. */
export const HIGH_VARIABILITY_CV = 1;
/** Variability needs enough calls to be a pattern rather than noise. */
export const HIGH_VARIABILITY_MIN_CALLS = 10;
/** Jitter of fast statements is noise (scheduling, a cold cache); only look from this mean up. */
export const HIGH_VARIABILITY_MIN_MEAN_MS = 10;
/** 1 MB of temporary files per call: a sort or hash that no longer fits in work_mem. */
export const TEMP_SPILL_MIN_BLOCKS_PER_CALL = 128;
/** Below 90% of blocks found in shared buffers a statement waits on disk reads. */
export const LOW_CACHE_HIT_RATIO = 0.9;
/** A statement must touch enough blocks in total for its ratio to mean anything. */
export const LOW_CACHE_HIT_MIN_BLOCKS = 10_000;
/** How many statements each top list holds. */
export const TOP_LIMIT = 10;
/** How many of the statements with the most total time get their plan examined. */
export const EXPLAIN_TOP_N = 5;
/** A sequential scan below this many rows is cheap whatever it filters. */
export const SEQ_SCAN_MIN_ROWS = 10_000;
/** A filter keeping at most this share of a table's rows is selective enough for an index. */
export const SELECTIVE_FILTER_RATIO = 0.05;

export interface QueryThresholds {
  slowMeanMs: number;
  slowMinCalls: number;
  variabilityCv: number;
  variabilityMinCalls: number;
  variabilityMinMeanMs: number;
  tempBlocksPerCall: number;
  cacheHitRatio: number;
  cacheHitMinBlocks: number;
  seqScanMinRows: number;
  selectiveFilterRatio: number;
}

export const DEFAULT_QUERY_THRESHOLDS: QueryThresholds = {
  slowMeanMs: SLOW_QUERY_MEAN_MS,
  slowMinCalls: SLOW_QUERY_MIN_CALLS,
  variabilityCv: HIGH_VARIABILITY_CV,
  variabilityMinCalls: HIGH_VARIABILITY_MIN_CALLS,
  variabilityMinMeanMs: HIGH_VARIABILITY_MIN_MEAN_MS,
  tempBlocksPerCall: TEMP_SPILL_MIN_BLOCKS_PER_CALL,
  cacheHitRatio: LOW_CACHE_HIT_RATIO,
  cacheHitMinBlocks: LOW_CACHE_HIT_MIN_BLOCKS,
  seqScanMinRows: SEQ_SCAN_MIN_ROWS,
  selectiveFilterRatio: SELECTIVE_FILTER_RATIO,
};

export interface QueryAnalyzerOptions {
  thresholds?: Partial<QueryThresholds>;
  limit?: number;
  explainTop?: number;
}

export interface StatementStats {
  queryid: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  stddevMs: number;
  /** Coefficient of variation: stddev / mean. */
  cv: number;
  rows: number;
  rowsPerCall: number;
  /** Shared blocks found in cache / all shared blocks touched; null when none were touched. */
  cacheHitRatio: number | null;
  sharedBlocks: number;
  tempBlocksPerCall: number;
}

export interface PlanDiagnosis {
  queryid: string;
  query: string;
  generic: boolean;
  /** Set when EXPLAIN could not run (a utility statement, a parameter of unknown type, …). */
  error?: string;
  totalCost?: number;
  headline: string;
  suggestion?: string;
  /** The plan node the headline is about. */
  node?: string;
  /** SQL that implements the suggestion, when there is one. */
  fix?: string;
}

export interface QueryAnalyzerFacts {
  available: boolean;
  /** Why the analyzer could not run, with how to enable pg_stat_statements. */
  unavailableReason?: string;
  statsSince: string | null;
  statementCount: number;
  totalExecMs: number;
  topByTotalTime: StatementStats[];
  topByMeanTime: StatementStats[];
  topByCalls: StatementStats[];
  topByVariability: StatementStats[];
  plans: PlanDiagnosis[];
}

const ENABLE_HELP =
  "Add it to shared_preload_libraries in postgresql.conf (shared_preload_libraries = 'pg_stat_statements', or ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'), restart the server, then run CREATE EXTENSION pg_stat_statements; in this database. " +
  'In PGlite, pass the pg_stat_statements extension to PGlite.create and run CREATE EXTENSION pg_stat_statements.';

function emptyFacts(reason: string): QueryAnalyzerFacts {
  return {
    available: false,
    unavailableReason: reason,
    statsSince: null,
    statementCount: 0,
    totalExecMs: 0,
    topByTotalTime: [],
    topByMeanTime: [],
    topByCalls: [],
    topByVariability: [],
    plans: [],
  };
}

function missing(reason: string): Report<QueryAnalyzerFacts> {
  return {
    facts: emptyFacts(reason),
    findings: [
      {
        check: 'pg_stat_statements_missing',
        severity: 'info',
        object: {},
        message: `Query statistics are not available: ${reason}`,
        why:
          'pg_stat_statements records, for every distinct statement, how often it ran, how long it took and how many blocks it read; without it there is no evidence of which queries to tune. ' +
          ENABLE_HELP,
        fix: 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements;',
      },
    ],
  };
}

export async function analyzeQueries(db: Queryable, opts: QueryAnalyzerOptions = {}): Promise<Report<QueryAnalyzerFacts>> {
  const t = { ...DEFAULT_QUERY_THRESHOLDS, ...opts.thresholds };
  const limit = opts.limit ?? TOP_LIMIT;
  await flushStats(db);
  const [ext] = await rows(db, `select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_stat_statements'`);
  if (!ext) {
    const [pre] = await rows(db, `select current_setting('shared_preload_libraries') like '%pg_stat_statements%' as preloaded`);
    return missing(
      pre?.preloaded
        ? 'the pg_stat_statements library is loaded but the extension is not created in this database.'
        : 'the pg_stat_statements extension is not installed.',
    );
  }
  const schema = ident(str(ext.schema));

  let list: Record<string, unknown>[];
  try {
    list = await rows(
      db,
      `select s.queryid::text as queryid, s.query, s.calls::float8 as calls, s.total_exec_time::float8 as total,
              s.mean_exec_time::float8 as mean, s.stddev_exec_time::float8 as stddev, s.rows::float8 as rows,
              s.shared_blks_hit::float8 as hit, s.shared_blks_read::float8 as read,
              (s.temp_blks_written + s.temp_blks_read)::float8 as temp
         from ${schema}.pg_stat_statements s
        where s.dbid = (select oid from pg_database where datname = current_database())
          and s.calls > 0 and s.query is not null and s.query not like $1 and s.query <> '<insufficient privilege>'`,
      [`%${OWN_TAG}%`],
    );
  } catch (e) {
    return missing(`reading pg_stat_statements failed (${(e as Error).message}).`);
  }
  let statsSince: string | null = null;
  try {
    const [info] = await rows(db, `select stats_reset::text as reset from ${schema}.pg_stat_statements_info`);
    statsSince = info ? str(info.reset) : null;
  } catch {
    /* older versions have no pg_stat_statements_info */
  }

  // Statements that differ only by user are merged, so each query id appears once.
  const merged = new Map<string, StatementStats & { hit: number; temp: number }>();
  for (const r of list) {
    const id = str(r.queryid);
    const calls = num(r.calls);
    const prev = merged.get(id);
    const hit = num(r.hit);
    const read = num(r.read);
    if (prev) {
      const total = prev.totalMs + num(r.total);
      const n = prev.calls + calls;
      prev.stddevMs = Math.max(prev.stddevMs, num(r.stddev));
      prev.calls = n;
      prev.totalMs = total;
      prev.meanMs = total / n;
      prev.rows += num(r.rows);
      prev.hit += hit;
      prev.sharedBlocks += hit + read;
      prev.temp += num(r.temp);
      continue;
    }
    merged.set(id, {
      queryid: id,
      query: str(r.query),
      calls,
      totalMs: num(r.total),
      meanMs: num(r.mean),
      stddevMs: num(r.stddev),
      cv: 0,
      rows: num(r.rows),
      rowsPerCall: 0,
      cacheHitRatio: null,
      sharedBlocks: hit + read,
      tempBlocksPerCall: 0,
      hit,
      temp: num(r.temp),
    });
  }
  const stats: StatementStats[] = [...merged.values()].map(({ hit, temp, ...s }) => ({
    ...s,
    cv: s.meanMs > 0 ? s.stddevMs / s.meanMs : 0,
    rowsPerCall: s.calls ? s.rows / s.calls : 0,
    cacheHitRatio: s.sharedBlocks > 0 ? hit / s.sharedBlocks : null,
    tempBlocksPerCall: s.calls ? temp / s.calls : 0,
  }));
  const top = (key: (s: StatementStats) => number, filter: (s: StatementStats) => boolean = () => true) =>
    stats.filter(filter).sort((a, b) => key(b) - key(a) || a.queryid.localeCompare(b.queryid)).slice(0, limit);

  const topByTotalTime = top((s) => s.totalMs);
  const facts: QueryAnalyzerFacts = {
    available: true,
    statsSince,
    statementCount: stats.length,
    totalExecMs: stats.reduce((a, s) => a + s.totalMs, 0),
    topByTotalTime,
    topByMeanTime: top((s) => s.meanMs),
    topByCalls: top((s) => s.calls),
    topByVariability: top((s) => s.cv, (s) => s.calls >= 2),
    plans: [],
  };

  const findings: Finding[] = [];
  const short = (q: string) => {
    const one = q.replace(/\s+/g, ' ').trim();
    return one.length > 80 ? one.slice(0, 77) + '…' : one;
  };
  const obj = (s: StatementStats) => ({ query: s.query });
  const share = (s: StatementStats) => (facts.totalExecMs > 0 ? ` (${percent(s.totalMs / facts.totalExecMs)} of all execution time)` : '');

  // Plans of the statements with the most total time, and of every statement a check flags.
  const flagged = new Set<string>();
  const slow = stats.filter((s) => s.meanMs >= t.slowMeanMs && s.calls >= t.slowMinCalls);
  const variable = stats.filter((s) => s.calls >= t.variabilityMinCalls && s.meanMs >= t.variabilityMinMeanMs && s.cv >= t.variabilityCv);
  const spilling = stats.filter((s) => s.tempBlocksPerCall >= t.tempBlocksPerCall);
  const cold = stats.filter((s) => s.sharedBlocks >= t.cacheHitMinBlocks && s.cacheHitRatio !== null && s.cacheHitRatio < t.cacheHitRatio);
  for (const s of [...slow, ...spilling]) flagged.add(s.queryid);
  const toExplain = [...topByTotalTime.slice(0, opts.explainTop ?? EXPLAIN_TOP_N)];
  for (const s of stats) if (flagged.has(s.queryid) && !toExplain.includes(s)) toExplain.push(s);
  const planOf = new Map<string, PlanDiagnosis>();
  for (const s of toExplain) {
    const d = await diagnose(db, s, t);
    if (d) {
      facts.plans.push(d);
      planOf.set(s.queryid, d);
    }
  }
  const planText = (s: StatementStats) => {
    const d = planOf.get(s.queryid);
    return d && d.suggestion ? ` The plan shows: ${d.headline} ${d.suggestion}` : '';
  };

  for (const s of slow) {
    findings.push({
      check: 'slow_query',
      severity: s.meanMs >= t.slowMeanMs * 10 ? 'error' : 'warning',
      object: obj(s),
      message: `${short(s.query)} takes ${s.meanMs.toFixed(1)} ms per call on average over ${s.calls} calls${share(s)}.`,
      why:
        'Slow statements hold their connection, locks and snapshot for the whole time, so they limit throughput and make everything around them wait. ' +
        'Their plan shows where the time goes: usually a scan that reads far more rows than it returns, or a sort or join without a supporting index.' +
        planText(s),
      ...(planOf.get(s.queryid)?.fix ? { fix: planOf.get(s.queryid)!.fix } : {}),
    });
  }
  for (const s of variable) {
    findings.push({
      check: 'high_variability_query',
      severity: 'info',
      object: obj(s),
      message: `${short(s.query)} varies widely: mean ${s.meanMs.toFixed(1)} ms, standard deviation ${s.stddevMs.toFixed(1)} ms (×${s.cv.toFixed(1)}) over ${s.calls} calls.`,
      why:
        'When the standard deviation exceeds the mean, some calls take many times the usual time: typically because some parameter values match far more rows (a skewed distribution), the plan flips between a custom and a generic plan, or the statement waits on locks or cold cache. ' +
        'Compare EXPLAIN (ANALYZE, BUFFERS) for a common and a rare parameter value; extended statistics or a partial index for the heavy values often help.',
    });
  }
  for (const s of spilling) {
    findings.push({
      check: 'temp_spill_query',
      severity: 'warning',
      object: obj(s),
      message: `${short(s.query)} writes ${formatBytes(s.tempBlocksPerCall * 8192)} of temporary files per call.`,
      why:
        'Temporary files are written when a sort, hash or materialization does not fit in work_mem, and reading them back is far slower than working in memory. ' +
        'An index that delivers rows already in the required order avoids the sort altogether; otherwise raise work_mem for this statement only (SET LOCAL work_mem inside its transaction), as the setting applies per operation and per connection.' +
        planText(s),
      fix: planOf.get(s.queryid)?.fix ?? `SET LOCAL work_mem = '${Math.max(8, Math.ceil((s.tempBlocksPerCall * 8192 * 2) / 1048576))}MB';  -- inside the statement's transaction`,
    });
  }
  for (const s of cold) {
    findings.push({
      check: 'low_cache_hit_query',
      severity: 'warning',
      object: obj(s),
      message: `${short(s.query)} found only ${percent(s.cacheHitRatio ?? 0)} of its ${Math.round(s.sharedBlocks)} blocks in shared buffers.`,
      why:
        'Every block not in shared buffers is read from the operating system cache or from disk, which is orders of magnitude slower than memory. ' +
        'A statement with a low hit ratio either reads much more data than it needs (an index would let it touch fewer blocks) or the working set does not fit in shared_buffers; fix the first before buying memory.' +
        planText(s),
      ...(planOf.get(s.queryid)?.fix ? { fix: planOf.get(s.queryid)!.fix } : {}),
    });
  }

  return { facts, findings: sortFindings(findings) };
}

// ---------------------------------------------------------------------------------------------
// Plans

const EXPLAINABLE = /^\s*(\/\*[\s\S]*?\*\/\s*|--[^\n]*\n\s*)*(select|with|insert|update|delete|merge|values|table)\b/i;

/** The highest $n in a statement (outside string literals and quoted identifiers). */
export function parameterCount(sql: string): number {
  const stripped = sql.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
  let max = 0;
  for (const m of stripped.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Schema?: string;
  Alias?: string;
  'Plan Rows': number;
  'Plan Width': number;
  'Total Cost': number;
  Filter?: string;
  'Sort Key'?: string[];
  'Hash Cond'?: string;
  'Join Type'?: string;
  'Parent Relationship'?: string;
  Plans?: PlanNode[];
}

/** EXPLAIN (VERBOSE, FORMAT JSON) of a statement, generic when it has parameters. */
export async function explainJson(db: Queryable, query: string, opts: { viaPrepare?: boolean } = {}): Promise<{ plan: PlanNode; generic: boolean }> {
  const n = parameterCount(query);
  const parse = (v: unknown): PlanNode => {
    const j = typeof v === 'string' ? JSON.parse(v) : v;
    return (Array.isArray(j) ? j[0] : j).Plan as PlanNode;
  };
  if (n === 0) {
    const [r] = await rows(db, `explain (verbose, format json) ${query}`);
    return { plan: parse(r['QUERY PLAN']), generic: false };
  }
  // Inside a transaction a failed attempt would abort it: go the prepared way at once.
  if (!opts.viaPrepare) {
    try {
      const [r] = await rows(db, `explain (generic_plan, verbose, format json) ${query}`);
      return { plan: parse(r['QUERY PLAN']), generic: true };
    } catch (e) {
      // Drivers that always use the extended protocol (PGlite) send a Bind with no values for the $n.
      if ((e as { code?: string }).code !== '08P01') throw e;
    }
  }
  // The same generic plan through a prepared statement with plan_cache_mode = force_generic_plan.
  const name = `pglab_explain_${Math.random().toString(36).slice(2, 10)}`;
  const [prev] = await rows(db, `select current_setting('plan_cache_mode') as v`);
  await rows(db, `prepare ${name} as ${query}`);
  try {
    await rows(db, `select set_config('plan_cache_mode', 'force_generic_plan', false)`);
    const [r] = await rows(db, `explain (verbose, format json) execute ${name}(${Array.from({ length: n }, () => 'null').join(', ')})`);
    return { plan: parse(r['QUERY PLAN']), generic: true };
  } finally {
    await rows(db, `select set_config('plan_cache_mode', $1, false)`, [str(prev?.v) || 'auto']).catch(() => undefined);
    await rows(db, `deallocate ${name}`).catch(() => undefined);
  }
}

function walk(node: PlanNode, visit: (n: PlanNode, parent: PlanNode | null) => void, parent: PlanNode | null = null) {
  visit(node, parent);
  for (const c of node.Plans ?? []) walk(c, visit, node);
}

async function diagnose(db: Queryable, s: StatementStats, t: QueryThresholds): Promise<PlanDiagnosis | null> {
  if (!EXPLAINABLE.test(s.query)) return null;
  let plan: PlanNode;
  let generic: boolean;
  try {
    ({ plan, generic } = await explainJson(db, s.query));
  } catch (e) {
    return { queryid: s.queryid, query: s.query, generic: parameterCount(s.query) > 0, error: (e as Error).message, headline: 'EXPLAIN failed: ' + (e as Error).message };
  }
  const base = { queryid: s.queryid, query: s.query, generic, totalCost: plan['Total Cost'] };
  const [settings] = await rows(
    db,
    `select pg_size_bytes(current_setting('work_mem'))::float8 as work_mem, current_setting('hash_mem_multiplier')::float8 as hash_mult`,
  );
  const workMem = num(settings?.work_mem, 4 * 1048576);
  const hashMem = workMem * num(settings?.hash_mult, 2);

  // Row counts of the scanned tables, to judge how selective a filter is.
  const rels = new Map<string, { schema: string; name: string }>();
  walk(plan, (n) => {
    if (n['Relation Name'] && n.Schema) rels.set(`${n.Schema}.${n['Relation Name']}`, { schema: n.Schema, name: n['Relation Name'] });
  });
  const relInfo = new Map<string, { rows: number; columns: string[] }>();
  for (const [key, r] of rels) {
    const [info] = await rows(
      db,
      `select greatest(c.reltuples, 0)::float8 as rows,
              (select json_agg(a.attname order by a.attnum) from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns
         from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2`,
      [r.schema, r.name],
    );
    if (info) relInfo.set(key, { rows: num(info.rows), columns: (Array.isArray(info.columns) ? info.columns : JSON.parse(str(info.columns) || '[]')) as string[] });
  }

  type Candidate = PlanDiagnosis & { score: number; probe?: { schema: string; table: string; filter: string; alias: string; columns: string[] } };
  const candidates: Candidate[] = [];
  walk(plan, (n, parent) => {
    const label = `${n['Node Type']}${n['Relation Name'] ? ' on ' + qualified(n.Schema ?? 'public', n['Relation Name']) : ''}`;
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name'] && n.Schema) {
      const info = relInfo.get(`${n.Schema}.${n['Relation Name']}`);
      const total = info?.rows ?? 0;
      const table = qualified(n.Schema, n['Relation Name']);
      if (total >= t.seqScanMinRows && n.Filter && n['Plan Rows'] / total <= t.selectiveFilterRatio) {
        // The suggestion is made after the walk, once a trial index has shown the planner uses it.
        candidates.push({
          ...base,
          score: 3 + n['Total Cost'],
          node: label,
          headline: `Sequential scan of ${table} reads ~${Math.round(total)} rows to keep ~${Math.round(n['Plan Rows'])} through the filter ${n.Filter}.`,
          suggestion: 'No index was found that the planner would use for this filter.',
          probe: { schema: n.Schema, table: n['Relation Name'], filter: n.Filter, alias: n.Alias ?? n['Relation Name'], columns: info?.columns ?? [] },
        });
      } else if (total >= t.seqScanMinRows && parent && parent['Node Type'] === 'Nested Loop' && parent.Plans?.[1] === n) {
        candidates.push({
          ...base,
          score: 2 + n['Total Cost'],
          node: label,
          headline: `A nested loop scans all of ${table} (~${Math.round(total)} rows) once per outer row.`,
          suggestion: `Index the join column of ${table}, so each outer row costs one index lookup.`,
        });
      }
    }
    if (n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort') {
      const bytes = n['Plan Rows'] * (n['Plan Width'] + 24);
      if (bytes > workMem) {
        const keys = (n['Sort Key'] ?? []).join(', ');
        candidates.push({
          ...base,
          score: 2 + n['Total Cost'],
          node: label,
          headline: `Sort of ~${Math.round(n['Plan Rows'])} rows (~${formatBytes(bytes)}) by ${keys || 'its key'} is larger than work_mem (${formatBytes(workMem)}) and will spill to disk.`,
          suggestion: `An index on the sort key (${keys}) can deliver the rows already ordered; otherwise raise work_mem for this statement only with SET LOCAL work_mem.`,
          fix: `SET LOCAL work_mem = ${literal(`${Math.ceil((bytes * 1.5) / 1048576)}MB`)};  -- inside the statement's transaction`,
        });
      }
    }
    if (n['Node Type'] === 'Hash') {
      const bytes = n['Plan Rows'] * (n['Plan Width'] + 48);
      if (bytes > hashMem) {
        candidates.push({
          ...base,
          score: 1 + n['Total Cost'],
          node: label,
          headline: `Hash table of ~${Math.round(n['Plan Rows'])} rows (~${formatBytes(bytes)}) exceeds work_mem × hash_mem_multiplier and will be split into batches on disk.`,
          suggestion: 'Filter the hashed side earlier, select fewer columns, or raise work_mem for this statement.',
        });
      }
    }
  });
  if (!candidates.length) {
    return { ...base, headline: `No obvious problem in the plan: ${plan['Node Type']}, estimated cost ${plan['Total Cost']}.` };
  }
  candidates.sort((a, b) => b.score - a.score);
  const { score: _score, probe, ...best } = candidates[0];
  void _score;
  if (probe) {
    const proven = await proveIndex(db, s.query, probe);
    if (proven && typeof proven === 'object') {
      best.suggestion = `${proven.description} is used by the planner for this filter (tried on a trial index in a rolled-back transaction${proven.how}); CREATE INDEX CONCURRENTLY cannot run inside a transaction block.`;
      best.fix = proven.fix;
    } else {
      best.suggestion = 'No index pglab could try is used by the planner for this filter (a B-tree serves =, <, >, IN and IS NULL on a column; LIKE and regular expressions need a trigram index; an expression needs an index on that expression).' +
        (typeof proven === 'string' ? ` ${proven}` : '');
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Index suggestions, proved: each candidate is built in a transaction that is rolled back, and
// suggested only when EXPLAIN of the statement then uses it.

/** Tables above this size get no trial index (building one takes a lock that blocks writes) unless hypopg is installed. */
export const TRIAL_INDEX_MAX_BYTES = 64 * 1024 * 1024;

const BTREE_OPS = new Set(['=', '<', '>', '<=', '>=']);
const PATTERN_OPS = new Set(['~~', '~~*', '~', '~*']);

/** Splits at a top-level keyword or operator, outside parentheses and quotes. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'") { i++; while (i < s.length && !(s[i] === "'" && s[i + 1] !== "'")) i += s[i] === "'" ? 2 : 1; continue; }
    if (ch === '"') { i++; while (i < s.length && s[i] !== '"') i++; continue; }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && s.startsWith(sep, i)) { out.push(s.slice(start, i)); start = i + sep.length; i += sep.length - 1; }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim());
}

function unwrap(s: string): string {
  let x = s.trim();
  while (x.startsWith('(') && x.endsWith(')')) {
    let depth = 0;
    let whole = true;
    for (let i = 0; i < x.length - 1; i++) {
      if (x[i] === '(') depth++;
      else if (x[i] === ')') depth--;
      if (depth === 0) { whole = false; break; }
    }
    if (!whole) break;
    x = x.slice(1, -1).trim();
  }
  return x;
}

interface IndexCandidate { description: string; create: (name: string, table: string) => string; fix: string; needsTrgm: boolean }

/** The indexes that could serve each condition of a filter, most promising first. */
export function indexCandidates(filter: string, columns: string[], alias: string, table: string): IndexCandidate[] {
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const qualifier = new RegExp(`(?<![\\w."])(?:"${esc(alias.replace(/"/g, '""'))}"|${esc(alias)})\\.`, 'g');
  const colOf = (expr: string): string | null => {
    const bare = unwrap(expr).replace(qualifier, '');
    const m = /^(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))$/.exec(bare);
    const name = m ? (m[1] ? m[1].replace(/""/g, '"') : m[2]) : null;
    return name && columns.includes(name) ? name : null;
  };
  const mentions = (expr: string) => { qualifier.lastIndex = 0; return qualifier.test(expr) || columns.some((c) => new RegExp(`(?<![\\w."])${esc(c)}(?![\\w"])`).test(expr.replace(/'(?:[^']|'')*'/g, "''"))); };
  const eq: string[] = [];
  const range: string[] = [];
  const exprs: string[] = [];
  const trgm: string[] = [];
  for (const term of splitTop(unwrap(filter), ' AND ').map(unwrap)) {
    const isNull = /^(.*) IS (NOT )?NULL$/.exec(term);
    if (isNull) { const c = colOf(isNull[1]); if (c) eq.push(c); continue; }
    let parts: string[] | null = null;
    let op = '';
    for (const candidate of ['<=', '>=', '<>', '!~~*', '!~~', '!~*', '!~', '~~*', '~~', '~*', '=', '<', '>', '~']) {
      const p = splitTop(term, ` ${candidate} `);
      if (p.length === 2) { parts = p; op = candidate; break; }
    }
    if (!parts) continue;
    const [lhs, rhs0] = parts;
    const rhs = rhs0.replace(/^ANY\s*/, '');
    if (mentions(rhs)) continue; // a comparison between two columns of the table: no index helps
    const col = colOf(lhs);
    if (BTREE_OPS.has(op)) {
      if (col) (op === '=' ? eq : range).push(col);
      else if (mentions(lhs)) exprs.push(unwrap(lhs).replace(qualifier, ''));
    } else if (PATTERN_OPS.has(op) && col) trgm.push(col);
  }
  const out: IndexCandidate[] = [];
  const cols = [...new Set([...eq, ...range])].slice(0, 3);
  if (cols.length) {
    const list = cols.map(ident).join(', ');
    out.push({ description: `A B-tree index on ${table} (${cols.join(', ')})`, create: (n, t) => `CREATE INDEX ${n} ON ${t} (${list})`, fix: `CREATE INDEX CONCURRENTLY ON ${table} (${list});`, needsTrgm: false });
  }
  for (const e of [...new Set(exprs)]) {
    out.push({ description: `An index on the expression (${e}) of ${table}`, create: (n, t) => `CREATE INDEX ${n} ON ${t} ((${e}))`, fix: `CREATE INDEX CONCURRENTLY ON ${table} ((${e}));`, needsTrgm: false });
  }
  for (const c of [...new Set(trgm)]) {
    out.push({
      description: `A trigram GIN index (pg_trgm) on ${table} (${c})`,
      create: (n, t) => `CREATE INDEX ${n} ON ${t} USING gin (${ident(c)} gin_trgm_ops)`,
      fix: `CREATE EXTENSION IF NOT EXISTS pg_trgm;\nCREATE INDEX CONCURRENTLY ON ${table} USING gin (${ident(c)} gin_trgm_ops);`,
      needsTrgm: true,
    });
  }
  return out;
}

function usesIndex(node: PlanNode, name: string): boolean {
  const n = node as PlanNode & { 'Index Name'?: string };
  if (n['Index Name'] === name || n['Index Name']?.endsWith(`>${name}`)) return true;
  return (node.Plans ?? []).some((c) => usesIndex(c, name));
}

/**
 * Tries the candidates for a filter one by one and returns the first the planner uses; null
 * when none is used, or a sentence when none could be tried.
 */
async function proveIndex(db: Queryable, query: string, p: { schema: string; table: string; filter: string; alias: string; columns: string[] }): Promise<{ description: string; fix: string; how: string } | null | string> {
  const table = qualified(p.schema, p.table);
  const candidates = indexCandidates(p.filter, p.columns, p.alias, table).slice(0, 3);
  if (!candidates.length) return null;
  const [info] = await rows(
    db,
    `select pg_total_relation_size(format('%I.%I', $1::text, $2::text)::regclass)::float8 as bytes,
            exists (select 1 from pg_extension where extname = 'hypopg') as hypopg,
            exists (select 1 from pg_extension where extname = 'pg_trgm') as trgm,
            exists (select 1 from pg_available_extensions where name = 'pg_trgm') as trgm_available`,
    [p.schema, p.table],
  );
  const hypo = info?.hypopg === true || info?.hypopg === 't';
  if (!hypo && num(info?.bytes) > TRIAL_INDEX_MAX_BYTES) {
    return `The table is larger than ${formatBytes(TRIAL_INDEX_MAX_BYTES)}, so pglab builds no trial index on it (that would block writes while it builds); install hypopg to have suggestions proved with hypothetical indexes.`;
  }
  const trgm = info?.trgm === true || info?.trgm === 't';
  const trgmAvailable = info?.trgm_available === true || info?.trgm_available === 't';
  for (const c of candidates) {
    if (c.needsTrgm && !trgm && !trgmAvailable) continue;
    const name = `pglab_trial_${Math.random().toString(36).slice(2, 10)}`;
    let countedHere = true;
    const used = await quietly(db, async (counted) => {
      countedHere = counted;
      if (c.needsTrgm && !trgm) await rows(db, 'create extension if not exists pg_trgm');
      if (hypo) {
        const [h] = await rows(db, `select indexname from hypopg_create_index($1)`, [c.create('x', table)]);
        const { plan } = await explainJson(db, query, { viaPrepare: true });
        return usesIndex(plan, str(h?.indexname));
      }
      await rows(db, c.create(name, table));
      const { plan } = await explainJson(db, query, { viaPrepare: true });
      return usesIndex(plan, name);
    });
    if (used) return { description: c.description, fix: c.fix, how: (hypo ? ', with hypopg' : '') + (countedHere && !hypo ? '; building it counted as one sequential scan, as this role may not turn track_counts off' : ', not counted in the statistics') };
  }
  return null;
}
