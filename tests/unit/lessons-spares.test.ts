// Spare copies (sandbox.ts): a check starts on a copy restored ahead of time, with the exercise's
// setup already run, and still sees nothing an earlier check did.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Chapter } from '../../src/lessons/format.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

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
  box = await ChapterSandbox.build(chapter, ['main'], await compiledPglite(), { spares: true, spareDelayMs: 10 });
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

  it('its copies run with the small shared_buffers of CHECKER_SETTINGS, spares and fresh ones alike', async () => {
    for (const mode of ['fresh', 'fresh'] as const) {
      await box.idle();
      await box.withDatabase('main', mode, async (db) => {
        const r = await db.query<{ shared_buffers: string }>('show shared_buffers');
        expect(r.rows[0].shared_buffers).toBe('16MB');
      });
    }
  }, 60_000);
});

describe('a read-only answer to an exercise with a setup', () => {
  const READ_ONLY = `---
title: Count the staged items
---

## Task

Count the rows of \`staging\` (see the setup) per quantity.

## Setup

\`\`\`sql
create table staging as select id, qty from items where id % 3 = 0;
\`\`\`

## Solution

\`\`\`sql
select qty, count(*) as n from staging group by qty;
\`\`\`

## Checks

\`\`\`yaml
- result: {}
\`\`\`

## Wrong answers

### All items

\`\`\`sql
select qty, count(*) as n from items group by qty;
\`\`\`

fails: result
`;
  let ro: ChapterSandbox;
  let roChapter: Chapter;
  beforeAll(async () => {
    [roChapter] = loadLessons({ 'lessons/r/chapter.md': CHAPTER, 'lessons/r/dataset.sql': DATASET, 'lessons/r/exercises/01-count.md': READ_ONLY });
    ro = await ChapterSandbox.build(roChapter, ['main', 'perturbed'], await compiledPglite(), { spares: true, spareDelayMs: 10 });
  }, 180_000);
  afterAll(() => ro?.close());

  it('runs on a warm copy with the setup run once, restoring nothing for later checks', async () => {
    const ex = roChapter.exercises[0];
    const first = await checkExercise(ro, ex, ex.solution);
    expect(first.passed, JSON.stringify(first.checks)).toBe(true);
    expect(first.timing.mode).toBe('shared');
    await ro.idle();
    const before = ro.resetTimes.length;
    for (const sql of ['select qty, count(id) as n from staging group by 1;', 'select qty, count(*) as n from items group by qty;']) {
      const r = await checkExercise(ro, ex, sql);
      expect(r.timing.mode).toBe('shared');
    }
    expect(ro.resetTimes.length).toBe(before);
    // The wrong one still fails (the setup's table is there, items is not staging).
    expect((await checkExercise(ro, ex, 'select qty, count(*) as n from items group by qty;')).passed).toBe(false);
    // A writing answer gets a fresh copy, with the setup; the warm copy is left as it was.
    const writes = await checkExercise(ro, ex, 'delete from staging where qty = 1;\nselect qty, count(*) as n from staging group by qty;');
    expect(writes.timing.mode).toBe('fresh');
    expect(writes.passed).toBe(false);
    expect((await checkExercise(ro, ex, ex.solution)).passed).toBe(true);
  }, 180_000);
});
