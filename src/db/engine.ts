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
  /** Replaces startParams() (the build's seed adds options). */
  startParams?: string[];
  pgliteWasmModule?: WebAssembly.Module;
  initdbWasmModule?: WebAssembly.Module;
  fsBundle?: Blob;
  /** Default: every extension pglab ships (the worker passes fewer: see extensions.ts). */
  extensions?: Record<string, Extension>;
}

/** PGlite's start parameters plus pglab's settings as server options (and any `extra`). */
export function startParams(extra: string[] = []): string[] {
  return [...PGlite.defaultStartParams, ...Object.entries(startupSettings).flatMap(([name, value]) => ['-c', `${name}=${value}`]), ...extra];
}

export async function createEngine(opts: EngineOptions = {}): Promise<PGlite> {
  // 1 MB WAL segments instead of 16 MB: a segment PostgreSQL recycles is saved whole by the
  // browser store, which is 16 times less with these.
  const options: PGliteOptions = {
    extensions,
    initDbStartParams: ['--wal-segsize=1'],
    // As server options, they cost no query at start and survive RESET ALL / DISCARD ALL.
    startParams: startParams(),
    ...opts,
  };
  // PGlite.create resolves only when Postgres can answer (new PGlite() reports ready too early).
  return PGlite.create(options);
}
