// Request/response over postMessage, for every worker of the page (the playground's database,
// the lessons' database and checker): ids, whole errors, progress events, and stop by terminate.
import type { DbErrorInfo, Engine, Field, RunOutcome } from './types.ts';
import { toErrorInfo } from './error-info.ts';

/** A failure the worker reported, with everything PostgreSQL said. */
export class WorkerError extends Error {
  constructor(readonly info: DbErrorInfo) {
    super(info.message);
  }
}

/** Raised for calls that were running when the worker was stopped. */
export class StoppedError extends Error {}

export type RpcRequest = { id: number; op: string; args: unknown[] };
export type RpcResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: DbErrorInfo };

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
// Each operation of a worker's API is called with its own arguments and answers with its value.
type AnyApi = Record<string, (...args: any[]) => unknown>;

export class WorkerRpc<Api extends AnyApi> {
  private worker?: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  /** `onEvent` receives the worker's messages that answer no call (progress reports). */
  constructor(private makeWorker: () => Worker, private crashMessage: string, private onEvent?: (message: unknown) => void) {}

  get running(): boolean {
    return !!this.worker;
  }

  open() {
    const w = (this.worker = this.makeWorker());
    w.onmessage = (ev: MessageEvent<RpcResponse | Record<string, unknown>>) => {
      const m = ev.data;
      const p = 'id' in m && typeof m.id === 'number' ? this.pending.get(m.id) : undefined;
      if (!p) return this.onEvent?.(m);
      this.pending.delete(m.id as number);
      const r = m as RpcResponse;
      if (r.ok) p.resolve(r.value);
      else p.reject(new WorkerError(r.error));
    };
    w.onerror = (ev) => {
      // An uncaught error in the worker (a wasm trap) fails everything in flight.
      this.failAll(new WorkerError({ message: ev.message || this.crashMessage }));
    };
  }

  call<K extends keyof Api & string>(op: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> {
    const w = this.worker;
    if (!w) return Promise.reject(new StoppedError('The worker is not running.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ id, op, args } satisfies RpcRequest);
    });
  }

  /** Ends the worker at once; calls in flight fail with StoppedError. */
  terminate() {
    this.worker?.terminate();
    this.worker = undefined;
    this.failAll(new StoppedError('stopped'));
  }

  private failAll(e: Error) {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** What every database worker answers besides its own operations: the Engine calls. */
type EngineOps = {
  run(sql: string): Promise<RunOutcome>;
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; fields: Field[] }>;
  rawQuery(sql: string, params?: unknown[]): Promise<{ rows: Record<string, string | null>[]; fields: Field[] }>;
  describe(sql: string): Promise<Field[]>;
};

/** An Engine whose calls cross to a worker (the playground's database, the lessons' database). */
export abstract class RpcEngine<Api extends AnyApi & EngineOps> implements Engine {
  protected abstract readonly rpc: WorkerRpc<Api>;

  run(sql: string): Promise<RunOutcome> {
    return (this.rpc as unknown as WorkerRpc<EngineOps>).call('run', sql);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; fields: Field[] }> {
    return (this.rpc as unknown as WorkerRpc<EngineOps>).call('query', sql, params) as Promise<{ rows: T[]; fields: Field[] }>;
  }

  rawQuery(sql: string, params?: unknown[]): Promise<{ rows: Record<string, string | null>[]; fields: Field[] }> {
    return (this.rpc as unknown as WorkerRpc<EngineOps>).call('rawQuery', sql, params);
  }

  describe(sql: string): Promise<Field[]> {
    return (this.rpc as unknown as WorkerRpc<EngineOps>).call('describe', sql);
  }
}

/** The worker's side: answers each request with its operation's value, or its whole error. */
export function serveRpc(api: AnyApi, post: (message: RpcResponse) => void) {
  self.onmessage = async (ev: MessageEvent<RpcRequest>) => {
    const { id, op, args } = ev.data;
    let msg: RpcResponse;
    try {
      msg = { id, ok: true, value: await api[op](...args) };
    } catch (e) {
      msg = { id, ok: false, error: toErrorInfo(e) };
    }
    post(msg);
  };
}
