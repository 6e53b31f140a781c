/// <reference lib="webworker" />
// The Web Worker that owns the PGlite instance. The page never blocks on a query; to stop
// a running statement the page terminates this worker and starts a new one, which reopens
// the persisted database (PGlite offers no way to cancel a query).
import { createEngine, type EngineOptions } from './engine.ts';
import { extensions as allExtensions, extensionsFor, namesOf, shippedExtensions } from './extensions.ts';
import { LocalEngine } from './local-engine.ts';
import { serveRpc } from './worker-rpc.ts';
import type { DownloadEvent, InitInfo, ProgressEvent, Storage, WasmCache } from './protocol.ts';
import { storageFailure } from './error-info.ts';
import { refusal, SaveWatch, unsavedInfo } from './save-watch.ts';
import { Downloads, fetchSeed, initdbModule, loadPgliteAssets, noInitdb, START_BYTES, type DownloadProgress } from './pglite-assets.ts';
import { startOptionsFromName, type StartOptions } from './start-options.ts';
import { deleteDatabase, IdbFs, IdbStore } from './idb-store.ts';
import { packSnapshot, snapshotFs, takeSnapshot } from './datadir-snapshot.ts';
import { dumpSql } from '../workspaces/dump.ts';
import { throttled } from '../workspaces/progress.ts';
import { ownStatement } from './own-statements.ts';
import { WalHousekeeper } from './wal-housekeeping.ts';
import { schemaOfStoredWorkspace } from '../migrations/stored-copy.ts';

const DB_NAME = 'pglab';
/** The IndexedDB database of the default storage (idb-store.ts): the open workspace's (src/workspaces). */
let storeName = 'pglab-db';
/** Where PGlite's own IndexedDB file system (storage 'idbfs', pglab's default before) keeps it. */
const IDBFS_NAME = `/pglite/${DB_NAME}`;
let engine: LocalEngine | undefined;
/** Checkpoints the open database when it is idle (no checkpointer runs in PGlite). */
let housekeeper: WalHousekeeper | undefined;
let storage: Storage = 'idb';
let cache: WasmCache | undefined;
let seeded = true;
/** Whether this worker saves (its page holds the store's lock). */
let saving = true;
let extensionNames: string[] = [];
/** pglab's own store of the open database (storage 'idb'). */
let openStore: IdbStore | undefined;

/** Compiled once per page: the page hands the modules to the next worker after a Stop. */
const loadWasm = (given: WasmCache | undefined, downloads: Downloads): Promise<WasmCache> => (given ? Promise.resolve(given) : loadPgliteAssets(downloads));

/** The page shows a first start's download in bytes of the total: a report every 1% or so. */
function reportDownloads(): DownloadProgress {
  let last = 0;
  return (received, total) => {
    if (received - last < total / 100 && received < total) return;
    last = received;
    (self as unknown as DedicatedWorkerGlobalScope).postMessage({ event: 'download', received, total } satisfies DownloadEvent);
  };
}

/** Where the data directory lives: a new file system object for every instance. */
function placeFor(s: Storage, store?: IdbStore): Pick<EngineOptions, 'dataDir' | 'fs'> {
  // A tab that does not hold the store's lock reads it but never saves (store-lock.ts).
  if (s === 'idb') return { fs: new IdbFs(store ?? new IdbStore(storeName, !saving)) };
  return { dataDir: s === 'memory' ? 'memory://' : s === 'idbfs' ? `idb://${DB_NAME}` : `${s}://${DB_NAME}` };
}

const idbExists = async (name: string) => (await indexedDB.databases()).some((d) => d.name === name);

