// Schema inspector: typed facts about the whole database or one table, read from the system
// catalogs with SQL that runs unchanged on PGlite and on a PostgreSQL 18 server, and Markdown
// documentation made from them. Objects that belong to an extension are left out.
import type { Queryable } from '../db/types.ts';
import { qualified } from './finding.ts';
import { arr, bool, flushStats, formatBytes, num, numOrNull, rows, str, strOrNull } from './util.ts';

export type FkAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ColumnFact {
  name: string;
  position: number;
  type: string;
  nullable: boolean;
  default: string | null;
  identity: 'always' | 'by default' | null;
  /** The generation expression of a generated column. */
  generated: string | null;
  generatedKind: 'stored' | 'virtual' | null;
  comment: string | null;
}

export interface ConstraintFact {
  name: string;
  type: 'primary key' | 'foreign key' | 'unique' | 'check' | 'exclusion';
  columns: string[];
  definition: string;
  validated: boolean;
  deferrable: boolean;
  references?: { schema: string; table: string; columns: string[] };
  onUpdate?: FkAction;
  onDelete?: FkAction;
  comment: string | null;
}

export interface IndexFact {
  name: string;
  definition: string;
  method: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  /** Key columns, or the expression text for expression columns. */
  columns: string[];
  include: string[];
  predicate: string | null;
  sizeBytes: number;
  scans: number;
  /** The constraint this index enforces, if any. */
  constraint: string | null;
}

export interface TriggerFact {
  name: string;
  definition: string;
  enabled: boolean;
  function: string;
}

export interface TableFact {
  schema: string;
  name: string;
  kind: 'table' | 'partitioned table' | 'foreign table';
  partitionOf: { schema: string; table: string; bound: string } | null;
  partitionKey: string | null;
  comment: string | null;
  rowEstimate: number | null;
  tableBytes: number;
  indexBytes: number;
  totalBytes: number;
  columns: ColumnFact[];
  constraints: ConstraintFact[];
  indexes: IndexFact[];
  triggers: TriggerFact[];
}

export interface ViewFact {
  schema: string;
  name: string;
  materialized: boolean;
  definition: string;
  comment: string | null;
  columns: ColumnFact[];
  /** Materialized views only. */
  populated?: boolean;
  sizeBytes?: number;
  rowEstimate?: number | null;
  indexes?: IndexFact[];
}

export interface FunctionFact {
  schema: string;
  name: string;
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  arguments: string;
  returns: string | null;
  language: string;
  volatility: 'immutable' | 'stable' | 'volatile';
  securityDefiner: boolean;
  comment: string | null;
}

export interface EnumFact { schema: string; name: string; values: string[]; comment: string | null }
export interface DomainFact { schema: string; name: string; baseType: string; notNull: boolean; default: string | null; checks: string[]; comment: string | null }
export interface SequenceFact {
  schema: string;
  name: string;
  dataType: string;
  /** Exact values as text (bigint limits do not fit a JS number). */
  start: string;
  increment: string;
  min: string;
  max: string;
  last: string | null;
  cycle: boolean;
  ownedBy: { schema: string; table: string; column: string } | null;
}
export interface ExtensionFact { name: string; version: string; schema: string; comment: string | null }
export interface SchemaFact { name: string; owner: string; comment: string | null }

/** One foreign key as an edge of the entity–relationship diagram. */
export interface FkEdge {
  name: string;
  from: { schema: string; table: string; columns: string[] };
  to: { schema: string; table: string; columns: string[] };
  onUpdate: FkAction;
  onDelete: FkAction;
  validated: boolean;
}

export interface InspectorFacts {
  database: { name: string; version: string; sizeBytes: number };
  scope: { schema: string | null; table: string | null };
  schemas: SchemaFact[];
  tables: TableFact[];
  views: ViewFact[];
  functions: FunctionFact[];
  enums: EnumFact[];
  domains: DomainFact[];
  sequences: SequenceFact[];
  extensions: ExtensionFact[];
  foreignKeys: FkEdge[];
}

export interface InspectOptions {
  /** Only this schema. */
  schema?: string;
  /** Only this table (`name` or `schema.name`); other object kinds are then left out. */
  table?: string;
}

const SYSTEM_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'`;
/** Objects created by an extension are the extension's business, not the schema's. */
const notExtensionMember = (classRel: string, oidExpr: string) =>
  `not exists (select 1 from pg_depend dep where dep.classid = '${classRel}'::regclass and dep.objid = ${oidExpr} and dep.deptype = 'e')`;

