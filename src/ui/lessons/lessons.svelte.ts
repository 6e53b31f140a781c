// The lessons view's state: the chapters, the learner's lesson database (its own worker; kept in
// the chapter's IndexedDB store, so a reload or a Stop comes back to the last saved state, and
// started from the chapter's start snapshot on a first visit and by Reset), the checker (a second
// worker with isolated copies of the start), results per SQL block, check reports and progress.
// Components render this and call its methods.
import { Session, type StatementResult } from '../../db/session.ts';
import { loadCatalog, type Catalog } from '../../db/catalog.ts';
import { loadLessons, LessonError } from '../../lessons/loader.ts';
import { CheckTimeLimitError, LessonStoppedError, LessonWorkerClient } from '../../lessons/lesson-client.ts';
import type { BuildProgress } from '../../lessons/lesson-protocol.ts';
import type { Chapter, CheckReport, Exercise, Variant } from '../../lessons/format.ts';
import { ProgressStore, type ProgressMap } from './progress.ts';
import { exerciseHash, loadPackChapters } from '../../lessons/pack.ts';
import { listPacks, type StoredPack } from '../../lessons/pack-store.ts';
import { buildHash, cachedBuild, forgetBuild, keepBuild } from '../../lessons/build-cache.ts';
import { engineId } from '../../db/pglite-assets.ts';
import { holdStoreLock } from '../../db/store-lock.ts';
import { describeUnsaved } from '../../db/unsaved.ts';
import type { Unsaved } from '../../db/protocol.ts';
import type { Keep, Resumed } from '../../lessons/lesson-protocol.ts';
import { chapterStoreName, storeExists, type ChapterMeta } from '../../lessons/chapter-store.ts';

/** The pack a chapter came from (installed lesson packs sit beside the built-in chapters). */
export interface PackIdentity {
  id: string;
  title: string;
  hash: string | null;
}

const lessonFiles = import.meta.glob('/lessons/**/*.{md,sql}', { query: '?raw', import: 'default' });

/**
 * Reads every lesson file (each is its own lazy chunk) and loads the chapters one folder at a
 * time, so a chapter with a mistake is reported without hiding the others.
 */
export async function loadAllLessons(): Promise<{ chapters: Chapter[]; problems: string[] }> {
  const entries = await Promise.all(Object.entries(lessonFiles).map(async ([path, load]) => [path, (await load()) as string] as const));
  const folders = new Map<string, Record<string, string>>();
  for (const [path, text] of entries) {
    const folder = path.replace(/^\/?lessons\//, '').split('/')[0];
    if (!folders.has(folder)) folders.set(folder, {});
    folders.get(folder)![path] = text;
  }
  const chapters: Chapter[] = [];
  const problems: string[] = [];
  for (const files of folders.values()) {
    try {
      chapters.push(...loadLessons(files));
    } catch (e) {
      problems.push(e instanceof LessonError ? e.message : String(e));
    }
  }
  chapters.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  return { chapters, problems };
}

/** 'changed': the saved database was made from another version of the dataset; the learner chooses. */
export type DbStatus = 'idle' | 'starting' | 'building' | 'ready' | 'running' | 'restoring' | 'changed' | 'failed';
export type CheckerStatus = 'idle' | 'preparing' | 'ready' | 'checking' | 'failed';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A promise with its resolve, for "the main snapshot of this chapter is ready". */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const d = { promise: new Promise<T>((res, rej) => ((resolve = res), (reject = rej))), resolve: (v: T) => ((d.settled = true), resolve(v)), reject: (e: unknown) => reject(e), settled: false };
  d.promise.catch(() => {});
  return d;
}

const COPY_NOTE = 'This chapter is open in another pglab tab, which saves its database. This tab works on a copy of it: nothing you do here is saved. Close the other tab and reload this one to save your work again.';

function describeProgress(p: BuildProgress, startedAt: number, inChecker = false): string {
  const what = p.variant === 'perturbed' ? "Preparing the checker's second copy of the data" : inChecker ? "Building the chapter's starting state (for the checker and Reset) from its dataset" : 'Building the chapter database from its dataset';
  return `${what}: statement ${p.done} of ${p.total} (${secs(performance.now() - startedAt)})…`;
}

