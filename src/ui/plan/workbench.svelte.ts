// The EXPLAIN workbench's state: the "Explain this" result, the plans kept for comparison and
// the planner lab. It drives the playground's engine directly and marks the playground busy
// meanwhile, so Run waits and Stop can end a long EXPLAIN ANALYZE.
import type { Finding } from '../../analysis/finding.ts';
import { explainQuery, type ExplainResult } from '../../analysis/plan/explain.ts';
import { diagnosePlan } from '../../analysis/plan/diagnose.ts';
import { loadTableStats, planRelations } from '../../analysis/plan/stats.ts';
import type { Plan } from '../../analysis/plan/types.ts';
import { parsePlan } from '../../analysis/plan/parse.ts';
import { StoppedError } from '../../db/worker-client.ts';
import type { Playground } from '../state/playground.svelte.ts';
import {
  changedSettings, costLine, labBrackets, labReasons, LAB_DEFAULTS, READ_SETTINGS_SQL, setLocalStatements,
  settingsFromRow, validateLab, type LabReason, type LabSettings, type SettingChange,
} from './planner-lab.ts';

export interface KeptPlan {
  id: number;
  /** The statement explained. */
  sql: string;
  /** `select … (12:03:04)` */
  label: string;
  keptAt: Date;
  plan: Plan;
  findings: Finding[];
}

export interface LabResult {
  sql: string;
  analyze: boolean;
  changes: SettingChange[];
  statements: string[];
  before: ExplainResult;
  after: ExplainResult;
  costLine: string;
  reasons: LabReason[];
}

/** The first line of a statement, shortened, for labels. */
export function shortSql(sql: string, max = 60): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

export class Workbench {
  /** The last "Explain this" result. */
  current = $state.raw<ExplainResult | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  kept = $state.raw<KeptPlan[]>([]);
  /** The session's planner settings (the lab's starting point) and the values being tried. */
  baseSettings = $state.raw<LabSettings>({ ...LAB_DEFAULTS });
  labSettings = $state<LabSettings>({ ...LAB_DEFAULTS });
  labAnalyze = $state(false);
  labResult = $state.raw<LabResult | null>(null);
  labError = $state<string | null>(null);
  /** "Paste a plan": the form is open, the text pasted, and the plan read from it or why not. */
  pasteOpen = $state(false);
  pasteText = $state('');
  pasted = $state.raw<{ plan: Plan; findings: Finding[]; raw: string } | null>(null);
  pasteError = $state<string | null>(null);
  private nextId = 1;

  constructor(private readonly pg: Playground) {}

  get ready(): boolean {
    return this.pg.status === 'ready' && !this.busy;
  }

  openInEditor = (sql: string) => this.pg.openInEditor(sql);

  keep(sql: string, plan: Plan, findings: Finding[]): KeptPlan {
    const keptAt = new Date();
    const k: KeptPlan = { id: this.nextId++, sql, label: `${shortSql(sql)} (${keptAt.toLocaleTimeString()})`, keptAt, plan, findings };
    this.kept = [...this.kept, k];
    return k;
  }

  forget(id: number) {
    this.kept = this.kept.filter((k) => k.id !== id);
  }

