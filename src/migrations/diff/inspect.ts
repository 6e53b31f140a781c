// Reads a database's schema from the catalog into a plain model the diff compares and the
// round-trip proof checks. Definitions come from PostgreSQL's own pg_get_*def functions, so two
// databases with the same schema give the same model, whatever wrote it. Objects that belong to
// extensions, system schemas and the migrations' own alembic_version are left out.
import type { Queryable } from '../../db/types.ts';

export interface Column {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  /** 'a' always, 'd' by default, '' none. */
  identity: string;
  /** 's' stored, 'v' virtual, '' none. */
  generated: string;
  collation: string | null;
  /** Only inherited from a parent (not declared by this table): the parent's DDL changes it. */
  inherited?: boolean;
  /** The identity sequence's options (an identity column only). */
  identityOptions?: IdentityOptions;
  /** pg_attribute.attstorage when it is not the type's default (p, e, m, x). */
  storage?: string;
  /** pg_attribute.attcompression when set (p pglz, l lz4). */
  compression?: string;
  /** pg_attribute.attstattarget when set (SET STATISTICS). */
  statistics?: number;
}

export interface IdentityOptions { type: string; start: string; increment: string; min: string; max: string; cache: string; cycle: boolean }

export interface Table {
  schema: string;
  name: string;
  /** schema.name quoted by the server. */
  qualified: string;
  /** 'r' table, 'p' partitioned. */
  kind: string;
  unlogged: boolean;
  partitionKey: string | null;
  /** `PARTITION OF parent FOR VALUES …` when this is a partition. */
  partitionOf: { parent: string; bound: string } | null;
  rls: boolean;
  forceRls: boolean;
  /** Storage parameters (`fillfactor=70`), sorted. */
  options: string[];
  /** INHERITS parents (not partition parents), in order. */
  inherits: string[];
  columns: Column[];
  /** The index CLUSTER ON marked (pg_index.indisclustered), by name. */
  clusteredOn?: string;
}

export interface Constraint { table: string; name: string; type: string; def: string }
export interface Index { table: string; schema: string; name: string; def: string }
export interface View { qualified: string; schema: string; name: string; materialized: boolean; def: string; dependsOn: string[]; options: string[]; functions: string[]; /** Column defaults (ALTER VIEW … SET DEFAULT), by column. */ defaults?: Record<string, string> }
export interface Func { schema: string; name: string; identity: string; /** The input argument types alone: what PostgreSQL tells functions of one name apart by. */ types: string; kind: string; def: string; key: string; /** Defaults, checks, indexes, policies and triggers that call it (views are in View.functions). */ usedBy: string[] }
export interface Trigger { table: string; name: string; def: string; /** pg_trigger.tgenabled: O on, D disabled, R replica, A always. */ enabled: string }
export interface Policy { table: string; name: string; permissive: boolean; cmd: string; roles: string[]; using: string | null; check: string | null }
export interface Sequence { schema: string; name: string; type: string; start: string; increment: string; min: string; max: string; cache: string; cycle: boolean; ownedBy: string | null; unlogged?: boolean }
export interface EnumType { schema: string; name: string; labels: string[] }
export interface Domain { schema: string; name: string; def: string; base: string; collation: string | null; default: string | null; notNull: boolean; checks: { name: string; def: string }[] }
export interface Composite { schema: string; name: string; attributes: string; attrs: { name: string; type: string }[] }
export interface Range { schema: string; name: string; def: string }
/** An object the diff compares but cannot write DDL for: any difference is reported, not guessed. */
export interface Unsupported { kind: string; name: string; def: string }
export interface Comment { target: string; text: string }
/**
 * One privilege held by one grantee (the owner's own are left out). Functions, types and schemas
 * read their default ACL when they have none, so a REVOKE from PUBLIC shows as a missing row.
 * kind is the GRANT object word: TABLE, SEQUENCE, FUNCTION, PROCEDURE, TYPE, DOMAIN, SCHEMA.
 */
export interface Grant { object: string; kind: string; grantee: string; privilege: string; /** A column privilege (GRANT SELECT (col) ON TABLE). */ column?: string; /** Held WITH GRANT OPTION. */ grantable?: boolean }
/** A user-defined operator (`key` is what DROP OPERATOR takes) or cast, with the statement that creates it. */
export interface Operator { schema: string; name: string; key: string; def: string }
export interface Cast { key: string; def: string }
/** A user-defined aggregate: `def` is its CREATE AGGREGATE. */
export interface Aggregate { schema: string; name: string; key: string; def: string }
export interface Extension { name: string; schema: string; /** Set only when it differs from the control file's (null: removed). */ comment?: string | null; defaultComment?: string | null }

export interface SchemaModel {
  schemas: string[];
  extensions: Extension[];
  enums: EnumType[];
  domains: Domain[];
  composites: Composite[];
  ranges: Range[];
  sequences: Sequence[];
  tables: Table[];
  constraints: Constraint[];
  indexes: Index[];
  views: View[];
  functions: Func[];
  aggregates: Aggregate[];
  operators: Operator[];
  casts: Cast[];
  triggers: Trigger[];
  policies: Policy[];
  comments: Comment[];
  grants: Grant[];
  unsupported: Unsupported[];
}

