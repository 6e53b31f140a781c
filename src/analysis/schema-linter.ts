// Schema linter: normalization and design anti-patterns, proved on the catalog and on a sample
// of the data. Plain SQL over Queryable, valid on PGlite and on a PostgreSQL server alike.
import { ident, qualified, type Finding, type Queryable, type Report, type Severity } from './finding.ts';
import pluralize from 'pluralize';
import { ownStatement } from '../db/own-statements.ts';
import { quietly } from './util.ts';
import { SECURITY_CHECKS, SECURITY_DEPENDS_ON, securityChecks } from './security-lint.ts';
import { determinantEvidence, determines, encode, findDelimitedList, type Coded } from './lint-sample.ts';

// ---- Thresholds ------------------------------------------------------------------------------

/** Rows sampled per table: enough to see habits in the data while reading at most a few pages. */
export const DEFAULT_SAMPLE_ROWS = 1000;
/** Above this many estimated rows per sampled row, sample pages (TABLESAMPLE) instead of the table's head. */
export const TABLESAMPLE_FACTOR = 10;
/** TABLESAMPLE SYSTEM picks whole pages: aim for at least this many so one dense page cannot dominate or be missed. */
export const TABLESAMPLE_MIN_PAGES = 32;
/** Fixed seed: the same table gives the same sample, so repeated runs report the same findings. */
export const TABLESAMPLE_SEED = 42;
/** Sampled text is cut to this length: enough to compare and split values, bounded in memory. */
export const SAMPLE_VALUE_CHARS = 200;
/** Columns sampled per table: the data checks need the leading, narrow part of a table, not every column. */
export const SAMPLE_MAX_COLUMNS = 64;
/** Columns compared pairwise for dependencies: the cost grows with the square of this number. */
export const FD_MAX_COLUMNS = 30;
/** A table this wide almost always mixes several entities or optional groups (PostgreSQL allows 1600). */
export const GOD_TABLE_MIN_COLUMNS = 40;
/** Columns sharing a prefix that are worth proposing as their own table. */
export const GOD_TABLE_GROUP_MIN = 3;
/** An entity–attribute–value table is narrow: entity, attribute, value and a little bookkeeping. */
export const EAV_MAX_COLUMNS = 8;
/** Rows without a NULL before a nullable column is suspected of being required: fewer prove little. */
export const NOT_NULL_MIN_ROWS = 10;

// ---- Facts --------------------------------------------------------------------------------------

export interface LintedTable {
  schema: string;
  table: string;
  columns: number;
  /** Rows read by the sample (0 when the table is empty or could not be read). */
  sampledRows: number;
  sampleMethod: 'limit' | 'tablesample' | 'skipped';
}

export interface SchemaLintFacts {
  schemas: string[];
  tables: LintedTable[];
  columns: number;
  foreignKeys: number;
  sampleRows: number;
  /** Tables whose sample query failed (permissions, row security …) with PostgreSQL's message. */
  sampleErrors: { schema: string; table: string; message: string }[];
  /** Findings per check id, every check listed. */
  counts: Record<string, number>;
  /** What in the environment the checks depend on (the data checks: the sampled rows). */
  dependsOn: Record<string, string>;
}

export const SCHEMA_LINT_CHECKS = [
  'table_without_primary_key',
  'json_instead_of_jsonb',
  'timestamp_without_time_zone',
  'serial_instead_of_identity',
  'varchar_length_without_reason',
  'money_type',
  'eav_table',
  'god_table',
  'repeating_column_group',
  'delimited_list_column',
  'functional_dependency',
  'missing_not_null',
  'fk_type_mismatch',
  'missing_fk_action',
  ...SECURITY_CHECKS,
] as const;
export type SchemaLintCheck = (typeof SCHEMA_LINT_CHECKS)[number];

export interface LintOptions {
  /** Only this schema; default every user schema. */
  schema?: string;
  /** Rows sampled per table for the data checks; 0 turns them off. */
  sampleRows?: number;
}

// ---- Catalog ------------------------------------------------------------------------------------

interface Column {
  num: number;
  name: string;
  /** Quoted by the server (quote_ident), for the SQL the linter runs itself. */
  qname: string;
  type: string;
  /** format_type of the base type (a domain's own base), for comparing foreign key columns. */
  baseType: string;
  typname: string;
  builtin: boolean;
  category: string;
  elem: string | null;
  typmod: number;
  notNull: boolean;
  identity: string;
  generated: string;
  default: string | null;
  comment: string | null;
  ownedSequence: string | null;
}

interface Constraint {
  name: string;
  type: 'p' | 'u' | 'f' | 'c' | 'x';
  columns: string[];
  fschema: string | null;
  ftable: string | null;
  fcolumns: string[];
  ftypes: string[];
  onDelete: string;
  def: string;
}

interface UniqueIndex {
  name: string;
  primary: boolean;
  columns: string[];
  /** No expressions, no predicate: a real key. */
  plain: boolean;
  /** Can become the primary key with ADD PRIMARY KEY USING INDEX (btree, default order, no constraint yet). */
  promotable: boolean;
}

interface Table {
  oid: string;
  schema: string;
  name: string;
  qname: string;
  kind: string;
  reltuples: number;
  relpages: number;
  columns: Column[];
  constraints: Constraint[];
  uniques: UniqueIndex[];
  /** Columns that lead some valid index: a foreign key on them needs no new index. */
  indexedLead: Set<string>;
  /** Partition key columns of a partitioned table; null when the key has an expression. */
  partitionKey: string[] | null;
}

/** The tables the linter looks at, as a CTE body: user tables, no partitions, nothing an extension owns. */
const RELS = `
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples, c.relpages
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    AND ($1::text IS NULL OR n.nspname = $1::text)
    AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')`;

const TABLES_SQL = `
WITH rels AS (${RELS})
SELECT r.oid::text AS oid, r.nspname AS schema, r.relname AS name, r.relkind::text AS kind,
       format('%I.%I', r.nspname, r.relname) AS qname, r.reltuples::float8 AS reltuples, r.relpages::int AS relpages,
       CASE WHEN pt.partrelid IS NULL THEN NULL WHEN 0 = ANY (pt.partattrs::int2[]) THEN NULL
            ELSE ARRAY(SELECT a.attname::text FROM unnest(pt.partattrs::int2[]) WITH ORDINALITY k(n, i)
                       JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.n ORDER BY k.i)::text[] END AS partition_key,
       pt.partrelid IS NOT NULL AS partitioned
FROM rels r LEFT JOIN pg_partitioned_table pt ON pt.partrelid = r.oid ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C"`;

