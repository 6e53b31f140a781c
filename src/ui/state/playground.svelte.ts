// The playground's state: the session, results as they arrive, the catalog, stop and reset.
// Components only render this and call its methods.
import { Session, type IncludedFile, type StatementResult } from '../../db/session.ts';
import { prepareSplitter } from '../../db/splitter.ts';
import { missingExtension } from '../../db/extensions.ts';
import { StoppedError, WorkerEngine } from '../../db/worker-client.ts';
import { loadCatalog, type Catalog } from '../../db/catalog.ts';
import type { DownloadEvent, InitInfo, Storage, Unsaved } from '../../db/protocol.ts';
import { describeUnsaved } from '../../db/unsaved.ts';
import { databaseWorker, pageStartOptions } from '../../db/early-worker.ts';
import { saveExtensions } from '../../db/start-options.ts';
import { loadHistory, pushHistory, type HistoryEntry } from './history.ts';
import { tabWorkspace } from '../../workspaces/saved-registry.ts';
import { keysFor } from '../../workspaces/registry.ts';
import { ensureRoom } from '../../workspaces/stores.ts';
import { csvNeed, scriptNeed } from '../../workspaces/room.ts';
import { describeProgress, progressAfter, type RunProgress } from '../../db/run-progress.ts';

export type Status = 'starting' | 'ready' | 'running' | 'restarting' | 'failed';

export class Playground {
  /** The workspace this tab has open (src/workspaces): its database, draft and history. */
  readonly workspace = tabWorkspace();
  readonly keys = keysFor(this.workspace);
  status = $state<Status>('starting');
  results = $state.raw<StatementResult[]>([]);
  /** A plain-language message about the database itself (restarts, what was lost). */
  message = $state<string | null>(null);
  /** Set while this tab's work is not being saved: another tab owns the store, or the browser refuses it room. */
  notSaved = $state<string | null>(null);
  private unsaved: Unsaved | undefined;
  catalog = $state.raw<Catalog | null>(null);
  history = $state.raw<HistoryEntry[]>(loadHistory(localStorage, this.keys.history));
  stopOnError = $state(true);
  version = $state('');
  startMs = $state(0);
  startPhases = $state({ loadMs: 0, openMs: 0 });
  origin = $state<InitInfo['origin']>('saved');
  storage = $state<Storage>('idb');
  /** The transaction the session is in, as psql's prompt shows it: '' none, '*' open, '!' failed. */
  transaction = $state<'' | '*' | '!'>('');
  /** A \watch is repeating its query: Stop ends it without restarting the database. */
  watching = $state(false);
  /** How far a long script has got (null for a short one, and when no run is under way). */
  progress = $state.raw<RunProgress | null>(null);
  /** Bytes of UTF-8 per character of the script running, so the progress line counts bytes. */
  private bytesPerChar = 1;

  get progressText(): string | null {
    return this.progress && describeProgress(this.progress, this.bytesPerChar);
  }
  /** A script's `\i FILE` waiting for the user to choose the file (or to skip it). */
  including = $state<{ file: string; answer: (text: IncludedFile) => void } | null>(null);
  /** SQL another view asks the editor to show (a fix from Analyze, a lesson's example). */
  editorRequest = $state.raw<{ sql: string } | null>(null);

  /** A start's download so far (PostgreSQL's files, the prepared cluster), in bytes of the total. */
  download = $state.raw<DownloadEvent | null>(null);
  /** Why the database could not start or restart (status 'failed'); Retry tries again. */
  failure = $state<string | null>(null);

  readonly engine = new WorkerEngine(databaseWorker, pageStartOptions(), (e) => (this.download = e));
  readonly session = new Session(this.engine);

  async start() {
    // The parser's wasm loads while the database starts, not on the first Run.
    void prepareSplitter();
    await this.open(() => this.engine.start());
  }

  /**
   * What closing the page now would lose, or null: a running statement (its commit may not be
   * saved yet), an open transaction, or changes the browser has refused to store so far.
   */
  get leavingLoses(): string | null {
    if (this.status === 'running') return 'a statement is still running';
    if (this.session.inTransaction) return 'a transaction is open';
    if (this.unsaved) return 'changes are not saved yet';
    return null;
  }

  /** After a failed start (a dropped download, say): a new worker fetches what it lacks. */
  async retry() {
    if (this.status !== 'failed') return;
    this.status = 'starting';
    this.failure = null;
    this.download = null;
    await this.open(() => this.engine.restart());
  }