export class LessonsState {
  chapters = $state.raw<Chapter[]>([]);
  loadError = $state<string | null>(null);
  /** Chapters that did not load, with every problem found (the others still show). */
  loadProblems = $state.raw<string[]>([]);
  loaded = $state(false);
  /** Chapter id → the pack it came from; built-in chapters are not in it. */
  packOf = $state.raw<Record<string, PackIdentity>>({});
  /** Installed packs, in the order they were added. */
  packs = $state.raw<PackIdentity[]>([]);

  // ---- the learner's lesson database
  dbStatus = $state<DbStatus>('idle');
  /** What the database is doing, in words (role="status"). */
  dbMessage = $state('');
  /** Something the learner must know (a stop, a failure): role="alert". */
  dbAlert = $state<string | null>(null);
  chapterId = $state<string | null>(null);
  catalog = $state.raw<Catalog | null>(null);
  /** No statement has run since the last build, reset or exercise setup. */
  pristine = $state(true);
  /** The exercise whose setup the database holds (null: the chapter's starting state). */
  preparedFor = $state<string | null>(null);
  /** Why the learner's work is not being saved (role="alert"), or null while it is. */
  saveNote = $state<string | null>(null);
  timings = $state.raw<{ buildMs?: number; dumpMs?: number; resetMs?: number; checkMs?: number; perturbedMs?: number }>({});

  // ---- the checker
  checkerStatus = $state<CheckerStatus>('idle');
  checkerMessage = $state('');
  reports = $state.raw<Record<string, CheckReport>>({});
  checkErrors = $state.raw<Record<string, string>>({});

  // ---- results
  /** Results of a run, by where it was started: `text:<n>`, `task:<exercise>:<n>`, `editor`. */
  results = $state.raw<Record<string, StatementResult[]>>({});
  runningTarget = $state<string | null>(null);
  /** SQL a block asks the lesson editor to show. */
  editorRequest = $state.raw<{ sql: string } | null>(null);

  // ---- progress
  readonly store = new ProgressStore(localStorage);
  progress = $state.raw<ProgressMap>(this.store.all());

  private db = new LessonWorkerClient();
  private checker = new LessonWorkerClient();
  readonly session = new Session(this.db);
  private gen = 0;
  private checkerGen = 0;
  /** Snapshots by chapter, kept for the page's life: resets and restarts restore from them. */
  private mainSnapshots = new Map<string, ReturnType<typeof deferred<Blob>>>();
  private perturbedSnapshots = new Map<string, Blob>();
  private perturbedBuild?: Promise<unknown>;
  /** Resolves once the checker worker has the chapter open (a check waits for it). */
  private checkerOpened: Promise<void> = Promise.resolve();
  private checkingId: string | null = null;
  /** Where the open chapter's database is kept (undefined: in memory, the browser gave no storage). */
  private keep?: Keep;
  private unsaved?: Unsaved;
  /** The setup the database holds, as remembered for the next visit. */
  private prepared: ChapterMeta['prepared'] = null;
  /** Chapters whose start snapshot the checker builds: their saved database opened without a build. */
  private mainByChecker = new Set<string>();

  private loading?: Promise<void>;

  load(): Promise<void> {
    return (this.loading ??= this.loadOnce());
  }

  private async loadOnce() {
    try {
      const { chapters, problems } = await loadAllLessons();
      this.chapters = chapters;
      this.loadProblems = problems;
      await this.loadStoredPacks();
    } catch (e) {
      this.loadError = `The lessons could not be loaded: ${(e as Error).message}`;
    } finally {
      this.loaded = true;
    }
  }

  /** The packs kept in IndexedDB, loaded again through the lesson loader (they were verified when added). */
  private async loadStoredPacks() {
    let stored: StoredPack[] = [];
    try {
      stored = await listPacks();
    } catch {
      return; // no IndexedDB (a private window): the built-in chapters still show
    }
    for (const p of stored.sort((a, b) => a.addedAt.localeCompare(b.addedAt))) {
      try {
        this.addPackChapters({ id: p.manifest.id, title: p.manifest.title, hash: p.hash }, loadPackChapters(p.files));
      } catch (e) {
        this.loadProblems = [...this.loadProblems, `The lesson pack "${p.manifest.title}" could not be shown: ${(e as Error).message}`];
        this.packs = [...this.packs, { id: p.manifest.id, title: p.manifest.title, hash: p.hash }];
      }
    }
  }