const FK_ACTIONS: Record<string, FkAction> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
const CONSTRAINT_TYPES: Record<string, ConstraintFact['type']> = { p: 'primary key', f: 'foreign key', u: 'unique', c: 'check', x: 'exclusion' };

interface Scope {
  where: string;
  params: unknown[];
}

/** Filters on n.nspname / c.relname for the chosen scope. */
function scopeFilter(opts: InspectOptions, relnameExpr: string | null): Scope {
  const parts = [SYSTEM_SCHEMAS];
  const params: unknown[] = [];
  let schema = opts.schema ?? null;
  let table = opts.table ?? null;
  if (table && table.includes('.') && !schema) {
    const i = table.indexOf('.');
    schema = table.slice(0, i);
    table = table.slice(i + 1);
  }
  if (schema) {
    params.push(schema);
    parts.push(`n.nspname = $${params.length}`);
  }
  if (table && relnameExpr) {
    params.push(table);
    parts.push(`${relnameExpr} = $${params.length}`);
  }
  return { where: parts.join(' and '), params };
}

export async function inspectSchema(db: Queryable, opts: InspectOptions = {}): Promise<InspectorFacts> {
  await flushStats(db);
  const tableOnly = !!opts.table;
  const relScope = scopeFilter(opts, 'c.relname');
  const nsScope = scopeFilter({ schema: opts.schema ?? (opts.table?.includes('.') ? opts.table.split('.')[0] : undefined) }, null);

  const [dbRow] = await rows(db, `select current_database() as name, current_setting('server_version') as version, pg_database_size(current_database())::float8 as size`);

  const schemaRows = await rows(
    db,
    `select n.nspname as name, pg_get_userbyid(n.nspowner) as owner, obj_description(n.oid, 'pg_namespace') as comment
       from pg_namespace n where ${nsScope.where} and ${notExtensionMember('pg_namespace', 'n.oid')} order by 1`,
    nsScope.params,
  );

  const relRows = await rows(
    db,
    `select c.oid::int8::text as oid, n.nspname as schema, c.relname as name, c.relkind::text as relkind,
            obj_description(c.oid, 'pg_class') as comment,
            case when c.reltuples < 0 then null else c.reltuples::float8 end as row_estimate,
            pg_table_size(c.oid)::float8 as table_bytes, pg_indexes_size(c.oid)::float8 as index_bytes,
            pg_total_relation_size(c.oid)::float8 as total_bytes,
            pn.nspname as parent_schema, pc.relname as parent_name,
            case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as bound,
            case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partkey,
            case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid, true) end as viewdef,
            c.relispopulated as populated
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       left join pg_inherits inh on c.relispartition and inh.inhrelid = c.oid
       left join pg_class pc on pc.oid = inh.inhparent
       left join pg_namespace pn on pn.oid = pc.relnamespace
      where c.relkind in ('r', 'p', 'f', 'v', 'm') and ${relScope.where} and ${notExtensionMember('pg_class', 'c.oid')}
        ${tableOnly ? "and c.relkind in ('r', 'p', 'f')" : ''}
      order by n.nspname, c.relname`,
    relScope.params,
  );
  const oids = relRows.map((r) => str(r.oid));
  const byOid = new Map<string, Record<string, unknown>>(relRows.map((r) => [str(r.oid), r]));

  const colRows = oids.length
    ? await rows(
        db,
        `select a.attrelid::int8::text as oid, a.attnum::int as position, a.attname as name,
                format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
                case when a.attgenerated = '' then pg_get_expr(d.adbin, d.adrelid) end as def,
                case a.attidentity when 'a' then 'always' when 'd' then 'by default' end as identity,
                case when a.attgenerated <> '' then pg_get_expr(d.adbin, d.adrelid) end as generated,
                case a.attgenerated when 's' then 'stored' when 'v' then 'virtual' end as generated_kind,
                col_description(a.attrelid, a.attnum) as comment
           from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
          where a.attrelid::int8::text = any($1::text[]) and a.attnum > 0 and not a.attisdropped
          order by a.attrelid, a.attnum`,
        [oids],
      )
    : [];

  const conRows = oids.length
    ? await rows(
        db,
        `select con.conrelid::int8::text as oid, con.conname as name, con.contype::text as contype,
                pg_get_constraintdef(con.oid, true) as definition, con.convalidated as validated, con.condeferrable as deferrable,
                (select json_agg(a.attname order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns,
                fn.nspname as ref_schema, fc.relname as ref_table,
                (select json_agg(a.attname order by k.ord) from unnest(con.confkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum) as ref_columns,
                con.confupdtype::text as upd, con.confdeltype::text as del,
                obj_description(con.oid, 'pg_constraint') as comment
           from pg_constraint con
           left join pg_class fc on fc.oid = con.confrelid left join pg_namespace fn on fn.oid = fc.relnamespace
          where con.conrelid::int8::text = any($1::text[]) and con.contype in ('p', 'f', 'u', 'c', 'x')
            and (con.contype <> 'f' or con.conparentid = 0) -- FK clones on partitions repeat their parent's
          order by con.conrelid, case con.contype when 'p' then 0 when 'u' then 1 when 'f' then 2 when 'c' then 3 else 4 end, con.conname`,
        [oids],
      )
    : [];

  const idxRows = oids.length ? await indexRows(db, oids) : [];

  const trgRows = oids.length
    ? await rows(
        db,
        `select t.tgrelid::int8::text as oid, t.tgname as name, pg_get_triggerdef(t.oid, true) as definition,
                t.tgenabled::text <> 'D' as enabled, p.proname as func, pn.nspname as func_schema
           from pg_trigger t join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
          where not t.tgisinternal and t.tgrelid::int8::text = any($1::text[]) order by t.tgrelid, t.tgname`,
        [oids],
      )
    : [];

  const columnsOf = groupBy(colRows, (r) => str(r.oid), (r): ColumnFact => ({
    name: str(r.name),
    position: num(r.position),
    type: str(r.type),
    nullable: bool(r.nullable),
    default: strOrNull(r.def),
    identity: (strOrNull(r.identity) as ColumnFact['identity']),
    generated: strOrNull(r.generated),
    generatedKind: (strOrNull(r.generated_kind) as ColumnFact['generatedKind']),
    comment: strOrNull(r.comment),
  }));
  const constraintsOf = groupBy(conRows, (r) => str(r.oid), (r): ConstraintFact => {
    const type = CONSTRAINT_TYPES[str(r.contype)];
    const c: ConstraintFact = {
      name: str(r.name),
      type,
      columns: arr(r.columns),
      definition: str(r.definition),
      validated: bool(r.validated),
      deferrable: bool(r.deferrable),
      comment: strOrNull(r.comment),
    };
    if (type === 'foreign key') {
      c.references = { schema: str(r.ref_schema), table: str(r.ref_table), columns: arr(r.ref_columns) };
      c.onUpdate = FK_ACTIONS[str(r.upd)];
      c.onDelete = FK_ACTIONS[str(r.del)];
    }
    return c;
  });
  const indexesOf = groupBy(idxRows, (r) => r.tableOid, toIndexFact);
  const triggersOf = groupBy(trgRows, (r) => str(r.oid), (r): TriggerFact => ({
    name: str(r.name),
    definition: str(r.definition),
    enabled: bool(r.enabled),
    function: qualified(str(r.func_schema), str(r.func)),
  }));

  const tables: TableFact[] = [];
  const views: ViewFact[] = [];
  for (const oid of oids) {
    const r = byOid.get(oid)!;
    const kind = str(r.relkind);
    if (kind === 'v' || kind === 'm') {
      const v: ViewFact = {
        schema: str(r.schema),
        name: str(r.name),
        materialized: kind === 'm',
        definition: str(r.viewdef).trim(),
        comment: strOrNull(r.comment),
        columns: columnsOf.get(oid) ?? [],
      };
      if (kind === 'm') {
        v.populated = bool(r.populated);
        v.sizeBytes = num(r.total_bytes);
        v.rowEstimate = numOrNull(r.row_estimate);
        v.indexes = indexesOf.get(oid) ?? [];
      }
      views.push(v);
      continue;
    }
    tables.push({
      schema: str(r.schema),
      name: str(r.name),
      kind: kind === 'p' ? 'partitioned table' : kind === 'f' ? 'foreign table' : 'table',
      partitionOf: r.parent_name ? { schema: str(r.parent_schema), table: str(r.parent_name), bound: str(r.bound) } : null,
      partitionKey: strOrNull(r.partkey),
      comment: strOrNull(r.comment),
      rowEstimate: numOrNull(r.row_estimate),
      tableBytes: num(r.table_bytes),
      indexBytes: num(r.index_bytes),
      totalBytes: num(r.total_bytes),
      columns: columnsOf.get(oid) ?? [],
      constraints: constraintsOf.get(oid) ?? [],
      indexes: indexesOf.get(oid) ?? [],
      triggers: triggersOf.get(oid) ?? [],
    });
  }

  const foreignKeys: FkEdge[] = [];
  for (const t of tables) {
    for (const c of t.constraints) {
      if (c.type !== 'foreign key' || !c.references) continue;
      foreignKeys.push({
        name: c.name,
        from: { schema: t.schema, table: t.name, columns: c.columns },
        to: c.references,
        onUpdate: c.onUpdate!,
        onDelete: c.onDelete!,
        validated: c.validated,
      });
    }
  }
  // In table mode, also the foreign keys that point at the table.
  if (tableOnly && tables.length) {
    const t = tables[0];
    const incoming = await rows(
      db,
      `select con.conname as name, n.nspname as schema, c.relname as table, con.convalidated as validated,
              (select json_agg(a.attname order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns,
              (select json_agg(a.attname order by k.ord) from unnest(con.confkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum) as ref_columns,
              con.confupdtype::text as upd, con.confdeltype::text as del
         from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
        where con.contype = 'f' and con.confrelid::int8::text = $1 and con.conrelid <> con.confrelid
          and con.conparentid = 0
        order by 2, 3, 1`,
      [oids[0]],
    );
    for (const r of incoming) {
      foreignKeys.push({
        name: str(r.name),
        from: { schema: str(r.schema), table: str(r.table), columns: arr(r.columns) },
        to: { schema: t.schema, table: t.name, columns: arr(r.ref_columns) },
        onUpdate: FK_ACTIONS[str(r.upd)],
        onDelete: FK_ACTIONS[str(r.del)],
        validated: bool(r.validated),
      });
    }
  }

  let functions: FunctionFact[] = [];
  let enums: EnumFact[] = [];
  let domains: DomainFact[] = [];
  let sequences: SequenceFact[] = [];
  let extensions: ExtensionFact[] = [];
  if (!tableOnly) {
    functions = (
      await rows(
        db,
        `select n.nspname as schema, p.proname as name, p.prokind::text as kind,
                pg_get_function_identity_arguments(p.oid) as args,
                case when p.prokind in ('f', 'w') then pg_get_function_result(p.oid) end as returns,
                l.lanname as language, p.provolatile::text as volatility, p.prosecdef as secdef,
                obj_description(p.oid, 'pg_proc') as comment
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
          where ${nsScope.where} and ${notExtensionMember('pg_proc', 'p.oid')}
          order by 1, 2, 4`,
        nsScope.params,
      )
    ).map((r) => ({
      schema: str(r.schema),
      name: str(r.name),
      kind: ({ f: 'function', p: 'procedure', a: 'aggregate', w: 'window' } as const)[str(r.kind) as 'f'] ?? 'function',
      arguments: str(r.args),
      returns: strOrNull(r.returns),
      language: str(r.language),
      volatility: ({ i: 'immutable', s: 'stable', v: 'volatile' } as const)[str(r.volatility) as 'i'] ?? 'volatile',
      securityDefiner: bool(r.secdef),
      comment: strOrNull(r.comment),
    }));
    enums = (
      await rows(
        db,
        `select n.nspname as schema, t.typname as name,
                (select json_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) as labels,
                obj_description(t.oid, 'pg_type') as comment
           from pg_type t join pg_namespace n on n.oid = t.typnamespace
          where t.typtype = 'e' and ${nsScope.where} and ${notExtensionMember('pg_type', 't.oid')} order by 1, 2`,
        nsScope.params,
      )
    ).map((r) => ({ schema: str(r.schema), name: str(r.name), values: arr(r.labels), comment: strOrNull(r.comment) }));
    domains = (
      await rows(
        db,
        `select n.nspname as schema, t.typname as name, format_type(t.typbasetype, t.typtypmod) as base,
                t.typnotnull as notnull, t.typdefault as def,
                (select json_agg(pg_get_constraintdef(c.oid, true) order by c.conname) from pg_constraint c where c.contypid = t.oid and c.contype = 'c') as checks,
                obj_description(t.oid, 'pg_type') as comment
           from pg_type t join pg_namespace n on n.oid = t.typnamespace
          where t.typtype = 'd' and ${nsScope.where} and ${notExtensionMember('pg_type', 't.oid')} order by 1, 2`,
        nsScope.params,
      )
    ).map((r) => ({
      schema: str(r.schema),
      name: str(r.name),
      baseType: str(r.base),
      notNull: bool(r.notnull),
      default: strOrNull(r.def),
      checks: arr(r.checks),
      comment: strOrNull(r.comment),
    }));
    sequences = (
      await rows(
        db,
        `select n.nspname as schema, c.relname as name, format_type(s.seqtypid, null) as data_type,
                s.seqstart::text as start, s.seqincrement::text as inc, s.seqmin::text as min, s.seqmax::text as max,
                s.seqcycle as cycle, ps.last_value::text as last,
                tn.nspname as owner_schema, tc.relname as owner_table, ta.attname as owner_column
           from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
           left join pg_sequences ps on ps.schemaname = n.nspname and ps.sequencename = c.relname
           left join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = c.oid and d.refclassid = 'pg_class'::regclass
                                and d.refobjsubid > 0 and d.deptype in ('a', 'i')
           left join pg_class tc on tc.oid = d.refobjid left join pg_namespace tn on tn.oid = tc.relnamespace
           left join pg_attribute ta on ta.attrelid = d.refobjid and ta.attnum = d.refobjsubid
          where ${nsScope.where} and ${notExtensionMember('pg_class', 'c.oid')} order by 1, 2`,
        nsScope.params,
      )
    ).map((r) => ({
      schema: str(r.schema),
      name: str(r.name),
      dataType: str(r.data_type),
      start: str(r.start),
      increment: str(r.inc),
      min: str(r.min),
      max: str(r.max),
      last: strOrNull(r.last),
      cycle: bool(r.cycle),
      ownedBy: r.owner_table ? { schema: str(r.owner_schema), table: str(r.owner_table), column: str(r.owner_column) } : null,
    }));
    extensions = (
      await rows(
        db,
        `select e.extname as name, e.extversion as version, n.nspname as schema, obj_description(e.oid, 'pg_extension') as comment
           from pg_extension e join pg_namespace n on n.oid = e.extnamespace order by 1`,
      )
    ).map((r) => ({ name: str(r.name), version: str(r.version), schema: str(r.schema), comment: strOrNull(r.comment) }));
  }

  return {
    database: { name: str(dbRow?.name), version: str(dbRow?.version), sizeBytes: num(dbRow?.size) },
    scope: { schema: opts.schema ?? null, table: opts.table ?? null },
    schemas: schemaRows.map((r) => ({ name: str(r.name), owner: str(r.owner), comment: strOrNull(r.comment) })),
    tables,
    views,
    functions,
    enums,
    domains,
    sequences,
    extensions,
    foreignKeys,
  };
}

