// Installed lesson packs, kept in IndexedDB (their own database, never the playground's), so a
// pack verified once is there offline. A record holds the pack's lesson files, not its zip.
import type { PackManifest } from './pack.ts';

export interface StoredPack {
  manifest: PackManifest;
  files: Record<string, string>;
  hash: string | null;
  /** Where it came from: a file name or a URL. */
  source: string;
  addedAt: string;
}

const DB = 'pglab-lesson-packs';
const STORE = 'packs';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = t.onabort = () => reject(t.error ?? new Error('the pack store refused the change'));
    });
  } finally {
    db.close();
  }
}

export const listPacks = () => tx<StoredPack[]>('readonly', (s) => s.getAll() as IDBRequest<StoredPack[]>);
export const savePack = (p: StoredPack) => tx('readwrite', (s) => s.put(p, p.manifest.id));
export const removePack = (id: string) => tx('readwrite', (s) => s.delete(id));
