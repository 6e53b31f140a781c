// Rendering the CLI's reports: JSON exactly as the modules return them, Markdown for documents
// and pull requests, and plain text for a terminal.
import type { Finding, Severity } from '../analysis/finding.ts';
import type { PlanNode } from '../analysis/plan/types.ts';

export type OutputFormat = 'text' | 'markdown' | 'json';

/** JSON that survives PGlite's BigInt values (int8 above 2^53). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}

const SEVERITIES: Severity[] = ['error', 'warning', 'info'];

export function severityCounts(findings: Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

export function summaryLine(findings: Finding[]): string {
  const c = severityCounts(findings);
  const n = findings.length;
  return `${n} finding${n === 1 ? '' : 's'} (${c.error} error${c.error === 1 ? '' : 's'}, ${c.warning} warning${c.warning === 1 ? '' : 's'}, ${c.info} info)`;
}

/** What a finding is about, as one short path: schema.table.index (columns), a sequence, a plan node or a query. */
export function objectPath(f: Finding): string {
  const o = f.object;
  if (o.node) return o.node;
  if (o.query !== undefined) {
    const q = o.query.replace(/\s+/g, ' ').trim();
    return q.length > 60 ? q.slice(0, 57) + '…' : q;
  }
  if (o.sequence && (f.check === 'sequence_near_overflow' || !o.table)) {
    const seq = [o.schema, o.sequence].filter(Boolean).join('.');
    return o.table ? `${seq} → ${o.table}${o.columns?.length ? `.${o.columns.join(', ')}` : ''}` : seq;
  }
  if (o.extension) return `extension ${o.extension}`;
  if (o.function) return [o.schema, o.function].filter(Boolean).join('.');
  const parts = [o.schema, o.table, o.index ?? o.constraint ?? o.policy].filter(Boolean) as string[];
  const cols = o.columns?.length && !o.index ? ` (${o.columns.join(', ')})` : '';
  return parts.join('.') + cols || 'database';
}

/** Word-wraps text to width, each line prefixed by indent. */
export function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(indent + line);
  }
  return out.join('\n');
}

function indentLines(text: string, indent: string): string {
  return text.split('\n').map((l) => indent + l).join('\n');
}

/** Findings for a terminal: grouped by severity, each with why and fix. */
export function findingsText(findings: Finding[], width = 100): string {
  if (!findings.length) return 'No findings.\n';
  const blocks: string[] = [];
  for (const f of findings) {
    const head = `${f.severity.toUpperCase().padEnd(7)} ${f.check}  ${objectPath(f)}`.trimEnd();
    const lines = [head, wrap(f.message, width, '        ')];
    if (f.why) lines.push(wrap(`why: ${f.why}`, width, '        '));
    if (f.fix) lines.push('        fix:', indentLines(f.fix, '          '));
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}

/** Findings as Markdown: a section per severity. */
export function findingsMarkdown(findings: Finding[]): string {
  if (!findings.length) return 'No findings.\n';
  const out: string[] = [];
  const title: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Info' };
  for (const sev of SEVERITIES) {
    const list = findings.filter((f) => f.severity === sev);
    if (!list.length) continue;
    out.push(`## ${title[sev]} (${list.length})`, '');
    for (const f of list) {
      const path = objectPath(f);
      out.push(`### \`${f.check}\`${path ? ` — ${path}` : ''}`, '', f.message, '', `*Why:* ${f.why}`, '');
      if (f.fix) out.push('```sql', f.fix, '```', '');
    }
  }
  return out.join('\n');
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '?' : Number.isInteger(n) ? String(n) : n.toFixed(digits));

/** One line per plan node, indented like EXPLAIN's text format, with the diagnoses pinned to their node. */
export function planText(root: PlanNode, findings: Finding[]): string {
  const byNode = new Map<string, Finding[]>();
  for (const f of findings) {
    const id = /^#(\d+)/.exec(f.object.node ?? '')?.[1];
    if (id) byNode.set(id, [...(byNode.get(id) ?? []), f]);
  }
  const lines: string[] = [];
  const visit = (n: PlanNode, depth: number) => {
    const pad = depth === 0 ? '' : '  '.repeat(depth - 1) + '-> ';
    let stats = `cost=${fmt(n.startupCost)}..${fmt(n.totalCost)} rows=${fmt(n.estimatedRows, 0)}`;
    if (n.neverExecuted) stats += ', never executed';
    else if (n.actualRows !== undefined) {
      stats += `, actual rows=${fmt(n.actualRows, 0)} loops=${fmt(n.loops, 0)}`;
      if (n.inclusiveTime !== undefined) stats += ` time=${fmt(n.inclusiveTime, 3)} ms`;
    }
    lines.push(`${pad}${n.label}  (${stats})`);
    const cond = Object.entries(n.conditions).map(([k, v]) => `${k}: ${v}`);
    for (const c of cond) lines.push(`${'  '.repeat(depth)}   ${c}`);
    for (const f of byNode.get(n.id) ?? []) lines.push(`${'  '.repeat(depth)}   ! ${f.severity} ${f.check}`);
    for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return lines.join('\n') + '\n';
}
