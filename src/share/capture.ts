// Captures what reproduces a query's plan from a real server: the DDL of the relations the query
// touches (tables, partitions, views, indexes, constraints, extended statistics), their planner
// statistics (pg_class sizes, pg_stats, pg_stats_ext), the settings that shape plans, and the
// server's EXPLAIN (FORMAT JSON). Pure over Queryable, so it runs over node-postgres or PGlite.
//
// Relations are found in two ways and merged: every relation the server's plan reads, and every
// name the query mentions (a LEFT JOIN the planner removed, or a view, leaves no scan behind).
import type { Queryable } from '../db/types.ts';
import { makePack, PLAN_SETTINGS, type AttributeStats, type ExtendedStats, type PackSetting, type RelationStats, type SharePack } from './format.ts';
import { redactStats } from './redact.ts';
import { hasParameters } from './replay.ts';

export interface CaptureOptions {
  /** Columns whose sample values (MCVs, histogram bounds) are left out: `table.column` or `schema.table.column`. */
  redact?: string[];
}

interface RelRow {
  oid: number;
  schema: string;
  name: string;
  kind: string;
  relpages: number;
  reltuples: number;
  relallvisible: number;
  ispartition: boolean;
  persistence: string;
}

/** Names a statement mentions, as (schema, name), from PostgreSQL's own parser. */
export async function mentionedRelations(sql: string): Promise<{ schema?: string; name: string }[]> {
  const { parse } = await import('libpg-query');
  const tree = await parse(sql);
  const out = new Map<string, { schema?: string; name: string }>();
  const stack: unknown[] = [tree];
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    const o = v as Record<string, unknown>;
    const rv = o.RangeVar as { schemaname?: string; relname?: string } | undefined;
    if (rv?.relname) out.set(`${rv.schemaname ?? ''}.${rv.relname}`, { schema: rv.schemaname, name: rv.relname });
    for (const c of Object.values(o)) if (c && typeof c === 'object') stack.push(c);
  }
  return [...out.values()];
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
const qn = (schema: string, name: string) => `${q(schema)}.${q(name)}`;

/** The relations a plan reads (`Relation Name`, with `Schema` in a VERBOSE plan). */
export function planRelationNames(plan: unknown): { schema?: string; name: string }[] {
  const out: { schema?: string; name: string }[] = [];
  const stack: unknown[] = [plan];
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) { stack.push(...v); continue; }
    const o = v as Record<string, unknown>;
    if (typeof o['Relation Name'] === 'string') out.push({ schema: o.Schema as string | undefined, name: o['Relation Name'] as string });
    for (const c of Object.values(o)) if (c && typeof c === 'object') stack.push(c);
  }
  return out;
}

/** Resolves names (unqualified ones through the search_path) to pg_class oids; unknown names (CTEs) are skipped. */
export async function resolveRelations(db: Queryable, names: { schema?: string; name: string }[]): Promise<number[]> {
  if (!names.length) return [];
  const texts = names.map((n) => (n.schema ? qn(n.schema, n.name) : q(n.name)));
  const { rows } = await db.query<{ oid: number | null }>('select to_regclass(n)::oid::int8 as oid from unnest($1::text[]) as n', [texts]);
  return [...new Set(rows.map((r) => (r.oid === null ? null : Number(r.oid))).filter((x): x is number => x !== null))];
}

/** Adds what the relations need: a view's base relations, a partitioned table's partitions (recursively). */
async function expand(db: Queryable, oids: number[]): Promise<number[]> {
  const { rows } = await db.query<{ oid: number }>(
    `with recursive rel(oid) as (
       select unnest($1::oid[])
       union
       select x.oid from rel,
         lateral (select d.refobjid as oid from pg_rewrite rw join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = rw.oid
                   where rw.ev_class = rel.oid and d.refclassid = 'pg_class'::regclass and d.refobjid <> rel.oid
                  union all
                  select i.inhrelid from pg_inherits i where i.inhparent = rel.oid
                  union all
                  select i.inhparent from pg_inherits i where i.inhrelid = rel.oid) x
     )
     select distinct rel.oid::int8 as oid from rel join pg_class c on c.oid = rel.oid
     where c.relkind in ('r', 'p', 'v', 'm', 'f') and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`,
    [oids],
  );
  return rows.map((r) => Number(r.oid));
}

