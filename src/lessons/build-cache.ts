// Built chapter databases kept across visits. Building a chapter runs its whole dataset script
// (5–8 s in Chromium); restoring the snapshot of that build takes a quarter of a second. The
// snapshots the lesson workers make (packed data directories) are kept in IndexedDB, gzip'd,
// under a key that changes with everything the build depends on: the dataset and its seed, the
// chapter's extensions, the learner role's script, and the PostgreSQL the page ships. A stale or
// unreadable entry is never used; a full store only means the next visit builds again.
import type { Chapter, Variant } from './format.ts';
import { datasetSql } from './loader.ts';
import { LEARNER_ROLE_SQL } from './sandbox-role.ts';

const DB = 'pglab-chapter-builds';
const STORE = 'builds';
/** Bumped when what a snapshot holds changes in a way the inputs below do not show. */
const FORMAT = 1;
/** Chapters kept at most (about 10–30 MB each, both copies gzip'd); the least recently opened go first. */
export const KEEP_CHAPTERS = 4;

interface Entry {
  /** `<chapter>/<variant>` */
  slot: string;
  chapter: string;
  hash: string;
  usedAt: number;
  gz: Blob;
}

/** The hash of everything a build of this chapter copy depends on. */
export function buildHash(chapter: Chapter, variant: Variant, engine: string): Promise<string> {
  return sha256(JSON.stringify([FORMAT, engine, chapter.id, variant, datasetSql(chapter, variant), [...chapter.extensions].sort(), LEARNER_ROLE_SQL]));
}

/**
 * The hash of what the learner's database of a chapter starts from: its dataset, extensions and
 * role, not the PostgreSQL build (a new PGlite of the same major opens a saved database as it is).
 * A saved chapter database made from another one was made from an older version of the chapter.
 */
export function datasetHash(chapter: Chapter): Promise<string> {
  return sha256(JSON.stringify([chapter.id, datasetSql(chapter, 'main'), [...chapter.extensions].sort(), LEARNER_ROLE_SQL]));
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'slot' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function inStore<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  const db = await open();
  try {
    const tx = db.transaction(STORE, mode);
    // The end of the transaction, not of the request: a put is kept only once it commits, and
    // a transaction the browser aborts (quota) fires abort.
    const ended = new Promise<void>((res, rej) => {
      tx.oncomplete = () => res();
      tx.onerror = () => rej(tx.error);
      tx.onabort = () => rej(tx.error ?? new DOMException('aborted', 'AbortError'));
    });
    const req = fn(tx.objectStore(STORE));
    await ended;
    return req ? req.result : undefined;
  } finally {
    db.close();
  }
}

const gzip = (blob: Blob) => new Response(blob.stream().pipeThrough(new CompressionStream('gzip'))).blob();
const gunzip = (blob: Blob) => new Response(blob.stream().pipeThrough(new DecompressionStream('gzip'))).blob();

/** The packed snapshot of an earlier build with the same inputs, or undefined. */
export async function cachedBuild(chapter: Chapter, variant: Variant, hash: string): Promise<Blob | undefined> {
  try {
    const entry = await inStore<Entry | undefined>('readonly', (s) => s.get(`${chapter.id}/${variant}`));
    if (!entry || entry.hash !== hash) return undefined;
    const packed = await gunzip(entry.gz);
    void inStore('readwrite', (s) => { s.put({ ...entry, usedAt: Date.now() }); }).catch(() => {});
    return packed;
  } catch {
    return undefined;
  }
}

/**
 * Keeps a build's packed snapshot for the next visit, if the browser has room for it with a
 * margin (the learner's own databases come first); older chapters beyond KEEP_CHAPTERS go.
 */
export async function keepBuild(chapter: Chapter, variant: Variant, hash: string, packed: Blob): Promise<boolean> {
  try {
    const gz = await gzip(packed);
    const room = await navigator.storage?.estimate?.().catch(() => undefined);
    if (room?.quota !== undefined && (room.usage ?? 0) + gz.size > room.quota * 0.5) return false;
    const all = (await inStore<Entry[]>('readonly', (s) => s.getAll())) ?? [];
    const recent = [...new Set(all.filter((e) => e.chapter !== chapter.id).sort((a, b) => b.usedAt - a.usedAt).map((e) => e.chapter))];
    const evict = new Set(recent.slice(KEEP_CHAPTERS - 1));
    await inStore('readwrite', (s) => {
      for (const e of all) if (evict.has(e.chapter)) s.delete(e.slot);
      s.put({ slot: `${chapter.id}/${variant}`, chapter: chapter.id, hash, usedAt: Date.now(), gz } satisfies Entry);
    });
    return true;
  } catch {
    return false;
  }
}

/** Drops a kept build that failed to open (it is built again). */
export async function forgetBuild(chapter: Chapter, variant: Variant): Promise<void> {
  await inStore('readwrite', (s) => { s.delete(`${chapter.id}/${variant}`); }).catch(() => {});
}
