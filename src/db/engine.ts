// Creating a PGlite instance the same way everywhere: in the Web Worker, in Node tests and
// in the CLI's --load mode.
import { PGlite, type Extension, type PGliteOptions } from '@electric-sql/pglite';
import { extensions } from './extensions.ts';
import { startupSettings } from './settings.ts';

export interface EngineOptions {
  dataDir?: string;
  loadDataDir?: Blob | File;
  /** A file system holding the data directory already (see datadir-snapshot.ts). */
  fs?: PGliteOptions['fs'];
  pgliteWasmModule?: WebAssembly.Module;
  initdbWasmModule?: WebAssembly.Module;
  fsBundle?: Blob;
  /** Default: every extension pglab ships (the worker passes fewer: see extensions.ts). */
  extensions?: Record<string, Extension>;
}

export async function createEngine(opts: EngineOptions = {}): Promise<PGlite> {
  // 1 MB WAL segments instead of 16 MB: a browser store saves every changed file after each
  // statement, and the current WAL segment changes on every commit.
  const options: PGliteOptions = { extensions, initDbStartParams: ['--wal-segsize=1'], ...opts };
  // PGlite.create resolves only when Postgres can answer (new PGlite() reports ready too early).
  const db = await PGlite.create(options);
  for (const [name, value] of Object.entries(startupSettings)) {
    await db.query(`select set_config($1, $2, false)`, [name, value]);
  }
  return db;
}