export interface InspectOptions {
  /** Tables to leave out (default: alembic_version). */
  excludeTables?: string[];
  /**
   * Keep the catalog queries as prepared statements on this connection (`pglab_inspect_N`).
   * PGlite spends most of an inspection planning them (~10 ms each); a caller inspecting the
   * same database many times (a test corpus, a bench) saves that. Off by default: the prepared
   * statements would show in the user's session (pg_prepared_statements).
   */
  cachePlans?: boolean;
}

const prepared = new WeakMap<Queryable, Map<string, string>>();

/** Runs a catalog query, through a prepared statement kept per connection when asked. */
async function catalogQuery<T>(db: Queryable, sql: string, cache: boolean): Promise<T[]> {
  if (!cache) return (await db.query<T>(sql)).rows;
  let names = prepared.get(db);
  if (!names) prepared.set(db, (names = new Map()));
  let name = names.get(sql);
  const prepare = async () => {
    name = `pglab_inspect_${names!.size + 1}_${Math.random().toString(36).slice(2, 8)}`;
    await db.query(`PREPARE ${name} AS ${sql}`);
    names!.set(sql, name);
  };
  if (!name) await prepare();
  try {
    return (await db.query<T>(`EXECUTE ${name}`)).rows;
  } catch (e) {
    // DISCARD ALL or a new session forgot it: prepare again once.
    if (!/prepared statement .* does not exist/.test((e as Error).message)) throw e;
    await prepare();
    return (await db.query<T>(`EXECUTE ${name}`)).rows;
  }
}

/** Quoted schema.name as format('%I.%I') writes it. */
const Q = (schema: string, name: string) => `format('%I.%I', ${schema}, ${name})`;
const USER_NS = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp_%' and n.nspname not like 'pg_toast_temp_%'`;
const NOT_EXT = (cls: string, oid: string) => `not exists (select 1 from pg_depend d where d.classid = '${cls}'::regclass and d.objid = ${oid} and d.deptype = 'e')`;

