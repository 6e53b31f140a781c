// The page's side of the share worker: one call, replay(pack), in a worker started for it and
// ended after it, so nothing of a shared pack stays in the tab's memory.
import { WorkerRpc } from '../db/worker-rpc.ts';
import type { SharePack } from './format.ts';
import type { ReplayResult } from './replay.ts';
import type { ShareWorkerApi } from './share-worker.ts';

export async function replayInWorker(pack: SharePack): Promise<ReplayResult> {
  const rpc = new WorkerRpc<ShareWorkerApi>(() => new Worker(new URL('./share-worker.ts', import.meta.url), { type: 'module' }), 'The worker that opens shared packs crashed.');
  rpc.open();
  try {
    return await rpc.call('replay', pack);
  } finally {
    rpc.terminate();
  }
}

/**
 * A replay whose scratch database stays until discard(), so the receiver can keep it as a
 * workspace (archive()) or throw it away; it is never one of the user's own databases.
 */
export async function replayKeepable(pack: SharePack): Promise<{ result: ReplayResult; archive: () => Promise<Blob>; discard: () => void }> {
  const rpc = new WorkerRpc<ShareWorkerApi>(() => new Worker(new URL('./share-worker.ts', import.meta.url), { type: 'module' }), 'The worker that opens shared packs crashed.');
  rpc.open();
  try {
    const result = await rpc.call('replay', pack);
    return { result, archive: () => rpc.call('archive'), discard: () => rpc.terminate() };
  } catch (e) {
    rpc.terminate();
    throw e;
  }
}
