// The page's side of a lesson worker: an Engine over the learner's lesson database (so the
// playground's Session drives it), the checker's calls, build progress, and stop (terminate and
// start again: PGlite cannot cancel a statement).
import type { DbErrorInfo, Engine, Field, RunOutcome } from '../db/types.ts';
import type { CheckReport, Chapter, Exercise, Variant } from './format.ts';
import type { BuildProgress, BuildResult, LessonRequest, LessonResponse, LessonWasm } from './lesson-protocol.ts';
import type { LessonWorkerApi } from './lesson-worker.ts';

export class LessonWorkerError extends Error {
  constructor(readonly info: DbErrorInfo) {
    super(info.message);
  }
}

/** Raised for calls that were running when the worker was stopped. */
export class LessonStoppedError extends Error {}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** Compiled wasm shared by every lesson worker of the page: a restart skips download and compile. */
let sharedWasm: LessonWasm | undefined;

export class LessonWorkerClient implements Engine {
  private worker?: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  onProgress?: (p: BuildProgress) => void;

  constructor(private makeWorker: () => Worker = () => new Worker(new URL('./lesson-worker.ts', import.meta.url), { type: 'module' })) {}

  async start(): Promise<void> {
    const w = (this.worker = this.makeWorker());
    w.onmessage = (ev: MessageEvent<LessonResponse>) => {
      const m = ev.data;
      if ('progress' in m) {
        this.onProgress?.(m.progress);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new LessonWorkerError(m.error));
    };
    w.onerror = (ev) => {
      for (const p of this.pending.values()) p.reject(new LessonWorkerError({ message: ev.message || 'The lesson worker crashed.' }));
      this.pending.clear();
    };
    const compiled = await this.call('init', sharedWasm);
    sharedWasm ??= compiled;
  }

  /** Ends the worker at once; calls in flight fail with LessonStoppedError. Call start() again to use it. */
  terminate() {
    this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new LessonStoppedError('stopped'));
    this.pending.clear();
  }

  get started(): boolean {
    return !!this.worker;
  }

  build(chapter: Chapter): Promise<BuildResult> {
    return this.call('build', chapter);
  }

  open(snapshot: Blob): Promise<number> {
    return this.call('open', snapshot);
  }

  run(sql: string): Promise<RunOutcome> {
    return this.call('run', sql);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; fields: Field[] }> {
    return this.call('query', sql, params) as Promise<{ rows: T[]; fields: Field[] }>;
  }

  rawQuery(sql: string, params?: unknown[]): Promise<{ rows: Record<string, string | null>[]; fields: Field[] }> {
    return this.call('rawQuery', sql, params);
  }

  checkerOpen(chapter: Chapter, snapshots: Partial<Record<Variant, Blob>>): Promise<void> {
    return this.call('checkerOpen', chapter, snapshots);
  }

  checkerAdopt(variant: Variant, snapshot: Blob): Promise<void> {
    return this.call('checkerAdopt', variant, snapshot);
  }

  checkerBuild(variant: Variant): Promise<BuildResult> {
    return this.call('checkerBuild', variant);
  }

  check(exercise: Exercise, sql: string): Promise<CheckReport> {
    return this.call('check', exercise, sql);
  }

  private call<K extends keyof LessonWorkerApi>(op: K, ...args: unknown[]): Promise<Awaited<ReturnType<LessonWorkerApi[K]>>> {
    const w = this.worker;
    if (!w) return Promise.reject(new LessonStoppedError('The lesson worker is not running.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ id, op, args } satisfies LessonRequest);
    });
  }
}
