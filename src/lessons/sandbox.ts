// Isolated PGlite copies of a chapter's database for the checker, built once per copy (the
// learner's seed and the perturbed seed) and then restored from a prepared snapshot: the
// dataset SQL never runs again. Works in Node and in a Web Worker (nothing here touches the DOM).
import type { PGlite } from '@electric-sql/pglite';
import { createEngine, startParams, type EngineOptions } from '../db/engine.ts';
import { extensionsFor } from '../db/extensions.ts';
import { snapshotFs, takeSnapshot, type DataDirSnapshot } from '../db/datadir-snapshot.ts';
import { LocalEngine } from '../db/local-engine.ts';
import { splitScript } from '../db/splitter.ts';
import type { Engine } from '../db/types.ts';
import type { CheckContext, IsolationMode, Prepare } from './checker.ts';
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

/** A copy restored ahead of time, with a setup run on it (`key`, '' for none). */
interface Spare {
  key: string;
  engine: Promise<LocalEngine | undefined>;
}

/**
 * Server options of the checker's copies. shared_buffers is 128 MB by default, allocated in each
 * instance's WebAssembly memory: measured in Node on the Indexes chapter, 189 MB of wasm memory per
 * instance against 128 MB with 16 MB (the module's initial size), and a page holds up to four such
 * copies beside the learner's. A check's verdicts do not depend on it: the planner does not cost
 * with shared_buffers, and buffer checks count hits and reads together. The learner's own
 * database keeps the stock 128 MB, so what EXPLAIN (BUFFERS) shows there is a stock server's split.
 */
export const CHECKER_SETTINGS = ['-c', 'shared_buffers=16MB'];

export interface SandboxOptions {
  /**
   * Keep one spare fresh copy per variant, restored in the background after each check (with the
   * last check's setup run on it), so the next check starts on a ready copy instead of paying the
   * restore (0.5–1.4 s in a loaded browser). Costs one more instance in memory per variant.
   */
  spares?: boolean;
  /** ms of quiet after the last use before a spare is restored (a check uses several copies in a row). */
  spareDelayMs?: number;
}

export class ChapterSandbox implements CheckContext {
  readonly times: Partial<Record<Variant, BuildTimes>> = {};
  /** Restore times of every fresh copy handed out, ms (0: a spare was ready). */
  readonly resetTimes: number[] = [];
  private snapshots = new Map<Variant, DataDirSnapshot>();
  private warm = new Map<Variant, LocalEngine>();
  /**
   * Per variant, one warm copy with an exercise's setup already run (its key): a read-only answer
   * to an exercise with a setup runs there in a read-only transaction instead of a fresh copy.
   * One per variant, replaced when another setup is asked for (each copy holds the whole chapter).
   */
  private warmPrepared = new Map<Variant, { key: string; engine: LocalEngine }>();
  private spares = new Map<Variant, Spare>();
  /** What to restore next: the variants used fresh, each with the setup of its last use. */
  private wanted = new Map<Variant, Prepare | undefined>();
  private active = 0;
  private refillTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private refilling: Promise<void> = Promise.resolve();
  private readonly options: SandboxOptions;

  private readonly givenOptions: EngineOptions | (() => EngineOptions);

  /**
   * `engineOptions` go to every instance created (restores override loadDataDir with the
   * snapshot); without start parameters of their own, the copies get CHECKER_SETTINGS.
   */
  private constructor(readonly chapter: Chapter, engineOptions: EngineOptions | (() => EngineOptions) = {}, options: SandboxOptions = {}) {
    this.givenOptions = engineOptions;
    this.options = options;
  }

  /**
   * Options for one new instance. A factory is called each time: options that hold a file system
   * (the browser's prepared data directory) must not be shared by two instances, so the browser
   * passes one (two builds on one file system, main and second copy, never finished).
   */
  private get engineOptions(): EngineOptions {
    const given = typeof this.givenOptions === 'function' ? this.givenOptions() : this.givenOptions;
    return { startParams: startParams(CHECKER_SETTINGS), ...given };
  }

  /** Builds both copies of the chapter's database and snapshots them. Takes a few seconds each. */
  static async build(chapter: Chapter, variants: Variant[] = ['main', 'perturbed'], engineOptions: EngineOptions | (() => EngineOptions) = {}, options: SandboxOptions = {}): Promise<ChapterSandbox> {
    const box = new ChapterSandbox(chapter, engineOptions, options);
    for (const v of variants) await box.prepare(v);
    return box;
  }

  /** A sandbox over snapshots prepared elsewhere (the browser's lesson worker); add the missing copies with add(). */
  static fromSnapshots(chapter: Chapter, snapshots: Partial<Record<Variant, DataDirSnapshot>>, engineOptions: EngineOptions | (() => EngineOptions) = {}, options: SandboxOptions = {}): ChapterSandbox {
    const box = new ChapterSandbox(chapter, engineOptions, options);
    for (const [v, s] of Object.entries(snapshots) as [Variant, DataDirSnapshot][]) box.snapshots.set(v, s);
    return box;
  }