export async function inspectSchema(db: Queryable, opts: InspectOptions = {}): Promise<SchemaModel> {
  const exclude = new Set(opts.excludeTables ?? ['alembic_version']);
  const q = <T>(sql: string) => catalogQuery<T>(db, sql, opts.cachePlans ?? false);

  const schemas = (await q<{ s: string }>(`select n.nspname as s from pg_namespace n where ${USER_NS} and ${NOT_EXT('pg_namespace', 'n.oid')} order by 1`)).map((r) => r.s);
  // An extension's comment counts only where it differs from the one CREATE EXTENSION sets.
  const extRows = await q<{ name: string; schema: string; comment: string | null }>(`select e.extname as name, n.nspname as schema, obj_description(e.oid, 'pg_extension') as comment
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname <> 'plpgsql' order by 1`);
  // pg_available_extensions reads every control file (~17 ms on PGlite): only when there are extensions.
  const defaults = extRows.length ? new Map((await q<{ name: string; comment: string | null }>(`select name, comment from pg_available_extensions`)).map((a) => [a.name, a.comment])) : new Map<string, string | null>();
  const extensions: Extension[] = extRows.map((e) => {
    const dflt = defaults.get(e.name) ?? null;
    return { name: e.name, schema: e.schema, ...(e.comment !== dflt ? { comment: e.comment, defaultComment: dflt } : {}) };
  });

  const enumRows = await q<{ schema: string; name: string; labels: string }>(`
    select n.nspname as schema, t.typname as name, json_agg(e.enumlabel order by e.enumsortorder)::text as labels
    from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_enum e on e.enumtypid = t.oid
    where ${USER_NS} and ${NOT_EXT('pg_type', 't.oid')} group by 1, 2 order by 1, 2`);
  const enums = enumRows.map((r) => ({ schema: r.schema, name: r.name, labels: JSON.parse(r.labels) as string[] }));

  const domains = (await q<Domain & { checks: string }>(`
    select n.nspname as schema, t.typname as name,
      format_type(t.typbasetype, t.typtypmod)
        || coalesce(' collate ' || (select quote_ident(c.collname) from pg_collation c where c.oid = t.typcollation and t.typcollation <> (select typcollation from pg_type b where b.oid = t.typbasetype)), '')
        || coalesce(' default ' || t.typdefault, '') || case when t.typnotnull then ' not null' else '' end
        || coalesce((select string_agg(' constraint ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid), '' order by c.conname) from pg_constraint c where c.contypid = t.oid and c.contype = 'c'), '') as def,
      format_type(t.typbasetype, t.typtypmod) as base,
      (select quote_ident(c.collname) from pg_collation c where c.oid = t.typcollation and t.typcollation <> (select typcollation from pg_type b where b.oid = t.typbasetype)) as collation,
      t.typdefault as default, t.typnotnull as "notNull",
      coalesce((select json_agg(json_build_object('name', c.conname, 'def', pg_get_constraintdef(c.oid)) order by c.conname) from pg_constraint c where c.contypid = t.oid and c.contype = 'c'), '[]')::text as checks
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where t.typtype = 'd' and ${USER_NS} and ${NOT_EXT('pg_type', 't.oid')} order by 1, 2`)).map((d) => ({ ...d, checks: JSON.parse(d.checks as unknown as string) as Domain['checks'] }));

  const composites = (await q<Composite & { attrs: string | null }>(`
    select n.nspname as schema, t.typname as name,
      (select string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum) from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) as attributes,
      (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) order by a.attnum) from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped)::text as attrs
    from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_class c on c.oid = t.typrelid
    where t.typtype = 'c' and c.relkind = 'c' and ${USER_NS} and ${NOT_EXT('pg_type', 't.oid')} order by 1, 2`)).map((c) => ({ ...c, attributes: c.attributes ?? '', attrs: c.attrs ? (JSON.parse(c.attrs) as Composite['attrs']) : [] }));

  // Range types, as the options of CREATE TYPE … AS RANGE (their constructors and multirange come with them).
  const ranges = await q<Range>(`
    select n.nspname as schema, t.typname as name,
      'subtype = ' || format_type(r.rngsubtype, null)
        || case when r.rngsubopc <> (select o.oid from pg_opclass o where o.opcmethod = (select oid from pg_am where amname = 'btree') and o.opcintype = r.rngsubtype and o.opcdefault limit 1) then ', subtype_opclass = ' || (select quote_ident(o.opcname) from pg_opclass o where o.oid = r.rngsubopc) else '' end
        || case when r.rngcollation <> 0 and r.rngcollation <> (select typcollation from pg_type b where b.oid = r.rngsubtype) then ', collation = ' || (select quote_ident(cn.nspname) || '.' || quote_ident(co.collname) from pg_collation co join pg_namespace cn on cn.oid = co.collnamespace where co.oid = r.rngcollation) else '' end
        || case when r.rngcanonical <> 0 then ', canonical = ' || r.rngcanonical::regproc::text else '' end
        || case when r.rngsubdiff <> 0 then ', subtype_diff = ' || r.rngsubdiff::regproc::text else '' end
        || ', multirange_type_name = ' || format('%I.%I', mn.nspname, mt.typname) as def
    from pg_range r join pg_type t on t.oid = r.rngtypid join pg_namespace n on n.oid = t.typnamespace
      join pg_type mt on mt.oid = r.rngmultitypid join pg_namespace mn on mn.oid = mt.typnamespace
    where ${USER_NS} and ${NOT_EXT('pg_type', 't.oid')} order by 1, 2`);

  const sequences = (await q<Sequence & { cycle: boolean }>(`
    select n.nspname as schema, c.relname as name, format_type(s.seqtypid, null) as type, s.seqstart::text as start, s.seqincrement::text as increment,
      s.seqmin::text as min, s.seqmax::text as max, s.seqcache::text as cache, s.seqcycle as cycle, c.relpersistence = 'u' as unlogged,
      (select ${Q('tn.nspname', 'tc.relname')} || '.' || quote_ident(a.attname) from pg_depend d join pg_class tc on tc.oid = d.refobjid join pg_namespace tn on tn.oid = tc.relnamespace
         join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
         where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'a' and d.refclassid = 'pg_class'::regclass) as "ownedBy"
    from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
    where ${USER_NS} and ${NOT_EXT('pg_class', 'c.oid')}
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'i')
    order by 1, 2`)).map(({ unlogged, ...x }) => ({ ...x, ...(unlogged ? { unlogged: true } : {}) }));

  const tableRows = await q<{ oid: string; qualified: string; schema: string; name: string; kind: string; unlogged: boolean; partkey: string | null; parent: string | null; bound: string | null; rls: boolean; force: boolean; options: string; inherits: string | null; clustered: string | null }>(`
    select c.oid::text as oid, (select ic.relname from pg_index i join pg_class ic on ic.oid = i.indexrelid where i.indrelid = c.oid and i.indisclustered) as clustered, ${Q('n.nspname', 'c.relname')} as qualified, n.nspname as schema, c.relname as name, c.relkind::text as kind, c.relpersistence = 'u' as unlogged,
      case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partkey,
      case when c.relispartition then (select ${Q('pn.nspname', 'pc.relname')} from pg_inherits i join pg_class pc on pc.oid = i.inhparent join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid) end as parent,
      case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as bound,
      c.relrowsecurity as rls, c.relforcerowsecurity as force,
      coalesce((select json_agg(o order by o) from unnest(c.reloptions) o), '[]')::text as options,
      case when not c.relispartition then (select json_agg(${Q('pn.nspname', 'pc.relname')} order by i.inhseqno) from pg_inherits i join pg_class pc on pc.oid = i.inhparent join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid) end::text as inherits
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and ${USER_NS} and ${NOT_EXT('pg_class', 'c.oid')}
    order by 2, 3`);
  const colRows = await q<{ oid: string; name: string; type: string; notnull: boolean; def: string | null; identity: string; generated: string; collation: string | null; inherited: boolean; idopts: string | null; storage: string | null; compression: string; stats: number | null }>(`
    select a.attrelid::text as oid, case when a.attstorage <> t.typstorage then a.attstorage::text end as storage, a.attcompression::text as compression, a.attstattarget::int as stats,
      case when a.attidentity <> '' then (select json_build_object('type', format_type(s.seqtypid, null), 'start', s.seqstart::text, 'increment', s.seqincrement::text, 'min', s.seqmin::text, 'max', s.seqmax::text, 'cache', s.seqcache::text, 'cycle', s.seqcycle)::text
        from pg_depend d join pg_sequence s on s.seqrelid = d.objid
        where d.refclassid = 'pg_class'::regclass and d.refobjid = a.attrelid and d.refobjsubid = a.attnum and d.deptype = 'i' and d.classid = 'pg_class'::regclass) end as idopts, a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
      pg_get_expr(ad.adbin, ad.adrelid) as def, a.attidentity::text as identity, a.attgenerated::text as generated, a.attinhcount > 0 and not a.attislocal as inherited,
      case when a.attcollation <> 0 and a.attcollation <> t.typcollation then (select quote_ident(cn.nspname) || '.' || quote_ident(co.collname) from pg_collation co join pg_namespace cn on cn.oid = co.collnamespace where co.oid = a.attcollation) end as collation
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace join pg_type t on t.oid = a.atttypid
    left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
    where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and ${USER_NS}
    order by a.attrelid, a.attnum`);
  const colsByOid = new Map<string, Column[]>();
  for (const c of colRows) {
    const list = colsByOid.get(c.oid) ?? [];
    list.push({ name: c.name, type: c.type, notNull: c.notnull, default: c.def, identity: c.identity, generated: c.generated, collation: c.collation, ...(c.inherited ? { inherited: true } : {}),
      ...(c.idopts ? { identityOptions: JSON.parse(c.idopts) as IdentityOptions } : {}), ...(c.storage ? { storage: c.storage } : {}), ...(c.compression ? { compression: c.compression } : {}), ...(c.stats !== null ? { statistics: c.stats } : {}) });
    colsByOid.set(c.oid, list);
  }
  const tables: Table[] = tableRows
    .filter((t) => !(t.schema === 'public' && exclude.has(t.name)) && !exclude.has(`${t.schema}.${t.name}`))
    .map((t) => ({
      schema: t.schema,
      name: t.name,
      qualified: t.qualified,
      kind: t.kind,
      unlogged: t.unlogged,
      partitionKey: t.partkey,
      partitionOf: t.parent ? { parent: t.parent, bound: t.bound ?? '' } : null,
      rls: t.rls,
      forceRls: t.force,
      options: JSON.parse(t.options) as string[],
      inherits: t.inherits ? (JSON.parse(t.inherits) as string[]) : [],
      columns: colsByOid.get(t.oid) ?? [],
      ...(t.clustered ? { clusteredOn: t.clustered } : {}),
    }));
  const tableKeys = new Set(tables.map((t) => t.qualified));

  const constraints = (await q<Constraint>(`
    select ${Q('n.nspname', 'c.relname')} as table, k.conname as name, k.contype::text as type, pg_get_constraintdef(k.oid) as def
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
    where k.contype in ('p', 'u', 'c', 'f', 'x') and k.conislocal and ${USER_NS}
    order by 1, 2`)).filter((k) => tableKeys.has(k.table));

  const indexes = (await q<Index>(`
    select ${Q('n.nspname', 't.relname')} as table, n.nspname as schema, c.relname as name, pg_get_indexdef(c.oid) as def
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
    where ${USER_NS} and not exists (select 1 from pg_constraint k where k.conindid = c.oid and k.contype in ('p', 'u', 'x'))
      and not exists (select 1 from pg_inherits h where h.inhrelid = c.oid)
      and ${NOT_EXT('pg_class', 't.oid')}
    order by 1, 3`)).filter((i) => !(i.table === 'public.alembic_version' || i.table === 'alembic_version'));

  const viewRows = await q<{ qualified: string; schema: string; name: string; kind: string; def: string; deps: string | null; funcs: string | null; options: string; defaults: string | null }>(`
    select ${Q('n.nspname', 'c.relname')} as qualified,
      (select json_object_agg(a.attname, pg_get_expr(ad.adbin, ad.adrelid) order by a.attname)::text from pg_attrdef ad join pg_attribute a on a.attrelid = ad.adrelid and a.attnum = ad.adnum where ad.adrelid = c.oid) as defaults, n.nspname as schema, c.relname as name, c.relkind::text as kind, pg_get_viewdef(c.oid) as def,
      (select json_agg(distinct ${Q('dn.nspname', 'dc.relname')})::text from pg_rewrite r join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
         join pg_class dc on dc.oid = d.refobjid join pg_namespace dn on dn.oid = dc.relnamespace
         where r.ev_class = c.oid and d.refobjid <> c.oid and d.refclassid = 'pg_class'::regclass) as deps,
      (select json_agg(distinct ${Q('pn.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')')::text from pg_rewrite r join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
         join pg_proc p on p.oid = d.refobjid join pg_namespace pn on pn.oid = p.pronamespace
         where r.ev_class = c.oid and d.refclassid = 'pg_proc'::regclass and pn.nspname not in ('pg_catalog', 'information_schema')) as funcs,
      coalesce((select json_agg(o order by o) from unnest(c.reloptions) o), '[]')::text as options
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm') and ${USER_NS} and ${NOT_EXT('pg_class', 'c.oid')}
    order by 1, 2`);
  const views = viewRows.map((v) => ({ qualified: v.qualified, schema: v.schema, name: v.name, materialized: v.kind === 'm', def: v.def, dependsOn: v.deps ? (JSON.parse(v.deps) as string[]).sort() : [], options: JSON.parse(v.options) as string[], functions: v.funcs ? (JSON.parse(v.funcs) as string[]).sort() : [], ...(v.defaults ? { defaults: JSON.parse(v.defaults) as Record<string, string> } : {}) }));

  const functions = (await q<Func & { usedBy: string }>(`
    select ${Q('n.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')' as key, n.nspname as schema, p.proname as name, pg_get_function_identity_arguments(p.oid) as identity, pg_catalog.oidvectortypes(p.proargtypes) as types, p.prokind::text as kind, pg_get_functiondef(p.oid) as def,
      coalesce((select json_agg(distinct d.classid::regclass::text) from pg_depend d where d.refclassid = 'pg_proc'::regclass and d.refobjid = p.oid
         and d.classid in ('pg_attrdef'::regclass, 'pg_constraint'::regclass, 'pg_class'::regclass, 'pg_policy'::regclass, 'pg_trigger'::regclass) and d.deptype = 'n'), '[]')::text as "usedBy"
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.prokind in ('f', 'p') and ${USER_NS} and ${NOT_EXT('pg_proc', 'p.oid')}
      -- A range type's constructors (and its multirange's) are made by CREATE TYPE, not by the user.
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'i')
    order by 1`)).map((f) => ({ ...f, usedBy: JSON.parse(f.usedBy as unknown as string) as string[] }));

  // Aggregates, as the CREATE AGGREGATE that makes them (pg_dump's dumpAgg, the options that differ from the defaults).
  const fn = (oid: string) => `(select format('%I.%I', fn.nspname, fp.proname) from pg_proc fp join pg_namespace fn on fn.oid = fp.pronamespace where fp.oid = ${oid})`;
  const modify = (col: string) => `case ${col} when 'r' then 'READ_ONLY' when 's' then 'SHAREABLE' else 'READ_WRITE' end`;
  const aggregates = await q<Aggregate>(`
    select n.nspname as schema, p.proname as name, ${Q('n.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')' as key,
      'CREATE AGGREGATE ' || ${Q('n.nspname', 'p.proname')} || ' (' || pg_get_function_arguments(p.oid) || ') (' || concat_ws(', ',
        'SFUNC = ' || ${fn('a.aggtransfn')}, 'STYPE = ' || format_type(a.aggtranstype, null),
        case when a.aggtransspace <> 0 then 'SSPACE = ' || a.aggtransspace end,
        case when a.aggfinalfn <> 0 then 'FINALFUNC = ' || ${fn('a.aggfinalfn')} end,
        case when a.aggfinalextra then 'FINALFUNC_EXTRA' end,
        case when a.aggfinalmodify <> case when a.aggkind = 'n' then 'r' else 'w' end then 'FINALFUNC_MODIFY = ' || ${modify('a.aggfinalmodify')} end,
        case when a.aggcombinefn <> 0 then 'COMBINEFUNC = ' || ${fn('a.aggcombinefn')} end,
        case when a.aggserialfn <> 0 then 'SERIALFUNC = ' || ${fn('a.aggserialfn')} end,
        case when a.aggdeserialfn <> 0 then 'DESERIALFUNC = ' || ${fn('a.aggdeserialfn')} end,
        case when a.agginitval is not null then 'INITCOND = ' || quote_literal(a.agginitval) end,
        case when a.aggmtransfn <> 0 then 'MSFUNC = ' || ${fn('a.aggmtransfn')} end,
        case when a.aggminvtransfn <> 0 then 'MINVFUNC = ' || ${fn('a.aggminvtransfn')} end,
        case when a.aggmtranstype <> 0 then 'MSTYPE = ' || format_type(a.aggmtranstype, null) end,
        case when a.aggmtransspace <> 0 then 'MSSPACE = ' || a.aggmtransspace end,
        case when a.aggmfinalfn <> 0 then 'MFINALFUNC = ' || ${fn('a.aggmfinalfn')} end,
        case when a.aggmfinalextra then 'MFINALFUNC_EXTRA' end,
        case when a.aggmfinalmodify <> case when a.aggkind = 'n' then 'r' else 'w' end then 'MFINALFUNC_MODIFY = ' || ${modify('a.aggmfinalmodify')} end,
        case when a.aggminitval is not null then 'MINITCOND = ' || quote_literal(a.aggminitval) end,
        case when a.aggsortop <> 0 then (select 'SORTOP = OPERATOR(' || quote_ident(opn.nspname) || '.' || o.oprname || ')' from pg_operator o join pg_namespace opn on opn.oid = o.oprnamespace where o.oid = a.aggsortop) end,
        case p.proparallel when 's' then 'PARALLEL = SAFE' when 'r' then 'PARALLEL = RESTRICTED' end,
        case when a.aggkind = 'h' then 'HYPOTHETICAL' end) || ')' as def
    from pg_proc p join pg_aggregate a on a.aggfnoid = p.oid join pg_namespace n on n.oid = p.pronamespace
    where ${USER_NS} and ${NOT_EXT('pg_proc', 'p.oid')} order by 3`);

  // Operators (shells, made by a COMMUTATOR naming one not yet defined, are left out) and casts.
  const opName = (oid: string) => `(select 'OPERATOR(' || quote_ident(opn.nspname) || '.' || o2.oprname || ')' from pg_operator o2 join pg_namespace opn on opn.oid = o2.oprnamespace where o2.oid = ${oid})`;
  const operators = await q<Operator>(`
    select n.nspname as schema, o.oprname as name,
      quote_ident(n.nspname) || '.' || o.oprname || ' (' || case when o.oprleft = 0 then 'NONE' else format_type(o.oprleft, null) end || ', ' || format_type(o.oprright, null) || ')' as key,
      'CREATE OPERATOR ' || quote_ident(n.nspname) || '.' || o.oprname || ' (' || concat_ws(', ', 'FUNCTION = ' || ${fn('o.oprcode')},
        case when o.oprleft <> 0 then 'LEFTARG = ' || format_type(o.oprleft, null) end, 'RIGHTARG = ' || format_type(o.oprright, null),
        case when o.oprcom <> 0 then 'COMMUTATOR = ' || ${opName('o.oprcom')} end, case when o.oprnegate <> 0 then 'NEGATOR = ' || ${opName('o.oprnegate')} end,
        case when o.oprrest <> 0 then 'RESTRICT = ' || ${fn('o.oprrest')} end, case when o.oprjoin <> 0 then 'JOIN = ' || ${fn('o.oprjoin')} end,
        case when o.oprcanhash then 'HASHES' end, case when o.oprcanmerge then 'MERGES' end) || ')' as def
    from pg_operator o join pg_namespace n on n.oid = o.oprnamespace where o.oprcode <> 0 and ${USER_NS} and ${NOT_EXT('pg_operator', 'o.oid')} order by 3`);
  const casts = await q<Cast>(`
    select '(' || format_type(c.castsource, null) || ' AS ' || format_type(c.casttarget, null) || ')' as key,
      'CREATE CAST (' || format_type(c.castsource, null) || ' AS ' || format_type(c.casttarget, null) || ') '
        || case c.castmethod when 'f' then 'WITH FUNCTION ' || (select format('%I.%I', fn.nspname, fp.proname) || '(' || oidvectortypes(fp.proargtypes) || ')' from pg_proc fp join pg_namespace fn on fn.oid = fp.pronamespace where fp.oid = c.castfunc)
             when 'i' then 'WITH INOUT' else 'WITHOUT FUNCTION' end
        || case c.castcontext when 'a' then ' AS ASSIGNMENT' when 'i' then ' AS IMPLICIT' else '' end as def
    from pg_cast c where c.oid >= 16384 and ${NOT_EXT('pg_cast', 'c.oid')}
      -- A range type's cast to its multirange is made by CREATE TYPE.
      and not exists (select 1 from pg_depend d where d.classid = 'pg_cast'::regclass and d.objid = c.oid and d.deptype = 'i') order by 1`);

  const triggers = (await q<Trigger>(`
    select ${Q('n.nspname', 'c.relname')} as table, t.tgname as name, pg_get_triggerdef(t.oid) as def, t.tgenabled::text as enabled
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where not t.tgisinternal and t.tgparentid = 0 and ${USER_NS}
    order by 1, 2`));

  const policies = (await q<{ table: string; name: string; permissive: boolean; cmd: string; roles: string; using: string | null; check: string | null }>(`
    select ${Q('n.nspname', 'c.relname')} as table, p.polname as name, p.polpermissive as permissive, p.polcmd::text as cmd,
      (select json_agg(case when r = 0 then 'public' else quote_ident(pg_get_userbyid(r)) end order by 1)::text from unnest(p.polroles) r) as roles,
      pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as check
    from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
    where ${USER_NS} order by 1, 2`)).map((p) => ({ ...p, roles: JSON.parse(p.roles) as string[] }));

  // Only user objects' descriptions (OIDs from 16384, and schemas: public keeps its initdb OID), read once.
  const comments = await q<Comment>(`
    with descr as materialized (select * from pg_description where objoid >= 16384 or classoid = 'pg_namespace'::regclass)
    select case c.relkind when 'r' then 'TABLE ' when 'p' then 'TABLE ' when 'v' then 'VIEW ' when 'm' then 'MATERIALIZED VIEW ' when 'i' then 'INDEX ' when 'S' then 'SEQUENCE ' when 'I' then 'INDEX ' when 'c' then 'TYPE ' end
        || ${Q('n.nspname', 'c.relname')} || case when d.objsubid > 0 then '.' || quote_ident(a.attname) else '' end as target, d.description as text
      from descr d join pg_class c on d.classoid = 'pg_class'::regclass and d.objoid = c.oid join pg_namespace n on n.oid = c.relnamespace
      left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid
      where ${USER_NS} and ${NOT_EXT('pg_class', 'c.oid')} and not (c.relname = 'alembic_version')
    union all
    select case p.prokind when 'p' then 'PROCEDURE ' when 'a' then 'AGGREGATE ' else 'FUNCTION ' end || ${Q('n.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')', d.description
      from descr d join pg_proc p on d.classoid = 'pg_proc'::regclass and d.objoid = p.oid join pg_namespace n on n.oid = p.pronamespace where ${USER_NS} and ${NOT_EXT('pg_proc', 'p.oid')}
    union all
    select case when t.typtype = 'd' then 'DOMAIN ' else 'TYPE ' end || ${Q('n.nspname', 't.typname')}, d.description
      from descr d join pg_type t on d.classoid = 'pg_type'::regclass and d.objoid = t.oid join pg_namespace n on n.oid = t.typnamespace where ${USER_NS} and ${NOT_EXT('pg_type', 't.oid')}
    union all
    select 'SCHEMA ' || quote_ident(n.nspname), d.description
      from descr d join pg_namespace n on d.classoid = 'pg_namespace'::regclass and d.objoid = n.oid where ${USER_NS}
    union all
    select 'CONSTRAINT ' || quote_ident(k.conname) || ' ON ' || ${Q('n.nspname', 'c.relname')}, d.description
      from descr d join pg_constraint k on d.classoid = 'pg_constraint'::regclass and d.objoid = k.oid join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace where ${USER_NS} and k.contype <> 'n'
    union all
    select 'POLICY ' || quote_ident(p.polname) || ' ON ' || ${Q('n.nspname', 'c.relname')}, d.description
      from descr d join pg_policy p on d.classoid = 'pg_policy'::regclass and d.objoid = p.oid join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace where ${USER_NS}
    union all
    select 'TRIGGER ' || quote_ident(t.tgname) || ' ON ' || ${Q('n.nspname', 'c.relname')}, d.description
      from descr d join pg_trigger t on d.classoid = 'pg_trigger'::regclass and d.objoid = t.oid join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where not t.tgisinternal and t.tgparentid = 0 and ${USER_NS}
    order by 1`);
  // A column comment's target reads "TABLE s.t.col" (or VIEW, MATERIALIZED VIEW, TYPE): make it COLUMN.
  for (const c of comments) {
    const m = /^(?:TABLE|VIEW|MATERIALIZED VIEW|TYPE) (.+)$/.exec(c.target);
    if (m && splitQualified(m[1]).length === 3) c.target = `COLUMN ${m[1]}`;
  }

  const GRANTEE = `case when x.grantee = 0 then 'PUBLIC' else quote_ident(pg_get_userbyid(x.grantee)) end`;
  const grants = (await q<Grant & { column: string | null; grantable: boolean }>(`
    select ${Q('n.nspname', 'c.relname')} as object, case c.relkind when 'S' then 'SEQUENCE' else 'TABLE' end as kind, ${GRANTEE} as grantee, x.privilege_type as privilege, null as column, x.is_grantable as grantable
    from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) x
    where c.relacl is not null and x.grantee <> c.relowner and c.relkind in ('r', 'p', 'v', 'm', 'S') and ${USER_NS} and ${NOT_EXT('pg_class', 'c.oid')}
    union all
    select ${Q('n.nspname', 'c.relname')}, 'TABLE', ${GRANTEE}, x.privilege_type, a.attname, x.is_grantable
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace, aclexplode(a.attacl) x
    where a.attacl is not null and a.attnum > 0 and not a.attisdropped and x.grantee <> c.relowner and c.relkind in ('r', 'p', 'v', 'm') and ${USER_NS} and ${NOT_EXT('pg_class', 'c.oid')}
    union all
    -- Functions and types without an ACL hold the default one (EXECUTE / USAGE to PUBLIC): read it, so a revoke shows.
    select ${Q('n.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')', case p.prokind when 'p' then 'PROCEDURE' else 'FUNCTION' end, ${GRANTEE}, x.privilege_type, null, x.is_grantable
    -- (offset 0 keeps the user's routines apart before the ACLs are exploded: the planner would explode every catalog one.)
    from (select p.*, n.nspname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where p.prokind in ('f', 'p', 'a') and ${USER_NS} and ${NOT_EXT('pg_proc', 'p.oid')}
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'i') offset 0) p join pg_namespace n on n.oid = p.pronamespace,
      aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x
    where x.grantee <> p.proowner
    union all
    select ${Q('n.nspname', 't.typname')}, case t.typtype when 'd' then 'DOMAIN' else 'TYPE' end, ${GRANTEE}, x.privilege_type, null, x.is_grantable
    from (select t.* from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where (t.typtype in ('e', 'd', 'r') or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c')) and ${USER_NS} and ${NOT_EXT('pg_type', 't.oid')} offset 0) t
      join pg_namespace n on n.oid = t.typnamespace, aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) x
    where x.grantee <> t.typowner
    union all
    select quote_ident(n.nspname), 'SCHEMA', ${GRANTEE}, x.privilege_type, null, x.is_grantable
    from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x
    where x.grantee <> n.nspowner and ${USER_NS} and ${NOT_EXT('pg_namespace', 'n.oid')}
    order by 2, 1, 5, 3, 4`)).map(({ column, grantable, ...g }) => ({ ...g, ...(column !== null ? { column } : {}), ...(grantable ? { grantable: true } : {}) }));

  // Compared but not generated (a difference is reported as diff_unsupported): nothing left today;
  // kept so a kind the diff cannot write is said, not guessed.
  const unsupported: Unsupported[] = [];

  return { schemas, extensions, enums, domains, composites, ranges, sequences, tables, constraints, indexes, views, functions, aggregates, operators, casts, triggers, policies, comments, grants, unsupported };
}

