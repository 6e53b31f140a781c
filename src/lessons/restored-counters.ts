// A copy restored from a chapter's snapshot starts with its cumulative statistics at zero: it
// starts through recovery, which discards them, and PGlite never writes pg_stat/pgstat.stat (its
// close() and exit skip PostgreSQL's shutdown hook; measured on 0.5.17, the folder stays empty).
// So a learner reading pg_stat_user_tables on a reset copy saw n_live_tup = 0 for 200 000 rows.
// A plain VACUUM sets n_live_tup, n_dead_tup, vacuum_count and last_vacuum as the build's own
// VACUUM did, and changes nothing else: the snapshot was taken right after the dataset's VACUUM
// ANALYZE (every page all-visible, so it reads almost nothing: 59 ms for the indexes chapter in Node
// on a quieter machine; 230-450 ms under a load average of 28).
// What it cannot bring back: counts of the build's own activity (n_tup_ins, seq_scan,
// analyze_count), which start at zero.
import { ownStatement } from '../db/own-statements.ts';

interface Exec {
  exec(sql: string): Promise<unknown>;
}

/** Gives a freshly restored copy the table counters the built copy shows. */
export async function restoreTableCounters(db: Exec): Promise<void> {
  // Nothing to clean in a copy of a vacuumed snapshot: skip what a full VACUUM would do besides
  // counting (index cleanup, truncation, the database's frozen-xid update); measured cheaper.
  await db.exec(ownStatement('vacuum (index_cleanup off, truncate off, skip_database_stats)'));
  // A statement of its own: the flush happens when it ends, so the next query reads the counts.
  await db.exec(ownStatement('select pg_stat_force_next_flush()'));
}
