// The page ↔ lesson worker protocol. One worker script plays two roles: the learner's lesson
// database (build a chapter's dataset, run SQL, restore from the snapshot) and the checker
// (a ChapterSandbox of isolated copies). Snapshots travel packed in Blobs (datadir-snapshot.ts):
// posting one shares it, no copy.
import type { RpcResponse } from '../db/worker-rpc.ts';
import type { PgliteAssets } from '../db/pglite-assets.ts';
import type { DataDirSnapshot } from '../db/datadir-snapshot.ts';

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
