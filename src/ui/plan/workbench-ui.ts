// The EXPLAIN workbench as one chunk: its state, its panel and the plan shown for an EXPLAIN
// result, with plan parsing, diagnoses, comparison and the planner lab behind them.
// Only workbench-loader.svelte.ts imports it, on first need.
export { Workbench } from './workbench.svelte.ts';
export { default as ExplainPanel } from './ExplainPanel.svelte';
export { default as PlanResult } from './PlanResult.svelte';
