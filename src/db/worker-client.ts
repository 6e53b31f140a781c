// The page's side of the worker: an Engine whose calls cross to the worker, plus stop().
import type { InitInfo, Request, Response, Storage, WasmCache } from './protocol.ts';
import type { WorkerApi } from './worker.ts';
import type { DbErrorInfo, Engine, Field, RunOutcome } from './types.ts';

export class DbError extends Error {
  constructor(readonly info: DbErrorInfo) {
    super(info.message);
  }
}

/** Raised for calls that were running when the worker was stopped. */
export class StoppedError extends Error {}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

export class WorkerEngine implements Engine {
  private worker!: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  info!: InitInfo;
  private cache?: WasmCache;

  /** `seed: false` makes a new database with initdb instead of the prepared one (for the bench). */
  constructor(private makeWorker: () => Worker, private storage: Storage, private seed = true) {}

  async start(): Promise<InitInfo> {
    this.worker = this.makeWorker();
    this.worker.onmessage = (ev: MessageEvent<Response>) => {
      const p = this.pending.get(ev.data.id);
      if (!p) return;
      this.pending.delete(ev.data.id);
      if (ev.data.ok) p.resolve(ev.data.value);
      else p.reject(new DbError(ev.data.error));
    };
    this.worker.onerror = (ev) => {
      // An uncaught error in the worker (a wasm trap) fails everything in flight.
      for (const p of this.pending.values()) p.reject(new DbError({ message: ev.message || 'The database worker crashed.' }));
      this.pending.clear();
    };
    this.info = await this.call('init', this.storage, this.cache, this.seed);
    this.cache ??= this.info.cache;
    return this.info;
  }

  /** Ends the worker at once (the only way to stop a running query) and reopens the saved database. */
  async restart(): Promise<InitInfo> {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new StoppedError('stopped'));
    this.pending.clear();
    return this.start();
  }

  reset(): Promise<InitInfo> {
    return this.call('reset');
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

  private call<K extends keyof WorkerApi>(op: K, ...args: unknown[]): Promise<Awaited<ReturnType<WorkerApi[K]>>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args } satisfies Request);
    });
  }
}
