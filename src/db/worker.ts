/// <reference lib="webworker" />
// The Web Worker that owns the PGlite instance. The page never blocks on a query; to stop
// a running statement the page terminates this worker and starts a new one, which reopens
// the persisted database (PGlite offers no way to cancel a query).
import type { PGlite } from '@electric-sql/pglite';
import { createEngine } from './engine.ts';
import { LocalEngine, toErrorInfo } from './local-engine.ts';
import type { InitInfo, Request, Response, Storage } from './protocol.ts';

const DB_NAME = 'pglab';
let engine: LocalEngine | undefined;
let storage: Storage = 'idb';

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

const api = {
  async init(wanted: Storage): Promise<InitInfo> {
    const t0 = performance.now();
    storage = wanted;
    const created = !(await exists(storage));
    let db: PGlite;
    try {
      db = await createEngine({ dataDir: dataDirFor(storage) });
    } catch (e) {
      // OPFS sync handles are exclusive: another tab may hold them. Fall back to IndexedDB.
      if (storage !== 'opfs-ahp') throw e;
      storage = 'idb';
      db = await createEngine({ dataDir: dataDirFor(storage) });
    }
    engine = new LocalEngine(db);
    const { rows } = await db.query<{ v: string }>(`select current_setting('server_version') as v`);
    return { version: rows[0].v, storage, created, ms: performance.now() - t0 };
  },
  run: (sql: string) => need().run(sql),
  query: (sql: string, params?: unknown[]) => need().query(sql, params),
  rawQuery: (sql: string, params?: unknown[]) => need().rawQuery(sql, params),
  async reset(): Promise<InitInfo> {
    await engine?.db.close().catch(() => {});
    engine = undefined;
    await wipe(storage);
    return api.init(storage);
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
