// Creating a PGlite instance the same way everywhere: in the Web Worker, in Node tests and
// in the CLI's --load mode.
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { extensions } from './extensions.ts';
import { startupSettings } from './settings.ts';

export interface EngineOptions {
  dataDir?: string;
  loadDataDir?: Blob | File;
}

export async function createEngine(opts: EngineOptions = {}): Promise<PGlite> {
  const options: PGliteOptions = { extensions };
  if (opts.dataDir) options.dataDir = opts.dataDir;
  if (opts.loadDataDir) options.loadDataDir = opts.loadDataDir;
  // PGlite.create resolves only when Postgres can answer (new PGlite() reports ready too early).
  const db = await PGlite.create(options);
  for (const [name, value] of Object.entries(startupSettings)) {
    await db.query(`select set_config($1, $2, false)`, [name, value]);
  }
  return db;
}
