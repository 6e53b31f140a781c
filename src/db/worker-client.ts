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

  /**
   * `extensions`: SQL names of the extensions to load besides pg_stat_statements (the page
   * remembers what the database uses). `seed: false` makes a new database with initdb instead
   * of the prepared one (for the bench).
   */
  constructor(makeWorker: () => Worker, private storage: Storage, public extensions: string[] = [], private seed = true) {
    this.rpc = new WorkerRpc<WorkerApi>(makeWorker, 'The database worker crashed.');
  }

  async start(): Promise<InitInfo> {
    this.rpc.open();
    this.info = await this.rpc.call('init', this.storage, this.cache, this.seed, this.extensions);
    this.cache ??= this.info.cache;
    this.extensions = this.info.extensions;
    return this.info;
  }

  /**
   * Ends the worker at once and reopens the saved database; calls in flight fail with StoppedError.
   * `withExtension` adds an extension's files to the next start (CREATE EXTENSION asked for it).
   */
  async restart(withExtension?: string): Promise<InitInfo> {
    this.rpc.terminate();
    if (withExtension && !this.extensions.includes(withExtension)) this.extensions = [...this.extensions, withExtension];
    return this.start();
  }

  async reset(): Promise<InitInfo> {
    this.info = await this.rpc.call('reset');
    this.extensions = this.info.extensions;
    return this.info;
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