  /** Why these chapters cannot sit beside the ones shown (an id taken), or undefined. */
  packConflict(packId: string, chapters: Chapter[]): string | undefined {
    for (const c of chapters) {
      const other = this.chapters.find((x) => x.id === c.id);
      if (other && this.packOf[other.id]?.id !== packId) {
        return `${c.id}/chapter.md: the chapter id "${c.id}" is taken by ${this.packOf[other.id] ? `the pack "${this.packOf[other.id].title}"` : 'a built-in chapter'} ("${other.title}"); rename the pack's folder`;
      }
    }
    return undefined;
  }

  /** Shows a pack's chapters beside the built-in ones (replacing an older version of the same pack). */
  addPackChapters(pack: PackIdentity, chapters: Chapter[]) {
    const conflict = this.packConflict(pack.id, chapters);
    if (conflict) throw new Error(conflict);
    this.removePackChapters(pack.id);
    const packOf = { ...this.packOf };
    for (const c of chapters) packOf[c.id] = pack;
    this.packOf = packOf;
    this.packs = [...this.packs, pack];
    this.chapters = [...this.chapters, ...chapters].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  }

  removePackChapters(packId: string) {
    const ids = new Set(Object.keys(this.packOf).filter((c) => this.packOf[c].id === packId));
    if (ids.has(this.chapterId ?? '')) {
      this.dispose();
      this.chapterId = null;
      this.dbStatus = 'idle';
      this.checkerStatus = 'idle';
    }
    this.chapters = this.chapters.filter((c) => !ids.has(c.id));
    this.packOf = Object.fromEntries(Object.entries(this.packOf).filter(([c]) => !ids.has(c)));
    this.packs = this.packs.filter((p) => p.id !== packId);
  }

  chapter(id: string | undefined): Chapter | undefined {
    return this.chapters.find((c) => c.id === id);
  }

  get busy(): boolean {
    return this.dbStatus !== 'ready';
  }

  private mainSnapshot(id: string) {
    let d = this.mainSnapshots.get(id);
    if (!d) this.mainSnapshots.set(id, (d = deferred<Blob>()));
    return d;
  }

  // ------------------------------------------------------------------ opening a chapter

