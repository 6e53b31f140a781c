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
  fsBundle: Blob;
  /** Only once a cluster had to be made with initdb (initdbModule). */
  initdb?: WebAssembly.Module;
}

export async function loadPgliteAssets(): Promise<PgliteAssets> {
  const [pglite, fsBundle] = await Promise.all([WebAssembly.compileStreaming(fetch(pgliteWasmUrl)), fetch(fsBundleUrl).then((r) => r.blob())]);
  return { pglite, fsBundle };
}

let initdbCompiling: Promise<WebAssembly.Module> | undefined;

/**
 * initdb.wasm (300 KB) runs only when a new cluster is made without the prepared one: it is
 * fetched and compiled then, not on every start.
 */
export function initdbModule(): Promise<WebAssembly.Module> {
  initdbCompiling ??= WebAssembly.compileStreaming(fetch(initdbWasmUrl));
  initdbCompiling.catch(() => (initdbCompiling = undefined));
  return initdbCompiling;
}

/**
 * Given to PGlite as initdb.wasm when no cluster will be made (the data directory has
 * PG_VERSION): PGlite starts downloading the real file itself when it is given none. An empty
 * module, so an initdb that did run would fail rather than make a cluster over a broken one.
 */
export const noInitdb = (): WebAssembly.Module => new WebAssembly.Module(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));

/** The prepared data directory (scripts/make-seed.ts), or undefined: initdb then makes the cluster. */
export async function fetchSeed(): Promise<DataDirSnapshot | undefined> {
  try {
    const res = await fetch(seedUrl);
    return res.ok ? await unpackGzippedSnapshot(await res.blob()) : undefined;
  } catch {
    return undefined;
  }
}