/** `schema.name` with identifiers quoted as format('%I') does. */
export function qname(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

const RESERVED = new Set(['all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast', 'check', 'collate', 'column', 'constraint', 'create', 'current_catalog', 'current_date', 'current_role', 'current_time', 'current_timestamp', 'current_user', 'default', 'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'fetch', 'for', 'foreign', 'from', 'grant', 'group', 'having', 'in', 'initially', 'intersect', 'into', 'lateral', 'leading', 'limit', 'localtime', 'localtimestamp', 'not', 'null', 'offset', 'on', 'only', 'or', 'order', 'placing', 'primary', 'references', 'returning', 'select', 'session_user', 'some', 'symmetric', 'system_user', 'table', 'then', 'to', 'trailing', 'true', 'union', 'unique', 'user', 'using', 'variadic', 'when', 'where', 'window', 'with',
  // Column-name and type/function-name keywords: quote_ident quotes these too.
  'between', 'bigint', 'bit', 'boolean', 'char', 'character', 'coalesce', 'dec', 'decimal', 'exists', 'extract', 'float', 'greatest', 'grouping', 'inout', 'int', 'integer', 'interval', 'json', 'json_array', 'json_arrayagg', 'json_exists', 'json_object', 'json_objectagg', 'json_query', 'json_scalar', 'json_serialize', 'json_table', 'json_value', 'least', 'merge_action', 'national', 'nchar', 'none', 'normalize', 'nullif', 'numeric', 'out', 'overlay', 'position', 'precision', 'real', 'row', 'setof', 'smallint', 'substring', 'time', 'timestamp', 'treat', 'trim', 'values', 'varchar', 'xmlattributes', 'xmlconcat', 'xmlelement', 'xmlexists', 'xmlforest', 'xmlnamespaces', 'xmlparse', 'xmlpi', 'xmlroot', 'xmlserialize', 'xmltable',
  'authorization', 'binary', 'collation', 'concurrently', 'cross', 'current_schema', 'freeze', 'full', 'ilike', 'inner', 'is', 'isnull', 'join', 'left', 'like', 'natural', 'notnull', 'outer', 'overlaps', 'right', 'similar', 'tablesample', 'verbose']);

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Splits a quoted qualified name ("a"."b".c) into its parts. */
export function splitQualified(s: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === '"') {
      let j = i + 1;
      let out = '';
      while (j < s.length) {
        if (s[j] === '"' && s[j + 1] === '"') { out += '"'; j += 2; continue; }
        if (s[j] === '"') break;
        out += s[j++];
      }
      parts.push(out);
      i = j + 1;
    } else {
      let j = i;
      while (j < s.length && s[j] !== '.') j++;
      parts.push(s.slice(i, j));
      i = j;
    }
    if (s[i] === '.') i++;
  }
  return parts;
}

/** The model as canonical JSON: what "the same schema" means for the round-trip proof (column order aside). */
export function canonicalModel(m: SchemaModel): string {
  const sortBy = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const norm = {
    ...m,
    // Whether an inherited column is also declared locally cannot be set by DDL and changes no
    // row: left out (the inheritance itself is compared).
    tables: sortBy(m.tables, (t) => `${t.schema}.${t.name}`).map((t) => ({ ...t, columns: sortBy(t.columns, (c) => c.name).map(({ inherited: _, ...c }) => c) })),
  };
  return JSON.stringify(norm, null, 1);
}
