// Makes a data directory smaller before it is dumped (the prepared first-visit cluster, the
// lessons' snapshots). Only the WAL up to the last checkpoint matters: segments after the
// current one are recycled files full of old WAL, and the current one holds the same after its
// insert position. Dropping the former and zeroing the latter (what a fresh segment holds)
// changes nothing for PostgreSQL and much for the size and the restore time.
import { PGlite } from '@electric-sql/pglite';
import { ownStatement } from './own-statements.ts';

const WAL_PAGE = 8192;

interface EmscriptenFs {
  readdir(path: string): string[];
  unlink(path: string): void;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array): void;
}

/** Checkpoints, then trims pg_wal. Call right before `dumpDataDir`, with nothing else running. */
export async function checkpointAndTrimWal(pg: PGlite): Promise<void> {
  await pg.exec(ownStatement('checkpoint'));
  const { rows } = await pg.query<{ current: string; offset: string }>(
    ownStatement(`select pg_walfile_name(pg_current_wal_insert_lsn()) as current,
            ((pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint
              % (select setting::bigint from pg_settings where name = 'wal_segment_size'))::text as offset`),
  );
  const { current, offset } = rows[0];
  // PGlite has no file API; its Emscripten file system is reachable through the module.
  const fs = (pg as unknown as { mod: { FS: EmscriptenFs } }).mod.FS;
  const dir = `${PGlite.paths.PGDATA}/pg_wal`;
  for (const name of fs.readdir(dir)) {
    if (/^[0-9A-F]{24}$/.test(name) && name > current) fs.unlink(`${dir}/${name}`);
  }
  const path = `${dir}/${current}`;
  const data = fs.readFile(path);
  data.fill(0, Math.ceil(Number(offset) / WAL_PAGE) * WAL_PAGE);
  fs.writeFile(path, data);
}
