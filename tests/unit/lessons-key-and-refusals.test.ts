// Two ways a check accepts every right design of one rule: a catalog constraint of type `key` (the
// primary key, or a unique constraint on NOT NULL columns beside a surrogate key), and a behavior
// check whose `expect` lists the conditions that all mean "refused" (a CHECK, an enum, a lookup
// table). Real PGlite, a small chapter.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Chapter } from '../../src/lessons/format.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const exercise = `---\ntitle: Roles\n---\n\n## Task\n\nCreate \`staff (email, team, role)\`: one row per email and team, role one of 'dev' and 'ops'.\n\n## Solution\n\n\`\`\`sql\ncreate table staff (email text, team text, role text not null check (role in ('dev', 'ops')), primary key (email, team));\n\`\`\`\n\n## Explanation\n\nA key and a rule.\n\n## Checks\n\n\`\`\`yaml
- catalog:
    constraint: { table: staff, type: key, columns: [email, team] }
- behavior:
    description: An unknown role
    sql: insert into staff values ('a@x.test', 't', 'boss')
    expect: [check_violation, invalid_text_representation, foreign_key_violation]
\`\`\`\n\n## Wrong answers\n\n### No rule on the role\n\n\`\`\`sql\ncreate table staff (email text, team text, role text not null, primary key (email, team));\n\`\`\`\n\nfails: behavior\n`;

const files = {
  'lessons/k/chapter.md': '---\ntitle: K\norder: 1\nsummary: s\ndataset: dataset.sql\n---\n\n# K\n',
  'lessons/k/dataset.sql': 'select setseed(:seed);\ncreate table teams (name text primary key);\ninsert into teams values (\'t\');\n',
  'lessons/k/exercises/01-roles.md': exercise,
};

let box: ChapterSandbox;
let chapter: Chapter;
beforeAll(async () => {
  [chapter] = loadLessons(files);
  box = await ChapterSandbox.build(chapter, ['main'], await compiledPglite());
}, 120_000);
afterAll(() => box?.close());

const outcome = async (sql: string, kind: string) => (await checkExercise(box, chapter.exercises[0], sql)).checks.find((c) => c.kind === kind)!;

describe('a key: the primary key, or a unique constraint on NOT NULL columns', () => {
  it('accepts the primary key and a surrogate key with the pair unique and not null', async () => {
    expect((await outcome("create table staff (email text, team text, role text not null check (role in ('dev', 'ops')), primary key (team, email));", 'catalog')).passed).toBe(true);
    const surrogate = await outcome("create table staff (id int generated always as identity primary key, email text not null, team text not null, role text not null check (role in ('dev', 'ops')), unique (email, team));", 'catalog');
    expect(surrogate.passed).toBe(true);
    expect(surrogate.message).toMatch(/^Found staff_email_team_key: UNIQUE \(email, team\)\.$/);
  });

  it('refuses a unique constraint on a nullable column, and says which column', async () => {
    const o = await outcome("create table staff (id int primary key, email text not null, team text, role text not null check (role in ('dev', 'ops')), unique (email, team));", 'catalog');
    expect(o.passed).toBe(false);
    expect(o.message).toBe('No key (a primary key, or a unique constraint on NOT NULL columns) on staff (email, team): staff_email_team_key (UNIQUE (email, team)) is on team, which may be null, and a key\'s columns never are.');
  });

  it('refuses a key on other columns, listing the keys the table has', async () => {
    const o = await outcome("create table staff (id int primary key, email text not null, team text not null, role text not null check (role in ('dev', 'ops')));", 'catalog');
    expect(o.passed).toBe(false);
    expect(o.message).toBe('No key (a primary key, or a unique constraint on NOT NULL columns) on staff (email, team). The primary key and unique constraints on staff: staff_pkey PRIMARY KEY (id).');
  });
});

describe('expect: a list of the conditions that mean refused', () => {
  it('passes with any listed condition: a CHECK, an enum, a lookup table', async () => {
    expect((await outcome("create table staff (email text, team text, role text not null check (role in ('dev', 'ops')), primary key (email, team));", 'behavior')).passed).toBe(true);
    const en = await outcome("create type staff_role as enum ('dev', 'ops'); create table staff (email text, team text, role staff_role not null, primary key (email, team));", 'behavior');
    expect(en.passed).toBe(true);
    expect(en.message).toMatch(/^An unknown role: rejected with invalid_text_representation: /);
    expect((await outcome("create table roles (role text primary key); insert into roles values ('dev'), ('ops'); create table staff (email text, team text, role text not null references roles, primary key (email, team));", 'behavior')).passed).toBe(true);
  });

  it('fails when the statement succeeds, or fails for a reason not listed, naming every accepted condition', async () => {
    const ok = await outcome('create table staff (email text, team text, role text not null, primary key (email, team));', 'behavior');
    expect(ok.passed).toBe(false);
    expect(ok.message).toBe('An unknown role: should fail with check_violation (SQLSTATE 23514) or invalid_text_representation (SQLSTATE 22P02) or foreign_key_violation (SQLSTATE 23503), but it succeeded.');
    const short = await outcome('create table staff (email text, team text, role varchar(3) not null, primary key (email, team));', 'behavior');
    expect(short.passed).toBe(false);
    expect(short.message).toMatch(/but it failed with string_data_right_truncation: /);
  });

  it('the loader refuses an empty list or a list with "ok" or an unknown name', () => {
    for (const bad of ['[]', '[ok, check_violation]', '[check_violation, no_such_condition]']) {
      const f = { ...files, 'lessons/k/exercises/01-roles.md': exercise.replace('[check_violation, invalid_text_representation, foreign_key_violation]', bad) };
      expect(() => loadLessons(f), bad).toThrow(/expect/);
    }
  });
});
