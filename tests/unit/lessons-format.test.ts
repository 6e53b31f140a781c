// The lesson format's new parts: sql checks, plan query lists, exact, asText, predicate: any,
// fails: intact, and the :perturbed placeholder of a dataset.
import { describe, it, expect } from 'vitest';
import { datasetSql, LessonError, loadLessons } from '../../src/lessons/loader.ts';
import { exerciseText } from '../support/exercise-text.ts';

const CHAPTER = `---
title: Format
order: 1
summary: For the tests.
---

# Text
`;

const DATASET = `select setseed(:seed);
create table t (id int primary key, d date not null);
insert into t select i, case when :perturbed then date '2024-01-01' else date '2024-01-01' + i end from generate_series(1, 10) i;
`;

const exercise = (checks: string, fails = 'result') =>
  exerciseText({ title: 'An exercise', task: 'Do it.', solution: 'select id from t;', checks, wrong: { title: 'Wrong', sql: 'select 1 as id;', fails } });

const load = (checks: string, fails?: string) =>
  loadLessons({ 'lessons/f/chapter.md': CHAPTER, 'lessons/f/dataset.sql': DATASET, 'lessons/f/exercises/01-x.md': exercise(checks, fails) })[0];

function problem(checks: string, fails?: string): string {
  try {
    load(checks, fails);
  } catch (e) {
    expect(e).toBeInstanceOf(LessonError);
    return (e as Error).message;
  }
  throw new Error('expected a LessonError');
}

describe('the lesson format', () => {
  it('reads sql checks, plan query lists and the new options', () => {
    const ch = load(`- result:
    asText: true
- sql:
    statements: 1
    forbids: [union, Subquery]
    requires: [group by]
    readsOnce: [t]
    creates: { index: 1 }
- plan:
    query:
      - select * from t where id = 1
      - select * from t where id = 7;
    uses: Index Scan
    exact: true
- catalog:
    index: { table: t, columns: [d], predicate: any }`, 'result, sql, intact');
    const [result, sql, plan, catalog] = ch.exercises[0].checks;
    expect(result).toEqual({ kind: 'result', asText: true });
    expect(sql).toEqual({ kind: 'sql', statements: 1, forbids: ['union', 'subquery'], requires: ['group by'], readsOnce: ['t'], creates: { index: 1 } });
    expect(plan).toMatchObject({ kind: 'plan', query: 'select * from t where id = 1', queries: ['select * from t where id = 7'], exact: true });
    expect(catalog).toMatchObject({ index: { predicate: 'any' } });
    expect(ch.exercises[0].wrongAnswers[0].fails).toEqual(['result', 'sql', 'intact']);
  });

  it('names the file and line of a bad sql check', () => {
    expect(problem('- sql:\n    forbids: [goto]')).toMatch(/01-x\.md:\d+: unknown construct "goto" in forbids \(known: subquery/);
    expect(problem('- sql:\n    statements: one')).toContain('statements');
    expect(problem('- sql: {}')).toContain('a sql check needs statements, forbids');
    expect(problem('- sql:\n    creates: [index]')).toContain('creates maps object kinds to counts');
    expect(problem('- intact: {}')).toContain('the intact check is implicit');
  });

  it('reads a behavior check for both copies, and refuses another value with its line', () => {
    const ch = load('- behavior:\n    sql: select 1\n    expect: ok\n    copies: both', 'behavior');
    expect(ch.exercises[0].checks[0]).toEqual({ kind: 'behavior', sql: 'select 1', expect: 'ok', copies: 'both' });
    expect(problem('- behavior:\n    sql: select 1\n    expect: ok\n    copies: second', 'behavior')).toMatch(/01-x\.md:\d+: copies is "main" \(the default\) or "both" \(got "second"\)/);
  });

  it('reads a constraint assertion\'s validated (true, false or any), a column\'s default none, and refuses another value with its line', () => {
    const ch = load(`- catalog:
    constraint: { table: t, type: check, contains: "id > 0", validated: false }
- catalog:
    constraint: { table: t, type: check, validated: any }
- catalog:
    column: { table: t, column: d, default: none }`, 'catalog');
    const [a, b, c] = ch.exercises[0].checks;
    expect(a).toMatchObject({ constraint: { contains: 'id > 0', validated: false } });
    expect(b).toMatchObject({ constraint: { validated: 'any' } });
    expect(c).toMatchObject({ column: { default: 'none' } });
    expect(problem('- catalog:\n    constraint: { table: t, type: check, validated: maybe }', 'catalog')).toMatch(/01-x\.md:\d+: validated is true, false or any/);
  });

  it('replaces :perturbed with true only on the second copy', () => {
    const ch = load('- result: {}');
    expect(datasetSql(ch, 'main')).toContain('case when false then');
    expect(datasetSql(ch, 'perturbed')).toContain('case when true then');
    expect(datasetSql(ch, 'perturbed')).toContain(`setseed(${ch.seeds.perturbed})`);
  });
});
