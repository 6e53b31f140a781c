// Table and server health checks the index analyzer runs beside its index checks: bloat
// estimates, cache hit rates, HOT updates, transaction-ID age and settings that hurt. Each
// reads the catalog and the cumulative counters only; nothing here touches a user table.
import type { Queryable } from '../db/types.ts';
import { ident, qualified, type Finding } from './finding.ts';
import { formatBytes, num, rows, str } from './util.ts';
import { percent } from './percent.ts';

export interface HealthThresholds {
  /** Estimated waste over actual size from which a table or index counts as bloated. */
  bloatRatio: number;
  /** Wasted bytes below which a rebuild is not worth it. */
  bloatMinBytes: number;
  /** Blocks hit from shared buffers over all blocks touched (PgHero and pg-extras use 99%). */
  cacheHitRatio: number;
  /** Blocks a table or index must have touched for its ratio to mean anything. */
  cacheHitMinBlocks: number;
  /** Updates a table must have had for its HOT share to mean anything. */
  hotMinUpdates: number;
  /** Below this share of HOT updates, most updates rewrite every index of the table. */
  hotMinShare: number;
  /** Transaction-ID age that is a warning; default: the server's autovacuum_freeze_max_age. */
  xidAgeWarning: number | null;
  /** Transaction-ID age that is an error (writes stop at about 2^31 − 3 million). */
  xidAgeError: number;
  /** shared_buffers below this is tiny (the stock default is 128MB). */
  sharedBuffersMinBytes: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  bloatRatio: 0.5,
  bloatMinBytes: 1024 * 1024,
  cacheHitRatio: 0.99,
  cacheHitMinBlocks: 1000,
  hotMinUpdates: 1000,
  hotMinShare: 0.5,
  xidAgeWarning: null,
  xidAgeError: 1_500_000_000,
  sharedBuffersMinBytes: 128 * 1024 * 1024,
};

export const HEALTH_CHECKS = [
  'table_bloat',
  'index_bloat',
  'low_table_cache_hit',
  'low_index_cache_hit',
  'low_hot_update_share',
  'xid_wraparound_table',
  'xid_wraparound_database',
  'work_mem_spills',
  'random_page_cost_high',
  'shared_buffers_small',
] as const;

/** What in the environment each check depends on: the same database can differ on another engine. */
export const HEALTH_DEPENDS_ON: Record<(typeof HEALTH_CHECKS)[number], string> = {
  table_bloat: 'planner statistics (ANALYZE: column widths, reltuples); never analyzed tables are skipped',
  index_bloat: 'planner statistics of the indexed columns (ANALYZE) and the index size on disk',
  low_table_cache_hit: 'shared_buffers and the cumulative counters since their start (in the browser they start at zero with every start)',
  low_index_cache_hit: 'shared_buffers and the cumulative counters since their start (in the browser they start at zero with every start)',
  low_hot_update_share: 'the update counters since their start, and the table fillfactor',
  xid_wraparound_table: 'autovacuum_freeze_max_age and whether autovacuum runs (it never runs in PGlite)',
  xid_wraparound_database: 'autovacuum_freeze_max_age and whether autovacuum runs (it never runs in PGlite)',
  work_mem_spills: 'work_mem and the temporary-file counters of the database since their start',
  random_page_cost_high: 'the storage the server runs on, which pglab cannot see (PGlite works in memory)',
  shared_buffers_small: 'the server configuration (PGlite fixes shared_buffers when it starts)',
};

const SYSTEM = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'`;
const NOT_EXTENSION = `not exists (select 1 from pg_depend dep where dep.classid = 'pg_class'::regclass and dep.objid = c.oid and dep.deptype = 'e')`;

export interface HealthFacts {
  settings: { sharedBuffersBytes: number; workMemBytes: number; randomPageCost: number; autovacuumFreezeMaxAge: number; autovacuum: boolean };
  databaseXidAge: number;
  tempFiles: number;
  tempBytes: number;
  dependsOn: typeof HEALTH_DEPENDS_ON;
}

