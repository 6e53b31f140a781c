// The page's side of the database worker: an Engine whose calls cross to the worker, plus
// restart (the only way to stop a running statement) and reset.
import type { DownloadEvent, InitInfo, ProgressEvent, WasmCache } from './protocol.ts';
import type { StartOptions } from './start-options.ts';
import type { WorkerApi } from './worker.ts';
import { RpcEngine, WorkerRpc } from './worker-rpc.ts';

export { WorkerError as DbError, StoppedError } from './worker-rpc.ts';

export class WorkerEngine extends RpcEngine<WorkerApi> {
  protected readonly rpc: WorkerRpc<WorkerApi>;
  info!: InitInfo;
  private cache?: WasmCache;
  /** SQL names of the extensions to load besides pg_stat_statements (what the database uses). */
  extensions: string[];

  /** `onDownload`: a start's download so far, in bytes of the total. */
  constructor(makeWorker: () => Worker, private readonly options: StartOptions, onDownload?: (e: DownloadEvent) => void) {
    super();
    this.rpc = new WorkerRpc<WorkerApi>(makeWorker, 'The database worker crashed.', (m) => {
      if ((m as DownloadEvent | null)?.event === 'download') onDownload?.(m as DownloadEvent);
      if ((m as ProgressEvent | null)?.event === 'progress') this.onProgress?.((m as ProgressEvent).progress);
    });
    this.extensions = options.extensions;
  }

  async start(): Promise<InitInfo> {
    this.rpc.open();
    const { storage, seed, saving, store } = this.options;
    this.info = await this.rpc.call('init', storage, this.cache, seed, this.extensions, saving, store);
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

  /** Why the database is not being saved now (undefined: all saved); tries the save that is owed. */
  saveState() {
    return this.rpc.call('saveState');
  }

  /** The open workspace's data directory as an archive (gzip'd packed snapshot). */
  archive(): Promise<Blob> {
    return this.rpc.call('archive');
  }

  /** The data directory packed, not compressed (the page gzips it with progress). */
  packedSnapshot(): Promise<Blob> {
    return this.rpc.call('packedSnapshot');
  }

  /** Hears the progress a long call reports (dumpSql's). */
  onProgress?: (p: ProgressEvent['progress']) => void;

  /** The open workspace as a SQL dump written by pg_dump. */
  dumpSql(): Promise<string> {
    return this.rpc.call('dumpSql');
  }

  /** Another workspace's schema, read from a read-only copy of its saved store (never written). */
  inspectStore(store: string) {
    return this.rpc.call('inspectStore', store);
  }

  async reset(): Promise<InitInfo> {
    this.info = await this.rpc.call('reset');
    this.extensions = this.info.extensions;
    return this.info;
  }
}
