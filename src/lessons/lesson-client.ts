// The page's side of a lesson worker: an Engine over the learner's lesson database (so the
// playground's Session drives it), the checker's calls, build progress, and stop (terminate and
// start again: PGlite cannot cancel a statement).
import { RpcEngine, WorkerRpc } from '../db/worker-rpc.ts';
import type { CheckReport, Chapter, Exercise, Variant } from './format.ts';
import type { BuildProgress, BuildResult, Keep, LessonWasm, Opening, Resumed } from './lesson-protocol.ts';
import type { ChapterMeta } from './chapter-store.ts';
import type { Unsaved } from '../db/protocol.ts';
import type { LessonWorkerApi } from './lesson-worker.ts';

export { WorkerError as LessonWorkerError, StoppedError as LessonStoppedError } from '../db/worker-rpc.ts';

/**
 * How long a check may take. PGlite cannot cancel a statement (statement_timeout never fires in
 * it, see the platform notes), so at the limit the worker is ended and must be opened again.
 */
export const CHECK_TIME_LIMIT_MS = 20_000;

/** A check ended at its time limit; the checker worker is gone (start and open it again). */
export class CheckTimeLimitError extends Error {
  constructor(readonly limitMs: number) {
    super(`The check stopped at its time limit of ${limitMs >= 1000 ? Math.round(limitMs / 1000) + ' s' : limitMs + ' ms'}: your SQL was still running (a pg_sleep, a runaway join?). The checker restarts; change the SQL and check again.`);
  }
}

/** Compiled wasm shared by every lesson worker of the page: a restart skips download and compile. */
let sharedWasm: LessonWasm | undefined;

export class LessonWorkerClient extends RpcEngine<LessonWorkerApi> {
  protected readonly rpc: WorkerRpc<LessonWorkerApi>;
  onProgress?: (p: BuildProgress) => void;

  constructor(makeWorker: () => Worker = () => new Worker(new URL('./lesson-worker.ts', import.meta.url), { type: 'module' })) {
    super();
    this.rpc = new WorkerRpc<LessonWorkerApi>(makeWorker, 'The lesson worker crashed.', (m) => {
      if (m && typeof m === 'object' && 'progress' in m) this.onProgress?.((m as { progress: BuildProgress }).progress);
    });
  }

  async start(): Promise<void> {
    this.rpc.open();
    const compiled = await this.rpc.call('init', sharedWasm);
    sharedWasm ??= compiled;
  }

  /** Ends the worker at once; calls in flight fail with LessonStoppedError. Call start() again to use it. */
  terminate() {
    this.rpc.terminate();
  }

  get started(): boolean {
    return this.rpc.running;
  }

  /** Opens the chapter's saved database (see Resumed); `accept`: also one made from another dataset. */
  resume(chapter: Chapter, keep: Keep, accept = false): Promise<Resumed> {
    return this.rpc.call('resume', chapter, keep, accept);
  }

  /** Builds the chapter's dataset and starts the learner's database from it, kept as `keep` says (undefined: in memory). */
  build(chapter: Chapter, keep?: Keep): Promise<BuildResult & Opening> {
    return this.rpc.call('build', chapter, keep);
  }

  /** Starts the learner's database from the chapter's packed start snapshot, replacing the saved one. */
  open(chapter: Chapter, snapshot: Blob, keep?: Keep): Promise<Opening> {
    return this.rpc.call('open', chapter, snapshot, keep);
  }

  /** Keeps the page's knowledge of the database for the next visit. */
  remember(state: Pick<ChapterMeta, 'pristine' | 'prepared'>): Promise<void> {
    return this.rpc.call('remember', state);
  }

  /** Why the learner's database is not being saved (undefined: it is). */
  saveState(): Promise<Unsaved | undefined> {
    return this.rpc.call('saveState');
  }

  checkerOpen(chapter: Chapter, snapshots: Partial<Record<Variant, Blob>>): Promise<void> {
    return this.rpc.call('checkerOpen', chapter, snapshots);
  }

  checkerAdopt(variant: Variant, snapshot: Blob): Promise<void> {
    return this.rpc.call('checkerAdopt', variant, snapshot);
  }

  checkerBuild(variant: Variant): Promise<BuildResult> {
    return this.rpc.call('checkerBuild', variant);
  }

  /** Checks the SQL; at `limitMs` the worker is ended and the promise rejects with CheckTimeLimitError. */
  check(exercise: Exercise, sql: string, limitMs = CHECK_TIME_LIMIT_MS): Promise<CheckReport> {
    return new Promise<CheckReport>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new CheckTimeLimitError(limitMs));
        this.terminate();
      }, limitMs);
      this.rpc.call('check', exercise, sql).then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }
}
