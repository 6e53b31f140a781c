// Applies and reverts revisions on a database through the Engine interface, keeping the applied
// heads in `alembic_version (version_num)` exactly as Alembic does, so either tool can take over.
//
// Each revision runs in its own transaction together with its version-table update, so the table
// never names a half-applied revision. A revision with statements that cannot run in a
// transaction block (CREATE INDEX CONCURRENTLY, VACUUM, an enum value added and then used) runs
// those alone, outside, as Alembic's autocommit_block does; the rest stays transactional.
// Every plan (targets, parse, empty downgrades) is checked before the first statement runs.
import type { DbErrorInfo, Engine } from '../db/types.ts';
import { RevisionGraph, resolveDowngradeTarget, resolveUpgradeTarget } from './graph.ts';
import { RevisionError, type Revision } from './revision.ts';
import { isTransactionControl, lineOf, parseMigration, type MigrationStatement } from './statements.ts';

export const VERSION_TABLE = 'alembic_version';
/** Alembic's own DDL for the table (its primary key is named alembic_version_pkc). */
export const VERSION_TABLE_DDL = `create table if not exists ${VERSION_TABLE} (version_num varchar(32) not null, constraint ${VERSION_TABLE}_pkc primary key (version_num))`;

export type Direction = 'upgrade' | 'downgrade';

export interface PlannedStep {
  revision: Revision;
  direction: Direction;
  statements: MigrationStatement[];
  /** Heads the version table holds after this step. */
  headsAfter: string[];
  /** Reasons some statements run outside a transaction (empty: one transaction). */
  autocommit: string[];
}

export interface StepResult {
  revision: string;
  direction: Direction;
  statements: number;
  autocommit: string[];
  durationMs: number;
  headsAfter: string[];
}

/** A statement failed: which revision, which statement, and what the database said. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    message: string,
    readonly revision: string,
    readonly direction: Direction,
    readonly statementIndex: number,
    readonly statement: string,
    readonly dbError: DbErrorInfo,
    /** Statements that had already committed outside a transaction (autocommit revisions only). */
    readonly committedOutside: number,
    /** The steps that completed before this one. */
    readonly completed: StepResult[],
  ) {
    super(message);
  }
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** True when a script has no statement at all (only blanks and comments). */
async function isEmptySql(sql: string): Promise<boolean> {
  return (await parseMigration(sql)).length === 0;
}

export class Migrator {
  readonly graph: RevisionGraph;

  constructor(
    private readonly db: Engine,
    revisions: Revision[] | RevisionGraph,
  ) {
    this.graph = revisions instanceof RevisionGraph ? revisions : new RevisionGraph(revisions);
  }

  /** The version table's rows (the applied heads); [] when the table does not exist yet. */
  async current(): Promise<string[]> {
    const exists = await this.db.query<{ t: string | null }>(`select to_regclass(${quoteLiteral(VERSION_TABLE)})::text as t`);
    if (!exists.rows[0]?.t) return [];
    const r = await this.db.query<{ version_num: string }>(`select version_num from ${VERSION_TABLE} order by version_num`);
    return r.rows.map((x) => x.version_num);
  }

  private async exec(sql: string): Promise<void> {
    const r = await this.db.run(sql);
    if (!r.ok) throw new Error(`${sql.split(/\s+/).slice(0, 4).join(' ')}: ${r.error.message}`);
  }

  private async refuseOpenTransaction(): Promise<void> {
    const r = await this.db.run('select 1');
    if (r.inTransaction) throw new RevisionError('the session has an open transaction: commit or roll it back before migrating');
  }

  private versionSql(heads: string[]): string[] {
    return [`delete from ${VERSION_TABLE}`, ...(heads.length ? [`insert into ${VERSION_TABLE} (version_num) values ${heads.map((h) => `(${quoteLiteral(h)})`).join(', ')}`] : [])];
  }

