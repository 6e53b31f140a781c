// The workspaces panel's state: the registry, sizes against the quota, and the actions. The
// logic is in src/workspaces; this class sequences it with the open playground.
import type { Playground } from '../state/playground.svelte.ts';
import { activate, add, freeName, keep, keysFor, remove, rename, WorkspaceError, type Registry, type Workspace } from '../../workspaces/registry.ts';
import { loadRegistry, setTabWorkspace, updateRegistry } from '../../workspaces/saved-registry.ts';
import { deleteStore, ensureRoom, openElsewhere, putPendingScript, quota, storeArchive, storeBytes, takePendingScript } from '../../workspaces/stores.ts';
import { saveExtensions, savedExtensions } from '../../db/start-options.ts';
import { download, fileStem } from './download.ts';
import { dumpNeed, scriptNeed } from '../../workspaces/room.ts';
import { gzipWithProgress } from '../../workspaces/archive.ts';
import { Cancelled, throttled, type Progress } from '../../workspaces/progress.ts';

export class Workspaces {
  reg = $state.raw<Registry>(loadRegistry());
  sizes = $state.raw<Record<string, number>>({});
  usage = $state<number | undefined>(undefined);
  quota = $state<number | undefined>(undefined);
  error = $state<string | null>(null);
  /** What is under way (an export, an import), for the progress line. */
  busy = $state<string | null>(null);
  /** How far an export or import has got (src/workspaces/progress.ts), null for a quick action. */
  progress = $state.raw<Progress | null>(null);
  /** The progress line's accessible name: "Export progress", "Import progress". */
  progressName = $state('Workspace progress');
  /** Whether Cancel can stop what is under way without losing anything. */
  cancelable = $state(false);
  /** A plain outcome that is no error (a cancelled export). */
  notice = $state<string | null>(null);
  private onCancel: (() => void) | null = null;

  constructor(readonly pg: Playground) {}

  get current(): Workspace {
    return this.pg.workspace;
  }

  async refresh() {
    this.reg = loadRegistry();
    const sizes: Record<string, number> = {};
    for (const w of this.reg.workspaces) sizes[w.id] = await storeBytes(w.store).catch(() => 0);
    this.sizes = sizes;
    const q = await quota();
    this.usage = q.usage;
    this.quota = q.quota;
  }

  /** Runs an action with its progress line and a clear message when it fails. */
  private async act(label: string, fn: () => Promise<void>, progressName = 'Workspace progress') {
    this.error = null;
    this.notice = null;
    this.busy = label;
    this.progressName = progressName;
    try {
      await fn();
    } catch (e) {
      if (e instanceof Cancelled) this.notice = `${label} was cancelled. Nothing was written: your workspaces are as they were.`;
      else this.error = e instanceof WorkspaceError ? e.message : `${label} failed: ${(e as Error).message}`;
    } finally {
      this.busy = null;
      this.progress = null;
      this.cancelable = false;
      this.onCancel = null;
    }
  }

  /** Cancel on the progress line: only offered (cancelable) while it loses nothing. */
  cancel() {
    if (this.cancelable) this.onCancel?.();
  }

  /** An AbortSignal that Cancel aborts, while `cancelable` is set. */
  private cancelWith(signal: AbortController) {
    this.onCancel = () => signal.abort();
    this.cancelable = true;
  }

  private readonly report = () => throttled((p) => (this.progress = p));

  /**
   * Opens another workspace: this one's saves are flushed first (a refused save is confirmed
   * with the user), then the page reloads onto the other's store and lock.
   */
  switchTo(id: string) {
    return this.act('Switching', async () => {
      if (this.pg.status === 'running') throw new WorkspaceError('A statement is running: stop it or wait, then switch.');
      if (this.pg.session.inTransaction) throw new WorkspaceError('A transaction is open in this workspace: COMMIT or ROLLBACK it before switching (switching would roll it back).');
      const unsaved = await this.pg.engine.saveState().catch(() => undefined);
      if (unsaved && !confirm('The browser has not saved this workspace’s latest changes. Switch anyway and lose them?')) return;
      this.reg = updateRegistry((r) => activate(r, id));
      setTabWorkspace(id);
      location.reload();
    });
  }

  create(name: string, from?: File) {
    return this.act(from ? `Importing ${from.name}` : 'Creating', async () => {
      const chosen = name.trim() || freeName(loadRegistry(), from ? from.name.replace(/\.[^.]+$/, '') : 'workspace');
      const { workspace } = add(loadRegistry(), chosen, { now: Date.now() });
      if (from && isSql(from)) {
        // The dump runs once its workspace opens, with the script's own progress bar.
        await ensureRoom(dumpNeed(from.size, 'This dump'));
        await putPendingScript(workspace.id, await from.text());
      } else if (from) {
        // Nothing of the user's is touched before the new store is complete: Cancel is safe throughout.
        const abort = new AbortController();
        this.cancelWith(abort);
        const extensions = await storeArchive(workspace.store, from, { onProgress: this.report(), signal: abort.signal });
        this.cancelable = false;
        saveExtensions([...new Set([...savedExtensions(), ...extensions])]);
      }
      this.reg = updateRegistry((r) => ({ ...r, workspaces: [...r.workspaces, workspace] }));
      await this.switchTo(workspace.id);
    }, from ? 'Import progress' : undefined);
  }