  /**
   * Makes the chapter's database the lesson database: the one saved in this browser when there
   * is one, else started from the chapter's start (a build kept from an earlier visit, or a build).
   */
  async openChapter(chapter: Chapter) {
    if (this.chapterId === chapter.id && this.dbStatus !== 'failed') return;
    const gen = ++this.gen;
    this.chapterId = chapter.id;
    this.results = {};
    this.reports = {};
    this.dbAlert = null;
    this.saveNote = null;
    this.unsaved = undefined;
    this.catalog = null;
    // A build or run of another chapter is abandoned: its worker ends.
    if (this.dbStatus !== 'idle' && this.dbStatus !== 'ready' && this.dbStatus !== 'failed' && this.dbStatus !== 'changed') this.db.terminate();
    // A build kept from an earlier visit is restored instead of built again, for both copies.
    const kept = await this.takeKeptBuilds(chapter);
    const store = chapterStoreName(chapter.id);
    // One tab saves a chapter's store (store-lock.ts); the page holds the lock, as for workspaces.
    const [owner, saved] = await Promise.all([holdStoreLock(store), storeExists(store)]);
    if (gen !== this.gen) return;
    this.keep = { store, owner };
    // A saved database opens without a build: the checker then builds the start snapshot itself.
    if (saved && !this.mainSnapshot(chapter.id).settled) this.mainByChecker.add(chapter.id);
    this.openChecker(chapter);
    let fromSaved = false;
    try {
      if (!this.db.started) {
        this.dbStatus = 'starting';
        this.dbMessage = 'Starting the lesson database…';
        await this.db.start();
      }
      if (gen !== this.gen) return;
      this.dbMessage = 'Opening the chapter database saved in this browser…';
      fromSaved = true;
      const resumed = await this.db.resume(chapter, this.keep);
      fromSaved = false;
      if (gen !== this.gen) return;
      if (resumed.found === 'opened') return await this.resumed(chapter, resumed, gen);
      if (resumed.found === 'changed') {
        this.dbStatus = 'changed';
        this.dbMessage = "This chapter's dataset changed since your database was saved: keep your saved database, or start from the new dataset?";
        return;
      }
      // Nothing saved: the chapter starts from its start. Without storage it lives in memory.
      if (!resumed.saving && resumed.unsaved) this.keep = undefined;
      this.noteSaving(resumed.saving, resumed.unsaved);
      const known = this.mainSnapshots.get(chapter.id);
      const snapshot = known && (await Promise.race([known.promise, Promise.resolve(undefined)]));
      if (snapshot) {
        this.dbStatus = 'restoring';
        this.dbMessage = kept.main ? 'Opening the chapter database from the build kept from an earlier visit…' : 'Opening the chapter database from its snapshot…';
        let ms: number;
        try {
          const opening = await this.db.open(chapter, snapshot, this.keep);
          ms = opening.ms;
          this.noteStarted(opening.unsaved);
        } catch (e) {
          // A kept build that does not open is dropped, and the chapter is built as on a first visit.
          if (!kept.main || e instanceof LessonStoppedError) throw e;
          await this.dropKeptBuilds(chapter);
          if (gen === this.gen) { this.chapterId = null; await this.openChapter(chapter); }
          return;
        }
        if (gen !== this.gen) return;
        this.timings = { ...this.timings, resetMs: ms };
        this.dbMessage = kept.main ? `Chapter database ready (restored in ${secs(ms)} from the build kept from an earlier visit).` : `Chapter database ready (restored in ${secs(ms)}).`;
      } else {
        this.dbStatus = 'building';
        const t0 = performance.now();
        this.dbMessage = 'Building the chapter database from its dataset…';
        this.db.onProgress = (p) => {
          if (gen === this.gen && p.variant === 'main') this.dbMessage = describeProgress(p, t0);
        };
        const r = await this.db.build(chapter, this.keep);
        if (gen !== this.gen) return;
        this.noteStarted(r.unsaved);
        this.mainSnapshot(chapter.id).resolve(r.snapshot);
        void this.keepBuildFor(chapter, 'main', r.snapshot);
        this.timings = { ...this.timings, buildMs: r.buildMs, dumpMs: r.dumpMs };
        this.dbMessage = `Chapter database ready (built in ${secs(r.buildMs)}, snapshot in ${secs(r.dumpMs)}).`;
      }
      this.session.resetAfterRestart();
      this.pristine = true;
      this.preparedFor = null;
      this.prepared = null;
      this.dbStatus = 'ready';
      await this.refreshCatalog();
    } catch (e) {
      if (gen !== this.gen || e instanceof LessonStoppedError) return;
      if (fromSaved) return this.failSaved(e);
      this.dbStatus = 'failed';
      this.dbMessage = 'The chapter database is unavailable.';
      const d = this.mainSnapshots.get(chapter.id);
      this.mainSnapshots.delete(chapter.id);
      d?.reject(e);
      this.dbAlert = `The chapter database could not be built: ${(e as Error).message}`;
    }
  }

  /** The saved database is open: the page takes what its record says. */
  private async resumed(chapter: Chapter, r: Resumed, gen: number) {
    this.session.resetAfterRestart();
    this.noteSaving(r.saving, r.unsaved);
    this.pristine = r.meta?.pristine ?? false;
    const ex = r.meta?.prepared && chapter.exercises.find((e) => e.id === r.meta!.prepared!.id);
    this.prepared = r.meta?.prepared ?? null;
    // A setup whose text changed since is no exercise's starting state any more.
    this.preparedFor = !r.meta?.prepared ? null : ex && ex.setup === r.meta.prepared.setup ? ex.id : '(an older setup)';
    this.timings = { ...this.timings, resetMs: r.ms };
    const older = r.meta && r.meta.dataset !== r.meta.keptFor && r.meta.keptFor ? ' It was made from an earlier version of this chapter\'s dataset; checks use the new one.' : '';
    this.dbMessage = `Chapter database ready: your saved work, opened in ${secs(r.ms ?? 0)}.${older}`;
    this.dbStatus = 'ready';
    if (gen === this.gen) await this.refreshCatalog();
  }

  /** The learner keeps the database saved from an older dataset (asked once per dataset version). */
  async keepChangedDatabase() {
    const chapter = this.chapter(this.chapterId ?? undefined);
    if (!chapter || !this.keep || this.dbStatus !== 'changed') return;
    const gen = this.gen;
    this.dbStatus = 'restoring';
    this.dbMessage = 'Opening the chapter database saved in this browser…';
    try {
      const r = await this.db.resume(chapter, this.keep, true);
      if (gen !== this.gen) return;
      await this.resumed(chapter, r, gen);
    } catch (e) {
      if (gen !== this.gen || e instanceof LessonStoppedError) return;
      this.failSaved(e);
    }
  }

