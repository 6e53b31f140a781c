// Whether a statement's result may be an EXPLAIN plan: a cheap test on its tag, so the plan
// workbench's code (parsing, diagnoses, the plan view) loads only for results that need it.

export function isExplainResult(result: { tag: string; rows: unknown[][]; columns: unknown[]; error?: unknown }): boolean {
  return !result.error && result.tag === 'EXPLAIN' && result.columns.length > 0 && result.rows.length > 0;
}
