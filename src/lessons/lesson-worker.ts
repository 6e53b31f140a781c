/// <reference lib="webworker" />
// The lesson worker (see lesson-protocol.ts). The learner's database (learner-db.ts) is kept in
// the chapter's IndexedDB store (chapter-store.ts), saved after each statement as the playground's
// is: a reload or the restart after a Stop opens what was last saved, and only a start from the
// chapter's snapshot (the first visit, Reset, an exercise's setup) goes back to the chapter's
// start. The checker role holds a ChapterSandbox whose copies are restored from the chapter's
// start snapshots, so a Check never touches the learner's database.
import './lesson-worker-env.ts';
import type { PGlite } from '@electric-sql/pglite';
import type { EngineOptions } from '../db/engine.ts';
import { serveRpc } from '../db/worker-rpc.ts';
import type { RunOutcome } from '../db/types.ts';
import { IdbFs, IdbStore } from '../db/idb-store.ts';
import { refusal, SaveWatch, unsavedInfo } from '../db/save-watch.ts';
import { buildChapterDatabase, ChapterSandbox } from './sandbox.ts';
import { packSnapshot, snapshotFs, takeSnapshot, unpackSnapshot, type DataDirSnapshot } from '../db/datadir-snapshot.ts';
import { checkExercise, type CheckContext } from './checker.ts';
import type { Chapter, Exercise, Variant } from './format.ts';
import type { BuildProgress, BuildResult, Keep, LessonResponse, LessonWasm, Opening, Resumed } from './lesson-protocol.ts';
import { fetchSeed, initdbModule, loadPgliteAssets, noInitdb } from '../db/pglite-assets.ts';
import { LearnerDb } from './learner-db.ts';
import { IdbPlace, madeFromCurrent, readChapterMeta, writeChapterMeta, type ChapterMeta } from './chapter-store.ts';
import { datasetHash } from './build-cache.ts';

const post = (m: LessonResponse) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

let wasm: LessonWasm | undefined;
/** The learner's database of the open chapter. */
let learner: LearnerDb | undefined;
/** Where it is kept, and what its record says (written only by the tab that saves it). */
let kept: { keep: Keep; dataset: string; meta?: ChapterMeta } | undefined;
/** Why nothing is saved at all (the browser refused IndexedDB), or undefined. */
let refused: string | undefined;
const watch = new SaveWatch();
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

function need(): LearnerDb {
  if (!learner?.engine) throw new Error('The lesson database is not open.');
  return learner;
}

/** Where the learner's database of `chapter` is kept from now on (undefined: in memory only). */
async function keepIn(chapter: Chapter, keep: Keep | undefined) {
  refused = undefined;
  const same = kept && keep && kept.keep.store === keep.store && kept.keep.owner === keep.owner;
  kept = keep ? { keep, dataset: await datasetHash(chapter), meta: same ? kept!.meta : undefined } : undefined;
}

/** The learner's database of `chapter`, kept in its store when this tab saves it, else in memory. */
function learnerFor(chapter: Chapter): LearnerDb {
  const saves = kept && !refused && kept.keep.owner;
  return new LearnerDb(chapter, engineOptions(), saves ? new IdbPlace(kept!.keep.store) : undefined);
}

/** Writes the chapter's record (only the tab that saves the store does). */
async function record(meta: ChapterMeta) {
  if (!kept || refused || !kept.keep.owner) return;
  kept.meta = meta;
  await writeChapterMeta(kept.keep.store, meta);
}

/**
 * Tries the whole save the store owes, if any (`always`, or at most every 2 s). Once it succeeds
 * the chapter's record is written again: a tiny store refused it too, and without it the next
 * visit would take the saved database for one of unknown origin. True when nothing is owed.
 */
async function catchUp(always: boolean): Promise<boolean> {
  const saver = learner?.saver;
  const behind = !!saver?.behind;
  const saved = await watch.catchUp(saver, learner?.engine?.db, always);
  if (behind && saved && kept?.meta) await record(kept.meta);
  return saved;
}

/** Why the learner's database is not being saved now (undefined: it is, or it is a copy by design). */
async function saveState() {
  if (refused) return unsavedInfo(refused, 0);
  if (!learner?.saver || (await catchUp(true))) return undefined;
  return watch.describe(learner.saver);
}

/** Starts the learner's database from a start snapshot, replacing what its store held. */
async function startFresh(chapter: Chapter, files: DataDirSnapshot): Promise<Opening> {
  await learner?.close();
  learner = learnerFor(chapter);
  const ms = await learner.fresh(files);
  if (kept) await record({ dataset: kept.dataset, pristine: true, prepared: null });
  return { ms, unsaved: await saveState() };
}

const progress = (variant: Variant) => (done: number, total: number) => post({ id: 0, progress: { variant, done, total } satisfies BuildProgress });

