// The migrations workbench's state: the workspace's revisions (kept in localStorage, per workspace), the
// graph, the database's current revision, a draft linted before it is saved, and upgrade /
// downgrade / merge / export. The component only renders this and calls its methods.
import type { Finding } from '../../analysis/finding.ts';
import type { Playground } from '../state/playground.svelte.ts';
import { RevisionGraph, history } from '../../migrations/graph.ts';
import { makeRevision, revisionsFromJson, revisionsToJson, type Revision } from '../../migrations/revision.ts';
import { MigrationError, Migrator, VERSION_TABLE } from '../../migrations/runner.ts';
import { lintMigration } from '../../migrations/lint/index.ts';
import { alembicRevisionFile, plainSql, revisionFileName } from '../../migrations/export/alembic.ts';
import { downloadText } from '../analyze/download.ts';
import { measureRolledBack, type Measurement } from '../../migrations/measure.ts';
import { modelOfScript } from '../../migrations/diff/scratch.ts';
import { inspectSchema, type Rename, type SchemaModel } from '../../migrations/diff/index.ts';
import { proposeMigration } from '../../migrations/diff/propose.ts';
import { loadRegistry } from '../../workspaces/saved-registry.ts';
import type { Workspace } from '../../workspaces/registry.ts';

export class MigrationsWorkbench {
  revisions = $state.raw<Revision[]>([]);
  current = $state.raw<string[]>([]);
  message = $state('');
  upgradeSql = $state('');
  downgradeSql = $state('');
  /** Parents of the draft: the heads unless the user picks others. */
  parents = $state<string[]>([]);
  findings = $state.raw<Finding[] | null>(null);
  measurement = $state.raw<Measurement | null>(null);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  busy = $state(false);
  /** What to autogenerate towards: a SQL script, or another workspace's database. */
  targetKind = $state<'script' | 'workspace'>('script');
  /** The schema to autogenerate towards, as a SQL script. */
  targetSql = $state('');
  /** The id of the workspace to autogenerate towards. */
  targetWorkspace = $state('');
  /** The user's other workspaces (the registry as it was when the view last refreshed). */
  otherWorkspaces = $state.raw<Workspace[]>([]);
  /** The target's schema from the last autogenerate, reused when a rename is toggled (reading a workspace starts a copy). */
  private lastTarget?: { key: string; model: SchemaModel };
  proposals = $state.raw<Rename[]>([]);
  accepted = $state.raw<Rename[]>([]);

  constructor(private pg: Playground) {
    try {
      const saved = localStorage.getItem(this.pg.keys.revisions);
      if (saved) this.revisions = revisionsFromJson(saved);
    } catch (e) {
      this.error = `The saved revisions could not be read (${(e as Error).message}); they are left untouched in this browser's storage.`;
    }
    this.parents = this.heads;
    this.loadWorkspaces();
  }

  private loadWorkspaces() {
    try {
      this.otherWorkspaces = loadRegistry().workspaces.filter((w) => w.id !== this.pg.workspace.id);
    } catch {
      this.otherWorkspaces = [];
    }
    if (!this.otherWorkspaces.some((w) => w.id === this.targetWorkspace)) this.targetWorkspace = this.otherWorkspaces[0]?.id ?? '';
  }

  get graph(): RevisionGraph | null {
    try {
      return new RevisionGraph(this.revisions);
    } catch {
      return null;
    }
  }

  get heads(): string[] {
    return this.graph?.heads() ?? [];
  }

  get branchPoints(): string[] {
    return this.graph?.branchPoints() ?? [];
  }

  get historyLines(): string[] {
    const g = this.graph;
    return g ? history(g, this.current) : [];
  }

  private persist(next: Revision[]) {
    new RevisionGraph(next); // refuses a bad graph before anything is stored
    this.revisions = next;
    localStorage.setItem(this.pg.keys.revisions, revisionsToJson(next));
  }

  private async guard(what: () => Promise<void>) {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.notice = null;
    try {
      await what();
    } catch (e) {
      this.error = e instanceof MigrationError ? e.message : `${(e as Error).message}`;
    } finally {
      this.busy = false;
      await this.refresh().catch(() => undefined);
    }
  }

  async refresh() {
    this.loadWorkspaces();
    if (this.pg.status === 'starting' || this.pg.status === 'failed') return;
    this.current = await new Migrator(this.pg.engine, this.revisions).current();
  }

  /** Lints the draft's upgrade: the findings are shown before it is saved. */
  lintDraft() {
    return this.guard(async () => {
      this.findings = (await lintMigration(this.upgradeSql)).findings;
    });
  }

  /** Runs the draft's upgrade on this database inside a transaction that is rolled back, reading its locks. */
  measureDraft() {
    return this.guard(async () => {
      if (this.pg.session.inTransaction) throw new Error('The playground has a transaction open: commit or roll it back first.');
      this.measurement = await measureRolledBack(this.pg.engine, this.upgradeSql);
    });
  }

  /** The target's schema: the script applied in a rolled-back transaction, or a read-only copy of the other workspace. */
  private async targetModel(reuse: boolean): Promise<{ model: SchemaModel; label: string }> {
    if (this.targetKind === 'workspace') {
      const w = this.otherWorkspaces.find((x) => x.id === this.targetWorkspace);
      if (!w) throw new Error(this.otherWorkspaces.length ? 'Pick the workspace to autogenerate towards.' : 'There is no other workspace: create one in the Workspaces panel first.');
      const key = `workspace:${w.store}`;
      const model = reuse && this.lastTarget?.key === key ? this.lastTarget.model : await this.pg.engine.inspectStore(w.store);
      this.lastTarget = { key, model };
      return { model, label: `workspace “${w.name}”` };
    }
    if (!this.targetSql.trim()) throw new Error('Write the target schema (CREATE statements) first.');
    const key = `script:${this.targetSql}`;
    const model = reuse && this.lastTarget?.key === key ? this.lastTarget.model : await modelOfScript(this.pg.engine, this.targetSql);
    this.lastTarget = { key, model };
    return { model, label: 'the target' };
  }

