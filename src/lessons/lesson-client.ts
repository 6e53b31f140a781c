// The page's side of a lesson worker: an Engine over the learner's lesson database (so the
// playground's Session drives it), the checker's calls, build progress, and stop (terminate and
// start again: PGlite cannot cancel a statement).
import { RpcEngine, WorkerRpc } from '../db/worker-rpc.ts';
import type { CheckReport, Chapter, Exercise, Variant } from './format.ts';
import type { BuildProgress, BuildResult, LessonWasm } from './lesson-protocol.ts';
import type { LessonWorkerApi } from './lesson-worker.ts';

export { WorkerError as LessonWorkerError, StoppedError as LessonStoppedError } from '../db/worker-rpc.ts';

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

  build(chapter: Chapter): Promise<BuildResult> {
    return this.rpc.call('build', chapter);
  }

  /** Opens the learner's database from the chapter's packed snapshot; resolves to the ms it took. */
  open(chapter: Chapter, snapshot: Blob): Promise<number> {
    return this.rpc.call('open', chapter, snapshot);
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

  check(exercise: Exercise, sql: string): Promise<CheckReport> {
    return this.rpc.call('check', exercise, sql);
  }
}
