// The EXPLAIN workbench (plan parsing and diagnoses, the plan view, Keep/Compare, the planner
// lab) loads the first time it is needed: a result that is a plan, or "Explain this". The
// playground's start-up carries only this loader.
import type { Playground } from '../state/playground.svelte.ts';
import type { Workbench } from './workbench.svelte.ts';

export type PlanUi = typeof import('./workbench-ui.ts');

let ui: Promise<PlanUi> | undefined;

/** The workbench's code, loaded once; a failed load is tried again on the next call. */
export function loadPlanUi(): Promise<PlanUi> {
  ui ??= import('./workbench-ui.ts').catch((e: unknown) => {
    ui = undefined;
    throw e;
  });
  return ui;
}

export interface LoadedWorkbench {
  ui: PlanUi;
  wb: Workbench;
}

/** The playground's one Workbench, made when its code has loaded. */
export class WorkbenchLoader {
  /** The workbench and its components, once loaded. */
  loaded = $state.raw<LoadedWorkbench | null>(null);
  /** A user action ("Explain this") is waiting for the code. */
  loading = $state(false);
  error = $state<string | null>(null);
  private pending?: Promise<LoadedWorkbench>;

  constructor(private readonly pg: Playground) {}

  load(): Promise<LoadedWorkbench> {
    this.pending ??= loadPlanUi().then(
      (ui) => (this.loaded = { ui, wb: new ui.Workbench(this.pg) }),
      (e: unknown) => {
        this.pending = undefined;
        throw e;
      },
    );
    return this.pending;
  }

  /** The workbench for a user action, saying so while its code loads; null when it could not load. */
  async forAction(): Promise<Workbench | null> {
    if (this.loaded) return this.loaded.wb;
    this.loading = true;
    this.error = null;
    try {
      return (await this.load()).wb;
    } catch (e) {
      this.error = `The EXPLAIN workbench could not load: ${(e as Error).message}`;
      return null;
    } finally {
      this.loading = false;
    }
  }
}

/** What ResultBlock needs to show an EXPLAIN result as a plan (the workbench only in the playground). */
export async function loadPlanResult(workbench?: WorkbenchLoader): Promise<{ PlanResult: PlanUi['PlanResult']; wb?: Workbench }> {
  const [ui, loaded] = await Promise.all([loadPlanUi(), workbench?.load()]);
  return { PlanResult: ui.PlanResult, wb: loaded?.wb };
}
