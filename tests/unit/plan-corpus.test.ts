// The plan corpus: every capture of tests/fixtures/plans/pg18 (native PostgreSQL 18, each
// statement as TEXT and as JSON, see capture-pg18.ts) read as each tool pastes it
// (paste-forms.ts), and TEXT against JSON of the same statement.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan } from '../../src/analysis/plan/parse.ts';
import { diagnosePlan } from '../../src/analysis/plan/diagnose.ts';
import type { TableStatsMap } from '../../src/analysis/plan/stats.ts';
import type { Plan } from '../../src/analysis/plan/types.ts';
import { shape } from '../support/plan-shape.ts';
import { captureRows, fragment, pasteForms, psqlAligned, psqlExpanded } from '../fixtures/plans/paste-forms.ts';

const dir = join(import.meta.dirname, '../fixtures/plans');
const pg18 = join(dir, 'pg18');
const read = (f: string) => readFileSync(join(pg18, f), 'utf8');
const NAMES = readdirSync(pg18).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort();
const tableStats = JSON.parse(read('table-stats.json')) as TableStatsMap;
const explainOf = (name: string, format: string) =>
  read(`${name}.sql`).split('\n').filter((l) => /^explain/.test(l)).join(' ').replace('format text|json', `format ${format}`);

/** The diagnoses as check and node; slowest_node follows the timings of one run and is left out. */
const diagnoses = (plan: Plan) =>
  diagnosePlan(plan, { tableStats }).filter((f) => f.check !== 'slowest_node').map((f) => `${f.check} ${f.severity} ${f.object.node}`).sort();

describe('TEXT and JSON of the same statement (native PostgreSQL 18)', () => {
  it('the corpus covers the options and plan shapes it is meant to', () => {
    const all = NAMES.map((n) => read(`${n}.txt`)).join('\n');
    for (const s of ['Workers Launched', 'Worker 0:  actual', 'Worker 1:  Heap Blocks', 'Worker 0:  Sort Method', 'InitPlan 1', 'SubPlan 1', 'CTE ',
      'BitmapAnd', 'BitmapOr', 'external merge', 'never executed', 'Settings:', 'WAL:', 'Serialization:', 'Memory: used=',
      'Incremental Sort', 'Hash Key:', 'Memoize', 'Recursive Union', 'Query Identifier:', 'Batches: 4', 'Heap Fetches']) {
      expect(all, s).toContain(s);
    }
    expect(NAMES.length).toBeGreaterThanOrEqual(30);
  });

  for (const name of NAMES) {
    it(name, () => {
      const text = parsePlan(read(`${name}.txt`));
      const json = parsePlan(read(`${name}.json`));
      expect(text.source).toBe('text');
      expect(json.source).toBe('json');
      expect(shape(text)).toEqual(shape(json));
      expect({ analyzed: text.analyzed, timing: text.hasTiming, buffers: text.hasBuffers, settings: text.settings, exec: text.executionTime !== undefined, planning: text.planningTime !== undefined })
        .toEqual({ analyzed: json.analyzed, timing: json.hasTiming, buffers: json.hasBuffers, settings: json.settings, exec: json.executionTime !== undefined, planning: json.planningTime !== undefined });
      expect(diagnoses(text)).toEqual(diagnoses(json));
      // Every millisecond is charged once: sub-plans where they ran, workers not counted twice.
      for (const plan of [text, json]) {
        if (!plan.hasTiming) continue;
        const sum = plan.nodes.reduce((s, n) => s + (n.exclusiveTime ?? 0), 0);
        expect(sum / plan.root.inclusiveTime!, plan.source).toBeGreaterThan(0.95);
        expect(sum / plan.root.inclusiveTime!, plan.source).toBeLessThan(1.05);
      }
    });
  }
});

