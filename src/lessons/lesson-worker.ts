/// <reference lib="webworker" />
// The lesson worker (see lesson-protocol.ts). The learner's database is an in-memory PGlite built
// from the chapter's dataset once, then restored from its snapshot (Reset, and after a Stop,
// which terminates the worker). The checker role holds a ChapterSandbox whose copies are restored
// from the same snapshots, so a Check never touches the learner's database.
import './lesson-worker-env.ts';
import type { PGlite } from '@electric-sql/pglite';
import { createEngine, type EngineOptions } from '../db/engine.ts';
import { LocalEngine } from '../db/local-engine.ts';
import { serveRpc } from '../db/worker-rpc.ts';
import { missingExtension } from '../db/extensions.ts';
import type { RunOutcome } from '../db/types.ts';
import { buildChapterDatabase, ChapterSandbox, restoreOptions } from './sandbox.ts';
import { restoreTableCounters } from './restored-counters.ts';
import { packSnapshot, snapshotFs, takeSnapshot, unpackSnapshot, type DataDirSnapshot } from '../db/datadir-snapshot.ts';
import { checkExercise, type CheckContext } from './checker.ts';
import type { Chapter, Exercise, Variant } from './format.ts';
import type { BuildProgress, BuildResult, LessonResponse, LessonWasm } from './lesson-protocol.ts';
import { fetchSeed, initdbModule, loadPgliteAssets, noInitdb } from '../db/pglite-assets.ts';

const post = (m: LessonResponse) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

let wasm: LessonWasm | undefined;
let engine: LocalEngine | undefined;
/** The chapter whose database `engine` holds. */
let engineChapter: Chapter | undefined;
let sandbox: ChapterSandbox | undefined;
let ctx: CheckContext | undefined;
/** Copies the checker is still building: a check that needs one waits for it. */
const building = new Map<Variant, Promise<void>>();
/**
 * Unpacked snapshots by key (`<chapter>/<variant>`): a posted Blob arrives as a new object each
 * time, and unpacking 60 MB on every reset would cost more than the restore itself.
 */
const unpacked = new Map<string, Promise<DataDirSnapshot>>();

function unpack(key: string, blob: Blob): Promise<DataDirSnapshot> {
  // Only the open chapter's snapshots are kept: another chapter's come back from the page's Blobs.
  const chapter = key.split('/')[0];
  for (const k of unpacked.keys()) if (k.split('/')[0] !== chapter) unpacked.delete(k);
  let p = unpacked.get(key);
  if (!p) {
    p = unpackSnapshot(blob);
    unpacked.set(key, p);
    p.catch(() => unpacked.delete(key));
  }
  return p;
}

async function loadWasm(given?: LessonWasm): Promise<LessonWasm> {
  let loaded = given;
  if (!loaded) {
    const [assets, seed] = await Promise.all([loadPgliteAssets(), fetchSeed()]);
    loaded = { ...assets, seed };
  }
  // Without the prepared data directory a build runs initdb.
  if (!loaded.seed) loaded.initdb ??= await initdbModule();
  return loaded;
}

function engineOptions(): EngineOptions {
  if (!wasm) throw new Error('The lesson worker is not started yet.');
  // A chapter's build starts from the prepared data directory (a copy of it), not initdb.
  return { pgliteWasmModule: wasm.pglite, initdbWasmModule: wasm.initdb ?? noInitdb(), fsBundle: wasm.fsBundle, fs: wasm.seed && snapshotFs(wasm.seed) };
}

async function closeEngine() {
  const e = engine;
  engine = undefined;
  await e?.db.close().catch(() => {});
}

function need(): LocalEngine {
  if (!engine) throw new Error('The lesson database is not open.');
  return engine;
}

const progress = (variant: Variant) => (done: number, total: number) => post({ id: 0, progress: { variant, done, total } satisfies BuildProgress });

