// The page ↔ lesson worker protocol. One worker script plays two roles: the learner's lesson
// database (kept in the chapter's IndexedDB store: open it, or start it from the chapter's
// start by a build or from the start snapshot; run SQL) and the checker
// (a ChapterSandbox of isolated copies). Snapshots travel packed in Blobs (datadir-snapshot.ts):
// posting one shares it, no copy.
import type { RpcResponse } from '../db/worker-rpc.ts';
import type { PgliteAssets } from '../db/pglite-assets.ts';
import type { DataDirSnapshot } from '../db/datadir-snapshot.ts';
import type { Unsaved } from '../db/protocol.ts';
import type { ChapterMeta } from './chapter-store.ts';

export interface LessonWasm extends PgliteAssets {
  /** The prepared empty data directory (scripts/make-seed.ts): a build skips initdb. */
  seed?: DataDirSnapshot;
}

export interface BuildProgress {
  /** What is being built: the learner's copy or the checker's second copy. */
  variant: 'main' | 'perturbed';
  done: number;
  total: number;
}

export interface BuildResult {
  snapshot: Blob;
  buildMs: number;
  dumpMs: number;
}

/** Progress reports carry id 0, which answers no call. */
export type LessonResponse = RpcResponse | { id: 0; progress: BuildProgress };

/** Where the learner's database of a chapter is kept. */
export interface Keep {
  /** The chapter's IndexedDB store (chapter-store.ts). */
  store: string;
  /** This page holds the store's lock (store-lock.ts); false: it works on a copy and saves nothing. */
  owner: boolean;
}

/** A start of the learner's database. */
export interface Opening {
  ms: number;
  /** Set when it is not being saved (undefined: saved, or a copy by design). */
  unsaved?: Unsaved;
}

/** What resume found in the chapter's store. */
export interface Resumed {
  /** 'changed': saved from another version of the chapter's dataset; not opened until the learner chooses. */
  found: 'none' | 'changed' | 'opened';
  ms?: number;
  meta?: ChapterMeta;
  /** This page saves the database (false: a copy, or no storage). */
  saving: boolean;
  unsaved?: Unsaved;
}
