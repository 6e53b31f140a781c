// The plan analyzer: parse EXPLAIN output, diagnose it, or run EXPLAIN on a live database.
export type { Plan, PlanNode, PlanConditions, BufferCounts, PlanTrigger, WorkerStats } from './types.ts';
export { parsePlan, parseJsonPlan, parseTextPlan, PlanParseError, nodeLabel, walkPlan } from './parse.ts';
export { diagnosePlan, conditionColumns, nodeRef, nodeIdOf, suggestWorkMem, PLAN_CHECKS, type DiagnoseOptions, type PlanCheck } from './diagnose.ts';
export { loadTableStats, planRelations, statsFor, type TableStats, type TableStatsMap, type RelationRef } from './stats.ts';
export { explainQuery, statementWrites, planValue, type ExplainOptions, type ExplainResult, type ExplainTarget } from './explain.ts';
export * as thresholds from './thresholds.ts';
