// Index analyzer: indexes that cost writes and space without helping reads, foreign keys
// without an index, invalid indexes and unvalidated constraints, sequences about to run out,
// and the usage facts behind them. Statistics come from the cumulative counters, so every
// usage finding says since when they run.
import type { Queryable } from '../db/types.ts';
import { ident, qualified, type Finding, type Report } from './finding.ts';
import { indexRows, type IndexRow } from './inspector.ts';
import { DEFAULT_HEALTH_THRESHOLDS, healthChecks, type HealthFacts, type HealthThresholds } from './health.ts';
import { arr, describeWindow, flushStats, formatBytes, num, rows, sortFindings, statsWindow, str, type StatsWindow } from './util.ts';
import { percent } from './percent.ts';

/** A column at least this NULL makes a partial `WHERE col IS NOT NULL` index clearly smaller. */
export const MOSTLY_NULL_FRACTION = 0.5;
/** Below this size an index costs too little for a rebuild to be worth anybody's time. */
export const MOSTLY_NULL_MIN_INDEX_BYTES = 64 * 1024;
/** Tables smaller than this are read faster by a sequential scan anyway. */
export const LOW_USAGE_MIN_ROWS = 10_000;
/** A handful of sequential scans (a report, a dump, ANALYZE) is not a pattern. */
export const LOW_USAGE_MIN_SEQ_SCANS = 10;
/** Below this share of index scans, most reads of a large table walk the whole heap. */
export const LOW_USAGE_MAX_INDEX_SHARE = 0.5;
/** Past three quarters of its range a sequence's end is a planning matter, no longer theory. */
export const SEQUENCE_OVERFLOW_RATIO = 0.75;
/** How many of the most-scanned indexes the facts list. */
export const MOST_USED_LIMIT = 10;

export interface IndexAnalyzerFacts {
  /** Since when the usage counters run. */
  statsSince: StatsWindow & { text: string };
  indexCount: number;
  mostUsedIndexes: { schema: string; table: string; index: string; scans: number; sizeBytes: number }[];
  /** Per table: heap size against the size of all its indexes. */
  indexVsTable: { schema: string; table: string; tableBytes: number; indexBytes: number; indexToTable: number | null }[];
  cacheHitRatios: { table: number | null; index: number | null };
  /** Settings, database age, temporary files, and what each health check depends on. */
  health: HealthFacts;
  /** What in the environment the usage checks depend on. */
  dependsOn: Record<string, string>;
}

export interface IndexAnalyzerOptions {
  thresholds?: Partial<HealthThresholds>;
}

/** What the index checks depend on besides the catalog (which is the same on every engine). */
export const INDEX_DEPENDS_ON: Record<string, string> = {
  unused_index: 'the usage counters since their start (in the browser they start at zero with every start; a partitioned index counts its partitions)',
  low_index_usage_table: 'the scan counters since their start; on a server a parallel sequential scan counts once per worker',
  mostly_null_index: 'planner statistics (ANALYZE)',
  duplicate_index_collation: 'the collations queries use (PGlite databases use collation C, servers usually a locale)',
};

const CONCURRENTLY_CAVEAT =
  'CONCURRENTLY avoids blocking reads and writes but cannot run inside a transaction block, takes longer, and a failed run leaves an invalid index behind that must be dropped.';

