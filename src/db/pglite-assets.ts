// PGlite's large files, fetched and compiled by a worker. The page keeps what a worker compiled
// and hands it to the next one (after a Stop, or to the lesson workers), so PostgreSQL is
// downloaded and compiled once per page.
import pgliteWasmUrl from '@electric-sql/pglite/pglite.wasm?url';
import initdbWasmUrl from '@electric-sql/pglite/initdb.wasm?url';
import fsBundleUrl from '@electric-sql/pglite/pglite.data?url';
import seedUrl from 'pglab-seed.pgseed?url';
import { unpackGzippedSnapshot, type DataDirSnapshot } from './datadir-snapshot.ts';

export interface PgliteAssets {
  pglite: WebAssembly.Module;
  initdb: WebAssembly.Module;
  fsBundle: Blob;
}

export async function loadPgliteAssets(): Promise<PgliteAssets> {
  const [pglite, initdb, fsBundle] = await Promise.all([
    WebAssembly.compileStreaming(fetch(pgliteWasmUrl)),
    WebAssembly.compileStreaming(fetch(initdbWasmUrl)),
    fetch(fsBundleUrl).then((r) => r.blob()),
  ]);
  return { pglite, initdb, fsBundle };
}

/** The prepared data directory (scripts/make-seed.ts), or undefined: initdb then makes the cluster. */
export async function fetchSeed(): Promise<DataDirSnapshot | undefined> {
  try {
    const res = await fetch(seedUrl);
    return res.ok ? await unpackGzippedSnapshot(await res.blob()) : undefined;
  } catch {
    return undefined;
  }
}