const api = {
  /** Compiles the wasm (or takes the page's compiled copy) and returns it for the next worker. */
  async init(given?: LessonWasm): Promise<LessonWasm | undefined> {
    wasm = await loadWasm(given);
    return given ? undefined : wasm;
  },

  // ------------------------------------------------------------ the learner's database

  /** Builds the chapter's dataset as the learner's database and returns its snapshot, packed. */
  async build(chapter: Chapter): Promise<BuildResult> {
    await closeEngine();
    const t0 = performance.now();
    const db: PGlite = await buildChapterDatabase(chapter, 'main', engineOptions(), progress('main'));
    const t1 = performance.now();
    const snapshot = await takeSnapshot(db);
    unpacked.clear();
    unpacked.set(`${chapter.id}/main`, Promise.resolve(snapshot));
    engine = new LocalEngine(db);
    engineChapter = chapter;
    return { snapshot: packSnapshot(snapshot), buildMs: t1 - t0, dumpMs: performance.now() - t1 };
  },

  /** Opens the learner's database from a packed snapshot (Reset; the start after a Stop). Returns ms. */
  async open(chapter: Chapter, snapshot: Blob): Promise<number> {
    const t0 = performance.now();
    const files = await unpack(`${chapter.id}/main`, snapshot);
    const next = new LocalEngine(await createEngine(restoreOptions(chapter, files, engineOptions())));
    await restoreTableCounters(next.db);
    // The old instance is closed after the answer: the learner waits only for the new one.
    const old = engine;
    engine = next;
    engineChapter = chapter;
    const ms = performance.now() - t0;
    if (old) setTimeout(() => void old.db.close().catch(() => {}), 0);
    return ms;
  },

  /**
   * Runs one statement. A restored database loads only the extensions its chapter uses; CREATE
   * EXTENSION of another one reopens the database, as it is now, with that one too and runs again.
   */
  async run(sql: string): Promise<RunOutcome> {
    const current = need();
    const out = await current.run(sql);
    const name = out.ok ? undefined : missingExtension(out.error);
    if (!name || out.inTransaction || !engineChapter) return out;
    const files = await takeSnapshot(current.db);
    const next = new LocalEngine(await createEngine(restoreOptions(engineChapter, files, engineOptions(), [name])));
    engine = next;
    await current.db.close().catch(() => {});
    return next.run(sql);
  },
  query: (sql: string, params?: unknown[]) => need().query(sql, params),
  rawQuery: (sql: string, params?: unknown[]) => need().rawQuery(sql, params),
  describe: (sql: string) => need().describe(sql),

  // ------------------------------------------------------------ the checker

  /** Starts a sandbox for the chapter over the snapshots the page has. */
  async checkerOpen(chapter: Chapter, snapshots: Partial<Record<Variant, Blob>>): Promise<void> {
    await sandbox?.close().catch(() => {});
    building.clear();
    const files: Partial<Record<Variant, DataDirSnapshot>> = {};
    for (const [v, blob] of Object.entries(snapshots) as [Variant, Blob][]) files[v] = await unpack(`${chapter.id}/${v}`, blob);
    // A spare copy per variant, restored while the learner reads the feedback: a check does not
    // wait for a restore (sandbox.ts).
    sandbox = ChapterSandbox.fromSnapshots(chapter, files, engineOptions(), { spares: true });
    const box = sandbox;
    ctx = {
      async withDatabase(variant, mode, fn, prepare) {
        await building.get(variant);
        if (!box.has(variant)) throw new Error(`The ${variant === 'main' ? '' : 'second '}copy of the chapter database is not ready.`);
        return box.withDatabase(variant, mode, fn, prepare);
      },
    };
  },

  /** Adds a snapshot made elsewhere (the learner worker's build of the main copy). */
  async checkerAdopt(variant: Variant, snapshot: Blob): Promise<void> {
    if (!sandbox) throw new Error('The checker is not open.');
    const box = sandbox;
    // A check posted meanwhile waits for this copy, as for one being built.
    const p = unpack(`${box.chapter.id}/${variant}`, snapshot).then((s) => box.adopt(variant, s));
    building.set(variant, p.catch(() => {}));
    try {
      await p;
    } finally {
      building.delete(variant);
    }
  },

  /** Builds a copy in the checker (the perturbed one) and returns its snapshot for later restarts. */
  async checkerBuild(variant: Variant): Promise<BuildResult> {
    if (!sandbox) throw new Error('The checker is not open.');
    const box = sandbox;
    const t0 = performance.now();
    const p = box.add(variant, progress(variant));
    building.set(variant, p.catch(() => {}));
    await p;
    building.delete(variant);
    const t = box.times[variant]!;
    const snapshot = box.snapshot(variant);
    unpacked.set(`${box.chapter.id}/${variant}`, Promise.resolve(snapshot));
    return { snapshot: packSnapshot(snapshot), buildMs: t.buildMs, dumpMs: performance.now() - t0 - t.buildMs };
  },

  /** Checks the learner's SQL on isolated copies. */
  async check(exercise: Exercise, sql: string) {
    if (!ctx) throw new Error('The checker is not open.');
    return checkExercise(ctx, exercise, sql);
  },
};
export type LessonWorkerApi = typeof api;

serveRpc(api, post);
