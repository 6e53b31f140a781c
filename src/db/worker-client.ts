// The page's side of the database worker: an Engine whose calls cross to the worker, plus
// restart (the only way to stop a running statement) and reset.
import type { InitInfo, Storage, WasmCache } from './protocol.ts';
import type { WorkerApi } from './worker.ts';
import type { Engine, Field, RunOutcome } from './types.ts';
import { WorkerRpc } from './worker-rpc.ts';

export { WorkerError as DbError, StoppedError } from './worker-rpc.ts';

export class WorkerEngine implements Engine {
  private rpc: WorkerRpc<WorkerApi>;
  info!: InitInfo;
  private cache?: WasmCache;

  /** `seed: false` makes a new database with initdb instead of the prepared one (for the bench). */
  constructor(makeWorker: () => Worker, private storage: Storage, private seed = true) {
    this.rpc = new WorkerRpc<WorkerApi>(makeWorker, 'The database worker crashed.');
  }

  async start(): Promise<InitInfo> {
    this.rpc.open();
    this.info = await this.rpc.call('init', this.storage, this.cache, this.seed);
    this.cache ??= this.info.cache;
    return this.info;
  }

  /** Ends the worker at once and reopens the saved database; calls in flight fail with StoppedError. */
  async restart(): Promise<InitInfo> {
    this.rpc.terminate();
    return this.start();
  }

  reset(): Promise<InitInfo> {
    return this.rpc.call('reset');
  }

  run(sql: string): Promise<RunOutcome> {
    return this.rpc.call('run', sql);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; fields: Field[] }> {
    return this.rpc.call('query', sql, params) as Promise<{ rows: T[]; fields: Field[] }>;
  }

  rawQuery(sql: string, params?: unknown[]): Promise<{ rows: Record<string, string | null>[]; fields: Field[] }> {
    return this.rpc.call('rawQuery', sql, params);
  }
}
