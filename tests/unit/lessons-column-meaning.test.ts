// Columns and rules compared by meaning, not by spelling. A column's DEFAULT: the same deparsed
// text, or the same value in one transaction (now() = current_timestamp = transaction_timestamp(),
// not statement_timestamp(), and a volatile clock_timestamp() never). A type's precision of 6 on
// timestamps is no precision. A CHECK on a column's domain is a check on the column, unless the
// task names a table constraint. And a rewrite the write counters miss (ALTER … TYPE … USING)
// is compared by its values.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise, canonicalType } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { CheckReport, Exercise } from '../../src/lessons/format.ts';
import { exerciseText } from '../support/exercise-text.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const exercise = (title: string, solution: string, checks: string) =>
  exerciseText({ title, solution, checks, wrong: { title: 'Nothing', sql: 'select 1 as x;', fails: 'catalog' } });

const FILES: Record<string, string> = {
  'lessons/t/chapter.md': '---\ntitle: Meaning\norder: 9\nsummary: For the checker\'s tests.\n---\n\n# Lines\n',
  'lessons/t/dataset.sql': `select setseed(:seed);
create table lines (id int primary key, qty int not null, price numeric(10,2) not null);
insert into lines select i, 1 + (random() * 9)::int, round((random() * 100)::numeric, 2) from generate_series(1, 2000) i;
vacuum analyze lines;
`,
  'lessons/t/exercises/01-created.md': exercise('Add lines.created_at, the time of the transaction that inserts the line',
    'alter table lines add column created_at timestamptz not null default now();',
    `- catalog:
    column: { table: lines, column: created_at, type: timestamptz, notNull: true, default: now() }`),
  'lessons/t/exercises/02-rule.md': exercise('Refuse a quantity below 1',
    'alter table lines add constraint lines_qty_check check (qty >= 1);',
    `- catalog:
    constraint: { table: lines, type: check, columns: [qty], contains: "qty >= 1" }
- behavior:
    sql: update lines set qty = 0 where id = 1;
    expect: check_violation`),
  'lessons/t/exercises/03-named.md': exercise('Refuse a quantity below 1 with the table constraint lines_qty_check',
    'alter table lines add constraint lines_qty_check check (qty >= 1);',
    `- catalog:
    constraint: { table: lines, type: check, name: lines_qty_check }`),
};

const col = (type: string, dflt: string) => `alter table lines add column created_at ${type} not null default ${dflt};`;
const catalog = (r: CheckReport) => r.checks.filter((c) => c.kind === 'catalog' && !c.passed).map((c) => c.message).join(' | ');
const DOMAIN = 'create domain quantity as integer check (value >= 1);\nalter table lines alter column qty type quantity;';

let box: ChapterSandbox;
let created: Exercise, rule: Exercise, named: Exercise;
beforeAll(async () => {
  const [chapter] = loadLessons(FILES);
  [created, rule, named] = chapter.exercises;
  box = await ChapterSandbox.build(chapter, undefined, await compiledPglite());
}, 120_000);
afterAll(() => box?.close());

describe('a column default compared by meaning', () => {
  it('passes the spellings of the transaction start, and a timestamp precision of 6', async () => {
    for (const sql of [col('timestamptz', 'current_timestamp'), col('timestamp with time zone', 'transaction_timestamp()'), col('timestamp(6) with time zone', 'pg_catalog.now()')]) {
      const r = await checkExercise(box, created, sql);
      expect(r.passed, `${sql}: ${catalog(r)}`).toBe(true);
    }
  });

  it('refuses statement_timestamp(), clock_timestamp(), a constant, no default and a coarser precision, and says which', async () => {
    const cases: [string, RegExp][] = [
      [col('timestamptz', 'statement_timestamp()'), /its default is statement_timestamp\(\), not now\(\) \(the two give different values in the same transaction\)/],
      [col('timestamptz', 'clock_timestamp()'), /its default is clock_timestamp\(\), not now\(\) \(it is volatile/],
      [col('timestamptz', "'2026-01-01'"), /its default is '2026-01-01 00:00:00\+00'::timestamp with time zone, not now\(\)/],
      ['alter table lines add column created_at timestamptz;\nupdate lines set created_at = now();\nalter table lines alter column created_at set not null;', /it has no default, the task asks for DEFAULT now\(\)/],
      [col('timestamptz(3)', 'now()'), /its type is timestamp\(3\) with time zone, not timestamp with time zone/],
    ];
    for (const [sql, why] of cases) {
      const r = await checkExercise(box, created, sql);
      expect(r.passed, sql).toBe(false);
      expect(catalog(r)).toMatch(why);
    }
  });

  it('canonicalType makes a precision of 6 no precision, and only that', () => {
    expect(canonicalType('timestamp(6) with time zone')).toBe('timestamp with time zone');
    expect(canonicalType('time(6) without time zone')).toBe('time without time zone');
    expect(canonicalType('interval(6)')).toBe('interval');
    expect(canonicalType('timestamp(3) with time zone')).toBe('timestamp(3) with time zone');
    expect(canonicalType('numeric(6)')).toBe('numeric(6)');
  });
});

describe('a CHECK on the column\'s domain', () => {
  it('is a check constraint on the column, and typing the column by it changes nothing else', async () => {
    const r = await checkExercise(box, rule, DOMAIN);
    expect(r.passed, r.checks.filter((c) => !c.passed).map((c) => c.message).join(' | ')).toBe(true);
    expect(r.checks.find((c) => c.kind === 'catalog')?.message).toMatch(/\(the domain quantity of qty\): CHECK \(qty >= 1\)/);
  });

  it('is not the table constraint a task names, and the message says so', async () => {
    const r = await checkExercise(box, named, DOMAIN);
    expect(r.passed).toBe(false);
    expect(catalog(r)).toMatch(/the task asks for a CHECK constraint of the table lines named lines_qty_check\. The rule is enforced by the domain quantity of qty/);
  });

  it('a domain with a weaker rule fails the contains, and one over another type fails intact', async () => {
    const weaker = await checkExercise(box, rule, 'create domain quantity as integer check (value >= 0);\nalter table lines alter column qty type quantity;');
    expect(catalog(weaker)).toMatch(/^No check constraint on lines \(qty\) with qty >= 1\./);
    const wider = await checkExercise(box, rule, 'create domain quantity as bigint check (value >= 1);\nalter table lines alter column qty type quantity;');
    expect(wider.checks.find((c) => c.kind === 'intact')?.message).toMatch(/lines\.qty was integer not null, it is now bigint not null/);
  });

  it('a rewrite that changes the values is caught, though no row is written', async () => {
    const r = await checkExercise(box, rule, 'create domain quantity as integer check (value >= 1);\nalter table lines alter column qty type quantity using qty + 1;');
    expect(r.passed).toBe(false);
    expect(r.checks.find((c) => c.kind === 'intact')?.message).toMatch(/the rows of lines were rewritten with other values/);
    // The same rewrite keeping the values is no change.
    const kept = await checkExercise(box, rule, 'alter table lines add constraint lines_qty_check check (qty >= 1);\nalter table lines alter column price type numeric(10,2) using price;\nvacuum full lines;');
    expect(kept.checks.find((c) => c.kind === 'intact')?.passed).toBe(true);
  });
});