export async function analyzeIndexes(db: Queryable, opts: IndexAnalyzerOptions = {}): Promise<Report<IndexAnalyzerFacts>> {
  await flushStats(db);
  const window = await statsWindow(db);
  const since = describeWindow(window);
  const indexes = await indexRows(db);
  const findings: Finding[] = [];

  const byTable = new Map<string, IndexRow[]>();
  for (const ix of indexes) {
    const list = byTable.get(ix.tableOid) ?? [];
    list.push(ix);
    byTable.set(ix.tableOid, list);
  }
  const name = (ix: IndexRow) => qualified(ix.schema, ix.name);
  const tableName = (ix: IndexRow) => qualified(ix.schema, ix.table);
  const obj = (ix: IndexRow) => ({ schema: ix.schema, table: ix.table, index: ix.name, columns: ix.columns });
  /** Partitioned parents cannot be dropped or built concurrently. */
  const conc = (ix: IndexRow) => (ix.tableKind === 'p' || ix.indexKind === 'I' ? '' : ' CONCURRENTLY');
  /** An index attached to a partitioned table's index lives and dies with it. */
  const droppable = (ix: IndexRow) => !ix.parentIndex;
  const dropFix = (ix: IndexRow) => `DROP INDEX${conc(ix)} ${name(ix)};`;

  // invalid_index
  for (const ix of indexes) {
    if (ix.valid && ix.ready) continue;
    if (!droppable(ix)) continue; // reported on the partitioned index it belongs to
    const leftover = /_cc(new|old)\d*$/.test(ix.name);
    findings.push({
      check: 'invalid_index',
      severity: 'error',
      object: obj(ix),
      message: `Index ${name(ix)} on ${tableName(ix)} is invalid${leftover ? ' (left over from an interrupted REINDEX CONCURRENTLY)' : ''}.`,
      why:
        'An invalid index is left behind when CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY fails (for example on a duplicate key): the planner never uses it, yet every insert and update still maintains it. ' +
        'Drop it, fix the cause, and build it again. ' + CONCURRENTLY_CAVEAT,
      // A partitioned index is invalid until every partition has one attached: built again
      // without ONLY, it creates (or attaches) the partitions' indexes as well.
      fix: leftover
        ? dropFix(ix)
        : `${dropFix(ix)}\n${ix.definition.replace(/^CREATE (UNIQUE )?INDEX /, `CREATE $1INDEX${conc(ix)} `).replace(/ ON ONLY /, ' ON ')};`,
    });
  }

  const valid = indexes.filter((ix) => ix.valid && ix.ready);

  // duplicate_index: identical in everything that decides what the index can answer.
  // NULLS NOT DISTINCT is part of what a unique index enforces, so it keeps two indexes apart.
  const dupKey = (ix: IndexRow, withCollations = true) =>
    JSON.stringify([ix.tableOid, ix.method, ix.attnums, ix.keyCount, ix.opclasses, withCollations ? ix.collations : null, ix.options, ix.expressions, ix.predicate, ix.unique && ix.nullsNotDistinct]);
  const groups = new Map<string, IndexRow[]>();
  for (const ix of valid) {
    const k = dupKey(ix);
    groups.set(k, [...(groups.get(k) ?? []), ix]);
  }
  const duplicateNames = new Set<string>();
  /** Indexes another finding relies on to keep serving the queries: never proposed for dropping. */
  const kept = new Set<string>();
  const key = (ix: IndexRow) => ix.tableOid + '/' + ix.name;
  // Keep the one that enforces the most (a constraint, then uniqueness), one that cannot be
  // dropped alone (attached to a partitioned index), then the most used.
  const rank = (ix: IndexRow) => (ix.primary ? 8 : 0) + (ix.constraint ? 4 : 0) + (ix.unique ? 2 : 0) + (droppable(ix) ? 0 : 1);
  const dropOne = (ix: IndexRow) =>
    ix.constraint ? `ALTER TABLE ${tableName(ix)} DROP CONSTRAINT ${ident(ix.constraint)};` : dropFix(ix);
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const sorted = [...group].sort((a, b) => rank(b) - rank(a) || b.scans - a.scans || a.name.localeCompare(b.name));
    const keep = sorted[0];
    for (const ix of sorted.slice(1)) {
      if (ix.unique && !keep.unique) continue; // cannot happen after sorting, kept for clarity
      if (!droppable(ix)) continue;
      duplicateNames.add(key(ix));
      kept.add(key(keep));
      const fix = dropOne(ix);
      findings.push({
        check: 'duplicate_index',
        severity: 'warning',
        object: obj(ix),
        message: `Index ${name(ix)} is a duplicate of ${name(keep)} on ${tableName(ix)} (${ix.columns.join(', ')}), ${formatBytes(ix.sizeBytes)}.`,
        why:
          'Two indexes with the same columns, method, operator classes and predicate answer exactly the same queries, so the planner only ever needs one. ' +
          'The other one doubles the write cost of every insert and update and takes space in memory and backups. ' +
          (ix.constraint ? 'This one backs a constraint, so drop the constraint rather than the index.' : CONCURRENTLY_CAVEAT),
        fix,
      });
    }
  }

  // duplicate_index_collation: the same index but for the collation of a column. Only the
  // collation a query compares with can use an index, so when all queries use one, one is spare.
  const collGroups = new Map<string, IndexRow[]>();
  for (const ix of valid) {
    if (duplicateNames.has(key(ix))) continue;
    const k = dupKey(ix, false);
    collGroups.set(k, [...(collGroups.get(k) ?? []), ix]);
  }
  for (const group of collGroups.values()) {
    const distinct = new Map(group.map((ix) => [JSON.stringify(ix.collations), ix]));
    if (distinct.size < 2) continue;
    // Keep the one with the columns' own collation: what a query without COLLATE compares with.
    const own = (ix: IndexRow) => (JSON.stringify(ix.collations) === JSON.stringify(ix.columnCollations) ? 16 : 0);
    const sorted = [...distinct.values()].sort((a, b) => own(b) + rank(b) - (own(a) + rank(a)) || b.scans - a.scans || a.name.localeCompare(b.name));
    const keep = sorted[0];
    for (const ix of sorted.slice(1)) {
      if (!droppable(ix) || (ix.unique && !keep.unique) || (ix.constraint && !keep.constraint)) continue;
      duplicateNames.add(key(ix));
      kept.add(key(keep));
      findings.push({
        check: 'duplicate_index_collation',
        severity: 'info',
        object: obj(ix),
        message: `Index ${name(ix)} differs from ${name(keep)} on ${tableName(ix)} (${ix.columns.join(', ')}) only by collation (${ix.scans} scans against ${keep.scans}) ${since}.`,
        why:
          'An index on text serves only comparisons in its own collation: a query uses the column\'s collation unless it says COLLATE. ' +
          `If every query compares in one collation, the other index is a real duplicate that doubles the write cost; keep both only if some queries do use the other collation (its scan count says whether they did ${since}). ` +
          CONCURRENTLY_CAVEAT,
        fix: dropOne(ix),
      });
    }
  }

  // redundant_index: a btree whose key columns are a leading prefix of another btree's.
  for (const list of byTable.values()) {
    for (const a of list) {
      if (!a.valid || a.method !== 'btree' || a.unique || a.primary || a.constraint || a.include.length || !droppable(a)) continue;
      if (duplicateNames.has(key(a))) continue;
      const aKeys = a.attnums.slice(0, a.keyCount);
      const cover = list.find((b) => {
        if (b === a || !b.valid || b.method !== 'btree' || b.keyCount <= a.keyCount || duplicateNames.has(key(b))) return false;
        if (b.predicate !== a.predicate || b.expressions !== a.expressions) return false;
        for (let i = 0; i < a.keyCount; i++) {
          if (b.attnums[i] !== aKeys[i] || b.opclasses[i] !== a.opclasses[i] || b.collations[i] !== a.collations[i] || b.options[i] !== a.options[i]) return false;
        }
        return true;
      });
      if (!cover) continue;
      kept.add(key(cover));
      duplicateNames.add(key(a));
      findings.push({
        check: 'redundant_index',
        severity: 'warning',
        object: obj(a),
        message: `Index ${name(a)} (${a.columns.join(', ')}) is covered by ${name(cover)} (${cover.columns.join(', ')}) on ${tableName(a)}.`,
        why:
          `A B-tree can be searched by any leading prefix of its columns, so ${name(cover)} already answers every lookup on (${a.columns.join(', ')}). ` +
          `Keeping both costs extra writes and ${formatBytes(a.sizeBytes)}; the narrower index is only slightly faster for its own queries. ` +
          CONCURRENTLY_CAVEAT,
      fix: dropFix(a),
      });
    }
  }

  // Foreign keys, read before unused_index: an index that alone serves a foreign key is never proposed for dropping.
  const fkRows = await rows(
    db,
    `select con.conrelid::int8::text as table_oid, n.nspname as schema, c.relname as table, c.relkind::text as relkind, con.conname as name,
            to_json(con.conkey::int2[]) as attnums,
            (select json_agg(a.attname order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
               join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns,
            rn.nspname as ref_schema, rc.relname as ref_table, c.reltuples::float8 as row_estimate
       from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_class rc on rc.oid = con.confrelid join pg_namespace rn on rn.oid = rc.relnamespace
      where con.contype = 'f' and con.conparentid = 0
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
      order by 2, 3, 5`,
  );
  const fkCovers = (fk: Record<string, unknown>): IndexRow[] => {
    const cols = arr<number>(fk.attnums).map(Number);
    const set = new Set(cols);
    const fkNames = new Set(arr<string>(fk.columns));
    return (byTable.get(str(fk.table_oid)) ?? []).filter((ix) => {
      if (!ix.valid || ix.keyCount < cols.length) return false;
      // Referential checks look for rows with a given non-null key, so WHERE fk IS NOT NULL serves them.
      if (ix.predicate && !onlyNotNull(ix.predicate, fkNames)) return false;
      if (!['btree', 'hash', 'gist', 'gin'].includes(ix.method)) return false;
      if (ix.method === 'hash' && ix.keyCount !== 1) return false;
      const lead = ix.attnums.slice(0, cols.length);
      return lead.every((x) => set.has(x)) && new Set(lead).size === set.size;
    });
  };
  const soleFkCover = new Set<string>();
  for (const fk of fkRows) {
    const covers = fkCovers(fk).filter((ix) => !duplicateNames.has(key(ix)));
    if (covers.length === 1) soleFkCover.add(key(covers[0]));
  }

  // unused_index: never scanned, enforcing nothing.
  for (const ix of valid) {
    if (ix.scans > 0 || ix.unique || ix.constraint || ix.exclusion || !droppable(ix)) continue;
    // Dropping the index another finding keeps would leave those queries no index at all.
    if (duplicateNames.has(key(ix)) || kept.has(key(ix)) || soleFkCover.has(key(ix))) continue;
    findings.push({
      check: 'unused_index',
      severity: window.days >= 7 ? 'warning' : 'info',
      object: obj(ix),
      message: `Index ${name(ix)} on ${tableName(ix)} (${formatBytes(ix.sizeBytes)}) has not been used ${since}.`,
      why:
        'An index that no query reads still has to be updated by every insert and by updates of its columns, and it takes space in memory and backups. ' +
        `The counters only cover the time ${since}, and not queries run on replicas: make sure that window includes month-end jobs and reports before dropping it. ` +
        CONCURRENTLY_CAVEAT,
      fix: dropFix(ix),
    });
  }

  // unindexed_foreign_key
  for (const fk of fkRows) {
    if (fkCovers(fk).length > 0) continue;
    const columns = arr<string>(fk.columns);
    const table = qualified(str(fk.schema), str(fk.table));
    const partitioned = str(fk.relkind) === 'p';
    findings.push({
      check: 'unindexed_foreign_key',
      severity: 'warning',
      object: { schema: str(fk.schema), table: str(fk.table), constraint: str(fk.name), columns },
      message: `Foreign key ${ident(str(fk.name))} on ${table} (${columns.join(', ')}) → ${qualified(str(fk.ref_schema), str(fk.ref_table))} has no index on its columns.`,
      why:
        `Every delete of a row in ${qualified(str(fk.ref_schema), str(fk.ref_table))}, and every update of its key, must look for referencing rows in ${table}; without an index on (${columns.join(', ')}) that is a sequential scan per row, under a lock. ` +
        'Joins from the parent to its children need the same index. ' +
        (partitioned
          ? 'The table is partitioned, where CONCURRENTLY is not available: create the index on each partition concurrently first, or accept a short lock.'
          : CONCURRENTLY_CAVEAT),
      fix: `CREATE INDEX${partitioned ? '' : ' CONCURRENTLY'} ON ${table} (${columns.map(ident).join(', ')});`,
    });
  }

  // not_valid_constraint
  const nvRows = await rows(
    db,
    `select n.nspname as schema, c.relname as table, con.conname as name, con.contype::text as contype,
            pg_get_constraintdef(con.oid, true) as def
       from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
      where not con.convalidated and n.nspname not in ('pg_catalog', 'information_schema') order by 1, 2, 3`,
  );
  for (const r of nvRows) {
    const table = qualified(str(r.schema), str(r.table));
    const kind = ({ f: 'foreign key', c: 'check', n: 'not-null' } as Record<string, string>)[str(r.contype)] ?? 'constraint';
    findings.push({
      check: 'not_valid_constraint',
      severity: 'warning',
      object: { schema: str(r.schema), table: str(r.table), constraint: str(r.name) },
      message: `The ${kind} constraint ${ident(str(r.name))} on ${table} is NOT VALID: ${str(r.def)}.`,
      why:
        'A NOT VALID constraint is enforced for new and updated rows only: rows that existed when it was added were never checked, so the rule may not hold, and the planner cannot rely on it. ' +
        'Adding NOT VALID and validating later is the right way to add a constraint to a busy table, but the second step must not be forgotten; VALIDATE CONSTRAINT scans the table under a lock that still allows reads and writes.',
      fix: `ALTER TABLE ${table} VALIDATE CONSTRAINT ${ident(str(r.name))};`,
    });
  }

  // mostly_null_index: single-column, non-partial btree over a column that is mostly NULL.
  const nullRows = await rows(
    db,
    `select s.schemaname as schema, s.tablename as table, s.attname as column, s.null_frac::float8 as null_frac
       from pg_stats s where s.null_frac >= $1 and s.schemaname not in ('pg_catalog', 'information_schema') and not s.inherited`,
    [MOSTLY_NULL_FRACTION],
  );
  const nullFrac = new Map(nullRows.map((r) => [`${str(r.schema)}.${str(r.table)}.${str(r.column)}`, num(r.null_frac)]));
  for (const ix of valid) {
    if (ix.method !== 'btree' || ix.keyCount !== 1 || ix.predicate || ix.expressions || ix.constraint || ix.unique || ix.attnums[0] === 0 || !droppable(ix)) continue;
    if (duplicateNames.has(key(ix))) continue;
    if (ix.sizeBytes < MOSTLY_NULL_MIN_INDEX_BYTES) continue;
    const col = ix.columns[0].replace(/^"|"$/g, '');
    const frac = nullFrac.get(`${ix.schema}.${ix.table}.${col}`);
    if (frac === undefined) continue;
    const partialName = ident(`${ix.name}_not_null`.slice(0, 63));
    const c = conc(ix);
    findings.push({
      check: 'mostly_null_index',
      severity: 'info',
      object: obj(ix),
      message: `Index ${name(ix)} (${formatBytes(ix.sizeBytes)}) is on ${tableName(ix)}.${ix.columns[0]}, which is ${Math.round(frac * 100)}% NULL.`,
      why:
        'A B-tree stores an entry for every NULL too, so most of this index points at rows that queries such as `col = value` never look for. ' +
        `A partial index WHERE ${ix.columns[0]} IS NOT NULL would be about ${Math.round(frac * 100)}% smaller and cheaper to maintain, and the planner still uses it for any condition that implies NOT NULL (but no longer for IS NULL searches). ` +
        'Build the new index before dropping the old one; ' + CONCURRENTLY_CAVEAT,
      fix:
        `CREATE INDEX${c} ${partialName} ON ${tableName(ix)} USING btree (${ix.columns[0]}) WHERE ${ix.columns[0]} IS NOT NULL;\n` +
        `DROP INDEX${c} ${name(ix)};`,
    });
  }

  // low_index_usage_table
  const usage = await rows(
    db,
    `select s.schemaname as schema, s.relname as table, s.seq_scan::float8 as seq_scan, coalesce(s.idx_scan, 0)::float8 as idx_scan,
            s.seq_tup_read::float8 as seq_tup_read, greatest(s.n_live_tup::float8, c.reltuples::float8) as rows
       from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where greatest(s.n_live_tup::float8, c.reltuples::float8) >= $1 and s.seq_scan >= $2
      order by 1, 2`,
    [LOW_USAGE_MIN_ROWS, LOW_USAGE_MIN_SEQ_SCANS],
  );
  for (const r of usage) {
    const seq = num(r.seq_scan);
    const idx = num(r.idx_scan);
    const share = idx / (seq + idx);
    if (share >= LOW_USAGE_MAX_INDEX_SHARE) continue;
    const table = qualified(str(r.schema), str(r.table));
    findings.push({
      check: 'low_index_usage_table',
      severity: 'warning',
      object: { schema: str(r.schema), table: str(r.table) },
      message: `${table} (~${Math.round(num(r.rows))} rows) was read by ${seq} sequential scans and ${idx} index scans (${Math.round(share * 100)}% index) ${since}.`,
      why:
        'Each sequential scan reads the whole table, so on a large table a query that needs a few rows does work proportional to the table, evicts useful pages from the cache and gets slower as the table grows. ' +
        'Find the statements that scan it (the query analyzer lists them with their plans) and add an index for their WHERE or JOIN columns; a report that really reads everything is fine as it is.',
    });
  }

  // sequence_near_overflow: also limited by the type of the column it feeds.
  // The column a sequence feeds: the one it is OWNED BY, else the narrowest column whose default
  // calls nextval() on it (a sequence made by hand and used as a default has no owner).
  const seqRows = await rows(
    db,
    `with feeds as (
       select d.objid as seq, d.refobjid as rel, d.refobjsubid as attnum, 0 as pref
         from pg_depend d where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
          and d.refobjsubid > 0 and d.deptype in ('a', 'i')
       union all
       select d.refobjid, ad.adrelid, ad.adnum, 1
         from pg_depend d join pg_attrdef ad on ad.oid = d.objid
        where d.classid = 'pg_attrdef'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype = 'n'),
     fed as (
       select distinct on (f.seq) f.seq, f.rel, f.attnum
         from feeds f join pg_attribute a on a.attrelid = f.rel and a.attnum = f.attnum
        order by f.seq, case a.atttypid when 'int2'::regtype then 0 when 'int4'::regtype then 1 else 2 end, f.pref, f.rel, f.attnum)
     select n.nspname as schema, c.relname as name, format_type(s.seqtypid, null) as seq_type, ps.last_value::text as last,
            s.seqincrement::float8 as inc, tn.nspname as owner_schema, tc.relname as owner_table, ta.attname as owner_column,
            format_type(ta.atttypid, null) as column_type,
            -- Columns that reference the fed column must widen with it, or their foreign keys mismatch.
            (select json_agg(json_build_object('schema', rn.nspname, 'table', rc.relname, 'column', ra.attname) order by rn.nspname, rc.relname, ra.attname)
               from pg_constraint k join pg_class rc on rc.oid = k.conrelid join pg_namespace rn on rn.oid = rc.relnamespace
               join pg_attribute ra on ra.attrelid = k.conrelid and ra.attnum = k.conkey[1]
              where k.contype = 'f' and k.conparentid = 0 and k.confrelid = fed.rel and array_length(k.confkey, 1) = 1 and k.confkey[1] = fed.attnum
                and ra.atttypid in ('int2'::regtype, 'int4'::regtype)) as referencing,
            (case when s.seqincrement > 0
                  then (ps.last_value::numeric - s.seqmin) / nullif(least(s.seqmax::numeric,
                         case ta.atttypid when 'int2'::regtype then 32767 when 'int4'::regtype then 2147483647 else s.seqmax end) - s.seqmin, 0)
                  else (s.seqmax - ps.last_value::numeric) / nullif(s.seqmax - greatest(s.seqmin::numeric,
                         case ta.atttypid when 'int2'::regtype then -32768 when 'int4'::regtype then -2147483648 else s.seqmin end), 0)
             end)::float8 as used
       from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_sequences ps on ps.schemaname = n.nspname and ps.sequencename = c.relname
       left join fed on fed.seq = c.oid
       left join pg_class tc on tc.oid = fed.rel left join pg_namespace tn on tn.oid = tc.relnamespace
       left join pg_attribute ta on ta.attrelid = fed.rel and ta.attnum = fed.attnum
      where ps.last_value is not null and not s.seqcycle order by 1, 2`,
  );
  for (const r of seqRows) {
    const used = num(r.used);
    if (used < SEQUENCE_OVERFLOW_RATIO) continue;
    const seq = qualified(str(r.schema), str(r.name));
    const owner = r.owner_table ? `${qualified(str(r.owner_schema), str(r.owner_table))}.${ident(str(r.owner_column))}` : null;
    const colType = str(r.column_type);
    const fixes = [];
    if (str(r.seq_type) !== 'bigint') fixes.push(`ALTER SEQUENCE ${seq} AS bigint;`);
    if (owner && colType !== 'bigint') fixes.push(`ALTER TABLE ${qualified(str(r.owner_schema), str(r.owner_table))} ALTER COLUMN ${ident(str(r.owner_column))} TYPE bigint;`);
    for (const ref of arr<{ schema: string; table: string; column: string }>(r.referencing)) {
      fixes.push(`ALTER TABLE ${qualified(ref.schema, ref.table)} ALTER COLUMN ${ident(ref.column)} TYPE bigint;  -- references it`);
    }
    findings.push({
      check: 'sequence_near_overflow',
      severity: used >= 0.9 ? 'error' : 'warning',
      object: { schema: str(r.schema), sequence: str(r.name), ...(owner ? { table: str(r.owner_table), columns: [str(r.owner_column)] } : {}) },
      message: `Sequence ${seq} (${str(r.seq_type)}${owner ? `, feeding ${owner} ${colType}` : ''}) has used ${percent(used)} of its range (last value ${str(r.last)}).`,
      why:
        'When a sequence reaches its limit, nextval() fails and every insert that needs a new id stops with an error. ' +
        'Widening to bigint gives room for 9.2 quintillion values; changing the column type rewrites the table under an exclusive lock, so plan it (or migrate through a new column) well before the end.',
      ...(fixes.length ? { fix: fixes.join('\n') } : {}),
    });
  }

  const health = await healthChecks(db, { ...DEFAULT_HEALTH_THRESHOLDS, ...opts.thresholds }, since);
  findings.push(...health.findings);

  // Facts
  const mostUsedIndexes = [...indexes]
    .filter((ix) => ix.scans > 0)
    .sort((a, b) => b.scans - a.scans || a.name.localeCompare(b.name))
    .slice(0, MOST_USED_LIMIT)
    .map((ix) => ({ schema: ix.schema, table: ix.table, index: ix.name, scans: ix.scans, sizeBytes: ix.sizeBytes }));
  const sizes = await rows(
    db,
    `select n.nspname as schema, c.relname as table, pg_table_size(c.oid)::float8 as table_bytes, pg_indexes_size(c.oid)::float8 as index_bytes
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
        and not exists (select 1 from pg_depend dep where dep.classid = 'pg_class'::regclass and dep.objid = c.oid and dep.deptype = 'e')
      order by pg_total_relation_size(c.oid) desc, 1, 2`,
  );
  const [hit] = await rows(
    db,
    `select (select sum(heap_blks_hit)::float8 / nullif(sum(heap_blks_hit) + sum(heap_blks_read), 0) from pg_statio_user_tables) as tables,
            (select sum(idx_blks_hit)::float8 / nullif(sum(idx_blks_hit) + sum(idx_blks_read), 0) from pg_statio_user_indexes) as indexes`,
  );

  return {
    facts: {
      statsSince: { ...window, text: since },
      indexCount: indexes.length,
      mostUsedIndexes,
      indexVsTable: sizes.map((r) => {
        const t = num(r.table_bytes);
        const i = num(r.index_bytes);
        return { schema: str(r.schema), table: str(r.table), tableBytes: t, indexBytes: i, indexToTable: t > 0 ? i / t : null };
      }),
      cacheHitRatios: { table: hit?.tables == null ? null : num(hit.tables), index: hit?.indexes == null ? null : num(hit.indexes) },
      health: health.facts,
      dependsOn: INDEX_DEPENDS_ON,
    },
    findings: sortFindings(findings),
  };
}

/** True when a partial index's predicate only requires some of the given columns to be non-null. */
export function onlyNotNull(predicate: string, columns: Set<string>): boolean {
  const terms = predicate.replace(/[()]/g, ' ').split(/\s+AND\s+/i).map((x) => x.trim()).filter(Boolean);
  return terms.length > 0 && terms.every((term) => {
    const m = /^("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*) IS NOT NULL$/i.exec(term);
    if (!m) return false;
    const col = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
    return columns.has(col);
  });
}
