// Runs the four analysis modules one after another on a database and gathers what the Analyze
// view shows: the facts, every finding tagged with its module, and how each module fared. A
// module that fails does not stop the others. Plain TypeScript, no DOM.
import type { Finding, FindingObject, Queryable, Severity } from '../../analysis/finding.ts';
import { inspectSchema, inspectorMarkdown, type InspectorFacts } from '../../analysis/inspector.ts';
import { analyzeIndexes, type IndexAnalyzerFacts } from '../../analysis/index-analyzer.ts';
import { analyzeQueries, type QueryAnalyzerFacts } from '../../analysis/query-analyzer.ts';
import { lintSchema, type SchemaLintFacts } from '../../analysis/schema-linter.ts';
import { sortFindings } from '../../analysis/util.ts';

export type ModuleId = 'inspector' | 'indexes' | 'queries' | 'lint';

export const MODULES: readonly { id: ModuleId; label: string }[] = [
  { id: 'inspector', label: 'Schema inspector' },
  { id: 'indexes', label: 'Index analyzer' },
  { id: 'queries', label: 'Query analyzer' },
  { id: 'lint', label: 'Schema linter' },
];

export const moduleLabel = (id: ModuleId) => MODULES.find((m) => m.id === id)?.label ?? id;

export const SEVERITIES: readonly { id: Severity; label: string }[] = [
  { id: 'error', label: 'Errors' },
  { id: 'warning', label: 'Warnings' },
  { id: 'info', label: 'Information' },
];

export interface AnalyzedFinding extends Finding {
  module: ModuleId;
  /** Unique within one result, for keyed lists and element ids. */
  key: string;
}

export interface ModuleOutcome {
  id: ModuleId;
  label: string;
  ok: boolean;
  error?: string;
  ms: number;
  findings: number;
}

export interface AnalysisResult {
  finishedAt: Date;
  ms: number;
  inspector: InspectorFacts | null;
  markdown: string | null;
  indexes: IndexAnalyzerFacts | null;
  queries: QueryAnalyzerFacts | null;
  lint: SchemaLintFacts | null;
  modules: ModuleOutcome[];
  findings: AnalyzedFinding[];
}

export interface Progress {
  /** 0-based index of the module now running; equals `total` when done. */
  step: number;
  total: number;
  id: ModuleId | null;
  label: string;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function runAnalysis(db: Queryable, onProgress: (p: Progress) => void = () => {}): Promise<AnalysisResult> {
  const t0 = now();
  const result: AnalysisResult = {
    finishedAt: new Date(),
    ms: 0,
    inspector: null,
    markdown: null,
    indexes: null,
    queries: null,
    lint: null,
    modules: [],
    findings: [],
  };
  const found: AnalyzedFinding[] = [];
  const steps: Record<ModuleId, () => Promise<Finding[]>> = {
    inspector: async () => {
      result.inspector = await inspectSchema(db);
      result.markdown = inspectorMarkdown(result.inspector);
      return [];
    },
    indexes: async () => {
      const r = await analyzeIndexes(db);
      result.indexes = r.facts;
      return r.findings;
    },
    queries: async () => {
      const r = await analyzeQueries(db);
      result.queries = r.facts;
      return r.findings;
    },
    lint: async () => {
      const r = await lintSchema(db);
      result.lint = r.facts;
      return r.findings;
    },
  };
  for (const [i, m] of MODULES.entries()) {
    onProgress({ step: i, total: MODULES.length, id: m.id, label: m.label });
    const start = now();
    try {
      const list = await steps[m.id]();
      list.forEach((f, j) => found.push({ ...f, module: m.id, key: `${m.id}-${j}` }));
      result.modules.push({ id: m.id, label: m.label, ok: true, ms: now() - start, findings: list.length });
    } catch (e) {
      result.modules.push({ id: m.id, label: m.label, ok: false, error: e instanceof Error ? e.message : String(e), ms: now() - start, findings: 0 });
    }
  }
  onProgress({ step: MODULES.length, total: MODULES.length, id: null, label: 'Done' });
  result.findings = sortFindings(found);
  result.ms = now() - t0;
  result.finishedAt = new Date();
  return result;
}

/** What a finding is about, in one line: `schema.table.index (col, …)`, leaving out `public`. */
export function objectLabel(o: FindingObject): string {
  const parts: string[] = [];
  const rel = o.table ? (o.schema && o.schema !== 'public' ? `${o.schema}.${o.table}` : o.table) : o.schema && !o.sequence && !o.function ? o.schema : '';
  if (rel) parts.push(rel);
  if (o.index) parts.push(`index ${o.index}`);
  if (o.constraint) parts.push(`constraint ${o.constraint}`);
  if (o.policy) parts.push(`policy ${o.policy}`);
  if (o.function) parts.push(`function ${o.schema && o.schema !== 'public' ? `${o.schema}.` : ''}${o.function}`);
  if (o.extension) parts.push(`extension ${o.extension}`);
  if (o.sequence) parts.push(`sequence ${o.schema && o.schema !== 'public' ? `${o.schema}.` : ''}${o.sequence}`);
  if (o.columns?.length) parts.push(`(${o.columns.join(', ')})`);
  if (o.node) parts.push(`plan node ${o.node}`);
  if (o.query) parts.push(`query: ${o.query.length > 80 ? o.query.slice(0, 79) + '…' : o.query}`);
  return parts.join(' ') || 'the database';
}

export interface FindingFilter {
  /** `all` or one module. */
  module: ModuleId | 'all';
  severities: Record<Severity, boolean>;
}

export const ALL_SEVERITIES: Record<Severity, boolean> = { error: true, warning: true, info: true };

export function filterFindings(list: AnalyzedFinding[], filter: FindingFilter): AnalyzedFinding[] {
  return list.filter((f) => (filter.module === 'all' || f.module === filter.module) && filter.severities[f.severity]);
}

export interface SeverityGroup {
  severity: Severity;
  label: string;
  findings: AnalyzedFinding[];
}

/** Groups in the order error, warning, info; empty groups left out. */
export function groupBySeverity(list: AnalyzedFinding[]): SeverityGroup[] {
  return SEVERITIES.map((s) => ({ severity: s.id, label: s.label, findings: list.filter((f) => f.severity === s.id) })).filter((g) => g.findings.length);
}

export function countBy<K extends string>(list: AnalyzedFinding[], key: (f: AnalyzedFinding) => K): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const f of list) out[key(f)] = (out[key(f)] ?? 0) + 1;
  return out;
}

export function markdownFileName(facts: InspectorFacts | null): string {
  const name = (facts?.database.name ?? 'database').replace(/[^A-Za-z0-9_.-]+/g, '-');
  return `${name}-schema.md`;
}