  private async open(starting: () => Promise<InitInfo>) {
    try {
      const info = await starting();
      this.version = info.version;
      this.startMs = info.ms;
      this.startPhases = info.phases;
      this.origin = info.origin;
      this.noteSaving(info);
      this.storage = info.storage;
      saveExtensions(info.extensions);
      this.status = 'ready';
      await this.refreshCatalog();
    } catch (e) {
      this.status = 'failed';
      this.failure = `The database could not start: ${(e as Error).message}`;
    }
  }

  async run(script: string, baseOffset = 0) {
    if (this.status !== 'ready' || !script.trim()) return;
    this.status = 'running';
    this.message = null;
    this.results = [];
    this.history = pushHistory(script, localStorage, this.keys.history);
    this.progress = null;
    this.bytesPerChar = script.length ? new Blob([script]).size / script.length : 1;
    let catalogChanged = false;
    try {
      let [text, base] = [script, baseOffset];
      const loaded = new Set<string>();
      for (;;) {
        const report = await this.session.run(text, {
          stopOnError: this.stopOnError,
          baseOffset: base,
          onWatch: (on) => (this.watching = on),
          onInclude: (file) => new Promise((resolve) => {
            this.including = { file, answer: (text) => { this.including = null; resolve(text); } };
          }),
          onResult: (r) => {
            // A \watch keeps its last 20 runs on screen.
            const kept = r.watch ? this.results.filter((x) => !x.watch || x.watch.n > r.watch!.n - 20 || x.from !== r.from) : this.results;
            this.results = [...kept, r];
            this.transaction = this.session.transactionMark;
            this.progress = progressAfter(r, script, baseOffset, this.progress);
          },
          // CREATE EXTENSION of one whose files are not loaded: stop there, restart, go on from it.
          stopWhen: (r) => !!missingExtension(r.error),
        });
        catalogChanged ||= report.catalogChanged;
        if (report.broken) {
          await this.recover('The database broke while running the last statement (for example after runaway recursion).');
          break;
        }
        // CREATE EXTENSION of one whose files were not loaded: restart with them, go on from there.
        const retry = await this.restartForExtension(loaded);
        if (!retry) break;
        this.results = this.results.filter((r) => r !== retry);
        [text, base] = [script.slice(retry.from - baseOffset), retry.from];
      }
    } catch (e) {
      if (!(e instanceof StoppedError)) this.message = `The run failed: ${(e as Error).message}`;
      return;
    } finally {
      this.transaction = this.session.transactionMark;
      this.progress = null;
      if (this.status === 'running') this.status = 'ready';
    }
    await this.recheckSaving();
    // A reload after every run would cost a query (and a save) per statement: only after DDL.
    if (catalogChanged) await this.refreshCatalog();
  }

  /**
   * When the run failed on CREATE EXTENSION of an extension whose files were not loaded, restarts
   * the database with them and returns the failed result (the run goes on from it). Inside a
   * transaction block the restart would lose the transaction, so the user is asked to run it
   * outside one instead; an extension is loaded at most once per run.
   */
  private async restartForExtension(loaded: Set<string>): Promise<StatementResult | undefined> {
    // The run stops at such a failure (stopWhen), so it is the last result; an earlier failure with
    // "Stop at first error" off is not it.
    const failed = this.results.at(-1);
    const name = missingExtension(failed?.error);
    if (!failed || !name || loaded.has(name)) return undefined;
    if (this.session.inTransaction) {
      this.message = `The files of the extension ${name} are loaded on demand, which restarts the database. End the transaction (ROLLBACK) and run CREATE EXTENSION outside it.`;
      return undefined;
    }
    loaded.add(name);
    this.status = 'restarting';
    const info = await this.engine.restart(name);
    this.noteSaving(info);
    saveExtensions(info.extensions);
    this.session.resetAfterRestart();
    this.status = 'running';
    return failed;
  }

  /** The transaction indicator's one-click ROLLBACK: its result is added to the results shown. */
  async rollback() {
    if (this.status !== 'ready' || !this.session.inTransaction) return;
    this.status = 'running';
    try {
      const report = await this.session.run('rollback', { stopOnError: true });
      this.results = [...this.results, ...report.results];
    } catch (e) {
      if (!(e instanceof StoppedError)) this.message = `ROLLBACK failed: ${(e as Error).message}`;
    } finally {
      this.transaction = this.session.transactionMark;
      this.progress = null;
      if (this.status === 'running') this.status = 'ready';
    }
    await this.refreshCatalog();
  }

