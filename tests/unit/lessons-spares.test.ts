// Spare copies (sandbox.ts): a check starts on a copy restored ahead of time, with the exercise's
// setup already run, and still sees nothing an earlier check did.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Chapter } from '../../src/lessons/format.ts';

const CHAPTER = `---
title: Spares
order: 9
summary: For the checker's tests.
---

# Items
`;
const DATASET = `select setseed(:seed);
create table items (id int primary key, label text not null, qty int not null);
insert into items select i, 'item ' || i, random(1, 9) from generate_series(1, 3000) i;
vacuum analyze items;
`;
const EXERCISE = `---
title: Index the labels of the staging table
---

## Task

Index \`staging\` (see the setup) for lookups by label.

## Setup

\`\`\`sql
create table staging as select id, label from items where id % 3 = 0;
\`\`\`

## Solution

\`\`\`sql
create index on staging (label);
\`\`\`

## Checks

\`\`\`yaml
- catalog:
    index: { table: staging, columns: [label] }
\`\`\`

## Wrong answers

### No index

\`\`\`sql
select 1;
\`\`\`

fails: catalog
`;

let box: ChapterSandbox;
let chapter: Chapter;

beforeAll(async () => {
  [chapter] = loadLessons({ 'lessons/s/chapter.md': CHAPTER, 'lessons/s/dataset.sql': DATASET, 'lessons/s/exercises/01-staging.md': EXERCISE });
  box = await ChapterSandbox.build(chapter, ['main'], {}, { spares: true, spareDelayMs: 10 });
}, 120_000);
afterAll(() => box?.close());

describe('spare copies', () => {
  it('a check starts on a spare with the setup run, and sees nothing the last check did', async () => {
    const ex = chapter.exercises[0];
    // The first check builds the reference's changes and the baseline too.
    const wrong = await checkExercise(box, ex, 'create index on staging (label);\ndrop table items cascade;');
    expect(wrong.passed).toBe(false);
    expect(wrong.checks.find((c) => c.kind === 'intact')?.message).toContain('the table items is gone');
    await box.idle();
    const before = box.resetTimes.length;
    const right = await checkExercise(box, ex, ex.solution);
    expect(right.error).toBeUndefined();
    expect(right.passed).toBe(true);
    // It waited for no restore: the spare was ready, with staging in it.
    expect(box.resetTimes.slice(before)).toEqual([0]);
    await box.idle();
    const none = await checkExercise(box, ex, 'select count(*) from staging;');
    expect(none.checks.find((c) => c.kind === 'catalog')?.passed).toBe(false);
    expect(box.resetTimes.slice(before)).toEqual([0, 0]);
  }, 120_000);

  it('a spare made for another setup is not used', async () => {
    await box.idle();
    const before = box.resetTimes.length;
    await box.withDatabase('main', 'fresh', async (db) => {
      const r = await db.query<{ t: string | null }>("select to_regclass('staging')::text as t");
      expect(r.rows[0].t).toBeNull();
    });
    expect(box.resetTimes.slice(before)).toHaveLength(1);
    expect(box.resetTimes[before]).toBeGreaterThan(0);
  }, 60_000);
});
