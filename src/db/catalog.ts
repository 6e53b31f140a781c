// The live catalog, read in one round trip: feeds the schema browser and editor completion.
import type { Queryable } from './types.ts';
import { ownStatement } from './own-statements.ts';

export interface CatalogColumn { name: string; type: string; notNull: boolean; default: string | null }
export interface CatalogRelation {
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'materialized view' | 'partitioned table' | 'foreign table';
  /** pg_class.reltuples; null until VACUUM or ANALYZE first counts the table (and for views). */
  estimatedRows: number | null;
  size: string;
  columns: CatalogColumn[];
  indexes: { name: string; definition: string }[];
  constraints: { name: string; definition: string }[];
}
export interface Catalog {
  schemas: string[];
  relations: CatalogRelation[];
  functions: { schema: string; name: string; args: string; result: string }[];
  extensions: { name: string; version: string }[];
}

const KINDS: Record<string, CatalogRelation['kind']> = { r: 'table', v: 'view', m: 'materialized view', p: 'partitioned table', f: 'foreign table' };
const USER_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'`;

// PostgreSQL 18 also records NOT NULL in pg_constraint (contype 'n'); columns already show it.
// Objects that belong to an extension (pg_stat_statements' views) are left out.
export async function loadCatalog(db: Queryable): Promise<Catalog> {
  type RawRelation = Omit<CatalogRelation, 'kind'> & { relkind: string };
  const { rows } = await db.query<{ catalog: Omit<Catalog, 'relations'> & { relations: RawRelation[] } }>(ownStatement(`
    select json_build_object(
      'schemas', (select coalesce(json_agg(n.nspname order by n.nspname), '[]') from pg_namespace n where ${USER_SCHEMAS}),
      'relations', (select coalesce(json_agg(json_build_object(
          'schema', n.nspname, 'name', c.relname, 'relkind', c.relkind,
          'estimatedRows', case when c.reltuples >= 0 and c.relkind in ('r','m','p') then c.reltuples::bigint end,
          'size', pg_size_pretty(pg_total_relation_size(c.oid)),
          'columns', (select coalesce(json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                         'notNull', a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid)) order by a.attnum), '[]')
                      from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                      where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),
          'indexes', (select coalesce(json_agg(json_build_object('name', i.relname, 'definition', pg_get_indexdef(x.indexrelid)) order by i.relname), '[]')
                      from pg_index x join pg_class i on i.oid = x.indexrelid where x.indrelid = c.oid),
          'constraints', (select coalesce(json_agg(json_build_object('name', k.conname, 'definition', pg_get_constraintdef(k.oid)) order by k.conname), '[]')
                      from pg_constraint k where k.conrelid = c.oid and k.contype <> 'n')
        ) order by n.nspname, c.relname), '[]')
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r','v','m','p','f') and ${USER_SCHEMAS} and not c.relispartition
          and not exists (select 1 from pg_depend dep where dep.classid = 'pg_class'::regclass and dep.objid = c.oid and dep.deptype = 'e')),
      'functions', (select coalesce(json_agg(json_build_object('schema', n.nspname, 'name', p.proname,
          'args', pg_get_function_arguments(p.oid), 'result', pg_get_function_result(p.oid)) order by p.proname), '[]')
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where ${USER_SCHEMAS} and not exists (select 1 from pg_depend dep where dep.objid = p.oid and dep.deptype = 'e')),
      'extensions', (select coalesce(json_agg(json_build_object('name', extname, 'version', extversion) order by extname), '[]') from pg_extension)
    ) as catalog`));
  const c = rows[0].catalog;
  return {
    ...c,
    relations: c.relations.map(({ relkind, ...r }) => ({ ...r, kind: KINDS[relkind], estimatedRows: r.estimatedRows === null ? null : Number(r.estimatedRows) })),
  };
}