async function exists(s: Storage): Promise<boolean> {
  if (s === 'idbfs') return idbExists(IDBFS_NAME);
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
  if (s === 'idb') await deleteDatabase(storeName);
  else if (s === 'idbfs') await deleteDatabase(IDBFS_NAME);
  else if (s === 'opfs-ahp') {
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

/**
 * A database saved by an earlier pglab in PGlite's IndexedDB file system, read out as a data
 * directory to start the new store from. The old copy is deleted only once the new one is saved.
 */
async function previousDatabase(wasm: EngineOptions): Promise<Blob | undefined> {
  if (!(await idbExists(IDBFS_NAME))) return undefined;
  const old = await createEngine({ dataDir: `idb://${DB_NAME}`, extensions: allExtensions, ...wasm });
  try {
    return await old.dumpDataDir('none');
  } finally {
    await old.close();
  }
}

/** Opens the saved database (or makes a new one) and reports what start-up found. */
async function open(wanted: Storage, given: WasmCache | undefined, useSeed: boolean, wantedExtensions: string[], owner: boolean, store_ = storeName): Promise<InitInfo> {
  const t0 = performance.now();
  storage = wanted;
  storeName = store_;
  seeded = useSeed;
  const downloads = new Downloads(given ? 0 : START_BYTES.pglite + START_BYTES.data, reportDownloads());
  const compiling = loadWasm(given, downloads);
  // pglab's own store is read while PostgreSQL compiles; reading it tells whether it holds a database.
  saving = owner;
  // Only the tab holding the store's lock saves (store-lock.ts); another works on a copy.
  let store = storage === 'idb' ? new IdbStore(storeName, !owner) : undefined;
  openStore = store;
  let refused: string | undefined;
  let created: boolean;
  try {
    created = !(await (store ? store.prefetch() : exists(storage)));
  } catch (e) {
    if (!store) throw e;
    // The browser gives this site no IndexedDB (some private windows, storage denied or
    // evicted): PostgreSQL still runs, in memory, and the page says nothing is saved.
    refused = `the browser refused this site's storage (${(e as Error).name}: ${(e as Error).message})`;
    store = openStore = undefined;
    storage = 'memory';
    created = true;
  }
  // A new database starts from the prepared data directory (no initdb), fetched alongside the
  // wasm; PGlite's own stores (comparison only) make theirs with initdb.
  const seedable = storage === 'idb' || storage === 'memory';
  // initdb runs only for a new cluster without the prepared one (and in PGlite's own stores,
  // which decide for themselves): only then is its wasm fetched, alongside PostgreSQL's when
  // that is known already (initdbModule compiles once).
  const needsInitdb = (seed: unknown) => !seedable || (created && !seed);
  if (needsInitdb(useSeed)) void initdbModule();
  const [wasmCache, seed] = await Promise.all([compiling, created && useSeed && seedable ? fetchSeed(downloads.expect(START_BYTES.seed)) : undefined]);
  cache = wasmCache;
  if (needsInitdb(seed)) cache.initdb ??= await initdbModule();
  const loadedMs = performance.now() - t0;
  const wasm = { pgliteWasmModule: cache.pglite, initdbWasmModule: cache.initdb ?? noInitdb(), fsBundle: cache.fsBundle };
  await waitForStorage();
  const t1 = performance.now();
  const previous = created && storage === 'idb' && storeName === 'pglab-db' ? await previousDatabase(wasm) : undefined;
  if (previous) created = false;
  else if (seed && store) store.importSeed(seed);
  // An old database may use any extension: the move loads them all, once.
  let loaded = previous ? allExtensions : extensionsFor(wantedExtensions);
  const place = seed && storage === 'memory' ? { fs: snapshotFs(seed) } : placeFor(storage, store);
  let db = await createEngine({ ...place, loadDataDir: previous, extensions: loaded, ...wasm });
  if (previous) {
    // The old copy goes only once the new store holds the database.
    await db.syncToFs();
    await deleteDatabase(IDBFS_NAME);
  }
  // One round trip for what start-up needs to know. The page's extension list can be stale
  // (its storage was cleared): an installed extension must be loaded.
  const { rows } = await db.query<{ version: string; installed: string[] }>(
    ownStatement(`select current_setting('server_version') as version, array(select extname::text from pg_extension) as installed`),
  );
  const { version, installed } = rows[0];
  const missing = installed.filter((name) => shippedExtensions.includes(name) && !namesOf(loaded).includes(name));
  if (missing.length) {
    await db.close();
    loaded = extensionsFor([...namesOf(loaded), ...missing]);
    db = await createEngine({ ...placeFor(storage), extensions: loaded, ...wasm });
  }
  const openMs = performance.now() - t1;
  engine = new LocalEngine(db);
  housekeeper?.stop();
  housekeeper = new WalHousekeeper(db);
  // The query analyzer reads pg_stat_statements (preloaded, so it records from the start): a
  // new database gets its view at once. Measured in Chromium: creating it here rather than in
  // the prepared cluster also keeps every later start ~0.1 s faster (why, we have not found).
  if (created) await tolerateUnsaved(() => db.exec('create extension if not exists pg_stat_statements'));
  const ms = performance.now() - t0;
  extensionNames = namesOf(loaded);
  const origin = previous ? 'moved' : !created ? 'saved' : seed ? 'prepared' : 'initdb';
  const unsaved = refused ? await unsavedInfo(refused, seed?.bytes ?? 0) : await watch.state(openStore, engine?.db);
  return { version, storage, created, origin, saving: owner, unsaved, ms, phases: { loadMs: loadedMs, openMs }, extensions: extensionNames, cache: given ? undefined : cache };
}

/** A statement of pglab's own whose save the browser refused still ran: the store owes the save. */
async function tolerateUnsaved(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!storageFailure(e)) throw e;
  }
}

/** The whole save a refused store owes, tried between statements (at most every 2 s unless asked). */
const watch = new SaveWatch(2000);

