// The schema browser's line under a relation's name: its kind, the planner's row estimate, its size.
import type { CatalogRelation } from '../db/catalog.ts';

export interface RelationSummary {
  text: string;
  /** Why there is no estimate, when there is none. */
  title?: string;
}

export function relationSummary(r: Pick<CatalogRelation, 'kind' | 'estimatedRows' | 'size'>): RelationSummary {
  if (r.kind === 'view' || r.kind === 'foreign table') return { text: r.kind };
  const kind = r.kind === 'table' ? '' : `${r.kind} · `;
  if (r.estimatedRows === null) {
    // PGlite runs no autovacuum: a table keeps reltuples = -1 until someone runs ANALYZE or VACUUM.
    return { text: `${kind}not analyzed · ${r.size}`, title: 'No row estimate yet: run ANALYZE (PGlite has no autovacuum to do it)' };
  }
  return { text: `${kind}~${r.estimatedRows.toLocaleString('en-US')} rows · ${r.size}` };
}