/** The FK edges of a report, for the entity–relationship diagram. */
export function foreignKeyEdges(facts: InspectorFacts): FkEdge[] {
  return facts.foreignKeys;
}

// ---------------------------------------------------------------------------------------------
// Index rows, shared with the index analyzer.

export interface IndexRow {
  tableOid: string;
  schema: string;
  table: string;
  tableKind: string;
  name: string;
  definition: string;
  method: string;
  unique: boolean;
  primary: boolean;
  exclusion: boolean;
  valid: boolean;
  ready: boolean;
  /** Attribute numbers of all index columns (0 = expression), key columns first. */
  attnums: number[];
  keyCount: number;
  columns: string[];
  include: string[];
  opclasses: string[];
  collations: string[];
  options: number[];
  expressions: string | null;
  predicate: string | null;
  sizeBytes: number;
  scans: number;
  tuplesRead: number;
  constraint: string | null;
  constraintType: string | null;
  /** NULLS NOT DISTINCT: a unique index that also treats NULLs as equal. */
  nullsNotDistinct: boolean;
  /** `I` for the index of a partitioned table (its usage and size are its partitions' sum). */
  indexKind: string;
  /** The partitioned index this one is attached to: it cannot be dropped on its own. */
  parentIndex: string | null;
  /** The collation of each key column as declared on the column (0 when it has none). */
  columnCollations: string[];
}

