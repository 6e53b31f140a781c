// The workspaces' IndexedDB stores as the page sees them: their sizes, the browser's quota,
// deleting one, filling a new one from an archive, and whether another tab has one open.
import { deleteDatabase, IdbStore, openDatabase } from '../db/idb-store.ts';
import { SnapshotFormatError } from '../db/datadir-snapshot.ts';
import { manifestBytes, WorkspaceError } from './registry.ts';
import { roomVerdict, type RoomNeed, type StorageEstimate } from './room.ts';
import { declaredArchiveSize, readArchive } from './archive.ts';
import { Cancelled, throwIfCancelled, type Progress } from './progress.ts';

/** Bytes of the data directory a store holds (0: nothing saved yet). */
export async function storeBytes(name: string): Promise<number> {
  if (!(await indexedDB.databases()).some((d) => d.name === name)) return 0;
  const db = await openDatabase(name);
  try {
    const record = await new Promise<unknown>((resolve, reject) => {
      const req = db.transaction('meta', 'readonly').objectStore('meta').get('manifest');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return manifestBytes(record);
  } finally {
    db.close();
  }
}

export async function quota(): Promise<StorageEstimate> {
  return (await navigator.storage?.estimate?.().catch(() => undefined)) ?? {};
}

/** Refuses, before anything is written, what would not fit the browser's room (room.ts decides). */
export async function ensureRoom(need: RoomNeed): Promise<void> {
  const verdict = roomVerdict(need, await quota());
  if (!verdict.ok) throw new WorkspaceError(verdict.message);
}

export const deleteStore = (name: string) => deleteDatabase(name);

/** Whether another tab holds the store's lock (store-lock.ts): it has that workspace open. */
export async function openElsewhere(name: string): Promise<boolean> {
  if (typeof navigator === 'undefined' || !('locks' in navigator)) return false;
  return navigator.locks.request(name, { ifAvailable: true }, (lock) => lock === null);
}

export interface StoreArchiveOptions {
  onProgress?: (p: Progress) => void;
  /** Cancels before the store is complete: the new store is deleted, nothing else was touched. */
  signal?: AbortSignal;
}

/**
 * Fills the (new, empty) store `name` with an archive's data directory; a bad file is refused
 * whole. The room is checked three times, each before the step that would need it: from the
 * size the file declares (before decompressing), from the packed header's sizes (before the
 * files are decompressed) and from the data directory itself (before it is written).
 */
export async function storeArchive(name: string, archive: Blob, opts: StoreArchiveOptions = {}): Promise<string[]> {
  const what = 'This archive';
  const declared = await declaredArchiveSize(archive);
  await ensureRoom({ what, ...declared });
  let seed;
  try {
    seed = await readArchive(archive, { ...opts, checkDeclared: (s) => ensureRoom({ what, ...s }) });
  } catch (e) {
    if (e instanceof WorkspaceError || e instanceof Cancelled) throw e;
    const why = e instanceof SnapshotFormatError ? e.message : (e as Error).message;
    throw new WorkspaceError(`This file is not a pglab database archive (${why}). Nothing was written.`);
  }
  if (!seed.entries.some((e) => e.path === '/PG_VERSION')) throw new WorkspaceError('This archive holds no PostgreSQL data directory (no PG_VERSION). Nothing was written.');
  await ensureRoom({ what, bytes: seed.bytes, basis: 'its data directory' });
  throwIfCancelled(opts.signal);
  opts.onProgress?.({ step: `Saving ${(seed.bytes / 1e6).toFixed(1)} MB into the browser` });
  const store = new IdbStore(name);
  try {
    await store.storeSeed(seed);
  } catch (e) {
    await store.close();
    await deleteDatabase(name);
    throw new WorkspaceError(`The browser would not save the archive (${(e as Error).name}: ${(e as Error).message}). Nothing was kept.`);
  }
  await store.close();
  if (opts.signal?.aborted) {
    // Cancelled while saving: the new store is the only thing written, and it goes.
    await deleteDatabase(name);
    throw new Cancelled();
  }
  return seed.extensions;
}

// A script to run in a workspace once it is open (a dump imported into a new workspace, which
// opens after a reload): kept in IndexedDB, whose room is the quota's, not localStorage's 5 MB.
const INBOX = 'pglab-workspace-inbox';

async function inbox<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const req = indexedDB.open(INBOX, 1);
  req.onupgradeneeded = () => req.result.createObjectStore('scripts');
  const db = await new Promise<IDBDatabase>((res, rej) => { req.onsuccess = () => res(req.result); req.onerror = () => rej(req.error); });
  try {
    const tx = db.transaction('scripts', mode);
    // The transaction's end is awaited, not the request's: a put is kept only once it commits, and
    // a transaction the browser aborts (quota, a closing page) fires abort, not error.
    const ended = new Promise<void>((res, rej) => {
      tx.oncomplete = () => res();
      tx.onerror = () => rej(tx.error);
      tx.onabort = () => rej(tx.error ?? new DOMException('The browser aborted the write', 'AbortError'));
    });
    const r = fn(tx.objectStore('scripts'));
    await ended;
    return r.result;
  } finally {
    db.close();
  }
}

export async function putPendingScript(id: string, sql: string): Promise<void> {
  await inbox('readwrite', (s) => s.put(sql, id));
}

/** The script waiting for workspace `id`, taken out of the inbox (it runs once). */
export async function takePendingScript(id: string): Promise<string | undefined> {
  const sql = await inbox<string | undefined>('readonly', (s) => s.get(id) as IDBRequest<string | undefined>);
  if (sql !== undefined) await inbox('readwrite', (s) => s.delete(id));
  return sql;
}