/**
 * The page's first worker carries its start options in its name (early-worker.ts) and opens
 * the database before the page's code has loaded; the page's init then takes this.
 */
let selfStart: { options: StartOptions; started: Promise<InitInfo> } | undefined = (() => {
  const options = startOptionsFromName(self.name);
  if (!options) return undefined;
  const started = open(options.storage, undefined, options.seed, options.extensions, options.saving, options.store);
  started.catch(() => {}); // the page's init gets the failure
  return { options, started };
})();

const api = {
  /** Opens the database (or takes the opening the worker began by itself, when it asked for the same). */
  async init(wanted: Storage, given?: WasmCache, useSeed = true, wantedExtensions: string[] = [], owner = true, store = storeName): Promise<InitInfo> {
    const head = selfStart;
    selfStart = undefined;
    if (head) {
      const same = head.options.storage === wanted && head.options.seed === useSeed && head.options.extensions.join() === wantedExtensions.join() && head.options.saving === owner && head.options.store === store;
      if (same && !given) return head.started;
      // Not what the page wants after all: let it finish, then start over.
      await head.started.catch(() => {});
      await closeEngine();
    }
    return open(wanted, given, useSeed, wantedExtensions, owner, store);
  },
  async run(sql: string) {
    housekeeper?.statementStarted();
    try {
      const out = await need().run(sql);
      // The statement ran; if the browser refused its save, say so beside its result.
      const refused = (await watch.catchUp(openStore, engine?.db, false)) ? undefined : refusal(openStore?.lastFailure);
      return refused && out.ok ? { ...out, unsaved: refused } : out;
    } finally {
      housekeeper?.statementEnded();
    }
  },
  /** Why the database is not being saved now (undefined: everything is saved). */
  saveState: () => watch.state(openStore, engine?.db),
  /** The data directory as a gzip'd packed snapshot (exact and fast to restore: datadir-snapshot.ts). */
  async archive(): Promise<Blob> {
    const db = need().db;
    const packed = packSnapshot(await takeSnapshot(db));
    return new Response(packed.stream().pipeThrough(new CompressionStream('gzip'))).blob();
  },
  /** The data directory packed but not compressed: the page compresses it with progress and Cancel (src/workspaces/archive.ts). */
  async packedSnapshot(): Promise<Blob> {
    return packSnapshot(await takeSnapshot(need().db));
  },
  /** The database as a SQL script by pg_dump (src/workspaces/dump.ts), reporting progress events as it goes. */
  dumpSql: () => dumpSql(need().db, throttled((progress) => (self as unknown as DedicatedWorkerGlobalScope).postMessage({ event: 'progress', progress } satisfies ProgressEvent))),
  /** Another workspace's schema, read from a read-only in-memory copy of its store (src/migrations/stored-copy.ts). */
  async inspectStore(name: string) {
    if (!cache) throw new Error('The database is not started yet.');
    const wasm = { pgliteWasmModule: cache.pglite, initdbWasmModule: cache.initdb ?? noInitdb(), fsBundle: cache.fsBundle };
    const stores = new Map<unknown, IdbStore>();
    return schemaOfStoredWorkspace(name, storeName, extensionNames, {
      savedStores: async () => (await indexedDB.databases()).map((d) => d.name ?? ''),
      async openCopy(store, names) {
        const readOnly = new IdbStore(store, true);
        try {
          const db = await createEngine({ fs: new IdbFs(readOnly), extensions: extensionsFor(names), ...wasm });
          stores.set(db, readOnly);
          return db;
        } catch (e) {
          await readOnly.close();
          throw e;
        }
      },
      async closeCopy(db) {
        try {
          await db.close();
        } finally {
          await stores.get(db)?.close();
          stores.delete(db);
        }
      },
      engineOf: (db) => new LocalEngine(db),
      shipped: shippedExtensions,
    });
  },
  query: (sql: string, params?: unknown[]) => need().query(sql, params),
  rawQuery: (sql: string, params?: unknown[]) => need().rawQuery(sql, params),
  describe: (sql: string) => need().describe(sql),
  async reset(): Promise<InitInfo> {
    // The saved database belongs to the tab that holds the store: this one only has a copy.
    if (storage === 'idb' && !saving) throw new Error('pglab is open in another tab, which owns the saved database: reset it there.');
    await closeEngine();
    await wipe(storage);
    return api.init(storage, cache, seeded, extensionNames, saving, storeName);
  },
};
export type WorkerApi = typeof api;

async function closeEngine() {
  housekeeper?.stop();
  housekeeper = undefined;
  await engine?.db.close().catch(() => {});
  engine = undefined;
}

function need(): LocalEngine {
  if (!engine) throw new Error('The database is not started yet.');
  return engine;
}

serveRpc(api, (msg) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg));