  /** Adds a copy from a snapshot prepared elsewhere (the learner's database, built once). */
  adopt(variant: Variant, snapshot: DataDirSnapshot) {
    this.snapshots.set(variant, snapshot);
    this.dropSpare(variant);
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
  async restore(variant: Variant, record = true): Promise<{ engine: LocalEngine; ms: number }> {
    const t0 = performance.now();
    const db = await createEngine(restoreOptions(this.chapter, this.snapshot(variant), this.engineOptions));
    await restoreTableCounters(db);
    const ms = performance.now() - t0;
    if (record) this.resetTimes.push(ms);
    return { engine: new LocalEngine(db), ms };
  }

  async withDatabase<T>(variant: Variant, mode: IsolationMode, fn: (db: Engine) => Promise<T>, prepare?: Prepare): Promise<{ value: T; resetMs: number }> {
    this.active++;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    try {
      return await this.use(variant, mode, fn, prepare);
    } finally {
      this.active--;
      this.scheduleRefill();
    }
  }

  private async use<T>(variant: Variant, mode: IsolationMode, fn: (db: Engine) => Promise<T>, prepare?: Prepare): Promise<{ value: T; resetMs: number }> {
    if (mode === 'fresh') {
      const t0 = performance.now();
      // The outermost use decides what the next spare holds (a reference computed inside a check is not the next check).
      if (this.options.spares && this.active === 1) this.wanted.set(variant, prepare);
      let engine = await this.takeSpare(variant, prepare?.key ?? '');
      if (engine) this.resetTimes.push(0);
      else {
        engine = (await this.restore(variant)).engine;
        try {
          await becomeLearner(engine);
          if (prepare) await prepare.run(engine);
        } catch (e) {
          await engine.db.close().catch(() => {});
          throw e;
        }
      }
      const ms = performance.now() - t0;
      try {
        return { value: await fn(engine), resetMs: ms };
      } finally {
        await engine.db.close().catch(() => {});
      }
    }
    const engine = prepare ? await this.warmWith(variant, prepare) : await this.warmPlain(variant);
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

  private async warmPlain(variant: Variant): Promise<LocalEngine> {
    // The learner moved on to an exercise without a setup: free the prepared copy's memory.
    const prepared = this.warmPrepared.get(variant);
    if (prepared) {
      this.warmPrepared.delete(variant);
      await prepared.engine.db.close().catch(() => {});
    }
    let engine = this.warm.get(variant);
    if (!engine) {
      engine = (await this.restore(variant)).engine;
      // A snapshot stored by an older pglab has no learner role: create it before the read-only transaction.
      await becomeLearner(engine);
      await engine.run('set session authorization postgres');
      this.warm.set(variant, engine);
    }
    return engine;
  }

  /** The warm copy of a variant with this setup run (as the learner, as on a fresh copy). */
  private async warmWith(variant: Variant, prepare: Prepare): Promise<LocalEngine> {
    const have = this.warmPrepared.get(variant);
    if (have?.key === prepare.key) return have.engine;
    if (have) {
      this.warmPrepared.delete(variant);
      await have.engine.db.close().catch(() => {});
    }
    const { engine } = await this.restore(variant);
    try {
      await becomeLearner(engine);
      await prepare.run(engine);
      await engine.run('set session authorization postgres');
    } catch (e) {
      await engine.db.close().catch(() => {});
      throw e;
    }
    this.warmPrepared.set(variant, { key: prepare.key, engine });
    return engine;
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
      if (this.warm.get(variant) === engine) this.warm.delete(variant);
      if (this.warmPrepared.get(variant)?.engine === engine) this.warmPrepared.delete(variant);
      try { await engine.db.close(); } catch { /* already broken */ }
    }
  }

  /** The spare of a variant when it fits `key` (waiting for its restore if under way); it is handed over, not kept. */
  private async takeSpare(variant: Variant, key: string): Promise<LocalEngine | undefined> {
    const spare = this.spares.get(variant);
    if (!spare) return undefined;
    this.spares.delete(variant);
    const engine = await spare.engine;
    if (engine && spare.key === key) return engine;
    await engine?.db.close().catch(() => {});
    return undefined;
  }

  private dropSpare(variant: Variant) {
    const spare = this.spares.get(variant);
    this.spares.delete(variant);
    void spare?.engine.then((e) => e?.db.close().catch(() => {}));
  }

  /** After a quiet moment, restores the missing spares one by one (never while a check runs). */
  private scheduleRefill() {
    if (!this.options.spares || this.closed || this.active > 0 || this.refillTimer) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refilling = this.refill();
    }, this.options.spareDelayMs ?? 50);
  }

  private async refill() {
    for (const [variant, prepare] of this.wanted) {
      if (this.closed || this.active > 0) return;
      if (this.spares.has(variant) || !this.snapshots.has(variant)) continue;
      const engine = (async () => {
        try {
          const { engine: e } = await this.restore(variant, false);
          try {
            await becomeLearner(e);
            if (prepare) await prepare.run(e);
          } catch (err) {
            await e.db.close().catch(() => {});
            throw err;
          }
          return e;
        } catch {
          return undefined; // the check restores its own copy then
        }
      })();
      this.spares.set(variant, { key: prepare?.key ?? '', engine });
      await engine;
    }
  }

  /** Resolves when no spare is being restored (tests and the bench: the learner's pause between checks). */
  async idle(): Promise<void> {
    if (this.refillTimer) await new Promise((r) => setTimeout(r, (this.options.spareDelayMs ?? 50) + 10));
    await this.refilling;
    await Promise.all([...this.spares.values()].map((s) => s.engine));
  }

  async close() {
    this.closed = true;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    for (const v of [...this.spares.keys()]) this.dropSpare(v);
    for (const e of this.warm.values()) await e.db.close();
    this.warm.clear();
    for (const { engine } of this.warmPrepared.values()) await engine.db.close().catch(() => {});
    this.warmPrepared.clear();
  }
}