  /** `\i FILE` answered with the file the user chose (undefined: skipped); refused, before reading it, when what it writes cannot fit. */
  async includeFile(file: File | undefined) {
    if (!file) return this.including?.answer(undefined);
    try {
      await ensureRoom(scriptNeed(file.size, file.name, 'Its statements did not run.'));
    } catch (e) {
      return this.including?.answer({ refused: (e as Error).message });
    }
    this.including?.answer(await file.text());
  }

  /** A `\copy … from FILE` request answered with the file the user chose: its result joins the others. */
  async copyFromFile(sql: string, file: File) {
    // The rows go inline to COPY, then into the table: refused before reading what cannot fit.
    try {
      await ensureRoom(csvNeed(file.size, file.name, 'Nothing was read or loaded.'));
    } catch (e) {
      this.message = (e as Error).message;
      return;
    }
    const data = await file.text();
    const r = await this.exclusive(() => this.session.copyFromFile(sql, data));
    if (r) this.results = [...this.results, r];
    this.transaction = this.session.transactionMark;
  }

  /** Runs other work on the database (Explain this, the planner lab) as a run: Run is disabled, Stop works. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (this.status !== 'ready') return undefined;
    this.status = 'running';
    try {
      return await fn();
    } catch (e) {
      if (e instanceof StoppedError) return undefined;
      throw e;
    } finally {
      if (this.status === 'running') this.status = 'ready';
    }
  }

  /** Puts SQL in the playground's editor for the user to read and run: never runs it silently. */
  openInEditor(sql: string) {
    this.editorRequest = { sql };
  }

  /** Stops the running statement: the worker is ended and the saved database reopened. */
  async stop() {
    if (this.status !== 'running') return;
    if (this.watching) {
      this.session.stopWatch();
      return;
    }
    // Waiting for a file: nothing runs, so Stop only skips it (the rest of the script goes on).
    if (this.including) {
      this.including.answer(undefined);
      return;
    }
    await this.recover('Stopped.');
  }

  private async recover(why: string) {
    const unsavedLost = !!this.unsaved || this.results.some((r) => r.unsaved);
    const lost = unsavedLost
      ? 'what you did since the browser last saved was lost with it, since the browser gave no room to save it'
      : this.session.inTransaction
        ? `the running statement and the open transaction (${this.session.transactionStatements} statement(s) since BEGIN) were rolled back`
        : 'the running statement was rolled back';
    this.status = 'restarting';
    try {
      this.noteSaving(await this.engine.restart());
      this.session.resetAfterRestart();
      this.transaction = '';
      this.message = `${why} The database restarted from its saved state: ${lost}.${unsavedLost ? '' : ' Everything committed before is there.'}`;
      this.status = 'ready';
      await this.refreshCatalog();
    } catch (e) {
      this.status = 'failed';
      this.failure = `${why} The database could not restart: ${(e as Error).message}`;
    }
  }

  async reset() {
    if (this.status === 'running') await this.stop();
    this.status = 'restarting';
    try {
      await this.engine.reset();
      this.session.resetAfterRestart();
      this.transaction = '';
      this.results = [];
      this.message = 'The database was reset to an empty one.';
      this.status = 'ready';
    } catch (e) {
      this.status = 'failed';
      this.failure = `Reset failed: ${(e as Error).message}`;
    }
    await this.refreshCatalog();
  }

  private noteSaving(info: InitInfo) {
    this.unsaved = info.unsaved;
    this.notSaved = !info.saving
      ? 'pglab is open in another tab, which saves the database. This tab works on a copy of it: nothing you do here is saved. Close the other tab and reload this one to save your work again.'
      : info.unsaved ? describeUnsaved(info.unsaved) : null;
  }

  /** After a run while saves were refused: did this one save everything? */
  private async recheckSaving() {
    if (!this.unsaved && !this.results.some((r) => r.unsaved)) return;
    try {
      this.unsaved = await this.engine.saveState();
      this.notSaved = this.unsaved ? describeUnsaved(this.unsaved) : null;
      if (!this.unsaved) {
        this.message = 'The browser has room again: everything you did is saved now.';
        // The results' own "not saved" notes are out of date now.
        if (this.results.some((r) => r.unsaved)) this.results = this.results.map((r) => (r.unsaved ? { ...r, unsaved: undefined } : r));
      }
    } catch {
      // The worker was stopped meanwhile; the next start says how things stand.
    }
  }

  async refreshCatalog() {
    try {
      if (!this.session.transactionFailed) this.catalog = await loadCatalog(this.engine);
    } catch {
      // Keep the last catalog; the browser is a convenience and must not mask the user's results.
    }
  }
}
