// Builds the prepared data directory a first visit starts from instead of running initdb:
// made by the same createEngine (same extensions, same initdb options) as the worker's.
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createEngine } from '../src/db/engine.ts';

const WAL_PAGE = 8192;

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/make-seed.ts OUT.tgz');
const t0 = performance.now();
const db = await createEngine();
// A checkpoint, so the cluster starts without WAL replay.
await db.exec('checkpoint');
await trimWal(db);
const dump = await db.dumpDataDir('gzip');
writeFileSync(out, new Uint8Array(await dump.arrayBuffer()));
await db.close();
console.log(`seed data directory: ${(dump.size / 1024 / 1024).toFixed(1)} MB in ${(performance.now() - t0).toFixed(0)} ms`);

/**
 * Only the WAL up to the checkpoint matters. Segments after the current one are recycled
 * files full of old, incompressible WAL, and the current one holds the same after its
 * insert position: drop the former and zero the latter (what a fresh segment holds),
 * which takes about a third off the download.
 */
async function trimWal(pg: PGlite) {
  const { rows } = await pg.query<{ current: string; offset: number }>(
    `select pg_walfile_name(pg_current_wal_insert_lsn()) as current,
            (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint % (select setting::bigint from pg_settings where name = 'wal_segment_size') as offset`,
  );
  const { current, offset } = rows[0];
  // PGlite exposes no file API; its Emscripten FS is reachable for this build-time step only.
  const fs = (pg as unknown as { mod: { FS: EmscriptenFs } }).mod.FS;
  const dir = `${PGlite.paths.PGDATA}/pg_wal`;
  for (const name of fs.readdir(dir)) {
    if (/^[0-9A-F]{24}$/.test(name) && name > current) fs.unlink(`${dir}/${name}`);
  }
  const path = `${dir}/${current}`;
  const data: Uint8Array = fs.readFile(path);
  const from = Math.ceil(Number(offset) / WAL_PAGE) * WAL_PAGE;
  data.fill(0, from);
  fs.writeFile(path, data);
}

interface EmscriptenFs {
  readdir(path: string): string[];
  unlink(path: string): void;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array): void;
}
