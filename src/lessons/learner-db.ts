// The learner's own database of a chapter: one PGlite over a place that keeps it (in the browser
// the chapter's IndexedDB store, chapter-store.ts), started either from the chapter's start
// snapshot (the first visit, Reset, an exercise's setup) or from what the place saved (a reload,
// the restart after a Stop). Without a place (no storage, or another tab saves it) it lives in
// memory only. Works in Node and in a Web Worker: tests pass a MirrorStore as the place.
import type { PGliteOptions } from '@electric-sql/pglite';
import { createEngine, type EngineOptions } from '../db/engine.ts';
import { extensionsFor, missingExtension, namesOf, shippedExtensions } from '../db/extensions.ts';
import { LocalEngine } from '../db/local-engine.ts';
import { ownStatement } from '../db/own-statements.ts';
import { snapshotFs, takeSnapshot, type DataDirSnapshot } from '../db/datadir-snapshot.ts';
import { WalHousekeeper } from '../db/wal-housekeeping.ts';
import type { RunOutcome } from '../db/types.ts';
import type { Saver } from '../db/save-watch.ts';
import type { Chapter } from './format.ts';
import { restoreTableCounters } from './restored-counters.ts';

export interface Opened {
  fs: NonNullable<PGliteOptions['fs']>;
  saver?: Saver;
}

/** Where a chapter database is kept. Each call gives a new file system (one per instance). */
export interface LearnerPlace {
  /** Keeps `snapshot` as the database from now on (replacing what was kept). */
  start(snapshot: DataDirSnapshot): Opened;
  /** What is kept, as the last save left it. */
  saved(): Opened;
}

export class LearnerDb {
  engine?: LocalEngine;
  saver?: Saver;
  private housekeeper?: WalHousekeeper;

  /** `place` undefined: in memory only, a restart comes back to the start snapshot. */
  constructor(readonly chapter: Chapter, private readonly base: EngineOptions, readonly place?: LearnerPlace) {}

  /** Starts from the chapter's start snapshot (kept in the place, replacing what it held). Returns ms. */
  async fresh(snapshot: DataDirSnapshot): Promise<number> {
    const t0 = performance.now();
    // The old instance first: closing it saves, and that save must not land on the new database.
    await this.close();
    await this.open(this.place ? this.place.start(snapshot) : { fs: snapshotFs(snapshot) }, snapshot.extensions);
    await restoreTableCounters(this.need().db);
    return performance.now() - t0;
  }

  /**
   * Opens what the place saved (or `given`: a store read ahead, or a read-only view of another
   * tab's store). A saved
   * database may use an extension the chapter does not: it is opened again with it. Its
   * statistics counters start at zero, as after a server's crash restart; no VACUUM is run to
   * bring them back, since that would clean up the learner's own dead rows. Returns ms.
   */
  async resume(given?: Opened): Promise<number> {
    const t0 = performance.now();
    await this.close();
    const opened = given ?? this.place?.saved();
    if (!opened) throw new Error('This chapter database is not kept anywhere: start it from its snapshot.');
    await this.open(opened, []);
    const { rows } = await this.need().query<{ installed: string[] }>(ownStatement(`select array(select extname::text from pg_extension) as installed`));
    const loaded = namesOf(this.loaded);
    const missing = rows[0].installed.filter((n) => shippedExtensions.includes(n) && !loaded.includes(n));
    if (missing.length) await this.reopenWith(missing);
    return performance.now() - t0;
  }

  private loaded: ReturnType<typeof extensionsFor> = {};

  private async open(opened: Opened, extensions: string[]) {
    this.loaded = extensionsFor([...this.chapter.extensions, ...extensions]);
    const db = await createEngine({ ...this.base, loadDataDir: undefined, fs: opened.fs, extensions: this.loaded });
    this.engine = new LocalEngine(db);
    this.saver = opened.saver;
    this.housekeeper = new WalHousekeeper(db);
  }

  /** The same database opened again with more extensions loaded. */
  private async reopenWith(more: string[]) {
    const names = [...namesOf(this.loaded), ...more];
    if (this.place) {
      // Closed first: its last save is what the new instance opens.
      await this.close();
      return this.open(this.place.saved(), names);
    }
    const current = this.need();
    const files = await takeSnapshot(current.db);
    this.housekeeper?.stop();
    await this.open({ fs: snapshotFs(files) }, [...names, ...files.extensions]);
    await current.db.close().catch(() => {});
  }

  /**
   * Runs one statement. A database opened without an extension it then creates (CREATE
   * EXTENSION of one the chapter does not use) is opened again with it, and the statement runs again.
   */
  async run(sql: string): Promise<RunOutcome> {
    const current = this.need();
    this.housekeeper?.statementStarted();
    try {
      const out = await current.run(sql);
      const name = out.ok ? undefined : missingExtension(out.error);
      if (!name || out.inTransaction) return out;
      await this.reopenWith([name]);
      return await this.need().run(sql);
    } finally {
      this.housekeeper?.statementEnded();
    }
  }

  need(): LocalEngine {
    if (!this.engine) throw new Error('The lesson database is not open.');
    return this.engine;
  }

  async close() {
    this.housekeeper?.stop();
    this.housekeeper = undefined;
    const e = this.engine;
    this.engine = undefined;
    this.saver = undefined;
    await e?.db.close().catch(() => {});
  }
}