export async function indexRows(db: Queryable, tableOids?: string[]): Promise<IndexRow[]> {
  const filter = tableOids ? `i.indrelid::int8::text = any($1::text[])` : `${SYSTEM_SCHEMAS} and ${notExtensionMember('pg_class', 't.oid')}`;
  const list = await rows(
    db,
    `select t.oid::int8::text as table_oid, n.nspname as schema, t.relname as table, t.relkind::text as table_kind,
            ic.relname as name, pg_get_indexdef(i.indexrelid) as definition, am.amname as method,
            i.indisunique as is_unique, i.indisprimary as is_primary, i.indisexclusion as is_exclusion,
            i.indisvalid as is_valid, i.indisready as is_ready,
            to_json(i.indkey::int2[]) as attnums, i.indnkeyatts::int as key_count,
            (select json_agg(pg_get_indexdef(i.indexrelid, k, true) order by k) from generate_series(1, i.indnatts::int) k) as columns,
            (select json_agg(o.opcname order by k.ord) from unnest(i.indclass::oid[]) with ordinality k(opc, ord)
               join pg_opclass o on o.oid = k.opc) as opclasses,
            to_json(i.indcollation::oid[]::text[]) as collations, to_json(i.indoption::int2[]) as options,
            pg_get_expr(i.indexprs, i.indrelid) as expressions, pg_get_expr(i.indpred, i.indrelid, true) as predicate,
            -- A partitioned index has no storage and no counters of its own: sum its partitions'.
            (case when ic.relkind = 'I' then (select coalesce(sum(pg_relation_size(pt.relid)), 0) from pg_partition_tree(ic.oid) pt where pt.isleaf)
                  else pg_relation_size(ic.oid) end)::float8 as size,
            (case when ic.relkind = 'I' then (select coalesce(sum(ps.idx_scan), 0) from pg_partition_tree(ic.oid) pt
                                                join pg_stat_all_indexes ps on ps.indexrelid = pt.relid where pt.isleaf)
                  else coalesce(s.idx_scan, 0) end)::float8 as scans,
            (case when ic.relkind = 'I' then (select coalesce(sum(ps.idx_tup_read), 0) from pg_partition_tree(ic.oid) pt
                                                join pg_stat_all_indexes ps on ps.indexrelid = pt.relid where pt.isleaf)
                  else coalesce(s.idx_tup_read, 0) end)::float8 as tup_read,
            con.conname as constraint_name, con.contype::text as constraint_type,
            i.indnullsnotdistinct as nulls_not_distinct, ic.relkind::text as index_kind,
            (select pc.relname from pg_inherits ih join pg_class pc on pc.oid = ih.inhparent where ih.inhrelid = ic.oid limit 1) as parent_index,
            (select json_agg(coalesce(a.attcollation, 0)::text order by k.ord) from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
               left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum where k.ord <= i.indnkeyatts) as column_collations
       from pg_index i
       join pg_class ic on ic.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
       join pg_namespace n on n.oid = t.relnamespace join pg_am am on am.oid = ic.relam
       left join pg_stat_all_indexes s on s.indexrelid = i.indexrelid
       left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x')
      where ${filter}
      order by n.nspname, t.relname, ic.relname`,
    tableOids ? [tableOids] : [],
  );
  return list.map((r) => {
    const keyCount = num(r.key_count);
    const all = arr<string>(r.columns);
    return {
      tableOid: str(r.table_oid),
      schema: str(r.schema),
      table: str(r.table),
      tableKind: str(r.table_kind),
      name: str(r.name),
      definition: str(r.definition),
      method: str(r.method),
      unique: bool(r.is_unique),
      primary: bool(r.is_primary),
      exclusion: bool(r.is_exclusion),
      valid: bool(r.is_valid),
      ready: bool(r.is_ready),
      attnums: arr<number>(r.attnums).map(Number),
      keyCount,
      columns: all.slice(0, keyCount),
      include: all.slice(keyCount),
      opclasses: arr(r.opclasses),
      collations: arr<string>(r.collations).map(String),
      options: arr<number>(r.options).map(Number),
      expressions: strOrNull(r.expressions),
      predicate: strOrNull(r.predicate),
      sizeBytes: num(r.size),
      scans: num(r.scans),
      tuplesRead: num(r.tup_read),
      constraint: strOrNull(r.constraint_name),
      constraintType: strOrNull(r.constraint_type),
      nullsNotDistinct: bool(r.nulls_not_distinct),
      indexKind: str(r.index_kind),
      parentIndex: strOrNull(r.parent_index),
      columnCollations: arr<string>(r.column_collations).map(String),
    };
  });
}

