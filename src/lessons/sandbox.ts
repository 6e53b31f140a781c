// Isolated PGlite copies of a chapter's database for the checker, built once per copy (the
// learner's seed and the perturbed seed) and then restored from a prepared snapshot: the
// dataset SQL never runs again. Works in Node and in a Web Worker (nothing here touches the DOM).
import type { PGlite } from '@electric-sql/pglite';
import { createEngine, type EngineOptions } from '../db/engine.ts';
import { extensionsFor } from '../db/extensions.ts';
import { snapshotFs, takeSnapshot, type DataDirSnapshot } from '../db/datadir-snapshot.ts';
import { LocalEngine } from '../db/local-engine.ts';
import { splitScript } from '../db/splitter.ts';
import type { Engine } from '../db/types.ts';
import type { CheckContext, IsolationMode } from './checker.ts';
import type { Chapter, Variant } from './format.ts';
import { datasetSql } from './loader.ts';
import { becomeLearner, LEARNER_ROLE_SQL } from './sandbox-role.ts';
import { restoreTableCounters } from './restored-counters.ts';

export interface BuildTimes {
  /** Creating the instance and running the dataset script, ms. */
  buildMs: number;
  /** Taking the snapshot, ms. */
  dumpMs: number;
  /** Size of the snapshot, bytes. */
  snapshotBytes: number;
}

/**
 * Builds a chapter's database on a new instance: the dataset script statement by statement (VACUUM runs alone).
 * `opts` go to createEngine (the browser passes its compiled wasm and the prepared data directory);
 * `onProgress` hears after each statement how many of the script's statements have run.
 */
export async function buildChapterDatabase(
  chapter: Chapter, variant: Variant, opts: EngineOptions = {}, onProgress?: (done: number, total: number) => void,
): Promise<PGlite> {
  // Only the chapter's extensions: loading all of them cost a 1.1 MB download (pgcrypto) and
  // start-up time for nothing the dataset uses.
  const db = await createEngine({ extensions: extensionsFor(chapter.extensions), ...opts });
  const sql = datasetSql(chapter, variant);
  const pieces = await splitScript(sql);
  let done = 0;
  for (const piece of pieces) {
    if (piece.kind !== 'sql') throw new Error(`${chapter.id}/${chapter.datasetFile}: only SQL statements are allowed in a dataset (found ${piece.text.slice(0, 40)})`);
    try {
      if (/^\s*(vacuum|analy[sz]e)\b/i.test(piece.text)) await flushStatistics(db);
      await db.exec(piece.text);
    } catch (e) {
      await db.close();
      throw new Error(`${chapter.id}/${chapter.datasetFile}: the statement "${piece.text.slice(0, 80).replace(/\s+/g, ' ')}…" failed: ${(e as Error).message}`);
    }
    onProgress?.(++done, pieces.length);
  }
  await db.exec(LEARNER_ROLE_SQL);
  return db;
}


/**
 * Flushes the session's pending table statistics (the counts of the inserts just made). VACUUM
 * and ANALYZE set n_live_tup outright; counts still pending then are added on top at the next
 * flush, and a freshly loaded table shows twice its rows. It must be a statement of its own: the
 * flush happens when it ends.
 */
async function flushStatistics(db: PGlite) {
  await db.exec('select pg_stat_force_next_flush()');
}

/**
 * Options for a new instance of a chapter's database from its snapshot: the file system holds
 * the data directory, and only the extensions the database and the chapter use are loaded
 * (each one costs time on every start).
 */
export function restoreOptions(chapter: Chapter, snapshot: DataDirSnapshot, base: EngineOptions, more: string[] = []): EngineOptions {
  return {
    ...base,
    loadDataDir: undefined,
    fs: snapshotFs(snapshot),
    extensions: base.extensions ?? extensionsFor([...snapshot.extensions, ...chapter.extensions, ...more]),
  };
}

export class ChapterSandbox implements CheckContext {
  readonly times: Partial<Record<Variant, BuildTimes>> = {};
  /** Restore times of every fresh copy handed out, ms. */
  readonly resetTimes: number[] = [];
  private snapshots = new Map<Variant, DataDirSnapshot>();
  private warm = new Map<Variant, LocalEngine>();

  /** `engineOptions` go to every instance created (restores override loadDataDir with the snapshot). */
  private constructor(readonly chapter: Chapter, private readonly engineOptions: EngineOptions = {}) {}

