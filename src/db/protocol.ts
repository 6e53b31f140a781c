// The page ↔ worker protocol: request ids, whole errors, notices inside outcomes.
// Typed from one object so the two sides cannot drift apart.
import type { Progress } from '../workspaces/progress.ts';
import type { PgliteAssets } from './pglite-assets.ts';

/** 'idb': pglab's IndexedDB store (idb-store.ts); 'idbfs': PGlite's own, kept for comparison. */
export type Storage = 'opfs-ahp' | 'idb' | 'idbfs' | 'memory';

export interface InitInfo {
  version: string;
  storage: Storage;
  /** True when this start found no saved database and created a new one. */
  created: boolean;
  /** False when another tab owns the saved database: this one works on a copy that is not saved. */
  saving: boolean;
  /** Set when this database is not being saved (it runs in memory, or the store refuses saves). */
  unsaved?: Unsaved;
  /** Where the database came from this time. */
  origin: 'saved' | 'prepared' | 'initdb' | 'moved';
  ms: number;
  /** Where the start-up time went: fetching and compiling wasm (and the prepared cluster), opening the database. */
  phases: { loadMs: number; openMs: number };
  /** SQL names of the extensions whose files this start loaded. */
  extensions: string[];
  /** Compiled wasm for the next worker, sent once (see pglite-assets.ts). */
  cache?: WasmCache;
}

export type WasmCache = PgliteAssets;

/** Posted by the database worker while a start downloads PostgreSQL (bytes as read, of the total). */
export interface DownloadEvent {
  event: 'download';
  received: number;
  total: number;
}

/** How far a long call (a workspace's SQL dump) has got: src/workspaces/progress.ts. */
export interface ProgressEvent {
  event: 'progress';
  progress: Progress;
}

/** Why a database is not being saved, with the browser's figures (bytes) where it gives them. */
export interface Unsaved {
  reason: string;
  quota?: number;
  usage?: number;
  /** The data directory's size: what a save of everything writes (before the browser compresses it). */
  needed: number;
}