  /** The learner drops the database saved from an older dataset: the chapter starts from the new one. */
  async startFromNewDataset() {
    if (this.dbStatus !== 'changed') return;
    await this.restoreFromSnapshot('');
  }

  private failSaved(e: unknown) {
    this.dbStatus = 'failed';
    this.dbMessage = 'The chapter database is unavailable.';
    this.dbAlert = `The chapter database saved in this browser could not be opened: ${(e as Error).message}. It is left as it is; "Reset chapter database" replaces it with the chapter's starting state.`;
  }

  /** Whether the work is saved, and if not, why (role="alert"). */
  private noteSaving(saving: boolean, unsaved: Unsaved | undefined) {
    this.unsaved = unsaved;
    this.saveNote = unsaved ? describeUnsaved(unsaved) : !saving && this.keep ? COPY_NOTE : null;
  }

  /** After a start from the chapter's start. In memory (no storage) the refusal said at opening stays. */
  private noteStarted(unsaved: Unsaved | undefined) {
    if (this.keep) this.noteSaving(this.keep.owner, unsaved);
  }

  /** After a run while saves were refused: did this one save everything? */
  private async recheckSaving(target: string) {
    if (!this.unsaved && !(this.results[target] ?? []).some((r) => r.unsaved)) return;
    try {
      if (!this.keep) return;
      const unsaved = await this.db.saveState();
      this.noteSaving(this.keep.owner, unsaved);
      if (!unsaved) this.dbMessage = 'The browser has room again: your work in this chapter is saved now.';
    } catch {
      // The worker was stopped meanwhile; the restart says how things stand.
    }
  }

  // ------------------------------------------------------------------ builds kept across visits

  /** Puts the kept builds of the chapter where this page's own builds go; says which were found. */
  private async takeKeptBuilds(chapter: Chapter): Promise<Partial<Record<Variant, true>>> {
    const found: Partial<Record<Variant, true>> = {};
    if (typeof indexedDB === 'undefined') return found;
    const wanted: Variant[] = [];
    if (!this.mainSnapshots.has(chapter.id)) wanted.push('main');
    if (!this.perturbedSnapshots.has(chapter.id)) wanted.push('perturbed');
    await Promise.all(wanted.map(async (variant) => {
      const blob = await cachedBuild(chapter, variant, await buildHash(chapter, variant, engineId()));
      if (!blob) return;
      found[variant] = true;
      if (variant === 'main') this.mainSnapshot(chapter.id).resolve(blob);
      else this.perturbedSnapshots.set(chapter.id, blob);
    }));
    return found;
  }

  private async keepBuildFor(chapter: Chapter, variant: Variant, snapshot: Blob) {
    if (typeof indexedDB === 'undefined') return;
    await keepBuild(chapter, variant, await buildHash(chapter, variant, engineId()), snapshot);
  }

  private async dropKeptBuilds(chapter: Chapter) {
    this.mainSnapshots.delete(chapter.id);
    this.perturbedSnapshots.delete(chapter.id);
    await Promise.all((['main', 'perturbed'] as const).map((v) => forgetBuild(chapter, v)));
  }

  /** The checker: opened on the chapter's snapshots as they become available. */
  private openChecker(chapter: Chapter): Promise<void> {
    const opened = deferred<void>();
    this.checkerOpened = opened.promise;
    return this.prepareChecker(chapter, opened);
  }