const api = {
  /** Compiles the wasm (or takes the page's compiled copy) and returns it for the next worker. */
  async init(given?: LessonWasm): Promise<LessonWasm | undefined> {
    wasm = await loadWasm(given);
    return given ? undefined : wasm;
  },

  // ------------------------------------------------------------ the learner's database

  /**
   * Opens the chapter's saved database, if its store holds one made from this dataset (or
   * `accept`: the learner chose to keep one made from another). Otherwise opens nothing and
   * says what it found; build() or open() then start it from the chapter's start.
   */
  async resume(chapter: Chapter, keep: Keep, accept = false): Promise<Resumed> {
    await learner?.close();
    learner = undefined;
    await keepIn(chapter, keep);
    const dataset = kept!.dataset;
    const store = new IdbStore(keep.store, !keep.owner);
    let holds: boolean;
    try {
      holds = await store.prefetch();
    } catch (e) {
      // No IndexedDB for this site (a private window, storage denied): the chapter runs in memory.
      refused = `the browser refused this site's storage (${(e as Error).name}: ${(e as Error).message})`;
      return { found: 'none', saving: false, unsaved: await unsavedInfo(refused, 0) };
    }
    if (!holds) {
      await store.close();
      return { found: 'none', saving: keep.owner };
    }
    const meta = await readChapterMeta(keep.store).catch(() => undefined);
    kept!.meta = meta;
    if (!madeFromCurrent(meta, dataset)) {
      if (!accept) {
        await store.close();
        return { found: 'changed', meta, saving: keep.owner };
      }
      await record({ ...(meta ?? { dataset: 'unknown', pristine: false, prepared: null }), keptFor: dataset });
    }
    learner = learnerFor(chapter);
    const ms = await learner.resume({ fs: new IdbFs(store), saver: keep.owner ? store : undefined });
    return { found: 'opened', ms, meta: kept!.meta, saving: keep.owner, unsaved: await saveState() };
  },

  /** Builds the chapter's dataset and starts the learner's database from it (kept as `keep` says); returns its snapshot, packed. */
  async build(chapter: Chapter, keep?: Keep): Promise<BuildResult & Opening> {
    await learner?.close();
    await keepIn(chapter, keep);
    const t0 = performance.now();
    const db: PGlite = await buildChapterDatabase(chapter, 'main', engineOptions(), progress('main'));
    const t1 = performance.now();
    const snapshot = await takeSnapshot(db);
    await db.close();
    unpacked.clear();
    unpacked.set(`${chapter.id}/main`, Promise.resolve(snapshot));
    const dumpMs = performance.now() - t1;
    const opening = await startFresh(chapter, snapshot);
    return { snapshot: packSnapshot(snapshot), buildMs: t1 - t0, dumpMs, ...opening };
  },

  /** Starts the learner's database from a packed start snapshot (the first visit with a kept build, Reset). */
  async open(chapter: Chapter, snapshot: Blob, keep?: Keep): Promise<Opening> {
    await keepIn(chapter, keep);
    return startFresh(chapter, await unpack(`${chapter.id}/main`, snapshot));
  },

  /** Keeps what the page knows of the database (nothing run since its start; the setup it holds) for the next visit. */
  async remember(state: Pick<ChapterMeta, 'pristine' | 'prepared'>): Promise<void> {
    if (kept?.meta) await record({ ...kept.meta, ...state });
    else if (kept) await record({ dataset: kept.dataset, ...state });
  },

  /** Runs one statement; says beside its result when the browser refused to save it. */
  async run(sql: string): Promise<RunOutcome> {
    const db = need();
    const out = await db.run(sql);
    const saved = await catchUp(false);
    return !saved && out.ok ? { ...out, unsaved: refusal(db.saver?.lastFailure) } : out;
  },
  /** Why the learner's database is not being saved (undefined: everything is saved). */
  saveState,
  query: (sql: string, params?: unknown[]) => need().need().query(sql, params),
  rawQuery: (sql: string, params?: unknown[]) => need().need().rawQuery(sql, params),
  describe: (sql: string) => need().need().describe(sql),

  // ------------------------------------------------------------ the checker

  /** Starts a sandbox for the chapter over the snapshots the page has. */
  async checkerOpen(chapter: Chapter, snapshots: Partial<Record<Variant, Blob>>): Promise<void> {
    await sandbox?.close().catch(() => {});
    building.clear();
    const files: Partial<Record<Variant, DataDirSnapshot>> = {};
    for (const [v, blob] of Object.entries(snapshots) as [Variant, Blob][]) files[v] = await unpack(`${chapter.id}/${v}`, blob);
    // A spare copy per variant, restored while the learner reads the feedback: a check does not
    // wait for a restore (sandbox.ts).
    sandbox = ChapterSandbox.fromSnapshots(chapter, files, engineOptions, { spares: true });
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
