// The migrations workbench's state: the workspace's revisions (kept in localStorage), the
// graph, the database's current revision, a draft linted before it is saved, and upgrade /
// downgrade / merge / export. The component only renders this and calls its methods.
import type { Finding } from '../../analysis/finding.ts';
import type { Playground } from '../state/playground.svelte.ts';
import { RevisionGraph, history } from '../../migrations/graph.ts';
import { makeRevision, revisionsFromJson, revisionsToJson, type Revision } from '../../migrations/revision.ts';
import { MigrationError, Migrator } from '../../migrations/runner.ts';
import { lintMigration } from '../../migrations/lint/index.ts';
import { alembicRevisionFile, plainSql, revisionFileName } from '../../migrations/export/alembic.ts';
import { downloadText } from '../analyze/download.ts';

const KEY = 'pglab.migrations.revisions';

export class MigrationsWorkbench {
  revisions = $state.raw<Revision[]>([]);
  current = $state.raw<string[]>([]);
  message = $state('');
  upgradeSql = $state('');
  downgradeSql = $state('');
  /** Parents of the draft: the heads unless the user picks others. */
  parents = $state<string[]>([]);
  findings = $state.raw<Finding[] | null>(null);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  busy = $state(false);

  constructor(private pg: Playground) {
    try {
      const saved = localStorage.getItem(KEY);
      if (saved) this.revisions = revisionsFromJson(saved);
    } catch (e) {
      this.error = `The saved revisions could not be read (${(e as Error).message}); they are left untouched in this browser's storage.`;
    }
    this.parents = this.heads;
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
    localStorage.setItem(KEY, revisionsToJson(next));
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
    if (this.pg.status === 'starting' || this.pg.status === 'failed') return;
    this.current = await new Migrator(this.pg.engine, this.revisions).current();
  }

  /** Lints the draft's upgrade: the findings are shown before it is saved. */
  lintDraft() {
    return this.guard(async () => {
      this.findings = (await lintMigration(this.upgradeSql)).findings;
    });
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

  exportRevision(r: Revision) {
    return this.guard(async () => downloadText(revisionFileName(r), await alembicRevisionFile(r), 'text/x-python'));
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