describe('as each tool pastes it: the same plan as the capture itself', () => {
  for (const name of NAMES) {
    for (const format of ['txt', 'json'] as const) {
      it(`${name}.${format}`, () => {
        const content = read(`${name}.${format}`);
        const expected = parsePlan(content);
        const findings = diagnosePlan(expected, { tableStats });
        const forms = pasteForms(captureRows(`${name}.${format}`, content), explainOf(name, format === 'txt' ? 'text' : 'json'));
        for (const [form, pasted] of Object.entries(forms)) {
          const plan = parsePlan(pasted);
          expect(plan, form).toEqual(expected);
          expect(diagnosePlan(plan, { tableStats }), form).toEqual(findings);
        }
      });
    }
  }
});

describe('psql forms the generator writes are what psql writes', () => {
  const real = (f: string) => readFileSync(join(dir, 'psql15', f), 'utf8');
  for (const kind of ['text', 'json']) {
    const raw = real(`${kind}-raw.txt`).replace(/\n$/, '');
    const rows = kind === 'json' ? [raw] : raw.split('\n');
    const cases: [string, string][] = [
      ['aligned', psqlAligned(rows)], ['border2', psqlAligned(rows, { border: 2 })], ['unicode', psqlAligned(rows, { unicode: true })],
      ['unicode2', psqlAligned(rows, { border: 2, unicode: true })], ['expanded', psqlExpanded(rows)],
      ['unicode-expanded', psqlExpanded(rows, { border: 2, unicode: true })],
    ];
    it(`${kind}: aligned, border 2, unicode, \\x (psql 15.18)`, () => {
      for (const [form, generated] of cases) {
        expect(generated, form).toBe(real(`${kind}-${form}.txt`));
        const plan = parsePlan(real(`${kind}-${form}.txt`));
        expect(plan.nodes.map((n) => n.label), form).toEqual(parsePlan(raw).nodes.map((n) => n.label));
      }
    });
  }
  it('a value with a newline (a string literal) printed by EXPLAIN at column 0 stays in its condition', () => {
    const plan = parsePlan(real('text-aligned.txt'));
    expect(plan.nodes).toHaveLength(1);
    expect(plan.root.conditions).toEqual({ indexCond: "(relname = 'x\ny'::name)", filter: `(relkind = 'r'::"char")` });
  });
});

describe('a fragment copied from the middle of a plan', () => {
  it('starts at its -> line and reads as the subtree', () => {
    const rows = read('hash-batches.txt').split('\n');
    const frag = fragment(rows)!;
    const plan = parsePlan(frag);
    const whole = parsePlan(rows.join('\n'));
    expect(plan.root.label).toBe(whole.nodes[1].label);
    expect(plan.nodes.map((n) => n.label)).toEqual(whole.nodes.slice(1, 1 + plan.nodes.length).map((n) => n.label));
  });
});

describe('the committed sample of paste forms (pasted/) is what the generator writes', () => {
  it('initplan, TEXT and JSON, every form', () => {
    for (const format of ['txt', 'json'] as const) {
      const content = read(`initplan.${format}`);
      const sql = read('initplan.sql').split('\n').filter((l) => !l.startsWith('--') && !/^set /.test(l)).join(' ');
      const forms = pasteForms(captureRows(`initplan.${format}`, content), sql.replace(/format text\|json/, format === 'json' ? 'format json' : 'format text'));
      for (const [form, text] of Object.entries(forms)) {
        expect(readFileSync(join(dir, 'pasted', `initplan.${format === 'txt' ? 'text' : 'json'}.${form}.txt`), 'utf8'), form).toBe(text);
      }
    }
  });
});

describe('psql \\pset format wrapped (psql 15.18, 50 columns)', () => {
  it('lines cut at the screen width are joined back, in ASCII and unicode, border 1 and 2', () => {
    const real = (f: string) => readFileSync(join(dir, 'psql15', f), 'utf8');
    const expected = parsePlan(real('wrapped-raw.txt'));
    expect(expected.root.conditions.indexCond).toBe("((relname = 'x'::name) AND (relnamespace = '11'::oid))");
    for (const f of ['wrapped-aligned.txt', 'wrapped-unicode.txt', 'wrapped-border2.txt', 'wrapped-unicode2.txt']) {
      expect(real(f)).toMatch(/[.…][|│]?$/m);
      expect(parsePlan(real(f)), f).toEqual(expected);
    }
  });
});