  /** Diffs the database against the target and puts the result in the draft, with its findings. */
  autogenerate(renames: Rename[] = [], reuseTarget = false) {
    return this.guard(async () => {
      if (this.pg.session.inTransaction) throw new Error('The playground has a transaction open: commit or roll it back first.');
      const from = await inspectSchema(this.pg.engine);
      const { model: to, label } = await this.targetModel(reuseTarget);
      const gen = await proposeMigration(from, to, renames);
      this.accepted = renames;
      this.proposals = renames.length ? this.proposals : gen.proposals;
      this.upgradeSql = gen.upgrade;
      this.downgradeSql = gen.downgrade;
      if (!this.message.trim()) this.message = 'autogenerated';
      this.findings = gen.findings;
      this.notice = gen.statements ? `Autogenerated ${gen.statements} statement${gen.statements === 1 ? '' : 's'} towards ${label}: review them and the findings, then save.` : `The database already matches ${label}.`;
    });
  }

  /** Accepts or drops a proposed rename and autogenerates again. */
  toggleRename(r: Rename) {
    const key = JSON.stringify(r);
    const next = this.accepted.some((a) => JSON.stringify(a) === key) ? this.accepted.filter((a) => JSON.stringify(a) !== key) : [...this.accepted, r];
    return this.autogenerate(next, true);
  }

  isAccepted(r: Rename): boolean {
    return this.accepted.some((a) => JSON.stringify(a) === JSON.stringify(r));
  }

  saveDraft() {
    return this.guard(async () => {
      if (!this.message.trim()) throw new Error('Give the revision a message.');
      this.findings = (await lintMigration(this.upgradeSql)).findings;
      await lintMigration(this.downgradeSql);
      const r = makeRevision({ message: this.message.trim(), downRevision: this.parents.filter((p) => this.revisions.some((x) => x.id === p)), upgrade: this.upgradeSql, downgrade: this.downgradeSql });
      this.persist([...this.revisions, r]);
      this.notice = `Saved revision ${r.id}.`;
      this.message = this.upgradeSql = this.downgradeSql = '';
      this.parents = [r.id];
    });
  }

  merge() {
    return this.guard(async () => {
      const heads = this.heads;
      if (heads.length < 2) throw new Error('There is only one head: nothing to merge.');
      const r = makeRevision({ message: `merge ${heads.join(', ')}`, downRevision: heads });
      this.persist([...this.revisions, r]);
      this.parents = [r.id];
      this.notice = `Merged ${heads.join(' and ')} into ${r.id}.`;
    });
  }

  upgrade(target: string) {
    return this.guard(async () => {
      const steps = await new Migrator(this.pg.engine, this.revisions).upgrade(target);
      this.notice = steps.length ? `Upgraded: ${steps.map((s) => s.revision + (s.autocommit.length ? ` (outside a transaction: ${s.autocommit.join('; ')})` : '')).join(', ')}.` : 'Already there: nothing to upgrade.';
      await this.pg.refreshCatalog();
    });
  }

  downgrade(target: string) {
    return this.guard(async () => {
      const steps = await new Migrator(this.pg.engine, this.revisions).downgrade(target);
      this.notice = steps.length ? `Downgraded: ${steps.map((s) => s.revision).join(', ')}.` : 'Nothing to downgrade.';
      await this.pg.refreshCatalog();
    });
  }

  /** Records `id` as the applied revision without running any revision's SQL (Alembic's stamp). */
  stamp(id: string) {
    return this.guard(async () => {
      const heads = await new Migrator(this.pg.engine, this.revisions).stamp(id);
      this.notice = `Stamped: ${VERSION_TABLE} now records ${heads.length ? heads.join(', ') : 'base'}; no revision's SQL was run.`;
    });
  }

  exportRevision(r: Revision) {
    return this.guard(async () => downloadText(revisionFileName(r), await alembicRevisionFile(r), 'text/x-python'));
  }

  /** The whole Alembic project (init-alembic) with these revisions, as a zip. */
  exportProject() {
    return this.guard(async () => {
      const [{ alembicProject }, { zipFiles }] = await Promise.all([import('../../migrations/export/alembic.ts'), import('../../migrations/export/zip.ts')]);
      const zip = zipFiles(await alembicProject(this.revisions));
      const url = URL.createObjectURL(new Blob([zip.buffer as ArrayBuffer], { type: 'application/zip' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'alembic-project.zip';
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
  }

  exportSql() {
    return this.guard(async () => downloadText('migrations.sql', plainSql(this.revisions), 'application/sql'));
  }

  remove(id: string) {
    return this.guard(async () => {
      if (this.graph?.childrenOf(id).length) throw new Error(`Revision ${id} has revisions after it: remove those first.`);
      if (this.current.includes(id)) throw new Error(`Revision ${id} is applied: downgrade it first.`);
      this.persist(this.revisions.filter((r) => r.id !== id));
      this.parents = this.heads;
    });
  }
}

const states = new WeakMap<Playground, MigrationsWorkbench>();

export function workbenchFor(pg: Playground): MigrationsWorkbench {
  let s = states.get(pg);
  if (!s) states.set(pg, (s = new MigrationsWorkbench(pg)));
  return s;
}