  private async prepareChecker(chapter: Chapter, opened: ReturnType<typeof deferred<void>>) {
    const gen = ++this.checkerGen;
    if (this.checkerStatus === 'preparing' || this.checkerStatus === 'checking') this.checker.terminate();
    this.checkerStatus = 'preparing';
    this.checkerMessage = 'Preparing the checker…';
    try {
      if (!this.checker.started) await this.checker.start();
      if (gen !== this.checkerGen) return;
      const perturbed = this.perturbedSnapshots.get(chapter.id);
      await this.checker.checkerOpen(chapter, perturbed ? { perturbed } : {});
      const main = this.mainSnapshot(chapter.id);
      const t0 = performance.now();
      this.checker.onProgress = (p) => {
        if (gen === this.checkerGen && this.checkerStatus === 'preparing') this.checkerMessage = describeProgress(p, t0, true);
      };
      if (this.mainByChecker.has(chapter.id) && !main.settled) {
        // The learner's database opened from its store, not from a build: the checker builds the
        // start snapshot (posted first: Reset and every check wait for it). A restart builds it again.
        this.checker.checkerBuild('main').then((r) => {
          if (gen !== this.checkerGen) return;
          this.mainByChecker.delete(chapter.id);
          main.resolve(r.snapshot);
          void this.keepBuildFor(chapter, 'main', r.snapshot);
        }, () => {});
      } else {
        // Otherwise the learner's build (or the kept one) gives the main copy.
        main.promise.then((blob) => {
          if (gen === this.checkerGen) this.checker.checkerAdopt('main', blob).catch(() => {});
        });
      }
      const needsSecond = chapter.exercises.some((e) => e.checks.some((c) => c.kind === 'result'));
      if (needsSecond && !perturbed) {
        this.checkerStatus = 'preparing';
        // Posted before any check, so a check that needs this copy waits for it in the worker.
        const build = this.checker.checkerBuild('perturbed');
        this.perturbedBuild = build;
        opened.resolve();
        const r = await build;
        this.perturbedBuild = undefined;
        if (gen !== this.checkerGen) return;
        this.perturbedSnapshots.set(chapter.id, r.snapshot);
        void this.keepBuildFor(chapter, 'perturbed', r.snapshot);
        this.timings = { ...this.timings, perturbedMs: r.buildMs };
      }
      opened.resolve();
      if (this.checkerStatus === 'preparing') {
        this.checkerStatus = 'ready';
        this.checkerMessage = '';
      }
    } catch (e) {
      opened.reject(e);
      if (gen !== this.checkerGen || e instanceof LessonStoppedError) return;
      this.checkerStatus = 'failed';
      this.checkerMessage = `The checker could not start: ${(e as Error).message}`;
    }
  }

  // ------------------------------------------------------------------ running SQL

  /** Runs SQL in the lesson database; results go to `target`. */
  async run(sql: string, target: string, baseOffset = 0) {
    if (this.dbStatus !== 'ready' || !sql.trim()) return;
    const gen = this.gen;
    this.dbStatus = 'running';
    this.runningTarget = target;
    this.dbAlert = null;
    this.results = { ...this.results, [target]: [] };
    if (this.pristine) {
      this.pristine = false;
      // Remembered for the next visit: an exercise then never sets itself up over this work.
      this.db.remember({ pristine: false, prepared: this.prepared }).catch(() => {});
    }
    try {
      const report = await this.session.run(sql, {
        baseOffset,
        onResult: (r) => {
          if (gen === this.gen) this.results = { ...this.results, [target]: [...(this.results[target] ?? []), r] };
        },
      });
      if (report.broken) await this.restart('The database broke while running the last statement (runaway recursion?).');
    } catch (e) {
      if (!(e instanceof LessonStoppedError)) this.dbAlert = `The run failed: ${(e as Error).message}`;
      return;
    } finally {
      if (this.runningTarget === target) this.runningTarget = null;
      if (this.dbStatus === 'running' && gen === this.gen) this.dbStatus = 'ready';
    }
    await this.recheckSaving(target);
    await this.refreshCatalog();
  }

  /** Puts SQL in the lesson editor (never runs it). */
  openInEditor(sql: string) {
    this.editorRequest = { sql };
  }

  /** Stops a run (the worker ends; the database comes back as last saved) or a check. */
  async stop() {
    if (this.checkerStatus === 'checking') await this.stopCheck();
    if (this.dbStatus !== 'running') return;
    this.db.terminate();
    await this.restart('Stopped.');
  }

