// The Analyze view's state, kept per playground so results survive a trip to the editor (to run
// a fix) and back. Components render this and call run().
import type { Playground } from '../state/playground.svelte.ts';
import { ALL_SEVERITIES, runAnalysis, type AnalysisResult, type FindingFilter, type Progress } from './run-analysis.ts';

export class AnalysisState {
  running = $state(false);
  progress = $state.raw<Progress | null>(null);
  result = $state.raw<AnalysisResult | null>(null);
  error = $state<string | null>(null);
  filter = $state<FindingFilter>({ module: 'all', severities: { ...ALL_SEVERITIES } });

  constructor(private pg: Playground) {}

  /** Why the analysis cannot run now, or null. */
  get blocked(): string | null {
    const status = this.pg.status;
    if (status === 'starting') return 'The database is starting.';
    if (status === 'restarting') return 'The database is restarting.';
    if (status === 'failed') return 'The database is unavailable.';
    if (status === 'running') return 'A script is running in the playground.';
    return null;
  }

  async run() {
    if (this.running || this.blocked) return;
    if (this.pg.session.transactionFailed) {
      this.error = 'The playground has a failed transaction open: run ROLLBACK in the playground first, then analyze again.';
      return;
    }
    this.running = true;
    this.error = null;
    try {
      // The library is preloaded and records every statement from the start; the extension
      // (its view) is created on first need, not in every new database's critical path.
      if (!this.pg.session.inTransaction) await this.pg.engine.run('create extension if not exists pg_stat_statements');
      this.result = await runAnalysis(this.pg.engine, (p) => (this.progress = p));
    } catch (e) {
      this.error = `The analysis failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.running = false;
      this.progress = null;
    }
  }
}

const states = new WeakMap<Playground, AnalysisState>();

export function analysisFor(pg: Playground): AnalysisState {
  let s = states.get(pg);
  if (!s) states.set(pg, (s = new AnalysisState(pg)));
  return s;
}
