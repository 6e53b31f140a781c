/// <reference lib="webworker" />
// The Web Worker that owns the PGlite instance. The page never blocks on a query; to stop
// a running statement the page terminates this worker and starts a new one, which reopens
// the persisted database (PGlite offers no way to cancel a query).
import type { PGlite } from '@electric-sql/pglite';
import { createEngine } from './engine.ts';
import { extensionsFor, namesOf, shippedExtensions } from './extensions.ts';
import { LocalEngine } from './local-engine.ts';
import { toErrorInfo } from './error-info.ts';
import type { InitInfo, Request, Response, Storage, WasmCache } from './protocol.ts';
import { fetchSeed, loadPgliteAssets } from './pglite-assets.ts';

const DB_NAME = 'pglab';
let engine: LocalEngine | undefined;
let storage: Storage = 'idb';
let cache: WasmCache | undefined;
let seeded = true;
let extensionNames: string[] = [];

/** Compiled once per page: the page hands the modules to the next worker after a Stop. */
const loadWasm = (given?: WasmCache): Promise<WasmCache> => (given ? Promise.resolve(given) : loadPgliteAssets());

function dataDirFor(s: Storage) {
  return s === 'memory' ? 'memory://' : `${s}://${DB_NAME}`;
}

async function exists(s: Storage): Promise<boolean> {
  if (s === 'idb') return (await indexedDB.databases()).some((d) => d.name === `/pglite/${DB_NAME}`);
  if (s === 'opfs-ahp') {
    try {
      await (await navigator.storage.getDirectory()).getDirectoryHandle(DB_NAME);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

async function wipe(s: Storage) {
  if (s === 'idb') {
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.deleteDatabase(`/pglite/${DB_NAME}`);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
      req.onblocked = () => resolve();
    });
  } else if (s === 'opfs-ahp') {
    await (await navigator.storage.getDirectory()).removeEntry(DB_NAME, { recursive: true }).catch(() => {});
  }
}

/**
 * OPFS access handles are exclusive, and a terminated worker's handles are released by the
 * browser a moment later. Probing PGlite's state file is cheap, unlike a failed PGlite start,
 * so wait on that; after a few seconds the holder is probably another pglab tab.
 */
async function waitForStorage(): Promise<void> {
  if (storage !== 'opfs-ahp' || !(await exists(storage))) return;
  const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(DB_NAME);
  const file = await dir.getFileHandle('state.txt').catch(() => undefined);
  if (!file) return;
  const deadline = performance.now() + 8000;
  for (;;) {
    try {
      (await file.createSyncAccessHandle()).close();
      return;
    } catch {
      if (performance.now() > deadline) throw new Error('The saved database is in use by another pglab tab. Close it and reload.');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const api = {
  async init(wanted: Storage, given?: WasmCache, useSeed = true, wantedExtensions: string[] = []): Promise<InitInfo> {
    const t0 = performance.now();
    storage = wanted;
    seeded = useSeed;
    const created = !(await exists(storage));
    // A new database starts from the prepared data directory (no initdb), fetched alongside the wasm.
    const [wasmCache, loadDataDir] = await Promise.all([loadWasm(given), created && useSeed ? fetchSeed() : undefined]);
    cache = wasmCache;
    const loadedMs = performance.now() - t0;
    const wasm = { pgliteWasmModule: cache.pglite, initdbWasmModule: cache.initdb, fsBundle: cache.fsBundle };
    await waitForStorage();
    const t1 = performance.now();
    let loaded = extensionsFor(wantedExtensions);
    let db = await createEngine({ dataDir: dataDirFor(storage), loadDataDir, extensions: loaded, ...wasm });
    // One round trip for what start-up needs to know. The page's extension list can be stale
    // (its storage was cleared): an installed extension must be loaded.
    const { rows } = await db.query<{ version: string; installed: string[] }>(
      `select current_setting('server_version') as version, array(select extname::text from pg_extension) as installed`,
    );
    const { version, installed } = rows[0];
    const missing = installed.filter((name) => shippedExtensions.includes(name) && !namesOf(loaded).includes(name));
    if (missing.length) {
      await db.close();
      loaded = extensionsFor([...namesOf(loaded), ...missing]);
      db = await createEngine({ dataDir: dataDirFor(storage), extensions: loaded, ...wasm });
    }
    const openMs = performance.now() - t1;
    engine = new LocalEngine(db);
    // The query analyzer reads pg_stat_statements: have it in every new database.
    if (created) await db.exec('create extension if not exists pg_stat_statements');
    const ms = performance.now() - t0;
    extensionNames = namesOf(loaded);
    return { version, storage, created, ms, phases: { loadMs: loadedMs, openMs }, extensions: extensionNames, cache: given ? undefined : cache };
  },
  run: (sql: string) => need().run(sql),
  query: (sql: string, params?: unknown[]) => need().query(sql, params),
  rawQuery: (sql: string, params?: unknown[]) => need().rawQuery(sql, params),
  async reset(): Promise<InitInfo> {
    await engine?.db.close().catch(() => {});
    engine = undefined;
    await wipe(storage);
    return api.init(storage, cache, seeded, extensionNames);
  },
};
export type WorkerApi = typeof api;

function need(): LocalEngine {
  if (!engine) throw new Error('The database is not started yet.');
  return engine;
}

self.onmessage = async (ev: MessageEvent<Request>) => {
  const { id, op, args } = ev.data;
  let msg: Response;
  try {
    const fn = api[op as keyof WorkerApi] as (...a: unknown[]) => Promise<unknown>;
    msg = { id, ok: true, value: await fn(...args) };
  } catch (e) {
    msg = { id, ok: false, error: toErrorInfo(e) };
  }
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg);
};