  /** Runs `fn` as a playground run (Run disabled, Stop works); a Stop ends it quietly. */
  private async busyWith<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (!this.ready) return undefined;
    this.busy = true;
    try {
      return await this.pg.exclusive(fn);
    } finally {
      this.busy = false;
    }
  }

  /** EXPLAIN (ANALYZE, BUFFERS) of one statement; a writing statement runs in a transaction that is rolled back. */
  async explain(sql: string) {
    if (!sql.trim()) return;
    if (this.pg.session.transactionFailed) {
      this.error = 'The open transaction has failed: end it with ROLLBACK before explaining.';
      return;
    }
    this.error = null;
    try {
      const r = await this.busyWith(() => explainQuery(this.pg.engine, sql, { analyze: true, buffers: true }));
      if (r) this.current = r;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** Reads the pasted text as a plan (any tool's copy of EXPLAIN output); a refusal says why and keeps the text. */
  async readPasted() {
    const raw = this.pasteText;
    try {
      const plan = parsePlan(raw);
      this.pasteError = null;
      this.pasted = { plan, findings: diagnosePlan(plan), raw };
      // A plain EXPLAIN is diagnosed with the statistics of the tables it names, when this database has them.
      if (!plan.analyzed) {
        const findings = await this.diagnoseWithStats(plan);
        if (this.pasted?.plan === plan) this.pasted = { plan, findings, raw };
      }
    } catch (e) {
      this.pasted = null;
      this.pasteError = `Not read as a plan: ${(e as Error).message}`;
    }
  }

  /** Findings for a plan shown from a result, with table statistics when they can be read safely. */
  async diagnoseWithStats(plan: Plan): Promise<Finding[]> {
    if (this.pg.status !== 'ready' || this.pg.session.inTransaction) return diagnosePlan(plan);
    try {
      const tableStats = await loadTableStats(this.pg.engine, planRelations(plan));
      return diagnosePlan(plan, { tableStats });
    } catch {
      return diagnosePlan(plan);
    }
  }

  /** Reads the session's planner settings so the lab starts from them. */
  async loadSettings() {
    if (this.pg.status !== 'ready' || this.pg.session.transactionFailed) return;
    try {
      const r = await this.pg.engine.query<Record<string, unknown>>(READ_SETTINGS_SQL);
      const s = settingsFromRow(r.rows[0] ?? {});
      this.baseSettings = s;
      this.labSettings = { ...s };
    } catch {
      /* keep PostgreSQL's defaults */
    }
  }

  resetLab() {
    this.labSettings = { ...this.baseSettings };
    this.labResult = null;
    this.labError = null;
  }

  /**
   * EXPLAIN of `sql` under the session's settings and again after SET LOCAL of the changed ones,
   * both inside BEGIN … ROLLBACK (a savepoint when a transaction is open): the session is unchanged.
   */
  async runLab(sql: string) {
    if (!this.ready) return;
    this.labError = validateLab(this.labSettings);
    if (this.labError) return;
    if (this.pg.session.transactionFailed) {
      this.labError = 'The open transaction has failed: end it with ROLLBACK first.';
      return;
    }
    // The session's own values now (the user may have SET something since the lab opened).
    try {
      const r = await this.pg.engine.query<Record<string, unknown>>(READ_SETTINGS_SQL);
      this.baseSettings = settingsFromRow(r.rows[0] ?? {});
    } catch {
      /* keep the last known values */
    }
    const changes = changedSettings(this.baseSettings, this.labSettings);
    if (!changes.length) {
      this.labError = 'Change a setting first: every value is the session\'s own.';
      return;
    }
    const statements = setLocalStatements(changes);
    const { open, close } = labBrackets(this.pg.session.inTransaction);
    const engine = this.pg.engine;
    const exec = async (s: string) => {
      const r = await engine.run(s);
      if (!r.ok) throw new Error(`${s}: ${r.error.message}`);
    };
    const analyze = this.labAnalyze;
    try {
      const r = await this.busyWith(async () => {
        for (const s of open) await exec(s);
        try {
          const before = await explainQuery(engine, sql, { analyze, tableStats: false });
          for (const s of statements) await exec(s);
          const after = await explainQuery(engine, sql, { analyze, tableStats: false });
          return { before, after };
        } finally {
          for (const s of close) await engine.run(s);
        }
      });
      if (!r) return;
      this.labResult = {
        sql, analyze, changes, statements, before: r.before, after: r.after,
        costLine: costLine(r.before.plan, r.after.plan),
        reasons: labReasons(changes, r.before.plan, r.after.plan),
      };
    } catch (e) {
      this.labError = (e as Error).message;
    }
  }
}
