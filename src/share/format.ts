// The share pack: everything that reproduces a query-plan question, as plain JSON. Version 1.
//
// Two kinds: `script` (a playground repro: the set-up script the sender wrote, run as it is) and
// `server` (made by `pglab repro` from a real server: the DDL of the relations the query touches,
// their planner statistics, restored with PostgreSQL 18's pg_restore_*_stats). Both carry the
// settings that differ, the query and the plan the sender saw.
//
// validatePack() is the only way a pack from outside becomes a SharePack: it checks every field's
// type and bound, so the code that opens a pack never sees a shape it did not expect. It runs
// nothing; the statistics are later passed to PostgreSQL as parameters, never spliced into SQL.

export const PACK_FORMAT = 'pglab-share';
export const PACK_VERSION = 1;

/** Settings a pack may carry: the ones that shape plans (a tampered pack cannot set anything else). */
export const PLAN_SETTINGS = [
  'enable_async_append', 'enable_bitmapscan', 'enable_distinct_reordering', 'enable_gathermerge', 'enable_group_by_reordering',
  'enable_hashagg', 'enable_hashjoin', 'enable_incremental_sort', 'enable_indexonlyscan', 'enable_indexscan',
  'enable_material', 'enable_memoize', 'enable_mergejoin', 'enable_nestloop', 'enable_parallel_append',
  'enable_parallel_hash', 'enable_partition_pruning', 'enable_partitionwise_aggregate', 'enable_partitionwise_join',
  'enable_presorted_aggregate', 'enable_self_join_elimination', 'enable_seqscan', 'enable_sort', 'enable_tidscan',
  'seq_page_cost', 'random_page_cost', 'cpu_tuple_cost', 'cpu_index_tuple_cost', 'cpu_operator_cost',
  'parallel_setup_cost', 'parallel_tuple_cost', 'min_parallel_table_scan_size', 'min_parallel_index_scan_size',
  'effective_cache_size', 'jit', 'jit_above_cost', 'jit_inline_above_cost', 'jit_optimize_above_cost',
  'default_statistics_target', 'constraint_exclusion', 'cursor_tuple_fraction', 'from_collapse_limit',
  'join_collapse_limit', 'geqo', 'geqo_threshold', 'plan_cache_mode', 'recursive_worktable_factor',
  'work_mem', 'hash_mem_multiplier', 'max_parallel_workers_per_gather', 'max_parallel_workers',
  'effective_io_concurrency', 'default_transaction_isolation', 'search_path',
] as const;

export interface PackSetting {
  name: string;
  value: string;
}

export interface RelationStats {
  schema: string;
  name: string;
  /** r table, p partitioned table, i index, m materialized view. */
  kind: 'r' | 'p' | 'i' | 'm';
  relpages: number;
  reltuples: number;
  relallvisible: number;
}

/** One row of pg_stats; array-valued statistics as PostgreSQL's text form of the array (`{a,b}`). */
export interface AttributeStats {
  schema: string;
  relation: string;
  attname: string;
  inherited: boolean;
  null_frac: number | null;
  avg_width: number | null;
  n_distinct: number | null;
  most_common_vals: string | null;
  most_common_freqs: number[] | null;
  histogram_bounds: string | null;
  correlation: number | null;
  most_common_elems: string | null;
  most_common_elem_freqs: number[] | null;
  elem_count_histogram: number[] | null;
  range_length_histogram: string | null;
  range_empty_frac: number | null;
  range_bounds_histogram: string | null;
}

/** pg_stats_ext, kept for the reader: PostgreSQL 18 has no function that restores it. */
export interface ExtendedStats {
  schema: string;
  relation: string;
  name: string;
  kinds: string[];
  n_distinct: string | null;
  dependencies: string | null;
}

export interface PackStats {
  relations: RelationStats[];
  attributes: AttributeStats[];
  extended: ExtendedStats[];
}

export interface RedactedColumn {
  schema: string;
  relation: string;
  column: string;
}

