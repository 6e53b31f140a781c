// Settings pglab applies on every start, and the ones PGlite differs on from a stock
// server, with what each changes for the learner. Shown in "About this database".
import type { Queryable } from './types.ts';
import { ownStatement } from './own-statements.ts';

/** Server options of every start (engine.ts): a runaway recursive CTE otherwise spills temp files into memory. */
export const startupSettings: Record<string, string> = {
  temp_file_limit: '256MB',
  // Bound how many WAL files a checkpoint keeps for reuse (wal-housekeeping.ts): each one is 1 MB
  // in the browser store.
  min_wal_size: '4MB',
  max_wal_size: '16MB',
};

export interface SettingNote {
  name: string;
  stock: string;
  note: string;
}

export const differsFromStock: SettingNote[] = [
  { name: 'max_parallel_workers_per_gather', stock: '2', note: 'No parallel plans: no Gather nodes, large scans and aggregates run in one process.' },
  { name: 'max_worker_processes', stock: '8', note: 'Single backend: no background workers, so autovacuum never runs — run ANALYZE and VACUUM yourself.' },
  { name: 'fsync', stock: 'on', note: 'Durability comes from the browser store, not fsync; plans are unaffected.' },
  { name: 'io_method', stock: 'worker', note: 'Synchronous I/O: no asynchronous read-ahead, so timings of large scans differ from a server.' },
  { name: 'wal_segment_size', stock: '16MB', note: 'Smaller WAL files so each commit saves less to the browser store; plans are unaffected.' },
  { name: 'max_wal_size', stock: '1GB', note: 'No checkpointer runs here: pglab checkpoints itself once idle after 8 MB of WAL, and keeps few WAL files; plans are unaffected.' },
  { name: 'min_wal_size', stock: '80MB', note: 'Fewer spare WAL files kept after a checkpoint, so the browser store stays small; plans are unaffected.' },
  { name: 'temp_file_limit', stock: '-1', note: 'Capped so a runaway sort or recursive query stops with SQLSTATE 53400 instead of filling memory.' },
  { name: 'shared_preload_libraries', stock: "''", note: 'pg_stat_statements is preloaded so the query analyzer works.' },
];

/** The live values of the settings above, as `SHOW` prints them. */
export async function currentSettings(db: Queryable): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; value: string }>(
    ownStatement(`select name, current_setting(name) as value from pg_settings where name = any($1::text[])`),
    [differsFromStock.map((s) => s.name)],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}
