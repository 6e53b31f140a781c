// Answers around a column the task asks to add. The intact check and rows written without
// changing their values: a trigger and an UPDATE that fill a new column do what a reference's
// ADD COLUMN … GENERATED … STORED does by a rewrite (which the write counters do not see). Rows
// whose kept columns still hold their values are no change; an UPDATE that also changes an old
// column still is one. And an index check on the new column, when the learner indexed an
// expression instead and never added it, fails with a message instead of crashing the checker.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { CheckReport, Exercise } from '../../src/lessons/format.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const FILES: Record<string, string> = {
  'lessons/t/chapter.md': '---\ntitle: Backfill\norder: 9\nsummary: For the checker\'s tests.\n---\n\n# Notes\n',
  'lessons/t/dataset.sql': `select setseed(:seed);
create table notes (id int primary key, title text not null, body text);
insert into notes select i, 'note ' || i, case when random() < 0.1 then null else md5(random()::text) end from generate_series(1, 5000) i;
vacuum analyze notes;
`,
  'lessons/t/exercises/01-derived.md': `---
title: A derived column
---

## Task

Add a column \`label\` to \`notes\` that always holds the title and the body's first four letters.

## Solution

\`\`\`sql
alter table notes add column label text generated always as (title || ':' || coalesce(left(body, 4), '')) stored;
\`\`\`

## Checks

\`\`\`yaml
- catalog:
    column: { table: notes, column: label, type: text }
- behavior:
    sql: |
      do $$ begin
        if exists (select from notes where label is distinct from title || ':' || coalesce(left(body, 4), '')) then
          raise exception 'a label is wrong';
        end if;
      end $$;
    expect: ok
\`\`\`

## Wrong answers

### No column

\`\`\`sql
select 1 as x;
\`\`\`

fails: catalog
`,
  'lessons/t/exercises/02-indexed.md': `---
title: A derived column, indexed
---

## Task

Add a column \`label\` to \`notes\` that always holds the title and the body's first four letters, and index it.

## Solution

\`\`\`sql
alter table notes add column label text generated always as (title || ':' || coalesce(left(body, 4), '')) stored;
create index on notes (label);
\`\`\`

## Checks

\`\`\`yaml
- catalog:
    index: { table: notes, columns: [label] }
- catalog:
    index:
      - { table: notes, method: btree, columns: [label] }
      - { table: notes, method: hash, columns: [label] }
\`\`\`

## Wrong answers

### No column

\`\`\`sql
select 1 as x;
\`\`\`

fails: catalog
`,
};

const TRIGGER = `create function notes_label() returns trigger language plpgsql as $$
begin new.label := new.title || ':' || coalesce(left(new.body, 4), ''); return new; end $$;
create trigger notes_label before insert or update on notes for each row execute function notes_label();`;

let box: ChapterSandbox;
let ex: Exercise;
let indexed: Exercise;
const intact = (r: CheckReport) => r.checks.find((c) => c.kind === 'intact');

beforeAll(async () => {
  const [chapter] = loadLessons(FILES);
  [ex, indexed] = chapter.exercises;
  box = await ChapterSandbox.build(chapter, undefined, await compiledPglite());
}, 120_000);
afterAll(() => box?.close());

describe('rows written with the same values', () => {
  it('a trigger and a backfill of the new column pass the intact check', async () => {
    const r = await checkExercise(box, ex, `alter table notes add column label text;\n${TRIGGER}\nupdate notes set label = title || ':' || coalesce(left(body, 4), '');`);
    expect(intact(r)?.passed ?? true).toBe(true);
    expect(r.passed).toBe(true);
  });

  it('a backfill that also changes an old column fails it, and says so', async () => {
    const r = await checkExercise(box, ex, `alter table notes add column label text;\n${TRIGGER}\nupdate notes set label = title || ':' || coalesce(left(body, 4), ''), body = coalesce(body, '');`);
    expect(r.passed).toBe(false);
    expect(intact(r)?.passed).toBe(false);
    expect(intact(r)?.message).toMatch(/5000 rows were updated in notes/);
  });

  it('an update of an old column on one row is still a change', async () => {
    const r = await checkExercise(box, ex, `alter table notes add column label text generated always as (title || ':' || coalesce(left(body, 4), '')) stored;\nupdate notes set title = 'x' where id = 1;`);
    expect(intact(r)?.passed).toBe(false);
  });
});

describe('an index asked on a column the answer did not add', () => {
  it('fails the catalog checks with a message, in the single and the list form', async () => {
    const r = await checkExercise(box, indexed, "create index on notes ((title || ':' || coalesce(left(body, 4), '')));");
    expect(r.error).toBeUndefined();
    expect(r.passed).toBe(false);
    const catalog = r.checks.filter((c) => c.kind === 'catalog');
    expect(catalog).toHaveLength(2);
    for (const c of catalog) {
      expect(c.passed).toBe(false);
      expect(c.message).toMatch(/column "label" does not exist/i);
    }
  });
});