  /** Builds both copies of the chapter's database and snapshots them. Takes a few seconds each. */
  static async build(chapter: Chapter, variants: Variant[] = ['main', 'perturbed'], engineOptions: EngineOptions = {}): Promise<ChapterSandbox> {
    const box = new ChapterSandbox(chapter, engineOptions);
    for (const v of variants) await box.prepare(v);
    return box;
  }

  /** A sandbox over snapshots prepared elsewhere (the browser's lesson worker); add the missing copies with add(). */
  static fromSnapshots(chapter: Chapter, snapshots: Partial<Record<Variant, DataDirSnapshot>>, engineOptions: EngineOptions = {}): ChapterSandbox {
    const box = new ChapterSandbox(chapter, engineOptions);
    for (const [v, s] of Object.entries(snapshots) as [Variant, DataDirSnapshot][]) box.snapshots.set(v, s);
    return box;
  }

  /** Adds a copy from a snapshot prepared elsewhere (the learner's database, built once). */
  adopt(variant: Variant, snapshot: DataDirSnapshot) {
    this.snapshots.set(variant, snapshot);
  }

  /** Whether a copy's snapshot is there. */
  has(variant: Variant): boolean {
    return this.snapshots.has(variant);
  }

  /** Builds one more copy and snapshots it (with progress, for the browser). */
  add(variant: Variant, onProgress?: (done: number, total: number) => void): Promise<void> {
    return this.prepare(variant, onProgress);
  }

  private async prepare(variant: Variant, onProgress?: (done: number, total: number) => void) {
    const t0 = performance.now();
    const db = await buildChapterDatabase(this.chapter, variant, this.engineOptions, onProgress);
    const t1 = performance.now();
    const snapshot = await takeSnapshot(db);
    const t2 = performance.now();
    this.snapshots.set(variant, snapshot);
    this.warm.set(variant, new LocalEngine(db));
    this.times[variant] = { buildMs: t1 - t0, dumpMs: t2 - t1, snapshotBytes: snapshot.bytes };
  }

  /** The prepared snapshot of a copy (e.g. to reset the learner's own database from it). */
  snapshot(variant: Variant): DataDirSnapshot {
    const s = this.snapshots.get(variant);
    if (!s) throw new Error(`The ${variant} copy of ${this.chapter.id} was not built`);
    return s;
  }

  /** A new instance restored from the snapshot, and how long that took. */
  async restore(variant: Variant): Promise<{ engine: LocalEngine; ms: number }> {
    const t0 = performance.now();
    const db = await createEngine(restoreOptions(this.chapter, this.snapshot(variant), this.engineOptions));
    await restoreTableCounters(db);
    const ms = performance.now() - t0;
    this.resetTimes.push(ms);
    return { engine: new LocalEngine(db), ms };
  }

  async withDatabase<T>(variant: Variant, mode: IsolationMode, fn: (db: Engine) => Promise<T>): Promise<{ value: T; resetMs: number }> {
    if (mode === 'fresh') {
      const { engine, ms } = await this.restore(variant);
      try {
        await becomeLearner(engine);
        return { value: await fn(engine), resetMs: ms };
      } finally {
        await engine.db.close();
      }
    }
    let engine = this.warm.get(variant);
    if (!engine) {
      engine = (await this.restore(variant)).engine;
      // A snapshot stored by an older pglab has no learner role: create it before the read-only transaction.
      await becomeLearner(engine);
      await engine.run('set session authorization postgres');
      this.warm.set(variant, engine);
    }
    const t0 = performance.now();
    await engine.run('begin transaction read only');
    await becomeLearner(engine);
    const resetMs = performance.now() - t0;
    try {
      return { value: await fn(engine), resetMs };
    } finally {
      await this.cleanShared(variant, engine);
    }
  }

  /** Rolls back and resets the session of the warm copy; replaces it if it stopped answering. */
  private async cleanShared(variant: Variant, engine: LocalEngine) {
    let healthy = false;
    try {
      await engine.run('rollback');
      // PGlite's RESET SESSION AUTHORIZATION keeps current_user (platform notes): name the user.
      await engine.run('set session authorization postgres');
      await engine.run('discard all');
      const r = await engine.query<{ ok: number }>('select 1 as ok');
      healthy = r.rows.length === 1 && r.rows[0].ok === 1;
    } catch {
      healthy = false;
    }
    if (!healthy) {
      this.warm.delete(variant);
      try { await engine.db.close(); } catch { /* already broken */ }
    }
  }

  async close() {
    for (const e of this.warm.values()) await e.db.close();
    this.warm.clear();
  }
}