function toIndexFact(r: IndexRow): IndexFact {
  return {
    name: r.name,
    definition: r.definition,
    method: r.method,
    unique: r.unique,
    primary: r.primary,
    valid: r.valid,
    columns: r.columns,
    include: r.include,
    predicate: r.predicate,
    sizeBytes: r.sizeBytes,
    scans: r.scans,
    constraint: r.constraint,
  };
}

function groupBy<R, T>(list: R[], key: (r: R) => string, map: (r: R) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of list) {
    const k = key(r);
    let bucket = out.get(k);
    if (!bucket) out.set(k, (bucket = []));
    bucket.push(map(r));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Markdown documentation.

const esc = (s: string | null | undefined) => (s ?? '').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
const code = (s: string | null | undefined) => (s ? '`' + s.replace(/`/g, "'").replace(/\r?\n/g, ' ') + '`' : '');
const anchor = (schema: string, name: string) => `${schema}-${name}`.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');

function mdTable(head: string[], body: string[][]): string {
  if (!body.length) return '';
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

export function inspectorMarkdown(facts: InspectorFacts): string {
  const out: string[] = [];
  const scope = facts.scope.table ? ` — table ${facts.scope.table}` : facts.scope.schema ? ` — schema ${facts.scope.schema}` : '';
  out.push(`# Database \`${facts.database.name}\`${scope}\n`);
  out.push(`PostgreSQL ${facts.database.version} · database size ${formatBytes(facts.database.sizeBytes)} · ${facts.tables.length} tables, ${facts.views.length} views, ${facts.foreignKeys.length} foreign keys\n`);

  if (facts.schemas.length && !facts.scope.table) {
    out.push('## Schemas\n');
    out.push(mdTable(['Schema', 'Owner', 'Comment'], facts.schemas.map((s) => [code(s.name), esc(s.owner), esc(s.comment)])));
  }

  if (facts.tables.length) {
    out.push('## Tables\n');
    out.push(
      mdTable(
        ['Table', 'Kind', 'Rows (estimate)', 'Table size', 'Index size', 'Comment'],
        facts.tables.map((t) => [
          `[${esc(qualified(t.schema, t.name))}](#${anchor(t.schema, t.name)})`,
          t.partitionOf ? `partition of ${esc(qualified(t.partitionOf.schema, t.partitionOf.table))}` : t.kind,
          t.rowEstimate === null ? 'not analyzed' : String(Math.round(t.rowEstimate)),
          formatBytes(t.tableBytes),
          formatBytes(t.indexBytes),
          esc(t.comment),
        ]),
      ),
    );
    for (const t of facts.tables) out.push(tableMarkdown(t, facts.foreignKeys));
  }

  if (facts.views.length) {
    out.push('## Views\n');
    for (const v of facts.views) {
      out.push(`### <a id="${anchor(v.schema, v.name)}"></a>${v.materialized ? 'Materialized view' : 'View'} ${esc(qualified(v.schema, v.name))}\n`);
      if (v.comment) out.push(`${esc(v.comment)}\n`);
      if (v.materialized) out.push(`${v.populated ? 'Populated' : 'Not populated (run REFRESH MATERIALIZED VIEW)'} · ${formatBytes(v.sizeBytes ?? 0)} · ~${Math.round(v.rowEstimate ?? 0)} rows\n`);
      out.push(mdTable(['Column', 'Type', 'Comment'], v.columns.map((c) => [code(c.name), esc(c.type), esc(c.comment)])));
      out.push('```sql\n' + v.definition + '\n```\n');
      if (v.indexes?.length) out.push(mdTable(['Index', 'Definition'], v.indexes.map((i) => [code(i.name), code(i.definition)])));
    }
  }

  if (facts.functions.length) {
    out.push('## Functions and procedures\n');
    out.push(
      mdTable(
        ['Name', 'Kind', 'Arguments', 'Returns', 'Language', 'Volatility', 'Comment'],
        facts.functions.map((f) => [
          code(qualified(f.schema, f.name)),
          f.kind + (f.securityDefiner ? ' (security definer)' : ''),
          esc(f.arguments),
          esc(f.returns),
          f.language,
          f.volatility,
          esc(f.comment),
        ]),
      ),
    );
  }
  if (facts.enums.length) {
    out.push('## Enum types\n');
    out.push(mdTable(['Type', 'Values', 'Comment'], facts.enums.map((e) => [code(qualified(e.schema, e.name)), esc(e.values.join(', ')), esc(e.comment)])));
  }
  if (facts.domains.length) {
    out.push('## Domains\n');
    out.push(
      mdTable(
        ['Domain', 'Base type', 'Not null', 'Default', 'Checks', 'Comment'],
        facts.domains.map((d) => [code(qualified(d.schema, d.name)), esc(d.baseType), d.notNull ? 'yes' : '', code(d.default), esc(d.checks.join('; ')), esc(d.comment)]),
      ),
    );
  }
  if (facts.sequences.length) {
    out.push('## Sequences\n');
    out.push(
      mdTable(
        ['Sequence', 'Type', 'Last value', 'Max', 'Increment', 'Owned by'],
        facts.sequences.map((s) => [
          code(qualified(s.schema, s.name)),
          s.dataType,
          s.last ?? 'not used yet',
          s.max,
          s.increment,
          s.ownedBy ? code(`${qualified(s.ownedBy.schema, s.ownedBy.table)}.${s.ownedBy.column}`) : '',
        ]),
      ),
    );
  }
  if (facts.extensions.length) {
    out.push('## Extensions\n');
    out.push(mdTable(['Extension', 'Version', 'Schema', 'Comment'], facts.extensions.map((e) => [code(e.name), e.version, code(e.schema), esc(e.comment)])));
  }
  if (facts.foreignKeys.length) {
    out.push('## Relationships\n');
    out.push(
      mdTable(
        ['From', 'To', 'On delete', 'On update', 'Constraint'],
        facts.foreignKeys.map((f) => [
          code(`${qualified(f.from.schema, f.from.table)} (${f.from.columns.join(', ')})`),
          code(`${qualified(f.to.schema, f.to.table)} (${f.to.columns.join(', ')})`),
          f.onDelete,
          f.onUpdate,
          code(f.name) + (f.validated ? '' : ' (not valid)'),
        ]),
      ),
    );
  }
  return out.filter(Boolean).join('\n');
}

function tableMarkdown(t: TableFact, fks: FkEdge[]): string {
  const out: string[] = [];
  out.push(`### <a id="${anchor(t.schema, t.name)}"></a>${t.kind === 'table' ? 'Table' : t.kind[0].toUpperCase() + t.kind.slice(1)} ${esc(qualified(t.schema, t.name))}\n`);
  if (t.comment) out.push(`${esc(t.comment)}\n`);
  const meta = [
    t.rowEstimate === null ? 'not analyzed yet' : `~${Math.round(t.rowEstimate)} rows`,
    `table ${formatBytes(t.tableBytes)}`,
    `indexes ${formatBytes(t.indexBytes)}`,
    `total ${formatBytes(t.totalBytes)}`,
  ];
  if (t.partitionOf) meta.push(`partition of ${qualified(t.partitionOf.schema, t.partitionOf.table)} ${t.partitionOf.bound}`);
  if (t.partitionKey) meta.push(`partitioned by ${t.partitionKey}`);
  out.push(meta.join(' · ') + '\n');
  const pk = new Set(t.constraints.filter((c) => c.type === 'primary key').flatMap((c) => c.columns));
  const fkCols = new Map<string, string>();
  for (const c of t.constraints) {
    if (c.type === 'foreign key' && c.references && c.columns.length === 1) fkCols.set(c.columns[0], `→ ${qualified(c.references.schema, c.references.table)}.${c.references.columns[0]}`);
  }
  out.push(
    mdTable(
      ['#', 'Column', 'Type', 'Null', 'Default', 'Key', 'Comment'],
      t.columns.map((c) => [
        String(c.position),
        code(c.name),
        esc(c.type),
        c.nullable ? 'yes' : 'not null',
        c.identity ? `identity (${c.identity})` : c.generated ? `generated ${c.generatedKind ?? ''}: ${code(c.generated)}` : code(c.default),
        [pk.has(c.name) ? 'PK' : '', esc(fkCols.get(c.name))].filter(Boolean).join(' '),
        esc(c.comment),
      ]),
    ),
  );
  if (t.constraints.length) {
    out.push('**Constraints**\n');
    out.push(
      mdTable(
        ['Name', 'Type', 'Definition'],
        t.constraints.map((c) => [code(c.name), c.type + (c.validated ? '' : ' (not valid)') + (c.deferrable ? ' (deferrable)' : ''), code(c.definition)]),
      ),
    );
  }
  if (t.indexes.length) {
    out.push('**Indexes**\n');
    out.push(
      mdTable(
        ['Name', 'Method', 'Columns', 'Size', 'Scans', 'Definition'],
        t.indexes.map((i) => [
          code(i.name) + (i.valid ? '' : ' (invalid)'),
          i.method,
          esc(i.columns.join(', ') + (i.include.length ? ` include (${i.include.join(', ')})` : '')),
          formatBytes(i.sizeBytes),
          String(i.scans),
          code(i.definition),
        ]),
      ),
    );
  }
  const incoming = fks.filter((f) => f.to.schema === t.schema && f.to.table === t.name);
  if (incoming.length) {
    out.push('**Referenced by**\n');
    out.push(mdTable(['Table', 'Columns', 'On delete'], incoming.map((f) => [code(qualified(f.from.schema, f.from.table)), esc(f.from.columns.join(', ')), f.onDelete])));
  }
  if (t.triggers.length) {
    out.push('**Triggers**\n');
    out.push(mdTable(['Name', 'Definition'], t.triggers.map((g) => [code(g.name) + (g.enabled ? '' : ' (disabled)'), code(g.definition)])));
  }
  return out.join('\n');
}