const COLUMNS_SQL = `
WITH rels AS (${RELS})
SELECT a.attrelid::text AS rel, a.attnum::int AS num, a.attname::text AS name, quote_ident(a.attname) AS qname,
       format_type(a.atttypid, a.atttypmod) AS type,
       format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
                   CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) AS base_type,
       t.typname::text AS typname, (tn.nspname = 'pg_catalog') AS builtin, t.typcategory::text AS category,
       et.typname::text AS elem, a.atttypmod::int AS typmod, a.attnotnull AS not_null,
       a.attidentity::text AS identity, a.attgenerated::text AS generated,
       pg_get_expr(ad.adbin, ad.adrelid) AS "default", col_description(a.attrelid, a.attnum) AS comment,
       (SELECT format('%I.%I', sn.nspname, s.relname)
          FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
          JOIN pg_namespace sn ON sn.oid = s.relnamespace
         WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
           AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'a'
         LIMIT 1) AS owned_sequence
FROM rels r
JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
ORDER BY a.attrelid, a.attnum`;

const CONSTRAINTS_SQL = `
WITH rels AS (${RELS})
SELECT con.conrelid::text AS rel, con.conname::text AS name, con.contype::text AS type,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
       fn.nspname::text AS fschema, fc.relname::text AS ftable,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS fcolumns,
       ARRAY(SELECT format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
                                CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)
             FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
             JOIN pg_type t ON t.oid = a.atttypid ORDER BY k.i)::text[] AS ftypes,
       con.confdeltype::text AS on_delete, pg_get_constraintdef(con.oid) AS def
FROM pg_constraint con
JOIN rels r ON r.oid = con.conrelid
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0
ORDER BY con.conrelid, con.conname`;

const UNIQUES_SQL = `
WITH rels AS (${RELS})
SELECT i.indrelid::text AS rel, ic.relname::text AS name, i.indisprimary AS "primary",
       (i.indexprs IS NULL AND i.indpred IS NULL) AS plain,
       (ic.relam = (SELECT oid FROM pg_am WHERE amname = 'btree') AND NOT i.indnullsnotdistinct AND NOT i.indisexclusion
        AND i.indnkeyatts = i.indnatts AND 0 = ALL (i.indoption::int2[]) AND i.indimmediate
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)) AS promotable,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, p)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
             WHERE k.p <= i.indnkeyatts ORDER BY k.p)::text[] AS columns
FROM pg_index i
JOIN rels r ON r.oid = i.indrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indisunique AND i.indisvalid
ORDER BY i.indrelid, ic.relname`;

const INDEX_LEAD_SQL = `
WITH rels AS (${RELS})
SELECT i.indrelid::text AS rel, a.attname::text AS name
FROM pg_index i JOIN rels r ON r.oid = i.indrelid
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indisvalid AND i.indpred IS NULL`;

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number => Number(v);
const bool = (v: unknown): boolean => v === true || v === 't' || v === 'true';
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? parseTextArray(v) : []);

