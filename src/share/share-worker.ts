/// <reference lib="webworker" />
// The worker that opens a shared pack: a new in-memory PGlite for every run, never the user's
// saved database (which lives in the playground's own worker and store).
import '../lessons/lesson-worker-env.ts';
import type { PGlite } from '@electric-sql/pglite';
import { createEngine } from '../db/engine.ts';
import { serveRpc } from '../db/worker-rpc.ts';
import { packSnapshot, snapshotFs, takeSnapshot, type DataDirSnapshot } from '../db/datadir-snapshot.ts';
import { fetchSeed, initdbModule, loadPgliteAssets, noInitdb, type PgliteAssets } from '../db/pglite-assets.ts';
import { validatePack } from './format.ts';
import { replayPack, type ReplayResult } from './replay.ts';

const post = (m: unknown) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

let assets: (PgliteAssets & { seed?: DataDirSnapshot; initdb?: WebAssembly.Module }) | undefined;
let db: PGlite | undefined;

const api = {
  /** Validates the pack again (it crossed a boundary), runs it in a fresh database, compares the plans. */
  async replay(value: unknown): Promise<ReplayResult> {
    const pack = validatePack(value);
    if (!assets) {
      const [a, seed] = await Promise.all([loadPgliteAssets(), fetchSeed()]);
      assets = { ...a, seed };
      if (!seed) assets.initdb = await initdbModule();
    }
    await db?.close().catch(() => {});
    db = await createEngine({
      pgliteWasmModule: assets.pglite, initdbWasmModule: assets.initdb ?? noInitdb(), fsBundle: assets.fsBundle,
      fs: assets.seed && snapshotFs(assets.seed),
    });
    return replayPack(db, pack);
  },
  /** The scratch database the last replay made, as an archive, to keep it as a workspace. */
  async archive(): Promise<Blob> {
    if (!db) throw new Error('Nothing was run yet: there is no database to keep.');
    const packed = packSnapshot(await takeSnapshot(db));
    return new Response(packed.stream().pipeThrough(new CompressionStream('gzip'))).blob();
  },
};
export type ShareWorkerApi = typeof api;

serveRpc(api, post);