  /**
   * A new worker opens the chapter's database as its store last saved it (what was committed;
   * PostgreSQL's recovery rolls back an open transaction). Without a store, from the start snapshot.
   */
  private async restart(why: string) {
    const chapter = this.chapter(this.chapterId ?? undefined);
    if (!chapter) return;
    if (!this.keep) return this.restoreFromSnapshot(why);
    const gen = this.gen;
    const unsavedLost = !!this.unsaved || Object.values(this.results).some((rs) => rs.some((r) => r.unsaved));
    const lost = unsavedLost
      ? 'what you did since the browser last saved is gone, since the browser gave no room to save it'
      : this.session.inTransaction
        ? 'the running statement and the open transaction were rolled back; everything committed before is there'
        : 'the running statement was rolled back; everything committed before is there';
    this.dbStatus = 'restoring';
    this.dbMessage = 'Opening the chapter database as last saved…';
    try {
      if (!this.db.started) await this.db.start();
      // Accepted: it was open a moment ago (made from this dataset, or kept by the learner's choice).
      const r = await this.db.resume(chapter, this.keep, true);
      if (gen !== this.gen) return;
      if (r.found !== 'opened') return await this.restoreFromSnapshot(why);
      this.session.resetAfterRestart();
      this.noteSaving(r.saving, r.unsaved);
      this.timings = { ...this.timings, resetMs: r.ms };
      this.dbStatus = 'ready';
      this.dbMessage = `Chapter database ready: reopened as last saved in ${secs(r.ms ?? 0)}.`;
      this.dbAlert = `${why} The chapter database came back to its last saved state: ${lost}.`;
      await this.refreshCatalog();
    } catch (e) {
      if (gen !== this.gen || e instanceof LessonStoppedError) return;
      this.failSaved(e);
    }
  }

  /** Whether Reset would lose work of the learner's (it asks first then). */
  get resetLosesWork(): boolean {
    return !this.pristine || this.dbStatus === 'changed';
  }

  /** "Reset chapter database": back to the dataset's starting state, from the snapshot, replacing the saved one. */
  async reset() {
    if (this.dbStatus === 'running') this.db.terminate();
    await this.restoreFromSnapshot('');
  }

  private async restoreFromSnapshot(why: string, setup?: Exercise) {
    const id = this.chapterId;
    const chapter = this.chapter(id ?? undefined);
    if (!id || !chapter) return;
    const gen = this.gen;
    const lost = why && (this.session.inTransaction ? 'the open transaction and every change since the last reset are gone' : 'every change since the last reset is gone');
    this.dbStatus = 'restoring';
    const main = this.mainSnapshot(id);
    this.dbMessage = main.settled ? 'Restoring the chapter database from its snapshot…' : "Waiting for the chapter's starting state (being built from its dataset)…";
    try {
      if (!this.db.started) await this.db.start();
      const snapshot = await main.promise;
      if (gen !== this.gen) return;
      this.dbMessage = 'Restoring the chapter database from its snapshot…';
      const opening = await this.db.open(chapter, snapshot, this.keep);
      const ms = opening.ms;
      if (gen !== this.gen) return;
      this.session.resetAfterRestart();
      this.noteStarted(opening.unsaved);
      this.timings = { ...this.timings, resetMs: ms };
      this.preparedFor = null;
      this.prepared = null;
      if (setup?.setup) {
        const r = await this.session.run(setup.setup);
        const failed = r.results.find((x) => x.error);
        if (failed) throw new Error(`the exercise's setup failed: ${failed.error!.message}`);
        this.preparedFor = setup.id;
        this.prepared = { id: setup.id, setup: setup.setup };
        await this.db.remember({ pristine: true, prepared: this.prepared });
      }
      this.pristine = true;
      this.dbStatus = 'ready';
      this.dbMessage = setup?.setup
        ? `Chapter database reset (${secs(ms)}) and set up for "${setup.title}".`
        : `Chapter database reset to its starting state in ${secs(ms)}.`;
      if (why) this.dbAlert = `${why} The chapter database was restored from its starting snapshot: ${lost}.`;
      await this.refreshCatalog();
    } catch (e) {
      if (gen !== this.gen || e instanceof LessonStoppedError) return;
      this.dbStatus = 'failed';
      this.dbAlert = `The chapter database could not be restored: ${(e as Error).message}`;
    }
  }

  /** The exercise's starting state: the chapter database plus its setup. */
  prepareExercise(ex: Exercise) {
    if (this.dbStatus === 'running') this.db.terminate();
    return this.restoreFromSnapshot('', ex);
  }

  /** Whether the database holds what the exercise starts from. */
  readyFor(ex: Exercise): boolean {
    return this.preparedFor === (ex.setup ? ex.id : null);
  }

  /** On opening an exercise: set it up by itself when that loses nothing of the learner's. */
  async enterExercise(ex: Exercise) {
    if (this.dbStatus !== 'ready' || this.readyFor(ex) || !this.pristine) return;
    await this.prepareExercise(ex);
  }

  private async refreshCatalog() {
    try {
      if (!this.session.transactionFailed && this.dbStatus === 'ready') this.catalog = await loadCatalog(this.db);
    } catch {
      // The catalog only feeds completion.
    }
  }

