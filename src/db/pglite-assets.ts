// PGlite's large files, fetched and compiled by a worker. The page keeps what a worker compiled
// and hands it to the next one (after a Stop, or to the lesson workers), so PostgreSQL is
// downloaded and compiled once per page.
import pgliteWasmUrl from '@electric-sql/pglite/pglite.wasm?url';
import initdbWasmUrl from '@electric-sql/pglite/initdb.wasm?url';
import fsBundleUrl from '@electric-sql/pglite/pglite.data?url';
import seedUrl from 'pglab-seed.pgseed?url';
import { unpackShippedSnapshot, type DataDirSnapshot } from './datadir-snapshot.ts';

export interface PgliteAssets {
  pglite: WebAssembly.Module;
  fsBundle: Blob;
  /** Only once a cluster had to be made with initdb (initdbModule). */
  initdb?: WebAssembly.Module;
}

/** Bytes of what a first start downloads, counted as they arrive (after the host's compression). */
export type DownloadProgress = (received: number, total: number) => void;

/** A file of the start-up that could not be downloaded: which one, and why. */
export class AssetError extends Error {
  constructor(readonly file: string, why: string) {
    super(`Could not download ${file}: ${why}. Check the connection, then retry.`);
    this.name = 'AssetError';
  }
}

const fileName = (url: string) => new URL(url, location.href).pathname.split('/').pop() ?? url;

/**
 * Counts the bytes of several downloads against their total, known from the build: the host may
 * compress (no usable Content-Length), but the body as read is the file's own bytes.
 */
export class Downloads {
  private received = 0;
  constructor(private total: number, private readonly onProgress?: DownloadProgress) {}

  /** A further download joins the total (the prepared cluster, once a start knows it needs it). */
  expect(bytes: number): this {
    this.total += bytes;
    return this;
  }

  /** The response of `url`, its body counted; an AssetError names the file when it fails. */
  async fetch(url: string): Promise<Response> {
    const file = fileName(url);
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new AssetError(file, `the network request failed (${(e as Error).message})`);
    }
    if (!res.ok) throw new AssetError(file, `the server answered ${res.status} ${res.statusText}`.trim());
    // The response itself goes on untouched: a Response made anew loses the browser's compiled
    // wasm cache (measured: warm starts 0.8 → 1.5 s). A clone's body is read to count the bytes.
    if (res.body && this.onProgress) void this.count(res.clone().body!);
    return res;
  }

  private async count(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.received += value.byteLength;
        this.onProgress?.(this.received, Math.max(this.total, this.received));
      }
    } catch {
      // The download itself reports its failure.
    }
  }

  /** The body as a Blob; a connection dropped mid-body fails as an AssetError too. */
  async blob(url: string): Promise<Blob> {
    const res = await this.fetch(url);
    try {
      return await res.blob();
    } catch (e) {
      throw new AssetError(fileName(url), `the download broke off (${(e as Error).message})`);
    }
  }

  async wasm(url: string): Promise<WebAssembly.Module> {
    const res = await this.fetch(url);
    try {
      return await WebAssembly.compileStreaming(res);
    } catch (e) {
      throw new AssetError(fileName(url), `the download broke off or is damaged (${(e as Error).message})`);
    }
  }
}

/** The sizes of PostgreSQL's files and the prepared cluster, from the build (vite.config.ts). */
export const START_BYTES: { pglite: number; data: number; seed: number } = __PGLAB_START_BYTES__;

export async function loadPgliteAssets(downloads = new Downloads(START_BYTES.pglite + START_BYTES.data)): Promise<PgliteAssets> {
  const [pglite, fsBundle] = await Promise.all([downloads.wasm(pgliteWasmUrl), downloads.blob(fsBundleUrl)]);
  return { pglite, fsBundle };
}

let initdbCompiling: Promise<WebAssembly.Module> | undefined;

/**
 * initdb.wasm (300 KB) runs only when a new cluster is made without the prepared one: it is
 * fetched and compiled then, not on every start.
 */
export function initdbModule(): Promise<WebAssembly.Module> {
  initdbCompiling ??= new Downloads(0).wasm(initdbWasmUrl);
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
export async function fetchSeed(downloads = new Downloads(START_BYTES.seed)): Promise<DataDirSnapshot | undefined> {
  const blob = await downloads.blob(seedUrl).catch((e) => {
    // A build without the prepared cluster makes one with initdb; a failed download says so.
    if (e instanceof AssetError && /answered 404/.test(e.message)) return undefined;
    throw e;
  });
  return blob && unpackShippedSnapshot(blob);
}

/**
 * What identifies the PostgreSQL this page ships: the built file names carry a hash of their
 * content, and the sizes tell a development server's unhashed files apart. A data directory
 * made with another one is never reused (the lessons' kept builds).
 */
export function engineId(): string {
  return JSON.stringify([pgliteWasmUrl, fsBundleUrl, seedUrl, START_BYTES]);
}