export async function healthChecks(db: Queryable, t: HealthThresholds, since: string): Promise<{ findings: Finding[]; facts: HealthFacts }> {
  const findings: Finding[] = [];
  const [s] = await rows(
    db,
    `select pg_size_bytes(current_setting('shared_buffers'))::float8 as shared_buffers,
            pg_size_bytes(current_setting('work_mem'))::float8 as work_mem,
            current_setting('random_page_cost')::float8 as random_page_cost,
            current_setting('seq_page_cost')::float8 as seq_page_cost,
            current_setting('autovacuum_freeze_max_age')::float8 as freeze_max_age,
            current_setting('autovacuum') = 'on' as autovacuum,
            current_setting('block_size')::float8 as block_size,
            current_database() as db,
            d.temp_files::float8 as temp_files, d.temp_bytes::float8 as temp_bytes,
            age(pd.datfrozenxid)::float8 as xid_age
       from pg_stat_database d join pg_database pd on pd.oid = d.datid where d.datname = current_database()`,
  );
  const block = num(s.block_size, 8192);
  const dbName = str(s.db);
  const xidWarn = t.xidAgeWarning ?? num(s.freeze_max_age, 200_000_000);

  // table_bloat: pages on disk against the pages the live rows need at the table's fillfactor.
  // pg_stats is a view with a privilege check per row: read it once, grouped, rather than per table.
  const tables = await rows(
    db,
    `with st as (
       select schemaname, tablename, count(*) as nstats, sum((1 - null_frac) * avg_width) as width, bool_or(null_frac > 0) as nulls
         from pg_stats where not inherited and ${SYSTEM.replace(/n\.nspname/g, 'schemaname')} group by 1, 2)
     select n.nspname as schema, c.relname as table, c.relkind::text as kind, c.reltuples::float8 as tuples,
            pg_relation_size(c.oid)::float8 as bytes,
            coalesce((select substr(o, 12)::int from unnest(c.reloptions) o where o like 'fillfactor=%'), 100) as fillfactor,
            c.relnatts::int - (select count(*) from pg_attribute a where a.attrelid = c.oid and a.attisdropped)::int as ncols,
            st.nstats::int as nstats, st.width::float8 as width, st.nulls
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       join st on st.schemaname = n.nspname and st.tablename = c.relname
      where c.relkind in ('r', 'm') and ${SYSTEM} and ${NOT_EXTENSION} and c.reltuples >= 0 and c.relpages > 0
      order by 1, 2`,
  );
  for (const r of tables) {
    const ncols = num(r.ncols);
    if (ncols === 0 || num(r.nstats) < ncols) continue; // widths unknown without statistics for every column
    const bytes = num(r.bytes);
    const header = 24 + (r.nulls === true || r.nulls === 't' ? Math.ceil(ncols / 8) : 0);
    const tuple = Math.ceil((header + num(r.width)) / 8) * 8 + 4; // maxaligned, plus its line pointer
    const perPage = Math.max(1, Math.floor(((block - 24) * num(r.fillfactor, 100)) / 100 / tuple));
    const expected = Math.ceil(num(r.tuples) / perPage) * block;
    const wasted = bytes - expected;
    if (wasted < t.bloatMinBytes || wasted / bytes < t.bloatRatio) continue;
    const table = qualified(str(r.schema), str(r.table));
    findings.push({
      check: 'table_bloat',
      severity: 'warning',
      object: { schema: str(r.schema), table: str(r.table) },
      message: `${table} takes ${formatBytes(bytes)} but its ~${Math.round(num(r.tuples))} rows need about ${formatBytes(expected)}: an estimated ${formatBytes(wasted)} (${Math.round((100 * wasted) / bytes)}%) is dead or free space.`,
      why:
        'Deleted and updated rows leave space that VACUUM marks free but never gives back, so sequential scans, backups and the cache all carry the empty pages. ' +
        'The estimate compares the size on disk with what the live rows need at their average width from the planner statistics (run ANALYZE for a fresh estimate); it is an estimate, not a measurement (pgstattuple measures). ' +
        'VACUUM FULL rewrites the table compactly but holds an ACCESS EXCLUSIVE lock for the whole rewrite; pg_repack or pg_squeeze do the same online.',
      fix: `VACUUM (FULL, ANALYZE) ${table};`,
    });
  }

  // index_bloat: B-tree leaf pages against what the entries need at 90% fill.
  const indexes = await rows(
    db,
    `with st as (
       select schemaname, tablename, attname, avg_width from pg_stats
        where not inherited and ${SYSTEM.replace(/n\.nspname/g, 'schemaname')})
     select n.nspname as schema, c.relname as index, t.relname as table, c.reltuples::float8 as tuples, t.reltuples::float8 as table_tuples,
            pg_relation_size(c.oid)::float8 as bytes,
            coalesce((select substr(o, 12)::int from unnest(c.reloptions) o where o like 'fillfactor=%'), 90) as fillfactor,
            i.indnatts::int as natts, count(st.attname)::int as nstats, sum(st.avg_width)::float8 as width
       from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
       join pg_namespace n on n.oid = c.relnamespace join pg_am am on am.oid = c.relam
       cross join lateral unnest(i.indkey::int2[]) k(a)
       left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.a
       left join st on st.schemaname = n.nspname and st.tablename = t.relname and st.attname = a.attname
      where am.amname = 'btree' and c.relkind = 'i' and i.indisvalid and i.indpred is null
        and ${SYSTEM} and ${NOT_EXTENSION.replace('c.oid', 't.oid')}
      group by n.nspname, c.relname, t.relname, c.reltuples, t.reltuples, c.oid, c.reloptions, i.indnatts
      order by 1, 2, 3`,
  );
  for (const r of indexes) {
    if (num(r.nstats) < num(r.natts)) continue; // expressions or columns never analyzed
    const bytes = num(r.bytes);
    const tuples = Math.max(num(r.tuples), 0) || Math.max(num(r.table_tuples), 0);
    const entry = Math.ceil((8 + num(r.width)) / 8) * 8 + 4;
    const perPage = Math.max(1, Math.floor(((block - 24 - 16) * num(r.fillfactor, 90)) / 100 / entry));
    const expected = (Math.ceil(tuples / perPage) + 1) * block; // plus the metapage
    const wasted = bytes - expected;
    if (wasted < t.bloatMinBytes || wasted / bytes < t.bloatRatio) continue;
    const index = qualified(str(r.schema), str(r.index));
    findings.push({
      check: 'index_bloat',
      severity: 'warning',
      object: { schema: str(r.schema), table: str(r.table), index: str(r.index) },
      message: `Index ${index} on ${qualified(str(r.schema), str(r.table))} takes ${formatBytes(bytes)} for ~${Math.round(tuples)} entries that need about ${formatBytes(expected)}: an estimated ${formatBytes(wasted)} (${Math.round((100 * wasted) / bytes)}%) is empty.`,
      why:
        'A B-tree never merges half-empty pages back, so after mass deletes or many updates of its columns it stays large: every scan reads more pages and it takes more memory than its entries need. ' +
        'The estimate compares its size with what the entries need at their average width from the planner statistics; pgstattuple\'s pgstatindex measures it exactly. ' +
        'REINDEX CONCURRENTLY rebuilds it compactly without blocking writes (it cannot run inside a transaction block and needs room for a second copy while it runs).',
      fix: `REINDEX INDEX CONCURRENTLY ${index};`,
    });
  }

  // low_table_cache_hit / low_index_cache_hit
  const cache = await rows(
    db,
    `select 'table' as kind, s.schemaname as schema, s.relname as table, null::text as index,
            s.heap_blks_hit::float8 as hit, s.heap_blks_read::float8 as read
       from pg_statio_user_tables s where s.heap_blks_hit + s.heap_blks_read >= $1
     union all
     select 'index', s.schemaname, s.relname, s.indexrelname, s.idx_blks_hit::float8, s.idx_blks_read::float8
       from pg_statio_user_indexes s where s.idx_blks_hit + s.idx_blks_read >= $1
     order by 1, 2, 3, 4`,
    [t.cacheHitMinBlocks],
  );
  const sb = num(s.shared_buffers);
  for (const r of cache) {
    const hit = num(r.hit);
    const read = num(r.read);
    const ratio = hit / (hit + read);
    if (ratio >= t.cacheHitRatio) continue;
    const isTable = str(r.kind) === 'table';
    const table = qualified(str(r.schema), str(r.table));
    const what = isTable ? table : `index ${qualified(str(r.schema), str(r.index))} on ${table}`;
    findings.push({
      check: isTable ? 'low_table_cache_hit' : 'low_index_cache_hit',
      severity: 'warning',
      object: { schema: str(r.schema), table: str(r.table), ...(isTable ? {} : { index: str(r.index) }) },
      message: `${what[0].toUpperCase()}${what.slice(1)} found ${percent(ratio)} of ${Math.round(hit + read)} blocks in shared buffers ${since} (below ${(t.cacheHitRatio * 100).toFixed(0)}%).`,
      why:
        'Every block not found in shared buffers is read from the operating system cache or the disk, which is far slower than memory; a hot table or index should be served from memory almost always. ' +
        `Either queries read much more of it than they need (an index, or a narrower one, helps), or the working set does not fit in shared_buffers (${formatBytes(sb)} here). ` +
        'The ratio counts since the statistics started: right after a start every block is a miss (in the browser the counters start at zero with every start).',
    });
  }

  // low_hot_update_share: updates that had to touch every index, on tables that leave no room on their pages.
  const hot = await rows(
    db,
    `select s.schemaname as schema, s.relname as table, s.n_tup_upd::float8 as upd, s.n_tup_hot_upd::float8 as hot,
            coalesce((select substr(o, 12)::int from unnest(c.reloptions) o where o like 'fillfactor=%'), 100) as fillfactor,
            (select count(*) from pg_index i where i.indrelid = c.oid)::int as nindexes
       from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.n_tup_upd >= $1 order by 1, 2`,
    [t.hotMinUpdates],
  );
  for (const r of hot) {
    const upd = num(r.upd);
    const share = num(r.hot) / upd;
    if (share >= t.hotMinShare || num(r.fillfactor) < 100 || num(r.nindexes) === 0) continue;
    const table = qualified(str(r.schema), str(r.table));
    findings.push({
      check: 'low_hot_update_share',
      severity: 'info',
      object: { schema: str(r.schema), table: str(r.table) },
      message: `Only ${percent(share, 0)} of ${Math.round(upd)} updates of ${table} were HOT (heap-only) ${since}; the table has fillfactor 100.`,
      why:
        'A HOT update writes the new row version on the same page and touches no index; it needs free space on that page and no change to an indexed column. ' +
        'With fillfactor 100 the pages are full, so nearly every update moves the row to another page and inserts a new entry into every index of the table, which bloats them and costs writes. ' +
        'A fillfactor of 90 (or lower for update-heavy tables) leaves room on new and rewritten pages; if the updates change indexed columns, an index on them is what prevents HOT instead.',
      fix: `ALTER TABLE ${table} SET (fillfactor = 90);  -- applies to pages written from now on; VACUUM FULL rewrites the existing ones`,
    });
  }

  // xid_wraparound_table / xid_wraparound_database
  const old = await rows(
    db,
    `select n.nspname as schema, c.relname as table, age(c.relfrozenxid)::float8 as age
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'm', 't') and c.relfrozenxid <> '0'::xid and age(c.relfrozenxid) >= $1
        and n.nspname not like 'pg\\_temp\\_%' and n.nspname not like 'pg\\_toast\\_temp\\_%'
      order by 3 desc, 1, 2`,
    [xidWarn],
  );
  const xidWhy = (what: string) =>
    `Transaction IDs are 32-bit: rows older than about 2 billion transactions would appear to be in the future, so PostgreSQL stops accepting writes before that and ${what} must be vacuumed with FREEZE first. ` +
    `Autovacuum starts an anti-wraparound vacuum at autovacuum_freeze_max_age (${Math.round(num(s.freeze_max_age))} here${s.autovacuum === true || s.autovacuum === 't' ? '' : '; autovacuum is off'}); an age past it means that vacuum is not keeping up or cannot run (a long transaction, an abandoned replication slot or prepared transaction holds it back). ` +
    'VACUUM (FREEZE) cannot run inside a transaction block.';
  for (const r of old) {
    const age = num(r.age);
    const table = qualified(str(r.schema), str(r.table));
    findings.push({
      check: 'xid_wraparound_table',
      severity: age >= t.xidAgeError ? 'error' : 'warning',
      object: { schema: str(r.schema), table: str(r.table) },
      message: `${table} has not been frozen for ${Math.round(age)} transactions (its oldest unfrozen transaction ID is that old).`,
      why: xidWhy('the table'),
      fix: `VACUUM (FREEZE, VERBOSE) ${table};`,
    });
  }
  const dbAge = num(s.xid_age);
  if (dbAge >= xidWarn) {
    findings.push({
      check: 'xid_wraparound_database',
      severity: dbAge >= t.xidAgeError ? 'error' : 'warning',
      object: {},
      message: `Database ${dbName} has not been frozen for ${Math.round(dbAge)} transactions (age of datfrozenxid).`,
      why: xidWhy('every table of the database'),
      fix: 'VACUUM (FREEZE);',
    });
  }

  // Settings that hurt, each tied to evidence where there can be evidence.
  const workMem = num(s.work_mem);
  if (num(s.temp_files) > 0 && workMem <= 4 * 1024 * 1024) {
    const suggested = '16MB';
    findings.push({
      check: 'work_mem_spills',
      severity: 'info',
      object: {},
      message: `work_mem is ${formatBytes(workMem)} and this database wrote ${Math.round(num(s.temp_files))} temporary files (${formatBytes(num(s.temp_bytes))}) ${since}.`,
      why:
        'Sorts and hashes that do not fit in work_mem spill to temporary files, which is many times slower than working in memory; the stock 4MB is small for reporting queries. ' +
        'work_mem applies per sort or hash node and per connection, so raise it moderately for the database (or per role or per statement with SET LOCAL) rather than server-wide; the query analyzer names the statements that spill.',
      fix: `ALTER DATABASE ${ident(dbName)} SET work_mem = '${suggested}';  -- new sessions\nSET work_mem = '${suggested}';  -- this session`,
    });
  }
  const rpc = num(s.random_page_cost);
  if (rpc >= 4 && rpc / Math.max(num(s.seq_page_cost, 1), 0.0001) >= 4) {
    findings.push({
      check: 'random_page_cost_high',
      severity: 'info',
      object: {},
      message: `random_page_cost is ${rpc} (seq_page_cost ${num(s.seq_page_cost, 1)}): the planner assumes a random read costs ${rpc / num(s.seq_page_cost, 1)} times a sequential one, as on spinning disks.`,
      why:
        'On SSDs, network storage with SSDs behind it, or when the data fits in memory, random reads cost little more than sequential ones; with the default 4 the planner prefers sequential scans over index scans that would be faster. ' +
        'pglab cannot see the storage: keep 4 on spinning disks. 1.1 is the usual value for SSD-like storage.',
      fix: `ALTER DATABASE ${ident(dbName)} SET random_page_cost = 1.1;  -- new sessions\nSET random_page_cost = 1.1;  -- this session`,
    });
  }
  if (sb < t.sharedBuffersMinBytes) {
    findings.push({
      check: 'shared_buffers_small',
      severity: 'info',
      object: {},
      message: `shared_buffers is ${formatBytes(sb)}, below ${formatBytes(t.sharedBuffersMinBytes)}.`,
      why:
        'shared_buffers is PostgreSQL\'s own page cache; the stock 128MB is already small for a server, and the usual starting point is about a quarter of the memory. ' +
        'Too small, and hot tables and indexes are read again and again through the operating system. It is set in postgresql.conf (or ALTER SYSTEM SET shared_buffers) and takes effect only after a restart, so pglab prints no fix to run.',
    });
  }

  return {
    findings,
    facts: {
      settings: {
        sharedBuffersBytes: sb,
        workMemBytes: workMem,
        randomPageCost: rpc,
        autovacuumFreezeMaxAge: num(s.freeze_max_age),
        autovacuum: s.autovacuum === true || s.autovacuum === 't',
      },
      databaseXidAge: dbAge,
      tempFiles: num(s.temp_files),
      tempBytes: num(s.temp_bytes),
      dependsOn: HEALTH_DEPENDS_ON,
    },
  };
}