export interface SharePack {
  format: typeof PACK_FORMAT;
  version: typeof PACK_VERSION;
  kind: 'script' | 'server';
  /** ISO time the pack was made. */
  created: string;
  /** Where it came from: `pglab playground`, or the server's version for `pglab repro`. */
  source: string;
  /** SQL run first: the sender's script, or the DDL of the relations (server). */
  setup: string;
  settings: PackSetting[];
  /** The statement whose plan is the question. */
  query: string;
  /** The plan the sender saw: EXPLAIN (FORMAT JSON) output, or null when none was kept. */
  plan: unknown;
  /** Server kind only. */
  stats: PackStats | null;
  redacted: RedactedColumn[];
  /** Things the sender's side could not carry (unsupported types, extensions, …), shown to the reader. */
  notes: string[];
}

/** A pack was refused: `message` says what is wrong, for the person who opened it. */
export class PackError extends Error {
  constructor(message: string, readonly reason: PackErrorReason) {
    super(message);
    this.name = 'PackError';
  }
}

export type PackErrorReason =
  | 'empty' | 'not-a-pack' | 'newer-version' | 'older-version' | 'encoding' | 'truncated' | 'corrupted'
  | 'too-big' | 'not-json' | 'invalid';

// Bounds: generous for real repros, small enough that a hostile pack cannot exhaust a tab.
export const LIMITS = {
  /** Decompressed JSON, bytes. */
  packBytes: 16 * 1024 * 1024,
  setupChars: 8 * 1024 * 1024,
  queryChars: 1024 * 1024,
  settings: 200,
  relations: 2000,
  attributes: 50_000,
  statText: 1024 * 1024,
  arrayLength: 100_000,
  notes: 200,
  planDepth: 200,
} as const;

const IDENT_MAX = 63;

type Obj = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new PackError(`The pack is not valid: ${path} ${what}. It may have been edited by hand or damaged. Nothing was run.`, 'invalid');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string, path: string, max: number, opts: { nonEmpty?: boolean } = {}): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${path}.${key}`, v === undefined ? 'is missing' : 'must be text');
  if (v.length > max) fail(`${path}.${key}`, `is longer than ${max.toLocaleString('en-US')} characters`);
  if (opts.nonEmpty && !v.trim()) fail(`${path}.${key}`, 'is empty');
  return v;
}

function ident(o: Obj, key: string, path: string): string {
  const v = str(o, key, path, 1000, { nonEmpty: true });
  // PostgreSQL truncates names to 63 bytes; a longer one was not written by pglab.
  if (new TextEncoder().encode(v).length > IDENT_MAX) fail(`${path}.${key}`, `is longer than ${IDENT_MAX} bytes, which no PostgreSQL name can be`);
  if (v.includes('\0')) fail(`${path}.${key}`, 'contains a NUL character');
  return v;
}

function num(o: Obj, key: string, path: string, opts: { min?: number; max?: number; int?: boolean; nullable?: boolean } = {}): number {
  const v = o[key];
  if (v === null && opts.nullable) return null as unknown as number;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}.${key}`, v === undefined ? 'is missing' : 'must be a finite number');
  if (opts.int && !Number.isInteger(v)) fail(`${path}.${key}`, 'must be a whole number');
  if (opts.min !== undefined && v < opts.min) fail(`${path}.${key}`, `must be at least ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) fail(`${path}.${key}`, `must be at most ${opts.max}`);
  return v;
}

function optText(o: Obj, key: string, path: string): string | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') fail(`${path}.${key}`, 'must be text or null');
  if (v.length > LIMITS.statText) fail(`${path}.${key}`, `is longer than ${LIMITS.statText.toLocaleString('en-US')} characters`);
  // Array statistics are PostgreSQL array literals.
  if (!/^\{[\s\S]*\}$/.test(v)) fail(`${path}.${key}`, 'must be an array literal such as {1,2,3}');
  return v;
}

function optNumbers(o: Obj, key: string, path: string): number[] | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) fail(`${path}.${key}`, 'must be a list of numbers or null');
  if (v.length > LIMITS.arrayLength) fail(`${path}.${key}`, `has more than ${LIMITS.arrayLength} entries`);
  for (const x of v) if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${path}.${key}`, 'must hold only finite numbers');
  return v as number[];
}