  /** The steps an upgrade to `target` would run, checked; nothing runs. */
  async planUpgrade(target: string, current?: string[]): Promise<PlannedStep[]> {
    const g = this.graph;
    const cur = current ?? (await this.current());
    const applied = g.applied(cur);
    const t = resolveUpgradeTarget(g, target);
    let todo: Revision[];
    if (t.kind === 'heads') {
      const want = g.ancestors(t.ids);
      todo = g.ordered.filter((r) => want.has(r.id) && !applied.has(r.id));
    } else {
      todo = [];
      const sim = new Set(applied);
      for (let i = 0; i < t.steps; i++) {
        const next = g.ordered.filter((r) => !sim.has(r.id) && [...r.downRevision, ...(r.dependsOn ?? [])].every((p) => sim.has(p)));
        if (!next.length) throw new RevisionError(`cannot upgrade +${t.steps}: only ${i} revision${i === 1 ? '' : 's'} left to apply`);
        if (next.length > 1) throw new RevisionError(`+${t.steps} is ambiguous: ${next.map((r) => r.id).join(' and ')} could both come next; name the revision to upgrade to`);
        sim.add(next[0].id);
        todo.push(next[0]);
      }
    }
    return this.steps(todo, 'upgrade', applied);
  }

  /** The steps a downgrade to `target` would run, checked; nothing runs. */
  async planDowngrade(target: string, current?: string[]): Promise<PlannedStep[]> {
    const g = this.graph;
    const cur = current ?? (await this.current());
    const applied = g.applied(cur);
    const t = resolveDowngradeTarget(g, target);
    let todo: Revision[];
    if (t.kind === 'base') {
      todo = g.ordered.filter((r) => applied.has(r.id)).reverse();
    } else if (t.kind === 'keep') {
      if (!applied.has(t.id)) throw new RevisionError(`revision ${t.id} is not applied (the database is at ${cur.join(', ') || 'base'}): nothing to downgrade to`);
      const drop = g.descendants([t.id]);
      drop.delete(t.id);
      todo = g.ordered.filter((r) => drop.has(r.id) && applied.has(r.id)).reverse();
    } else {
      todo = [];
      const sim = new Set(applied);
      for (let i = 0; i < t.steps; i++) {
        const heads = RevisionGraph.headsOf(g, sim);
        if (!heads.length) throw new RevisionError(`cannot downgrade -${t.steps}: only ${i} revision${i === 1 ? '' : 's'} applied`);
        if (heads.length > 1) throw new RevisionError(`-${t.steps} is ambiguous: the database has ${heads.length} heads (${heads.join(', ')}); name the revision to downgrade to`);
        sim.delete(heads[0]);
        todo.push(g.get(heads[0]));
      }
    }
    return this.steps(todo, 'downgrade', applied);
  }

  private async steps(todo: Revision[], direction: Direction, applied: Set<string>): Promise<PlannedStep[]> {
    const sim = new Set(applied);
    const out: PlannedStep[] = [];
    for (const r of todo) {
      const sql = direction === 'upgrade' ? r.upgrade : r.downgrade;
      let statements: MigrationStatement[];
      try {
        statements = await parseMigration(sql);
      } catch (e) {
        throw new RevisionError(`revision ${r.id} ("${r.message}"), ${direction}: ${(e as Error).message}`);
      }
      if (direction === 'downgrade' && statements.length === 0 && !(await isEmptySql(r.upgrade))) {
        throw new RevisionError(`revision ${r.id} ("${r.message}") has no downgrade SQL but its upgrade changes the database: write the downgrade, or use stamp if you mean to forget it`);
      }
      const tc = statements.find(isTransactionControl);
      if (tc) {
        throw new RevisionError(`revision ${r.id} ("${r.message}"), ${direction}, line ${lineOf(sql, tc.from)}: ${tc.text.split(/\s+/)[0].toUpperCase()} — transaction control is not allowed in a revision; each revision runs in its own transaction (statements that need autocommit are detected and run outside)`);
      }
      if (direction === 'upgrade') sim.add(r.id);
      else sim.delete(r.id);
      out.push({
        revision: r,
        direction,
        statements,
        headsAfter: RevisionGraph.headsOf(this.graph, sim),
        autocommit: [...new Set(statements.filter((s) => s.autocommit).map((s) => s.autocommit!))],
      });
    }
    return out;
  }

