// `result: { every: true }`: a task that asks for several queries is judged on each of them, not
// only on the last (a first statement `select 1;` passed "first the authors, then their posts").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExercise, compareEarlier } from '../../src/lessons/checker.ts';
import { loadLessons } from '../../src/lessons/loader.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Exercise, ResultSet } from '../../src/lessons/format.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const rs = (columns: string[], rows: (string | null)[][]): ResultSet => ({ columns, types: columns.map(() => 'integer'), rows });

describe('compareEarlier', () => {
  const expected = [rs(['id'], [['1'], ['2']]), rs(['n'], [['5']])];
  it('passes when every earlier set holds the expected rows, in any order', () => {
    expect(compareEarlier(expected, [rs(['id'], [['2'], ['1']]), rs(['n'], [['9']])], { kind: 'result', every: true })).toBeUndefined();
  });
  it('names the query whose rows differ, and a wrong number of result sets', () => {
    const o = compareEarlier(expected, [rs(['id'], [['1']]), rs(['n'], [['5']])], { kind: 'result', every: true });
    expect(o?.passed).toBe(false);
    expect(o?.message).toMatch(/^Query 1 of 2: /);
    expect(compareEarlier(expected, [rs(['n'], [['5']])], { kind: 'result', every: true })?.message).toMatch(/returns 1 result set; the task asks for 2 queries/);
    // A look-around query before the answer is not one of its queries.
    expect(compareEarlier(expected, [rs(['x'], []), rs(['id'], [['1'], ['2']]), rs(['n'], [['5']])], { kind: 'result', every: true })).toBeUndefined();
  });
});

describe('result every: true, through the checker on both copies', () => {
  const files = {
    'lessons/e/chapter.md': '---\ntitle: E\norder: 1\nsummary: s\ndataset: dataset.sql\n---\n\n# E\n',
    'lessons/e/dataset.sql': 'select setseed(:seed);\ncreate table parents (id int primary key, name text not null);\ncreate table children (id int primary key, parent_id int not null references parents, name text not null);\ninsert into parents select g, \'p\' || g from generate_series(1, 50) g;\ninsert into children select g, 1 + (random() * 49)::int, \'c\' || g from generate_series(1, 300) g;\n',
    'lessons/e/exercises/01-two.md': '---\ntitle: Two\n---\n\n## Task\n\nThe parents 10 to 12, then their children.\n\n## Solution\n\n```sql\nselect id, name from parents where id between 10 and 12;\nselect parent_id, id, name from children where parent_id in (10, 11, 12);\n```\n\n## Explanation\n\nTwo queries.\n\n## Checks\n\n```yaml\n- result:\n    columns: [parent_id, id, name]\n    every: true\n```\n\n## Wrong answers\n\n### Only the children\n\n```sql\nselect parent_id, id, name from children where parent_id in (10, 11, 12);\n```\n\nfails: result\n\nThe parents were asked for first.\n',
  };
  let box: ChapterSandbox;
  let ex: Exercise;
  beforeAll(async () => {
    const [c] = loadLessons(files);
    ex = c.exercises[0];
    box = await ChapterSandbox.build(c, undefined, await compiledPglite());
  }, 300_000);
  afterAll(() => box?.close());

  it('loads the option', () => {
    expect(ex.checks[0]).toMatchObject({ kind: 'result', every: true });
  });

  it('a wrong first query fails even when the last is right; both right passes', async () => {
    const last = '\nselect parent_id, id, name from children where parent_id in (10, 11, 12);';
    const ok = await checkExercise(box, ex, 'select name, id from parents where id >= 10 and id <= 12 order by id;' + last);
    expect(ok.passed, JSON.stringify(ok.checks)).toBe(true);
    for (const first of ['select 1 as id, \'x\' as name;', 'select id, name from parents where id between 10 and 13;']) {
      const r = await checkExercise(box, ex, first + last);
      expect(r.passed, first).toBe(false);
      expect(r.checks.find((c) => c.kind === 'result')!.message).toMatch(/Query 1 of 2/);
    }
    expect((await checkExercise(box, ex, last.trim())).passed).toBe(false);
  });
});
