import { it, expect, afterAll, describe } from 'vitest';
import { Session } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

// `select;`, `select from t` and `select … into t from …` answer with a row description that has
// no columns, or with none at all: valid SQL that used to be taken for a dead database (issues 12, 20).
const engine = await localEngine();
afterAll(() => engine.db.close().catch(() => {}));

describe('statements with an empty row description', () => {
  it('run on, with psql\'s tags, and the database stays up', async () => {
    const session = new Session(engine);
    const report = await session.run(
      'create table s(a int); insert into s values (1), (2), (3);\nselect * into d from s;\nselect;\nselect from s;\nselect count(*) as n from d;',
    );
    expect(report.broken).toBe(false);
    expect(report.stopped).toBe(false);
    expect(report.results.map((r) => r.tag)).toEqual(['CREATE TABLE', 'INSERT 0 3', 'SELECT 3', 'SELECT 1', 'SELECT 3', 'SELECT 1']);
    expect(report.results.every((r) => !r.error)).toBe(true);
    expect(report.results[2].rowCount).toBe(3);
    expect(report.results[3]).toMatchObject({ columns: [], rowCount: 1 });
    expect(report.results[5].rows).toEqual([['3']]);
    expect(report.catalogChanged).toBe(true);
  });
  // The other side, a dead instance still called broken, is session-broken.test.ts.
});

const CHAPTER = `---
title: Empty rows
order: 1
summary: For the test.
---

# Intro

\`\`\`sql
select count(*) from s;
\`\`\`
`;
const EXERCISE = `---
title: Copy the table
---

## Task

Copy s into a new table d with SELECT INTO.

## Hints

1. select * into.

## Solution

\`\`\`sql
select * into d from s;
\`\`\`

## Explanation

SELECT INTO creates a table.

## Wrong answers

### Copies nothing

\`\`\`sql
select 1;
\`\`\`

fails: behavior

## Checks

\`\`\`yaml
- behavior:
    sql: select 1 from d
    expect: ok
\`\`\`
`;

describe('the lesson checker (issue 12)', () => {
  it('checks an answer that uses SELECT INTO instead of calling the database broken', async () => {
    const [chapter] = loadLessons({
      'lessons/empty/chapter.md': CHAPTER,
      'lessons/empty/dataset.sql': 'select setseed(:seed);\ncreate table s(a int);\ninsert into s select generate_series(1, 10);\n',
      'lessons/empty/exercises/01-copy.md': EXERCISE,
    });
    const box = await ChapterSandbox.build(chapter, undefined, await compiledPglite());
    try {
      const r = await checkExercise(box, chapter.exercises[0], 'select * into d from s;\nselect;');
      expect(r.error).toBeUndefined();
      expect(r.passed).toBe(true);
    } finally {
      await box.close();
    }
  }, 120_000);
});