function list(o: Obj, key: string, path: string, max: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}.${key}`, v === undefined ? 'is missing' : 'must be a list');
  if (v.length > max) fail(`${path}.${key}`, `has more than ${max.toLocaleString('en-US')} entries`);
  return v;
}

function depth(v: unknown, limit: number): number {
  // Iterative, so a hostile deeply nested plan cannot overflow the stack while being measured.
  let max = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > limit) return max;
    if (x && typeof x === 'object') for (const c of Object.values(x as Obj)) if (c && typeof c === 'object') stack.push([c, d + 1]);
  }
  return max;
}

function validateSetting(v: unknown, i: number): PackSetting {
  const path = `settings[${i}]`;
  if (!isObj(v)) fail(path, 'must be an object');
  const name = str(v, 'name', path, 100, { nonEmpty: true });
  if (!(PLAN_SETTINGS as readonly string[]).includes(name)) fail(`${path}.name`, `'${name}' is not a setting that shapes plans (a pack may set only those)`);
  const value = str(v, 'value', path, 1000);
  return { name, value };
}

function validateRelation(v: unknown, i: number): RelationStats {
  const path = `stats.relations[${i}]`;
  if (!isObj(v)) fail(path, 'must be an object');
  const kind = v.kind;
  if (kind !== 'r' && kind !== 'p' && kind !== 'i' && kind !== 'm') fail(`${path}.kind`, "must be 'r', 'p', 'i' or 'm'");
  return {
    schema: ident(v, 'schema', path),
    name: ident(v, 'name', path),
    kind,
    relpages: num(v, 'relpages', path, { min: -1, max: 2 ** 31 - 1, int: true }),
    reltuples: num(v, 'reltuples', path, { min: -1, max: 1e15 }),
    relallvisible: num(v, 'relallvisible', path, { min: 0, max: 2 ** 31 - 1, int: true }),
  };
}

function validateAttribute(v: unknown, i: number): AttributeStats {
  const path = `stats.attributes[${i}]`;
  if (!isObj(v)) fail(path, 'must be an object');
  if (typeof v.inherited !== 'boolean') fail(`${path}.inherited`, 'must be true or false');
  const a: AttributeStats = {
    schema: ident(v, 'schema', path),
    relation: ident(v, 'relation', path),
    attname: ident(v, 'attname', path),
    inherited: v.inherited,
    null_frac: num(v, 'null_frac', path, { min: 0, max: 1, nullable: true }),
    avg_width: num(v, 'avg_width', path, { min: 0, max: 2 ** 31 - 1, int: true, nullable: true }),
    n_distinct: num(v, 'n_distinct', path, { min: -1, max: 1e15, nullable: true }),
    most_common_vals: optText(v, 'most_common_vals', path),
    most_common_freqs: optNumbers(v, 'most_common_freqs', path),
    histogram_bounds: optText(v, 'histogram_bounds', path),
    correlation: num(v, 'correlation', path, { min: -1, max: 1, nullable: true }),
    most_common_elems: optText(v, 'most_common_elems', path),
    most_common_elem_freqs: optNumbers(v, 'most_common_elem_freqs', path),
    elem_count_histogram: optNumbers(v, 'elem_count_histogram', path),
    range_length_histogram: optText(v, 'range_length_histogram', path),
    range_empty_frac: num(v, 'range_empty_frac', path, { min: 0, max: 1, nullable: true }),
    range_bounds_histogram: optText(v, 'range_bounds_histogram', path),
  };
  // PostgreSQL needs these in pairs; say so here rather than fail half-way through a restore.
  if ((a.most_common_vals === null) !== (a.most_common_freqs === null)) fail(path, 'has most_common_vals without most_common_freqs (or the reverse)');
  if ((a.most_common_elems === null) !== (a.most_common_elem_freqs === null)) fail(path, 'has most_common_elems without most_common_elem_freqs (or the reverse)');
  if (a.most_common_freqs?.some((f) => f < 0 || f > 1)) fail(`${path}.most_common_freqs`, 'must hold fractions between 0 and 1');
  return a;
}

function validateExtended(v: unknown, i: number): ExtendedStats {
  const path = `stats.extended[${i}]`;
  if (!isObj(v)) fail(path, 'must be an object');
  const kinds = list(v, 'kinds', path, 10);
  for (const k of kinds) if (typeof k !== 'string' || k.length > 20) fail(`${path}.kinds`, 'must hold short text');
  const text = (key: string) => {
    const x = v[key];
    if (x === null || x === undefined) return null;
    if (typeof x !== 'string' || x.length > LIMITS.statText) fail(`${path}.${key}`, 'must be text or null');
    return x;
  };
  return { schema: ident(v, 'schema', path), relation: ident(v, 'relation', path), name: ident(v, 'name', path), kinds: kinds as string[], n_distinct: text('n_distinct'), dependencies: text('dependencies') };
}

/** Checks a decoded JSON value and returns it as a SharePack, or throws PackError saying what is wrong. */
export function validatePack(value: unknown): SharePack {
  if (!isObj(value)) fail('the pack', 'must be a JSON object');
  if (value.format !== PACK_FORMAT) throw new PackError('This is not a pglab share pack (its format field is missing or different). Nothing was run.', 'not-a-pack');
  const version = value.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) fail('version', 'must be a whole number from 1');
  if (version > PACK_VERSION) throw newerVersion(version);
  const kind = value.kind;
  if (kind !== 'script' && kind !== 'server') fail('kind', "must be 'script' or 'server'");
  const created = str(value, 'created', 'the pack', 40);
  if (Number.isNaN(Date.parse(created))) fail('created', 'must be a date and time');
  const source = str(value, 'source', 'the pack', 200);
  const setup = str(value, 'setup', 'the pack', LIMITS.setupChars);
  const query = str(value, 'query', 'the pack', LIMITS.queryChars, { nonEmpty: true });
  const settings = list(value, 'settings', 'the pack', LIMITS.settings).map(validateSetting);
  const names = new Set<string>();
  for (const s of settings) {
    if (names.has(s.name)) fail('settings', `names ${s.name} twice`);
    names.add(s.name);
  }
  const plan = value.plan ?? null;
  if (plan !== null && typeof plan !== 'object') fail('plan', 'must be EXPLAIN (FORMAT JSON) output or null');
  if (plan !== null && depth(plan, LIMITS.planDepth * 4) > LIMITS.planDepth * 4) fail('plan', `is nested deeper than any plan of ${LIMITS.planDepth} levels`);
  let stats: PackStats | null = null;
  if (value.stats !== null && value.stats !== undefined) {
    if (!isObj(value.stats)) fail('stats', 'must be an object or null');
    stats = {
      relations: list(value.stats, 'relations', 'stats', LIMITS.relations).map(validateRelation),
      attributes: list(value.stats, 'attributes', 'stats', LIMITS.attributes).map(validateAttribute),
      extended: list(value.stats, 'extended', 'stats', LIMITS.relations).map(validateExtended),
    };
  }
  if (kind === 'server' && !stats) fail('stats', 'is missing (a pack from a server carries its statistics)');
  if (kind === 'script' && stats) fail('stats', 'must be null in a playground pack');
  const redacted = list(value, 'redacted', 'the pack', LIMITS.attributes).map((r, i) => {
    const path = `redacted[${i}]`;
    if (!isObj(r)) fail(path, 'must be an object');
    return { schema: ident(r, 'schema', path), relation: ident(r, 'relation', path), column: ident(r, 'column', path) };
  });
  const notes = list(value, 'notes', 'the pack', LIMITS.notes).map((n, i) => {
    if (typeof n !== 'string' || n.length > 2000) fail(`notes[${i}]`, 'must be text of at most 2,000 characters');
    return n;
  });
  return { format: PACK_FORMAT, version: PACK_VERSION, kind, created, source, setup, settings, query, plan, stats, redacted, notes };
}

export function newerVersion(version: number | string): PackError {
  return new PackError(
    `This link was made by a newer pglab (share format version ${version}; this one reads version ${PACK_VERSION}). Reload the page to get the latest pglab, then open the link again. Nothing was run.`,
    'newer-version',
  );
}

/** A new pack with the fixed fields filled in. */
export function makePack(p: Omit<SharePack, 'format' | 'version' | 'created'> & { created?: string }): SharePack {
  return { ...p, format: PACK_FORMAT, version: PACK_VERSION, created: p.created ?? new Date().toISOString() };
}
