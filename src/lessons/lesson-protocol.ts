// The page ↔ lesson worker protocol. One worker script plays two roles: the learner's lesson
// database (build a chapter's dataset, run SQL, restore from the snapshot) and the checker
// (a ChapterSandbox of isolated copies). Snapshots are Blobs: posting one shares it, no copy.
import type { DbErrorInfo } from '../db/types.ts';

export interface LessonWasm {
  pglite: WebAssembly.Module;
  initdb: WebAssembly.Module;
  fsBundle: Blob;
  /** The prepared empty data directory (pglab-seed.tgz): a build skips initdb. */
  seed?: Blob;
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

export type LessonRequest = { id: number; op: string; args: unknown[] };
export type LessonResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: DbErrorInfo }
  | { id: 0; progress: BuildProgress };