  /** A copy of the open workspace (its archive, written into a new store). */
  duplicate() {
    return this.act('Duplicating', async () => {
      const archive = await this.pg.engine.archive();
      const { workspace } = add(loadRegistry(), freeName(loadRegistry(), `${this.current.name} copy`), { now: Date.now() });
      await storeArchive(workspace.store, archive);
      copyKeys(this.current, workspace);
      this.reg = updateRegistry((r) => ({ ...r, workspaces: [...r.workspaces, workspace] }));
      await this.refresh();
    });
  }

  rename(id: string, name: string) {
    return this.act('Renaming', async () => {
      this.reg = updateRegistry((r) => rename(r, id, name));
    });
  }

  remove(id: string) {
    return this.act('Deleting', async () => {
      const w = this.reg.workspaces.find((x) => x.id === id);
      if (!w) return;
      if (id === this.current.id) throw new WorkspaceError('This workspace is open here: switch to another one first.');
      if (await openElsewhere(w.store)) throw new WorkspaceError(`“${w.name}” is open in another pglab tab: close it there first.`);
      if (!confirm(`Delete the workspace “${w.name}”? Its tables, rows, draft and history are deleted for good.`)) return;
      this.reg = updateRegistry((r) => remove(r, id).reg);
      await deleteStore(w.store);
      const keys = keysFor(w);
      localStorage.removeItem(keys.draft);
      localStorage.removeItem(keys.history);
      localStorage.removeItem(keys.revisions);
      await this.refresh();
    });
  }

  /**
   * pg_dump runs in the database worker as one call: it reports its tables as it reads them. It
   * can only be stopped by restarting the worker, which reopens the saved database: Cancel is
   * offered when that loses nothing (no open transaction, every change saved).
   */
  exportSql() {
    return this.act('Exporting a SQL dump', async () => {
      const { pg } = this;
      if (pg.status !== 'ready') throw new WorkspaceError('The database is busy: wait for the run to end, then export.');
      const safe = !pg.session.inTransaction && (await pg.engine.saveState().catch(() => 'unknown')) === undefined;
      let stopping: Promise<void> | undefined;
      if (safe) {
        this.onCancel = () => {
          this.cancelable = false;
          stopping ??= pg.stop();
        };
        this.cancelable = true;
      }
      this.progress = { step: 'Starting pg_dump' };
      pg.engine.onProgress = (p) => (this.progress = p);
      let sql: string | undefined;
      try {
        sql = await pg.exclusive(() => pg.engine.dumpSql());
      } finally {
        pg.engine.onProgress = undefined;
      }
      if (stopping) {
        await stopping;
        pg.message = 'The SQL dump was cancelled: the database restarted from its saved state, which holds everything (no transaction was open and every change was saved).';
        throw new Cancelled();
      }
      if (sql === undefined) throw new WorkspaceError('The database is busy: wait for the run to end, then export.');
      download(`${fileStem(this.current.name)}.sql`, sql, 'application/sql');
    }, 'Export progress');
  }

  /** The data directory is copied in the worker (a checkpoint, then the files), then gzip'd here with progress; Cancel stops the compression. */
  exportArchive() {
    return this.act('Exporting an archive', async () => {
      this.progress = { step: 'Checkpointing and copying the data directory' };
      const packed = await this.pg.exclusive(() => this.pg.engine.packedSnapshot());
      if (!packed) throw new WorkspaceError('The database is busy: wait for the run to end, then export.');
      const abort = new AbortController();
      this.cancelWith(abort);
      const archive = await gzipWithProgress(packed, 'Compressing the data directory', { onProgress: this.report(), signal: abort.signal });
      download(`${fileStem(this.current.name)}.pgdata.gz`, archive);
    }, 'Export progress');
  }

  /** A .sql file's text into the editor, nothing run; refused when running it would not fit the browser's room. */
  openScript(f: File) {
    return this.act(`Opening ${f.name}`, async () => {
      if (!isSql(f)) throw new WorkspaceError(`${f.name} is not a .sql file. Nothing was opened.`);
      await ensureRoom(scriptNeed(f.size, f.name));
      this.pg.openInEditor(await f.text());
    });
  }

  /** A script imported into this workspace when it was made: shown in the editor and run once. */
  async runPending() {
    const sql = await takePendingScript(this.current.id).catch(() => undefined);
    if (sql === undefined) return;
    this.pg.openInEditor(sql);
    await this.pg.run(sql);
    // A pg_dump script empties search_path (and sets other things) for the rest of the session,
    // where psql would end: the workspace opens with its settings as they were before.
    await this.pg.engine.query('reset all').catch(() => undefined);
  }
}

/** A kept scratch workspace (a shared link's database): a new workspace from its archive. */
export async function keepArchive(name: string, archive: Blob): Promise<Workspace> {
  const { workspace } = add(loadRegistry(), name.trim() || freeName(loadRegistry(), 'shared repro'), { now: Date.now(), scratch: true });
  const extensions = await storeArchive(workspace.store, archive);
  saveExtensions([...new Set([...savedExtensions(), ...extensions])]);
  updateRegistry((r) => keep({ ...r, workspaces: [...r.workspaces, workspace] }, workspace.id, workspace.name));
  return workspace;
}

export const isSql = (f: File) => /\.sql$/i.test(f.name) || f.type === 'application/sql';

function copyKeys(from: Workspace, to: Workspace) {
  const a = keysFor(from), b = keysFor(to);
  try {
    // The copy's database has the same alembic_version, so it gets the same revisions.
    for (const [x, y] of [[a.draft, b.draft], [a.history, b.history], [a.revisions, b.revisions]]) {
      const v = localStorage.getItem(x);
      if (v !== null) localStorage.setItem(y, v);
    }
  } catch {
    // The copy's draft starts empty when localStorage is full.
  }
}
