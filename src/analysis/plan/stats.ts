// What the catalog knows about the tables a plan reads: when they were last analyzed, how much
// changed since, and how much of them is all-visible. The stale_statistics diagnosis needs it.
import type { Queryable } from '../../db/types.ts';
import type { Plan } from './types.ts';

export interface TableStats {
  schema: string;
  relation: string;
  /** ISO timestamps, null when it never happened. */
  lastAnalyze: string | null;
  lastAutoanalyze: string | null;
  nModSinceAnalyze: number;
  nLiveTup: number;
  /** pg_class.reltuples: -1 when the table was never vacuumed or analyzed. */
  reltuples: number;
  relpages: number;
  relallvisible: number;
}

/** Keyed by the relation as asked for: `name`, or `schema.name` when a schema was given. */
export type TableStatsMap = Record<string, TableStats>;

export type RelationRef = string | { schema?: string; relation: string };

function refKey(r: RelationRef): string {
  return typeof r === 'string' ? r : r.schema ? `${r.schema}.${r.relation}` : r.relation;
}

/** The relations a plan reads, as references loadTableStats accepts. */
export function planRelations(plan: Plan): { schema?: string; relation: string }[] {
  const seen = new Map<string, { schema?: string; relation: string }>();
  for (const n of plan.nodes) {
    if (!n.relation) continue;
    const ref = n.schema ? { schema: n.schema, relation: n.relation } : { relation: n.relation };
    seen.set(refKey(ref), ref);
  }
  return [...seen.values()];
}

/**
 * Reads pg_class and pg_stat_all_tables for the given relations (unqualified names resolve
 * through the search_path, as in the query). Relations that do not resolve are left out.
 */
export async function loadTableStats(db: Queryable, relations: RelationRef[]): Promise<TableStatsMap> {
  const refs = relations.map((r) => (typeof r === 'string' ? { relation: r } : r));
  if (!refs.length) return {};
  // Cumulative statistics reach the views only after a flush (PGlite: at most once a second).
  try {
    await db.query('select pg_stat_force_next_flush()');
  } catch {
    /* before PostgreSQL 15 */
  }
  const { rows } = await db.query<{
    ord: number; schema: string; relation: string; last_analyze: unknown; last_autoanalyze: unknown;
    n_mod_since_analyze: unknown; n_live_tup: unknown; reltuples: unknown; relpages: unknown; relallvisible: unknown;
  }>(
    `select r.ord::int as ord, n.nspname as schema, c.relname as relation,
            s.last_analyze, s.last_autoanalyze, coalesce(s.n_mod_since_analyze, 0)::float8 as n_mod_since_analyze,
            coalesce(s.n_live_tup, 0)::float8 as n_live_tup, c.reltuples::float8 as reltuples,
            c.relpages::float8 as relpages, c.relallvisible::float8 as relallvisible
       from unnest($1::text[], $2::text[]) with ordinality as r(sch, rel, ord)
       join pg_class c on c.oid = to_regclass(case when r.sch is null then quote_ident(r.rel)
                                                   else quote_ident(r.sch) || '.' || quote_ident(r.rel) end)
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_stat_all_tables s on s.relid = c.oid`,
    [refs.map((r) => r.schema ?? null), refs.map((r) => r.relation)],
  );
  const out: TableStatsMap = {};
  for (const row of rows) {
    const ref = refs[Number(row.ord) - 1];
    out[refKey(ref)] = {
      schema: row.schema,
      relation: row.relation,
      lastAnalyze: isoOrNull(row.last_analyze),
      lastAutoanalyze: isoOrNull(row.last_autoanalyze),
      nModSinceAnalyze: Number(row.n_mod_since_analyze),
      nLiveTup: Number(row.n_live_tup),
      reltuples: Number(row.reltuples),
      relpages: Number(row.relpages),
      relallvisible: Number(row.relallvisible),
    };
  }
  return out;
}

function isoOrNull(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** The stats for a plan node's relation: tries `schema.name`, then `name`. */
export function statsFor(map: TableStatsMap | undefined, relation: string, schema?: string): TableStats | undefined {
  if (!map) return undefined;
  return (schema ? map[`${schema}.${relation}`] : undefined) ?? map[relation] ?? Object.values(map).find((s) => s.relation === relation && (!schema || s.schema === schema));
}