/** A text[] that arrives unparsed ('{a,"b c"}'). */
function parseTextArray(s: string): string[] {
  if (s === '{}' || !s.startsWith('{')) return [];
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,{}]+)/g;
  for (const m of s.slice(1, -1).matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

async function loadCatalog(db: Queryable, schema: string | null): Promise<Table[]> {
  const params = [schema];
  const tables = (await db.query<Row>(ownStatement(TABLES_SQL), params)).rows;
  const byOid = new Map<string, Table>();
  for (const r of tables) {
    byOid.set(String(r.oid), {
      oid: String(r.oid), schema: String(r.schema), name: String(r.name), qname: String(r.qname),
      kind: String(r.kind), reltuples: num(r.reltuples), relpages: num(r.relpages), columns: [], constraints: [], uniques: [],
      indexedLead: new Set(),
      partitionKey: bool(r.partitioned) ? (r.partition_key === null ? null : list(r.partition_key)) : [],
    });
  }
  for (const r of (await db.query<Row>(ownStatement(COLUMNS_SQL), params)).rows) {
    byOid.get(String(r.rel))?.columns.push({
      num: num(r.num), name: String(r.name), qname: String(r.qname), type: String(r.type), baseType: String(r.base_type),
      typname: String(r.typname), builtin: bool(r.builtin), category: String(r.category), elem: str(r.elem),
      typmod: num(r.typmod), notNull: bool(r.not_null), identity: str(r.identity) ?? '', generated: str(r.generated) ?? '',
      default: str(r.default), comment: str(r.comment), ownedSequence: str(r.owned_sequence),
    });
  }
  for (const r of (await db.query<Row>(ownStatement(CONSTRAINTS_SQL), params)).rows) {
    byOid.get(String(r.rel))?.constraints.push({
      name: String(r.name), type: String(r.type) as Constraint['type'], columns: list(r.columns),
      fschema: str(r.fschema), ftable: str(r.ftable), fcolumns: list(r.fcolumns), ftypes: list(r.ftypes),
      onDelete: str(r.on_delete) ?? ' ', def: String(r.def),
    });
  }
  for (const r of (await db.query<Row>(ownStatement(UNIQUES_SQL), params)).rows) {
    byOid.get(String(r.rel))?.uniques.push({
      name: String(r.name), primary: bool(r.primary), plain: bool(r.plain), promotable: bool(r.promotable), columns: list(r.columns),
    });
  }
  for (const r of (await db.query<Row>(ownStatement(INDEX_LEAD_SQL), params)).rows) byOid.get(String(r.rel))?.indexedLead.add(String(r.name));
  return [...byOid.values()];
}

// ---- Helpers for messages and fixes ---------------------------------------------------------------

const tq = (t: Table) => qualified(t.schema, t.name);
const cq = (t: Table, c: string) => `${tq(t)}.${ident(c)}`;

/** English inflection from `pluralize` (irregulars such as people/person, indices/index). */
function singular(word: string): string {
  return pluralize.singular(word);
}

function primaryKey(t: Table): Constraint | undefined {
  return t.constraints.find((c) => c.type === 'p');
}

/** The single-column primary key with its column, when there is one. */
function singlePk(t: Table): Column | undefined {
  const pk = primaryKey(t);
  if (!pk || pk.columns.length !== 1) return undefined;
  return t.columns.find((c) => c.name === pk.columns[0]);
}

/** Columns that belong to a key (primary key, unique constraint or plain unique index). */
function keyColumns(t: Table): Set<string> {
  const s = new Set<string>();
  for (const u of t.uniques) if (u.plain) u.columns.forEach((c) => s.add(c));
  for (const c of t.constraints) if (c.type === 'p' || c.type === 'u') c.columns.forEach((x) => s.add(x));
  return s;
}

/** Single columns that are whole keys by themselves. */
function singleKeys(t: Table): Set<string> {
  const s = new Set<string>();
  for (const u of t.uniques) if (u.plain && u.columns.length === 1) s.add(u.columns[0]);
  for (const c of t.constraints) if ((c.type === 'p' || c.type === 'u') && c.columns.length === 1) s.add(c.columns[0]);
  return s;
}

function foreignKeyOf(t: Table, column: string): Constraint | undefined {
  return t.constraints.find((c) => c.type === 'f' && c.columns.length === 1 && c.columns[0] === column);
}

/** The SQL type name to write for a column in new DDL. */
const ddlType = (c: Column) => c.type;

/** The scalar type behind a column: the element type of an array. */
function scalarName(c: Column): string | null {
  if (!c.builtin) return null;
  return c.category === 'A' ? c.elem : c.typname;
}

const isArray = (c: Column) => c.category === 'A';

// ---- The linter ----------------------------------------------------------------------------------

interface Sample {
  rows: number;
  method: LintedTable['sampleMethod'];
  columns: Column[];
  values: (string | null)[][];
}

export async function lintSchema(db: Queryable, opts: LintOptions = {}): Promise<Report<SchemaLintFacts>> {
  const sampleRows = Math.max(0, Math.floor(opts.sampleRows ?? DEFAULT_SAMPLE_ROWS));
  const tables = await loadCatalog(db, opts.schema ?? null);
  const findings: Finding[] = [];
  const facts: SchemaLintFacts = {
    schemas: [...new Set(tables.map((t) => t.schema))].sort(),
    tables: [],
    columns: 0,
    foreignKeys: 0,
    sampleRows,
    sampleErrors: [],
    counts: Object.fromEntries(SCHEMA_LINT_CHECKS.map((c) => [c, 0])),
    dependsOn: {
      ...SECURITY_DEPENDS_ON,
      delimited_list_column: 'a sample of the rows (TABLESAMPLE, the same pages every run)',
      functional_dependency: 'a sample of the rows (TABLESAMPLE, the same pages every run)',
      missing_not_null: 'a sample of the rows (TABLESAMPLE, the same pages every run)',
    },
  };
  const byName = new Map(tables.map((t) => [`${t.schema}.${t.name}`, t]));

  const add = (check: SchemaLintCheck, severity: Severity, t: Table, extra: Partial<Finding['object']>, message: string, why: string, fix?: string) => {
    const f: Finding = { check, severity, object: { schema: t.schema, table: t.name, ...extra }, message, why };
    if (fix) f.fix = fix;
    findings.push(f);
    facts.counts[check]++;
  };

  for (const t of tables) {
    facts.columns += t.columns.length;
    facts.foreignKeys += t.constraints.filter((c) => c.type === 'f').length;

    checkPrimaryKey(t, add);
    for (const c of t.columns) checkColumnType(t, c, add);
    checkEav(t, byName, add);
    checkGodTable(t, add);
    checkRepeatingGroups(t, add);
    checkForeignKeys(t, add);
    checkUnreferencedIds(t, byName, add);

    const sample = sampleRows > 0 ? await takeSample(db, t, sampleRows, facts) : { rows: 0, method: 'skipped' as const, columns: [], values: [] };
    facts.tables.push({ schema: t.schema, table: t.name, columns: t.columns.length, sampledRows: sample.rows, sampleMethod: sample.method });
    if (sample.rows > 0) {
      checkDelimited(t, sample, add);
      checkDependencies(t, sample, byName, add);
      checkMissingNotNull(t, sample, add);
    }
  }

  for (const f of await securityChecks(db, opts.schema ?? null)) {
    findings.push(f);
    facts.counts[f.check]++;
  }

  const order = new Map<string, number>(SCHEMA_LINT_CHECKS.map((c, i) => [c, i]));
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  findings.sort((a, b) =>
    cmp(a.object.schema ?? '', b.object.schema ?? '') ||
    cmp(a.object.table ?? '', b.object.table ?? '') ||
    order.get(a.check)! - order.get(b.check)! ||
    cmp((a.object.columns ?? []).join(','), (b.object.columns ?? []).join(',')));
  return { facts, findings };
}

type Add = (check: SchemaLintCheck, severity: Severity, t: Table, extra: Partial<Finding['object']>, message: string, why: string, fix?: string) => void;

// ---- Sampling --------------------------------------------------------------------------------------

/**
 * Reads the sample with TABLESAMPLE only: a sample scan is not counted as a sequential scan, so
 * linting does not add to the seq_scan counters the index analyzer reports (tuples read and
 * blocks touched are still counted). The statement carries pglab's tag, so the query analyzer
 * leaves it out.
 */
async function takeSample(db: Queryable, t: Table, limit: number, facts: SchemaLintFacts): Promise<Sample> {
  const columns = t.columns.filter((c) => c.typname !== 'bytea' && c.typname !== 'tsvector').slice(0, SAMPLE_MAX_COLUMNS);
  if (columns.length === 0) return { rows: 0, method: 'skipped', columns, values: [] };
  const list = columns.map((c, i) => `left(${c.qname}::text, ${SAMPLE_VALUE_CHARS}) AS c${i}`).join(', ');
  const big = t.reltuples > limit * TABLESAMPLE_FACTOR && t.relpages > TABLESAMPLE_MIN_PAGES;
  const read = (pct: number) =>
    db.query<Row>(ownStatement(`SELECT ${list} FROM ${t.qname} TABLESAMPLE SYSTEM (${pct.toFixed(4)}) REPEATABLE (${TABLESAMPLE_SEED}) LIMIT ${limit}`));
  try {
    let method: LintedTable['sampleMethod'] = 'limit';
    let r: { rows: Row[] } | null = null;
    let failure: unknown = null;
    // In a rolled-back transaction with the statistics off (where allowed): the sample adds
    // nothing to the block and tuple counters either.
    const got = await quietly(db, async () => {
      try {
        let x: { rows: Row[] } | null = null;
        if (big) {
          // twice the rows needed, and never fewer pages than TABLESAMPLE_MIN_PAGES
          const pct = Math.min(100, Math.max((100 * 2 * limit) / t.reltuples, (100 * TABLESAMPLE_MIN_PAGES) / t.relpages));
          x = await read(pct);
          method = 'tablesample';
        }
        // Small tables (or an unlucky draw, or stale statistics): every page, first rows first.
        if (!x || x.rows.length === 0) { x = await read(100); method = 'limit'; }
        return x;
      } catch (e) {
        failure = e;
        throw e;
      }
    });
    if (got === false) throw failure ?? new Error('the sample could not be read');
    r = got;
    const rows = r.rows;
    const values = columns.map((_, i) => rows.map((row) => str(row[`c${i}`])));
    return { rows: rows.length, method, columns, values };
  } catch (e) {
    facts.sampleErrors.push({ schema: t.schema, table: t.name, message: e instanceof Error ? e.message : String(e) });
    return { rows: 0, method: 'skipped', columns: [], values: [] };
  }
}

// ---- Structure checks --------------------------------------------------------------------------------

function checkPrimaryKey(t: Table, add: Add) {
  if (primaryKey(t)) return;
  const notNull = new Set(t.columns.filter((c) => c.notNull).map((c) => c.name));
  const candidate = t.uniques.find((u) => u.plain && u.promotable && u.columns.every((c) => notNull.has(c)));
  const why =
    'Without a primary key nothing stops two identical rows, and there is no reliable way to address one row for an update or a delete. ' +
    'Foreign keys cannot point at the table, and once it is published for logical replication its UPDATEs and DELETEs fail.';
  let fix: string;
  let message = `Table ${tq(t)} has no primary key`;
  if (candidate && t.kind === 'r') {
    message += `; unique index ${candidate.name} on (${candidate.columns.join(', ')}) over NOT NULL columns could be promoted`;
    fix = `ALTER TABLE ${tq(t)} ADD CONSTRAINT ${ident(`${t.name}_pkey`)} PRIMARY KEY USING INDEX ${ident(candidate.name)};`;
  } else if (t.partitionKey === null) {
    // A partitioned table's key must contain its partition key, which here is an expression.
    message += '; it is partitioned by an expression, which a primary key cannot contain';
    fix = `-- a primary key of a partitioned table must include the partition key columns; partition by columns to have one`;
  } else {
    const taken = new Set(t.columns.map((c) => c.name));
    const col = ['id', `${singular(t.name)}_id`, 'row_id', 'pk_id'].find((n) => !taken.has(n)) ?? `${t.name}_pk_id`;
    const key = [col, ...t.partitionKey.filter((c) => c !== col)];
    fix = (key.length === 1
      ? `ALTER TABLE ${tq(t)} ADD COLUMN ${ident(col)} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;\n`
      : `ALTER TABLE ${tq(t)} ADD COLUMN ${ident(col)} bigint GENERATED ALWAYS AS IDENTITY, ADD PRIMARY KEY (${key.map(ident).join(', ')});\n`) +
      (t.partitionKey.length ? `-- a partitioned table's primary key must include its partition key (${t.partitionKey.join(', ')})\n` : '') +
      `-- or, when the table has a natural key: ALTER TABLE ${tq(t)} ADD PRIMARY KEY (<key columns>);`;
  }
  add('table_without_primary_key', 'warning', t, {}, message, why, fix);
}

function checkColumnType(t: Table, c: Column, add: Add) {
  const scalar = scalarName(c);
  const arr = isArray(c) ? '[]' : '';
  const col = { columns: [c.name] };
  if (c.generated) return; // a generated column's type follows its expression
  if (scalar === 'json') {
    add('json_instead_of_jsonb', 'warning', t, col, `Column ${cq(t, c.name)} is ${c.type}; jsonb is almost always the better choice`,
      'json keeps the exact input text and re-parses it for every operator or function call, and it has no equality operator, so it cannot be compared, grouped, made unique or indexed with GIN. ' +
      'jsonb is stored parsed, is faster to query and supports containment (@>) and GIN indexes. Keep json only if you must preserve key order, duplicate keys or whitespace exactly.',
      `ALTER TABLE ${tq(t)} ALTER COLUMN ${ident(c.name)} TYPE jsonb${arr} USING ${ident(c.name)}::jsonb${arr};`);
  }
  if (scalar === 'timestamp') {
    add('timestamp_without_time_zone', 'warning', t, col, `Column ${cq(t, c.name)} is ${c.type}: the values do not say which time zone they are in`,
      'timestamp without time zone stores a wall-clock reading with no zone, so the same value means different instants for writers in different zones, and durations computed across a daylight-saving change are off by an hour. ' +
      'timestamptz stores an absolute instant (in UTC) and converts to the session\'s TimeZone on output; it takes the same 8 bytes.',
      `-- the USING clause states which zone the stored values were written in; change 'UTC' if it was another\n` +
      `ALTER TABLE ${tq(t)} ALTER COLUMN ${ident(c.name)} TYPE timestamptz${arr} USING ${ident(c.name)} AT TIME ZONE 'UTC';`);
  }
  if (scalar === 'money') {
    add('money_type', 'warning', t, col, `Column ${cq(t, c.name)} is ${c.type}`,
      'money reads and prints amounts according to the lc_monetary setting, so the same dump can load different values, or fail, on a server with another locale, and its number of fraction digits comes from that locale rather than from the currency. ' +
      'It does not record a currency either. numeric with an explicit scale, plus a currency column where amounts can be in several currencies, is exact and portable.',
      `ALTER TABLE ${tq(t)} ALTER COLUMN ${ident(c.name)} TYPE numeric(19,2)${arr} USING ${ident(c.name)}::numeric${arr};`);
  }
  if (c.ownedSequence && !c.identity && c.default?.startsWith('nextval(')) {
    const seq = c.ownedSequence;
    const table = tq(t);
    const column = ident(c.name);
    add('serial_instead_of_identity', 'info', t, { ...col, sequence: seq }, `Column ${cq(t, c.name)} is a serial (default from sequence ${seq}); use an identity column`,
      'serial is shorthand for a separate sequence plus a column default, so the sequence needs its own grants, and CREATE TABLE LIKE copies a default that keeps drawing from the old table\'s sequence. ' +
      'An identity column (SQL standard, PostgreSQL 10+) makes the sequence part of the column; declared GENERATED ALWAYS it also rejects hand-written ids, which would otherwise collide with the sequence later, unless OVERRIDING SYSTEM VALUE is given.',
      `BEGIN;\n` +
      `ALTER TABLE ${table} ALTER COLUMN ${column} DROP DEFAULT;\n` +
      `DROP SEQUENCE ${seq};\n` +
      `-- BY DEFAULT still accepts explicit ids; use ALWAYS if the application never supplies them\n` +
      `ALTER TABLE ${table} ALTER COLUMN ${column} ADD GENERATED BY DEFAULT AS IDENTITY;\n` +
      `-- continue numbering after the existing rows\n` +
      `SELECT setval(pg_get_serial_sequence('${table.replace(/'/g, "''")}', '${c.name.replace(/'/g, "''")}'), coalesce(max(${column}), 0) + 1, false) FROM ${table};\n` +
      `COMMIT;`);
  }
  if (scalar === 'varchar' && c.typmod > 4) {
    const length = c.typmod - 4;
    const constrained = t.constraints.some((k) => k.type === 'c' && k.columns.includes(c.name));
    const inForeignKey = t.constraints.some((k) => k.type === 'f' && k.columns.includes(c.name));
    if (!constrained && !inForeignKey && !c.comment && !isArray(c)) {
      const cname = ident(`${t.name}_${c.name}_check`);
      add('varchar_length_without_reason', 'info', t, col, `Column ${cq(t, c.name)} is ${c.type} with no check constraint or comment giving a reason for the limit`,
        `In PostgreSQL varchar(n) is stored exactly like text and is no faster; the limit only rejects longer values, and raising it later means an ALTER with an exclusive lock. ` +
        `An arbitrary limit such as 255 turns valid input into errors, while a real rule is better written as a named check constraint on text, which states the intent and can also say what is allowed.`,
        `ALTER TABLE ${tq(t)} ALTER COLUMN ${ident(c.name)} TYPE text,\n` +
        `  ADD CONSTRAINT ${cname} CHECK (char_length(${ident(c.name)}) <= ${length});  -- or drop the limit if there is no rule behind it`);
    }
  }
}

const EAV_VALUE = /^(value|val|attr_value|attribute_value|property_value|prop_value|field_value|meta_value|setting_value|value_[a-z]+|[a-z]+_value)$/;
const EAV_ATTRIBUTE = /^(attribute|attr|attribute_name|attr_name|attribute_id|attr_id|attribute_key|key|meta_key|property|property_name|property_id|prop|prop_name|field|field_name|field_id|param|parameter|parameter_name|setting|setting_name)$/;
const EAV_ENTITY = /^(entity|object|item|record|owner|subject|parent)(_id|_type|_key)?$|_id$/;

function checkEav(t: Table, byName: Map<string, Table>, add: Add) {
  if (t.columns.length > EAV_MAX_COLUMNS) return;
  const values = t.columns.filter((c) => EAV_VALUE.test(c.name) && !c.name.endsWith('_id'));
  const attribute = t.columns.find((c) => EAV_ATTRIBUTE.test(c.name));
  if (values.length === 0 || !attribute) return;
  const pk = singlePk(t);
  const entity = t.columns.find((c) =>
    c !== attribute && !values.includes(c) && c !== pk && !c.identity && !c.ownedSequence &&
    (EAV_ENTITY.test(c.name) || !!foreignKeyOf(t, c.name)));
  if (!entity) return; // a key/value settings table describes no entity
  const cols = [entity.name, attribute.name, ...values.map((v) => v.name)];
  let fix: string | undefined;
  const fk = foreignKeyOf(t, entity.name);
  const target = fk?.ftable ? byName.get(`${fk.fschema}.${fk.ftable}`) : undefined;
  if (fk && target && fk.fcolumns.length === 1 && values.length === 1) {
    fix =
      `-- attributes every entity has become real columns of ${tq(target)}; the open-ended rest can live in one jsonb column:\n` +
      `ALTER TABLE ${tq(target)} ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}';\n` +
      `UPDATE ${tq(target)} e SET attributes = a.obj\n` +
      `  FROM (SELECT ${ident(entity.name)}, jsonb_object_agg(${ident(attribute.name)}, ${ident(values[0].name)}) AS obj FROM ${tq(t)} GROUP BY ${ident(entity.name)}) a\n` +
      ` WHERE e.${ident(fk.fcolumns[0])} = a.${ident(entity.name)};\n` +
      `DROP TABLE ${tq(t)};`;
  }
  add('eav_table', 'warning', t, { columns: cols },
    `Table ${tq(t)} has an entity–attribute–value shape (${entity.name}, ${attribute.name}, ${values.map((v) => v.name).join(', ')})`,
    'An entity–attribute–value table stores each property as a row, so the database can no longer enforce types, NOT NULL, checks or foreign keys per attribute, and every value is squeezed into one generic column. ' +
    'Reading one entity back needs a pivot or one self-join per attribute, and the planner cannot estimate such queries well. Model known attributes as columns (or subtype tables), and keep truly open-ended ones in a jsonb column.',
    fix);
}

function checkGodTable(t: Table, add: Add) {
  if (t.columns.length < GOD_TABLE_MIN_COLUMNS) return;
  const pk = singlePk(t);
  const groups = new Map<string, Column[]>();
  for (const c of t.columns) {
    const m = /^([a-z][a-z0-9]*)_./.exec(c.name);
    if (!m || c === pk) continue;
    (groups.get(m[1]) ?? groups.set(m[1], []).get(m[1])!).push(c);
  }
  const big = [...groups.entries()].filter(([, cs]) => cs.length >= GOD_TABLE_GROUP_MIN).sort((a, b) => b[1].length - a[1].length);
  let message = `Table ${tq(t)} has ${t.columns.length} columns`;
  if (big.length) message += `; column groups: ${big.slice(0, 5).map(([p, cs]) => `${p}_* (${cs.length})`).join(', ')}`;
  let fix: string | undefined;
  if (pk && big.length) {
    const [prefix, cs] = big[0];
    const child = `${t.name}_${prefix}`;
    const fkCol = `${singular(t.name)}_${pk.name}`;
    const childQ = qualified(t.schema, child);
    fix =
      `-- move the ${prefix}_* group into a 1:1 table (repeat for other groups); rows without any ${prefix} data need no row there\n` +
      `CREATE TABLE ${childQ} (\n  ${ident(fkCol)} ${ddlType(pk)} PRIMARY KEY REFERENCES ${tq(t)} (${ident(pk.name)}) ON DELETE CASCADE,\n` +
      cs.map((c) => `  ${ident(c.name)} ${ddlType(c)}`).join(',\n') + `\n);\n` +
      `INSERT INTO ${childQ} SELECT ${[pk, ...cs].map((c) => ident(c.name)).join(', ')} FROM ${tq(t)}\n` +
      ` WHERE ${cs.map((c) => `${ident(c.name)} IS NOT NULL`).join(' OR ')};\n` +
      `ALTER TABLE ${tq(t)} ${cs.map((c) => `DROP COLUMN ${ident(c.name)}`).join(', ')};`;
  }
  add('god_table', 'warning', t, {}, message,
    `A table with ${t.columns.length} columns usually holds several entities or many optional groups, which shows as many nullable columns and rows that are mostly NULL. ` +
    'Every update rewrites the whole wide row, every query drags it through the cache, and each change to one concern touches a table many parts of the application depend on. ' +
    'Split cohesive groups (often the ones sharing a prefix) into their own 1:1 or 1:n tables.',
    fix);
}

interface Numbered { prefix: string; n: number; suffix: string; column: Column }

function checkRepeatingGroups(t: Table, add: Add) {
  const parsed: Numbered[] = [];
  for (const c of t.columns) {
    const m = /^([a-z][a-z_]*?[a-z])_?(\d{1,4})(?:_([a-z][a-z0-9_]*))?$/.exec(c.name);
    if (m) parsed.push({ prefix: m[1], n: Number(m[2]), suffix: m[3] ?? '', column: c });
  }
  const byPrefix = new Map<string, Numbered[]>();
  for (const p of parsed) (byPrefix.get(p.prefix) ?? byPrefix.set(p.prefix, []).get(p.prefix)!).push(p);
  for (const [prefix, members] of byPrefix) {
    const main = members.filter((m) => m.suffix === members[0].suffix);
    const ns = [...new Set(members.map((m) => m.n))].sort((a, b) => a - b);
    const consecutive = ns.some((n, i) => i > 0 && n === ns[i - 1] + 1);
    const sameType = new Set(main.map((m) => m.column.type)).size === 1;
    if (ns.length < 2 || !consecutive || !sameType || main.length < 2) continue;
    const attrs = [...new Set(members.map((m) => m.suffix))];
    const colName = (suffix: string) => (suffix ? `${prefix}_${suffix}` : prefix);
    const pk = singlePk(t);
    let fix: string | undefined;
    if (pk) {
      const child = `${singular(t.name)}_${prefix}`;
      const childQ = qualified(t.schema, child);
      const fkCol = `${singular(t.name)}_${pk.name}`;
      const typeOf = (suffix: string) => members.find((m) => m.suffix === suffix)!.column.type;
      const cell = (n: number, suffix: string) => members.find((m) => m.n === n && m.suffix === suffix)?.column.name;
      fix =
        `CREATE TABLE ${childQ} (\n  ${ident(fkCol)} ${ddlType(pk)} NOT NULL REFERENCES ${tq(t)} (${ident(pk.name)}) ON DELETE CASCADE,\n` +
        `  position int NOT NULL,\n` +
        attrs.map((s) => `  ${ident(colName(s))} ${typeOf(s)},\n`).join('') +
        `  PRIMARY KEY (${ident(fkCol)}, position)\n);\n` +
        `INSERT INTO ${childQ} (${[fkCol, 'position', ...attrs.map(colName)].map(ident).join(', ')})\n` +
        ns.map((n) => {
          const cells = attrs.map((s) => cell(n, s));
          const present = cells.filter((x): x is string => !!x);
          return `SELECT ${ident(pk.name)}, ${n}, ${cells.map((x) => (x ? ident(x) : 'NULL')).join(', ')} FROM ${tq(t)} WHERE ${present.map((x) => `${ident(x)} IS NOT NULL`).join(' OR ')}`;
        }).join('\nUNION ALL ') + `;\n` +
        `ALTER TABLE ${tq(t)} ${members.map((m) => `DROP COLUMN ${ident(m.column.name)}`).join(', ')};`;
    }
    add('repeating_column_group', 'warning', t, { columns: members.map((m) => m.column.name) },
      `Table ${tq(t)} repeats ${colName(attrs[0])} in numbered columns: ${members.map((m) => m.column.name).join(', ')}`,
      'Numbered columns are a repeating group, the classic violation of first normal form: the number of values is capped by the schema, and most rows carry NULLs in the unused slots. ' +
      `Every query that looks for a value must check each column ("${members[0].column.name} = x OR ${members[1].column.name} = x …"), no single index serves that, and allowing one more value is a schema change. ` +
      'Move the group into a child table with one row per value.',
      fix);
  }
}

const ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

function checkForeignKeys(t: Table, add: Add) {
  for (const fk of t.constraints) {
    if (fk.type !== 'f') continue;
    const target = `${qualified(fk.fschema ?? '', fk.ftable ?? '')}`;
    // fk_type_mismatch
    fk.columns.forEach((col, i) => {
      const c = t.columns.find((x) => x.name === col);
      const ftype = fk.ftypes[i];
      if (!c || !ftype || c.baseType === ftype) return;
      add('fk_type_mismatch', 'warning', t, { columns: [col], constraint: fk.name },
        `${cq(t, col)} is ${c.type} but references ${target}.${ident(fk.fcolumns[i])} of type ${ftype} (foreign key ${fk.name})`,
        'PostgreSQL accepts a foreign key between different types as long as they can be compared, but joins then go through cross-type comparisons or casts, which for some type pairs keep an index from being used. ' +
        'A narrower referencing column (integer against bigint) fails with an overflow once the referenced keys outgrow it; give referencing columns exactly the type of the key they point at.',
        `-- rewrites the table under an exclusive lock\nALTER TABLE ${tq(t)} ALTER COLUMN ${ident(col)} TYPE ${ftype};`);
    });
    // missing_fk_action: the default NO ACTION makes deleting a referenced row fail
    if (fk.onDelete !== 'a') continue;
    const cols = fk.columns.map((c) => t.columns.find((x) => x.name === c));
    const nullable = cols.some((c) => c && !c.notNull);
    const pk = primaryKey(t);
    const owned = !!pk && fk.columns.every((c) => pk.columns.includes(c));
    const suggestion = owned ? 'CASCADE' : nullable ? 'SET NULL' : 'RESTRICT';
    // Keep what follows the REFERENCES clause (ON UPDATE, MATCH, DEFERRABLE); the clause itself is
    // rebuilt schema-qualified, as pg_get_constraintdef leaves out schemas on the search_path.
    const rest = (/^FOREIGN KEY \(.*?\) REFERENCES .*?\(.*?\)(.*)$/s.exec(fk.def)?.[1] ?? '')
      .replace(/\s*NOT VALID\s*/g, ' ').trimEnd();
    const fix =
      `-- CASCADE deletes the ${t.name} rows with their parent, SET NULL keeps them detached, RESTRICT refuses the delete; choose per relationship\n` +
      `ALTER TABLE ${tq(t)} DROP CONSTRAINT ${ident(fk.name)},\n` +
      `  ADD CONSTRAINT ${ident(fk.name)} FOREIGN KEY (${fk.columns.map(ident).join(', ')}) REFERENCES ${target} (${fk.fcolumns.map(ident).join(', ')})` +
      ` ON DELETE ${suggestion}${rest} NOT VALID;\n` +
      `ALTER TABLE ${tq(t)} VALIDATE CONSTRAINT ${ident(fk.name)};`;
    add('missing_fk_action', 'info', t, { columns: fk.columns, constraint: fk.name },
      `Foreign key ${fk.name} on ${tq(t)} (${fk.columns.join(', ')}) → ${target} has no ON DELETE action: deleting a referenced ${fk.ftable} row fails while ${t.name} rows point at it`,
      `With the default NO ACTION, deleting a row in ${target} that ${tq(t)} still references raises a foreign key violation, which the application meets only at run time. ` +
      `Decide per relationship: CASCADE when the ${t.name} rows are part of their parent and should go with it, SET NULL when they can live on unattached (the column must be nullable), RESTRICT to document that the delete must be refused. ` +
      `Here ${suggestion} is suggested because ${owned ? 'the foreign key is part of the primary key, so the rows belong to their parent' : nullable ? 'the column is nullable' : 'the column is NOT NULL and the rows are not owned by the parent'}.`,
      fix);
  }
}

/**
 * Columns named like a reference to another table's key (customer_id → customers.id) with no
 * foreign key: deleting the referenced row silently leaves orphans.
 */
function checkUnreferencedIds(t: Table, byName: Map<string, Table>, add: Add) {
  const ownPk = primaryKey(t);
  for (const c of t.columns) {
    const m = /^([a-z][a-z0-9_]*?)_id$/.exec(c.name);
    if (!m || t.constraints.some((k) => k.type === 'f' && k.columns.includes(c.name))) continue;
    if (ownPk && ownPk.columns.length === 1 && ownPk.columns[0] === c.name) continue;
    const base = m[1];
    const names = [...new Set([base, pluralize.plural(base), `${base}s`])];
    const target = names.map((n) => byName.get(`${t.schema}.${n}`)).find((x) => !!x && x !== t);
    if (!target) continue;
    const pk = singlePk(target);
    if (!pk || pk.category !== c.category) continue;
    const name = `${t.name}_${c.name}_fkey`;
    const action = c.notNull ? 'RESTRICT' : 'SET NULL';
    add('missing_fk_action', 'warning', t, { columns: [c.name] },
      `${cq(t, c.name)} looks like a reference to ${tq(target)}.${ident(pk.name)} but has no foreign key: deleting a ${target.name} row leaves orphaned ${t.name} rows`,
      `Without a foreign key nothing checks that ${c.name} points at an existing row, so deletes in ${tq(target)} (and typos on insert) leave rows that reference nothing and silently drop out of joins. ` +
      'A foreign key makes the rule explicit and lets you choose what a delete does: CASCADE removes the dependent rows, SET NULL detaches them, RESTRICT refuses the delete. ' +
      'Find existing orphans first: the constraint is added NOT VALID and the VALIDATE step reports them.',
      `ALTER TABLE ${tq(t)} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${ident(c.name)}) REFERENCES ${tq(target)} (${ident(pk.name)}) ON DELETE ${action} NOT VALID;\n` +
      `ALTER TABLE ${tq(t)} VALIDATE CONSTRAINT ${ident(name)};  -- fails if orphans exist: SELECT * FROM ${tq(t)} x WHERE ${ident(c.name)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${tq(target)} p WHERE p.${ident(pk.name)} = x.${ident(c.name)})\n` +
      (t.indexedLead.has(c.name) ? '' : `CREATE INDEX${t.kind === 'p' ? '' : ' CONCURRENTLY'} ON ${tq(t)} (${ident(c.name)});  -- deletes in ${tq(target)} look up the referencing rows through it`));
  }
}

// ---- Data checks ---------------------------------------------------------------------------------

function checkDelimited(t: Table, s: Sample, add: Add) {
  s.columns.forEach((c, i) => {
    if (c.category !== 'S' || isArray(c)) return;
    const hit = findDelimitedList(s.values[i]);
    if (!hit) return;
    const pk = singlePk(t);
    const d = hit.delimiter.replace(/'/g, "''");
    let fix = '';
    if (pk) {
      const child = `${singular(t.name)}_${singular(c.name)}`;
      const childQ = qualified(t.schema, child);
      const fkCol = `${singular(t.name)}_${pk.name}`;
      const item = singular(c.name) === c.name ? `${c.name}_item` : singular(c.name);
      fix =
        `CREATE TABLE ${childQ} (\n  ${ident(fkCol)} ${ddlType(pk)} NOT NULL REFERENCES ${tq(t)} (${ident(pk.name)}) ON DELETE CASCADE,\n` +
        `  ${ident(item)} text NOT NULL,\n  PRIMARY KEY (${ident(fkCol)}, ${ident(item)})\n);\n` +
        `INSERT INTO ${childQ}\nSELECT DISTINCT t.${ident(pk.name)}, trim(x) FROM ${tq(t)} t CROSS JOIN LATERAL unnest(string_to_array(t.${ident(c.name)}, '${d}')) AS x\n WHERE trim(x) <> '';\n` +
        `ALTER TABLE ${tq(t)} DROP COLUMN ${ident(c.name)};\n` +
        `-- or, to keep the values in the row: `;
    } else fix = '-- keep the values in the row as an array: ';
    fix += `ALTER TABLE ${tq(t)} ALTER COLUMN ${ident(c.name)} TYPE text[] USING string_to_array(${ident(c.name)}, '${d}');`;
    add('delimited_list_column', 'warning', t, { columns: [c.name] },
      `Column ${cq(t, c.name)} holds '${hit.delimiter}'-separated lists in ${hit.listValues} of ${hit.nonNull} sampled values (e.g. ${hit.examples.map((e) => JSON.stringify(e)).join(', ')})`,
      'A list packed into one text value breaks first normal form: the database sees one opaque string, so it cannot check the items, reference them with a foreign key, or index them for "which rows contain x". ' +
      'Searching needs LIKE patterns that match substrings of other items and scan the whole table, and adding or removing one item means rewriting the string. ' +
      'Store one item per row in a child table, or at least use an array column, which can be indexed with GIN.',
      fix);
  });
}

function checkDependencies(t: Table, s: Sample, byName: Map<string, Table>, add: Add) {
  const keys = keyColumns(t);
  const whole = singleKeys(t);
  const cols = s.columns.slice(0, FD_MAX_COLUMNS);
  const coded: Coded[] = cols.map((_, i) => encode(s.values[i]));
  const usable = (c: Column) => !c.generated && !c.identity && !c.ownedSequence;
  const determinant = cols.map((c, i) => usable(c) && !whole.has(c.name) ? determinantEvidence(coded[i]) : null);
  const dependentOk = cols.map((c) => usable(c) && !keys.has(c.name));
  const deps = new Map<number, number[]>();
  for (let a = 0; a < cols.length; a++) {
    if (!determinant[a]) continue;
    for (let b = 0; b < cols.length; b++) {
      if (a === b || !dependentOk[b] || coded[b].distinct < 2) continue;
      if (determines(coded[a], coded[b])) (deps.get(a) ?? deps.set(a, []).get(a)!).push(b);
    }
  }
  // Two columns that determine each other are one fact under two names: report the first only.
  const hidden = new Set<number>();
  for (const [a, bs] of deps) for (const b of bs) if (b < a && deps.get(b)?.includes(a)) hidden.add(a);
  for (const [a, bs] of deps) {
    if (hidden.has(a)) continue;
    const A = cols[a];
    const B = bs.map((b) => cols[b]);
    const ev = determinant[a]!;
    const nf = keys.has(A.name) ? '2NF' : '3NF';
    const fk = foreignKeyOf(t, A.name);
    const parent = fk?.ftable ? byName.get(`${fk.fschema}.${fk.ftable}`) : undefined;
    const a_ = ident(A.name);
    let fix: string;
    if (fk && parent && fk.fcolumns.length === 1) {
      const pcol = ident(fk.fcolumns[0]);
      fix = `-- ${A.name} already references ${tq(parent)}: the dependent columns belong there\n` +
        B.map((b) => parent.columns.some((pc) => pc.name === b.name)
          ? `-- ${tq(parent)}.${ident(b.name)} exists already: read it with a join`
          : `ALTER TABLE ${tq(parent)} ADD COLUMN ${ident(b.name)} ${b.type};\n` +
            `UPDATE ${tq(parent)} p SET ${ident(b.name)} = d.${ident(b.name)} FROM (SELECT DISTINCT ${a_}, ${ident(b.name)} FROM ${tq(t)}) d WHERE p.${pcol} = d.${a_};`).join('\n') +
        `\nALTER TABLE ${tq(t)} ${B.map((b) => `DROP COLUMN ${ident(b.name)}`).join(', ')};`;
    } else {
      const base = A.name.replace(/_(id|code|key|no|number|num)$/, '') || A.name;
      const newName = byName.has(`${t.schema}.${base}`) || base === t.name ? `${t.name}_${A.name}` : base;
      const nq = qualified(t.schema, newName);
      fix = `-- the facts about each ${A.name} get a table of their own, keyed by ${A.name}\n` +
        `CREATE TABLE ${nq} AS SELECT DISTINCT ${[A, ...B].map((c) => ident(c.name)).join(', ')} FROM ${tq(t)} WHERE ${a_} IS NOT NULL;\n` +
        `ALTER TABLE ${nq} ADD PRIMARY KEY (${a_});  -- fails if rows outside the sample disagree: clean them first\n` +
        `ALTER TABLE ${tq(t)} ADD FOREIGN KEY (${a_}) REFERENCES ${nq} (${a_}) ON DELETE RESTRICT;\n` +
        (t.indexedLead.has(A.name) ? '' : `CREATE INDEX ON ${tq(t)} (${a_});  -- serves the foreign key\n`) +
        `ALTER TABLE ${tq(t)} ${B.map((b) => `DROP COLUMN ${ident(b.name)}`).join(', ')};`;
    }
    add('functional_dependency', 'warning', t, { columns: [A.name, ...B.map((b) => b.name)] },
      `In ${s.rows} sampled rows of ${tq(t)}, ${A.name} determines ${B.map((b) => b.name).join(', ')} (${ev.repeatedValues} repeated ${A.name} values, each with one ${B.length === 1 ? 'value' : 'set of values'}): a ${nf} violation`,
      `${B.map((b) => b.name).join(', ')} ${B.length === 1 ? 'is a fact' : 'are facts'} about ${A.name}, ${nf === '2NF' ? 'which is only part of the key' : 'which is not a key'}, so the same fact is stored again in every row with that ${A.name} (${nf}). ` +
      'Changing it means updating all those rows, and a missed one leaves the data contradicting itself; the fact also vanishes with the last row that mentions it. ' +
      'Move the dependent columns to a table keyed by the determinant; the sample suggests the rule, so confirm it holds for all rows before decomposing.',
      fix);
  }
}

const OPTIONAL_NAME = /^(middle_name|nickname|nick|notes?|comments?|remarks?|description|bio|about|suffix|prefix|title_suffix|fax|website|url|homepage|avatar(_url)?|photo(_url)?|image(_url)?|parent_id|manager_id|referrer_id|replaced_by(_id)?|extra|metadata|meta|details?)$|(^|_)(deleted|archived|cancel+ed|ended|finished|completed|closed|expires|expired|last_login|last_seen|verified|confirmed|approved|published|shipped|delivered|paid|reviewed|processed|resolved|locked|disabled|banned)(_(at|on|date|by|time))?$/;
const REQUIRED_NAME = /^(name|title|email|e_mail|username|user_name|login|status|state|type|kind|code|slug|sku|label|amount|price|quantity|qty|total|currency|first_name|last_name|full_name|created|created_at|created_on|inserted_at|updated_at|modified_at)$|_id$/;

function checkMissingNotNull(t: Table, s: Sample, add: Add) {
  if (s.rows < NOT_NULL_MIN_ROWS) return;
  s.columns.forEach((c, i) => {
    if (c.notNull || c.generated || OPTIONAL_NAME.test(c.name)) return;
    if (s.values[i].some((v) => v === null)) return;
    const hasDefault = c.default !== null && !/^NULL(::|$)/i.test(c.default);
    const inFk = t.constraints.some((k) => k.type === 'f' && k.columns.includes(c.name));
    if (!hasDefault && !inFk && !REQUIRED_NAME.test(c.name)) return;
    const reason = hasDefault ? 'has a default' : inFk ? 'is a foreign key' : 'is named like a required attribute';
    const table = tq(t);
    const col = ident(c.name);
    const cname = ident(`${t.name}_${c.name}_not_null`);
    add('missing_not_null', 'info', t, { columns: [c.name] },
      `Column ${cq(t, c.name)} is nullable but none of ${s.rows} sampled rows is NULL and it ${reason}`,
      'A nullable column that is always filled is a rule the database does not know: one buggy insert stores a NULL, and every query must then allow for it (NULL = x is never true, NOT IN with a NULL returns nothing). ' +
      'NOT NULL states the rule, rejects the bad row at once, and lets the planner and readers rely on it.',
      `ALTER TABLE ${table} ALTER COLUMN ${col} SET NOT NULL;\n` +
      `-- on a large busy table, avoid scanning it under an exclusive lock:\n` +
      `--   ALTER TABLE ${table} ADD CONSTRAINT ${cname} CHECK (${col} IS NOT NULL) NOT VALID;\n` +
      `--   ALTER TABLE ${table} VALIDATE CONSTRAINT ${cname};\n` +
      `--   ALTER TABLE ${table} ALTER COLUMN ${col} SET NOT NULL;  -- uses the validated check, no scan\n` +
      `--   ALTER TABLE ${table} DROP CONSTRAINT ${cname};`);
  });
}