  // ------------------------------------------------------------------ checking

  async check(ex: Exercise, sql: string) {
    if (this.checkerStatus === 'checking') return;
    const chapterId = this.chapterId;
    if (!chapterId || ex.chapter !== chapterId) return;
    const gen = this.checkerGen;
    const before = this.checkerStatus;
    this.checkerStatus = 'checking';
    this.checkingId = ex.id;
    this.checkErrors = { ...this.checkErrors, [ex.id]: '' };
    this.store.saveSql(ex.id, sql);
    try {
      // The checker's copies come from the learner's build of the chapter database.
      const t0 = performance.now();
      this.checkerMessage = 'Checking on isolated copies of the chapter database…';
      await this.mainSnapshot(chapterId).promise;
      await this.checkerOpened;
      const report = await this.checker.check(ex, sql);
      if (gen !== this.checkerGen) return;
      this.timings = { ...this.timings, checkMs: performance.now() - t0 };
      this.reports = { ...this.reports, [ex.id]: report };
      if (report.passed) {
        const chapter = this.chapter(chapterId)!;
        const pack = this.packOf[chapterId];
        this.store.markPassed(ex.id, { sql, hash: await exerciseHash(chapter, ex), pack: pack ? { id: pack.id, hash: pack.hash } : null });
      }
      else this.store.markAttempt(ex.id);
      this.progress = this.store.all();
    } catch (e) {
      if (e instanceof CheckTimeLimitError) {
        // The worker is gone: say so, and open the checker again on the same snapshots.
        this.checkErrors = { ...this.checkErrors, [ex.id]: e.message };
        this.store.markAttempt(ex.id);
        const chapter = this.chapter(chapterId);
        this.checkerStatus = 'idle';
        if (chapter) void this.openChecker(chapter);
        return;
      }
      if (e instanceof LessonStoppedError) return;
      this.checkErrors = { ...this.checkErrors, [ex.id]: `The check could not run: ${(e as Error).message}` };
    } finally {
      this.checkingId = null;
      if (gen === this.checkerGen && this.checkerStatus === 'checking') {
        this.checkerStatus = before === 'preparing' && this.perturbedBuild ? 'preparing' : 'ready';
        this.checkerMessage = '';
      }
    }
  }

  /** Ends a check that runs too long: the checker worker restarts on the same snapshots. */
  async stopCheck() {
    const chapter = this.chapter(this.chapterId ?? undefined);
    if (!chapter) return;
    const id = this.checkingId;
    this.checker.terminate();
    this.checkerStatus = 'idle';
    if (id) this.checkErrors = { ...this.checkErrors, [id]: 'Check stopped: your SQL ran too long on the checker\'s copy. The checker restarted; change the SQL and check again.' };
    await this.openChecker(chapter);
  }

  // ------------------------------------------------------------------ progress

  revealHint(ex: Exercise) {
    this.store.revealHint(ex.id, ex.hints.length);
    this.progress = this.store.all();
  }

  seeSolution(ex: Exercise) {
    this.store.markSolutionSeen(ex.id);
    this.progress = this.store.all();
  }

  saveSql(ex: Exercise, sql: string) {
    this.store.saveSql(ex.id, sql);
  }

  /** The learner's name for the exported file (the instructor's table shows it). */
  learner = $state(readLearner());

  setLearner(name: string) {
    this.learner = name;
    try {
      localStorage.setItem(LEARNER_KEY, name);
    } catch {
      // kept for this visit
    }
  }

  exportProgress(): string {
    return this.store.exportJson(this.learner);
  }

  importProgress(text: string) {
    const r = this.store.importJson(text);
    if (r.ok) this.progress = this.store.all();
    return r;
  }

  /** Ends both workers (leaving the lessons view for good). */
  dispose() {
    this.gen++;
    this.checkerGen++;
    this.db.terminate();
    this.checker.terminate();
  }
}

const LEARNER_KEY = 'pglab.lessons.learner';
function readLearner(): string {
  try {
    return localStorage.getItem(LEARNER_KEY) ?? '';
  } catch {
    return '';
  }
}

let shared: LessonsState | undefined;

/**
 * One state for the page's life: leaving the lessons for the playground and coming back keeps the
 * chapter database (and its snapshots) instead of building it again.
 */
export function lessonsState(): LessonsState {
  return (shared ??= new LessonsState());
}
