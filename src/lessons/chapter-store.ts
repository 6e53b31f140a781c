// Where the learner's database of each chapter is kept in the browser: an IndexedDB store per
// chapter, laid out and saved exactly as the playground's (src/db/idb-store.ts), under names no
// workspace uses (`pglab-ws-…`, `pglab-db`), plus one small record saying what it was made from:
// the chapter's dataset (a new version of the site may change it), whether the learner has run
// anything in it since its start, and which exercise's setup it holds.
import { IdbFs, IdbStore, openDatabase } from '../db/idb-store.ts';
import type { DataDirSnapshot } from '../db/datadir-snapshot.ts';
import type { LearnerPlace, Opened } from './learner-db.ts';

export const chapterStoreName = (chapterId: string) => `pglab-lesson-db-${chapterId}`;

export interface ChapterMeta {
  /** datasetHash() of the chapter version the database was started from. */
  dataset: string;
  /** The dataset the learner chose to keep this database for, although it was made from another. */
  keptFor?: string;
  /** Nothing has run in it since its start (or the exercise setup). */
  pristine: boolean;
  /** The exercise whose setup it holds, with that setup's text (null: the chapter's start). */
  prepared: { id: string; setup: string } | null;
}

/** A stored record read back: anything malformed is no record (the database is then of unknown origin). */
export function parseChapterMeta(v: unknown): ChapterMeta | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const m = v as Record<string, unknown>;
  if (typeof m.dataset !== 'string' || typeof m.pristine !== 'boolean') return undefined;
  const p = m.prepared as Record<string, unknown> | null | undefined;
  const prepared = p && typeof p === 'object' && typeof p.id === 'string' && typeof p.setup === 'string' ? { id: p.id, setup: p.setup } : null;
  return { dataset: m.dataset, ...(typeof m.keptFor === 'string' ? { keptFor: m.keptFor } : {}), pristine: m.pristine, prepared };
}

/**
 * Whether a saved database may open as it is: it was made from this dataset, or the learner chose
 * to keep it for this one. One without a record (its write was refused) is of unknown origin: asked too.
 */
export function madeFromCurrent(meta: ChapterMeta | undefined, dataset: string): boolean {
  return !!meta && (meta.dataset === dataset || meta.keptFor === dataset);
}

const META_KEY = 'chapter';

export async function readChapterMeta(name: string): Promise<ChapterMeta | undefined> {
  const db = await openDatabase(name);
  try {
    return parseChapterMeta(await new Promise<unknown>((resolve, reject) => {
      const req = db.transaction('meta', 'readonly').objectStore('meta').get(META_KEY);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }));
  } finally {
    db.close();
  }
}

/** Writes the record; a refused write (a full store) only means the next visit asks again. */
export async function writeChapterMeta(name: string, meta: ChapterMeta): Promise<boolean> {
  try {
    const db = await openDatabase(name);
    try {
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('meta', 'readwrite');
        tx.objectStore('meta').put(meta, META_KEY);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
      return true;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** The chapter's store, for the tab that holds its lock: each instance gets its own IdbStore, as in the playground. */
export class IdbPlace implements LearnerPlace {
  constructor(readonly name: string) {}

  start(snapshot: DataDirSnapshot): Opened {
    const store = new IdbStore(this.name);
    // Saved as the base image while PostgreSQL starts from it (a reset never waits for the write).
    store.importSeed(snapshot);
    return { fs: new IdbFs(store), saver: store };
  }

  saved(): Opened {
    const store = new IdbStore(this.name);
    return { fs: new IdbFs(store), saver: store };
  }
}


/** Whether the browser has a store of this name (a chapter opened before in this browser). */
export async function storeExists(name: string): Promise<boolean> {
  try {
    return (await indexedDB.databases()).some((d) => d.name === name);
  } catch {
    return false;
  }
}
