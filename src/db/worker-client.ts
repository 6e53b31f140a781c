// The page's side of the database worker: an Engine whose calls cross to the worker, plus
// restart (the only way to stop a running statement) and reset.
import type { InitInfo, Storage, WasmCache } from './protocol.ts';
import type { StartOptions } from './start-options.ts';
import type { WorkerApi } from './worker.ts';
import type { Engine, Field, RunOutcome } from './types.ts';
import { WorkerRpc } from './worker-rpc.ts';

export { WorkerError as DbError, StoppedError } from './worker-rpc.ts';

export class WorkerEngine implements Engine {
  private rpc: WorkerRpc<WorkerApi>;
  info!: InitInfo;
  private cache?: WasmCache;

  private storage: Storage;
  private seed: boolean;
  /** SQL names of the extensions to load besides pg_stat_statements (what the database uses). */
  extensions: string[];

  constructor(makeWorker: () => Worker, options: StartOptions) {
    this.rpc = new WorkerRpc<WorkerApi>(makeWorker, 'The database worker crashed.');
    this.storage = options.storage;
    this.seed = options.seed;
    this.extensions = options.extensions;
    this.saving = options.saving;
  }

  private saving: boolean;

  async start(): Promise<InitInfo> {
    this.rpc.open();
    this.info = await this.rpc.call('init', this.storage, this.cache, this.seed, this.extensions, this.saving);
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