  async upgrade(target = 'head', onStep?: (s: StepResult) => void): Promise<StepResult[]> {
    await this.refuseOpenTransaction();
    return this.execute(await this.planUpgrade(target), onStep);
  }

  async downgrade(target: string, onStep?: (s: StepResult) => void): Promise<StepResult[]> {
    await this.refuseOpenTransaction();
    return this.execute(await this.planDowngrade(target), onStep);
  }

  /** Sets the version table without running anything: base, head, heads, or revisions. */
  async stamp(targets: string[] | string): Promise<string[]> {
    const list = Array.isArray(targets) ? targets : [targets];
    let heads: string[];
    if (list.length === 1 && list[0] === 'base') heads = [];
    else {
      const ids = list.flatMap((t) => (t === 'heads' ? this.graph.heads() : t === 'head' ? [this.graph.singleHead()].filter((x): x is string => !!x) : [this.graph.resolveId(t)]));
      heads = RevisionGraph.headsOf(this.graph, this.graph.ancestors(ids));
    }
    await this.refuseOpenTransaction();
    await this.exec(VERSION_TABLE_DDL);
    await this.exec('begin');
    try {
      for (const s of this.versionSql(heads)) await this.exec(s);
      await this.exec('commit');
    } catch (e) {
      await this.db.run('rollback');
      throw e;
    }
    return heads;
  }

  private async execute(plan: PlannedStep[], onStep?: (s: StepResult) => void): Promise<StepResult[]> {
    const done: StepResult[] = [];
    if (!plan.length) return done;
    await this.exec(VERSION_TABLE_DDL);
    for (const step of plan) {
      const t0 = performance.now();
      await this.runStep(step, done);
      const result: StepResult = {
        revision: step.revision.id,
        direction: step.direction,
        statements: step.statements.length,
        autocommit: step.autocommit,
        durationMs: performance.now() - t0,
        headsAfter: step.headsAfter,
      };
      done.push(result);
      onStep?.(result);
    }
    return done;
  }

  private async runStep(step: PlannedStep, done: StepResult[]): Promise<void> {
    const { revision: r, direction } = step;
    let inTx = false;
    let committedOutside = 0;
    const fail = async (s: MigrationStatement, error: DbErrorInfo): Promise<never> => {
      if (inTx) await this.db.run('rollback');
      const sql = direction === 'upgrade' ? r.upgrade : r.downgrade;
      const pos = error.position ? s.from + error.position - 1 : s.from;
      const partial = committedOutside
        ? ` ${committedOutside} earlier statement${committedOutside === 1 ? '' : 's'} of this revision ran outside a transaction and stay applied; the version table still records the revision before it.`
        : ' Its transaction was rolled back; the version table is unchanged.';
      throw new MigrationError(
        `${direction} of revision ${r.id} ("${r.message}") failed at statement ${s.index + 1} (line ${lineOf(sql, pos)}): ${error.message}.${partial}`,
        r.id,
        direction,
        s.index,
        s.text,
        error,
        committedOutside,
        done,
      );
    };
    const begin = async () => {
      if (inTx) return;
      await this.exec('begin');
      inTx = true;
    };
    let inThisTx = 0;
    for (const s of step.statements) {
      if (s.autocommit) {
        if (inTx) {
          // What ran so far is committed before the statement that cannot run in a transaction.
          await this.exec('commit');
          inTx = false;
          committedOutside += inThisTx;
          inThisTx = 0;
        }
        const out = await this.db.run(s.text);
        if (!out.ok) await fail(s, out.error);
        committedOutside++;
        continue;
      }
      await begin();
      const out = await this.db.run(s.text);
      if (!out.ok) await fail(s, out.error);
      inThisTx++;
    }
    await begin();
    for (const v of this.versionSql(step.headsAfter)) {
      const out = await this.db.run(v);
      if (!out.ok) {
        await this.db.run('rollback');
        throw new Error(`updating ${VERSION_TABLE} after revision ${r.id} failed: ${out.error.message}`);
      }
    }
    const c = await this.db.run('commit');
    if (!c.ok) throw new Error(`commit of revision ${r.id} failed: ${c.error.message}`);
  }
}