async function relations(db: Queryable, oids: number[]): Promise<RelRow[]> {
  const { rows } = await db.query<RelRow>(
    `select c.oid::int8 as oid, n.nspname as schema, c.relname as name, c.relkind::text as kind, c.relpages::int8 as relpages,
            c.reltuples::float8 as reltuples, c.relallvisible::int8 as relallvisible, c.relispartition as ispartition,
            c.relpersistence::text as persistence
     from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = any($1::oid[])
     order by c.relispartition, c.oid`,
    [oids],
  );
  return rows.map((r) => ({ ...r, oid: Number(r.oid), relpages: Number(r.relpages), reltuples: Number(r.reltuples), relallvisible: Number(r.relallvisible) }));
}

interface ColumnRow {
  attname: string;
  type: string;
  typschema: string;
  typtype: string;
  typoid: number;
  /** schema.name, for enums and domains (format_type leaves the schema out when it is on the search_path). */
  qualtype: string;
  notnull: boolean;
  generated: string;
  identity: string;
  collation: string | null;
  genexpr: string | null;
}

async function columns(db: Queryable, oid: number): Promise<ColumnRow[]> {
  const { rows } = await db.query<ColumnRow>(
    `select a.attname, format_type(a.atttypid, a.atttypmod) as type, tn.nspname as typschema, t.typtype::text as typtype,
            t.oid::int8 as typoid, quote_ident(tn.nspname) || '.' || quote_ident(t.typname) as qualtype, a.attnotnull as notnull, a.attgenerated::text as generated, a.attidentity::text as identity,
            case when a.attcollation <> t.typcollation and a.attcollation <> 0 then (select quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
              from pg_collation co join pg_namespace cn on cn.oid = co.collnamespace where co.oid = a.attcollation) end as collation,
            case when a.attgenerated <> '' then pg_get_expr(d.adbin, d.adrelid) end as genexpr
     from pg_attribute a join pg_type t on t.oid = a.atttypid join pg_namespace tn on tn.oid = t.typnamespace
     left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    [oid],
  );
  return rows.map((r) => ({ ...r, typoid: Number(r.typoid) }));
}

/** DDL for user-defined types the columns use: enums and domains (the others are noted). */
async function typeDdl(db: Queryable, types: Map<number, ColumnRow>, notes: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const [oid, c] of types) {
    if (c.typtype === 'e') {
      const { rows } = await db.query<{ label: string }>('select enumlabel as label from pg_enum where enumtypid = $1 order by enumsortorder', [oid]);
      out.push(`create type ${c.qualtype} as enum (${rows.map((r) => `'${r.label.replace(/'/g, "''")}'`).join(', ')});`);
    } else if (c.typtype === 'd') {
      const { rows } = await db.query<{ base: string }>('select format_type(typbasetype, typtypmod) as base from pg_type where oid = $1', [oid]);
      out.push(`create domain ${c.qualtype} as ${rows[0].base};`);
    } else {
      notes.push(`Type ${c.type} (schema ${c.typschema}) is not created by the repro; columns of that type need it (an extension, or a composite or range type).`);
    }
  }
  return out;
}

function columnDdl(c: ColumnRow): string {
  let s = `${q(c.attname)} ${c.typtype === 'e' || c.typtype === 'd' ? c.qualtype : c.type}`;
  if (c.collation) s += ` collate ${c.collation}`;
  if (c.generated === 's' && c.genexpr) s += ` generated always as (${c.genexpr}) stored`;
  else if (c.generated === 'v' && c.genexpr) s += ` generated always as (${c.genexpr}) virtual`;
  if (c.identity === 'a') s += ' generated always as identity';
  else if (c.identity === 'd') s += ' generated by default as identity';
  if (c.notnull && !c.identity) s += ' not null';
  return s;
}

/** The server's settings that shape plans, by current value. */
export async function planSettings(db: Queryable): Promise<PackSetting[]> {
  const { rows } = await db.query<{ name: string; value: string | null }>(
    'select s.name, current_setting(s.name, true) as value from unnest($1::text[]) as s(name) join pg_settings p on p.name = s.name order by s.name',
    [[...PLAN_SETTINGS]],
  );
  return rows.filter((r) => r.value !== null).map((r) => ({ name: r.name, value: r.value! }));
}

function numbers(v: unknown): number[] | null {
  if (v === null || v === undefined) return null;
  return (typeof v === 'string' ? JSON.parse(v) : v) as number[];
}

async function attributeStats(db: Queryable, rels: { schema: string; name: string }[]): Promise<AttributeStats[]> {
  if (!rels.length) return [];
  const { rows } = await db.query<Record<string, unknown>>(
    `select s.schemaname as schema, s.tablename as relation, s.attname, s.inherited, s.null_frac::float8 as null_frac, s.avg_width,
            s.n_distinct::float8 as n_distinct, s.most_common_vals::text as most_common_vals,
            array_to_json(s.most_common_freqs)::text as most_common_freqs, s.histogram_bounds::text as histogram_bounds,
            s.correlation::float8 as correlation, s.most_common_elems::text as most_common_elems,
            array_to_json(s.most_common_elem_freqs)::text as most_common_elem_freqs,
            array_to_json(s.elem_count_histogram)::text as elem_count_histogram,
            s.range_length_histogram::text as range_length_histogram, s.range_empty_frac::float8 as range_empty_frac,
            s.range_bounds_histogram::text as range_bounds_histogram
     from pg_stats s join unnest($1::text[], $2::text[]) as r(schema, name) on s.schemaname = r.schema and s.tablename = r.name
     order by s.schemaname, s.tablename, s.attname, s.inherited`,
    [rels.map((r) => r.schema), rels.map((r) => r.name)],
  );
  return rows.map((r) => ({
    schema: r.schema as string, relation: r.relation as string, attname: r.attname as string, inherited: !!r.inherited,
    null_frac: r.null_frac as number | null, avg_width: r.avg_width === null ? null : Number(r.avg_width), n_distinct: r.n_distinct as number | null,
    most_common_vals: r.most_common_vals as string | null, most_common_freqs: numbers(r.most_common_freqs),
    histogram_bounds: r.histogram_bounds as string | null, correlation: r.correlation as number | null,
    most_common_elems: r.most_common_elems as string | null, most_common_elem_freqs: numbers(r.most_common_elem_freqs),
    elem_count_histogram: numbers(r.elem_count_histogram), range_length_histogram: r.range_length_histogram as string | null,
    range_empty_frac: r.range_empty_frac as number | null, range_bounds_histogram: r.range_bounds_histogram as string | null,
  }));
}

async function extendedStats(db: Queryable, oids: number[]): Promise<{ ddl: string[]; stats: ExtendedStats[] }> {
  const { rows } = await db.query<{ oid: number; def: string; schema: string; relation: string; name: string; kinds: string[] | string }>(
    `select x.oid::int8 as oid, pg_get_statisticsobjdef(x.oid) as def, n.nspname as schema, c.relname as relation, x.stxname as name,
            array_to_json(x.stxkind)::text as kinds
     from pg_statistic_ext x join pg_class c on c.oid = x.stxrelid join pg_namespace n on n.oid = c.relnamespace
     where x.stxrelid = any($1::oid[]) order by x.oid`,
    [oids],
  );
  const ddl = rows.map((r) => `${r.def};`);
  const stats: ExtendedStats[] = [];
  if (rows.length) {
    const { rows: data } = await db.query<{ schema: string; relation: string; name: string; n_distinct: string | null; dependencies: string | null }>(
      `select statistics_schemaname as schema, tablename as relation, statistics_name as name, n_distinct::text as n_distinct, dependencies::text as dependencies
       from pg_stats_ext where (statistics_schemaname, statistics_name) in (select unnest($1::text[]), unnest($2::text[])) and not inherited`,
      [rows.map((r) => r.schema), rows.map((r) => r.name)],
    );
    for (const r of rows) {
      const d = data.find((x) => x.schema === r.schema && x.name === r.name);
      const kinds = (typeof r.kinds === 'string' ? JSON.parse(r.kinds) : r.kinds) as string[];
      stats.push({ schema: r.schema, relation: r.relation, name: r.name, kinds, n_distinct: d?.n_distinct ?? null, dependencies: d?.dependencies ?? null });
    }
  }
  return { ddl, stats };
}

export interface Capture {
  pack: SharePack;
  /** The relations captured, `schema.name`, for a summary line. */
  relations: string[];
}

/** Reads everything that reproduces `sql`'s plan from the server behind `db`. Runs only catalog queries and EXPLAIN. */
export async function captureRepro(db: Queryable, sql: string, opts: CaptureOptions = {}): Promise<Capture> {
  const query = sql.trim().replace(/;\s*$/, '');
  const generic = hasParameters(query) ? 'generic_plan, ' : '';
  const explained = await db.query<Record<string, unknown>>(`explain (${generic}verbose, format json) ${query}`);
  const verbosePlan = explained.rows[0]?.['QUERY PLAN'];
  const plain = await db.query<Record<string, unknown>>(`explain (${generic}format json) ${query}`);
  let plan = plain.rows[0]?.['QUERY PLAN'];
  if (typeof plan === 'string') plan = JSON.parse(plan);
  const vp = typeof verbosePlan === 'string' ? JSON.parse(verbosePlan) : verbosePlan;

  const names = [...planRelationNames(vp), ...(await mentionedRelations(query))];
  const oids = await expand(db, await resolveRelations(db, names));
  const settings = await planSettings(db);
  // The DDL is written with only pg_catalog on the search_path, so pg_get_*def qualify every name
  // (as pg_dump does): the receiver's search_path is the server's, set after the set-up.
  const { rows: sp } = await db.query<{ p: string }>("select current_setting('search_path') as p");
  await db.query("select set_config('search_path', 'pg_catalog', false)");
  try {
    return await captureDdl(db, query, plan, oids, settings, opts);
  } finally {
    await db.query("select set_config('search_path', $1, false)", [sp[0].p]);
  }
}

async function captureDdl(db: Queryable, query: string, plan: unknown, oids: number[], settings: PackSetting[], opts: CaptureOptions): Promise<Capture> {
  const rels = await relations(db, oids);
  const notes: string[] = [];
  const { rows: ver } = await db.query<{ v: string }>("select current_setting('server_version') as v");
  const source = `PostgreSQL ${ver[0].v}`;

  const tables = rels.filter((r) => r.kind === 'r' || r.kind === 'p' || r.kind === 'm' || r.kind === 'f');
  const views = rels.filter((r) => r.kind === 'v');
  const tableOids = new Set(tables.map((t) => t.oid));
  const ddl: string[] = [];
  const typeSeen = new Map<number, ColumnRow>();
  const tableDdl: string[] = [];
  const schemas = new Set(rels.map((r) => r.schema).filter((s) => s !== 'public'));

  for (const t of tables) {
    const cols = await columns(db, t.oid);
    for (const c of cols) if (c.typschema !== 'pg_catalog' && !typeSeen.has(c.typoid)) typeSeen.set(c.typoid, c);
    if (t.kind === 'f') notes.push(`${t.schema}.${t.name} is a foreign table on the server; it is created as an ordinary empty table.`);
    if (t.kind === 'm') notes.push(`${t.schema}.${t.name} is a materialized view on the server; it is created as a table with its columns.`);
    if (t.persistence === 'u') notes.push(`${t.schema}.${t.name} is unlogged on the server.`);
    const { rows: part } = await db.query<{ key: string | null; bound: string | null; parent: string | null }>(
      `select case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as key,
              case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as bound,
              (select quote_ident(pn.nspname) || '.' || quote_ident(pc.relname) from pg_inherits i join pg_class pc on pc.oid = i.inhparent
                 join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid limit 1) as parent
       from pg_class c where c.oid = $1`,
      [t.oid],
    );
    const p = part[0];
    let s: string;
    if (t.ispartition && p.parent && p.bound) s = `create table ${qn(t.schema, t.name)} partition of ${p.parent} ${p.bound}`;
    else {
      s = `create table ${qn(t.schema, t.name)} (\n  ${cols.map(columnDdl).join(',\n  ')}\n)`;
      if (p.parent) s += ` inherits (${p.parent})`;
    }
    if (p.key) s += ` partition by ${p.key}`;
    tableDdl.push(s + ';');
  }
  for (const s of schemas) ddl.push(`create schema if not exists ${q(s)};`);
  ddl.push(...(await typeDdl(db, typeSeen, notes)));
  ddl.push(...tableDdl);

  // Constraints (local ones: a partition inherits its parent's), then the other indexes.
  const { rows: cons } = await db.query<{ rel: string; conname: string; def: string; contype: string; confrelid: number }>(
    `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as rel, k.conname, pg_get_constraintdef(k.oid) as def,
            k.contype::text as contype, k.confrelid::int8 as confrelid
     from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
     where k.conrelid = any($1::oid[]) and k.contype in ('p', 'u', 'c', 'x', 'f') and k.conislocal
     order by case k.contype when 'f' then 1 else 0 end, c.relispartition, k.oid`,
    [[...tableOids]],
  );
  for (const c of cons) {
    if (c.contype === 'f' && !tableOids.has(Number(c.confrelid))) continue;
    ddl.push(`alter table ${c.rel} add constraint ${q(c.conname)} ${c.def};`);
  }
  const { rows: idx } = await db.query<{ oid: number; def: string; schema: string; name: string }>(
    `select i.indexrelid::int8 as oid, pg_get_indexdef(i.indexrelid) as def, n.nspname as schema, ic.relname as name
     from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_namespace n on n.oid = ic.relnamespace
     join pg_class tc on tc.oid = i.indrelid
     where i.indrelid = any($1::oid[])
       and not exists (select from pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x') and k.conrelid = i.indrelid)
       and not exists (select from pg_inherits h where h.inhrelid = i.indexrelid)
     order by tc.relispartition, i.indexrelid`,
    [[...tableOids]],
  );
  // An index on a partitioned table is made ON ONLY the parent by pg_get_indexdef (pg_dump attaches the
  // partitions' own later); created without ONLY it builds the partitions' indexes too.
  for (const i of idx) ddl.push(`${i.def.replace(/ ON ONLY /, ' ON ')};`);
  const ext = await extendedStats(db, [...tableOids]);
  ddl.push(...ext.ddl);
  for (const v of views) {
    const { rows } = await db.query<{ def: string }>('select pg_get_viewdef($1::oid) as def', [v.oid]);
    ddl.push(`create view ${qn(v.schema, v.name)} as\n${rows[0].def.trim().replace(/;$/, '')};`);
  }
  if (ext.stats.length) notes.push(`Extended statistics (${ext.stats.map((e) => e.name).join(', ')}) are created but their values are not restored: PostgreSQL 18 has no function that imports them.`);

  // Statistics: the tables and every index on them (an expression index has its own pg_stats rows).
  const { rows: allIdx } = await db.query<{ oid: number }>('select indexrelid::int8 as oid from pg_index where indrelid = any($1::oid[])', [[...tableOids]]);
  const statRels = await relations(db, [...tableOids, ...allIdx.map((r) => Number(r.oid))]);
  const relationStats: RelationStats[] = statRels.map((r) => ({
    schema: r.schema, name: r.name, kind: (r.kind === 'I' ? 'i' : r.kind === 'f' ? 'r' : r.kind) as RelationStats['kind'],
    relpages: r.relpages, reltuples: r.reltuples, relallvisible: r.relallvisible,
  }));
  let attributes = await attributeStats(db, statRels.map((r) => ({ schema: r.schema, name: r.name })));
  for (const r of relationStats) if (r.kind !== 'i' && r.reltuples < 0) notes.push(`${r.schema}.${r.name} was never analyzed on the server: the planner guesses its size there and here.`);

  let redacted: SharePack['redacted'] = [];
  if (opts.redact?.length) {
    const searchPath = settings.find((s) => s.name === 'search_path')?.value;
    // An expression index on a redacted column has pg_stats rows of its own, holding the same
    // values (lower(email)): they go too.
    const cols = redactStats(attributes, opts.redact, searchPath).redacted;
    const { rows: derived } = await db.query<{ schema: string; idx: string; tschema: string; tname: string; col: string }>(
      `select n.nspname as schema, ic.relname as idx, tn.nspname as tschema, tc.relname as tname, a.attname as col
       from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_namespace n on n.oid = ic.relnamespace
       join pg_class tc on tc.oid = i.indrelid join pg_namespace tn on tn.oid = tc.relnamespace
       join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = i.indexrelid and d.refclassid = 'pg_class'::regclass
         and d.refobjid = i.indrelid and d.refobjsubid > 0
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = d.refobjsubid
       where i.indrelid = any($1::oid[]) and i.indexprs is not null`,
      [[...tableOids]],
    );
    const quoted = (...p: string[]) => p.map(q).join('.');
    const refs = cols.map((c) => quoted(c.schema, c.relation, c.column));
    for (const d of derived) {
      if (!cols.some((c) => c.schema === d.tschema && c.relation === d.tname && c.column === d.col)) continue;
      for (const a of attributes) if (a.schema === d.schema && a.relation === d.idx) refs.push(quoted(a.schema, a.relation, a.attname));
    }
    ({ attributes, redacted } = redactStats(attributes, [...new Set(refs)], searchPath));
  }

  const pack = makePack({
    kind: 'server', source, setup: ddl.join('\n\n') + '\n', settings, query, plan: plan ?? null,
    stats: { relations: relationStats, attributes, extended: ext.stats }, redacted, notes,
  });
  return { pack, relations: rels.map((r) => `${r.schema}.${r.name}`) };
}
