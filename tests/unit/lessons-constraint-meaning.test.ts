// A constraint assertion reads what the constraint means, not its text: `contains` on a CHECK
// compares its AND-ed terms as parse trees (`quantity >= 1` is not in `quantity >= 10`), and on
// other constraints whole tokens (`'z'` is not in `'zz'`); a constraint must be validated unless
// the exercise asks for NOT VALID, NOT ENFORCED never counts, a NOT NULL added NOT VALID is no
// NOT NULL yet, and a partial exclusion constraint is not the one asked for.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { conjuncts, containsTokens } from '../../src/lessons/sql-shape.ts';
import type { CheckReport, Exercise } from '../../src/lessons/format.ts';
import { exerciseText } from '../support/exercise-text.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const exercise = (title: string, solution: string, checks: string) =>
  exerciseText({ title, solution, checks, wrong: { title: 'Nothing', sql: 'select 1 as x;', fails: 'catalog' } });

const FILES: Record<string, string> = {
  'lessons/c/chapter.md': '---\ntitle: Constraints\norder: 9\nsummary: For the checker\'s tests.\n---\n\n# Rules\n',
  'lessons/c/dataset.sql': `select setseed(:seed);
create table lines (id int primary key, qty int not null, status text not null, note text);
insert into lines select i, 10 + (random() * 9)::int, case when i % 3 = 0 then 'ab' else 'a' end, 'n' || i from generate_series(1, 400) i;
create table parents (id int primary key);
insert into parents select generate_series(1, 10);
create table children (id int primary key, parent_id int not null);
insert into children select i, 1 + i % 10 from generate_series(1, 100) i;
create table slots (id int primary key, room int not null, during int4range not null);
insert into slots select i, i % 8, int4range(i * 10, i * 10 + 5) from generate_series(1, 200) i;
create table prices (id int primary key, amount numeric(10,2) not null);
insert into prices select i, 1 + i from generate_series(1, 50) i;
vacuum analyze lines, parents, children, slots, prices;
`,
  'lessons/c/exercises/01-qty.md': exercise('Refuse a quantity below 1', 'alter table lines add check (qty >= 1);', `- catalog:
    constraint: { table: lines, type: check, contains: "qty >= 1" }`),
  'lessons/c/exercises/02-status.md': exercise("Refuse the status 'z'", "alter table lines add check (status <> 'z');", `- catalog:
    constraint: { table: lines, type: check, contains: "status <> 'z'" }`),
  'lessons/c/exercises/03-new-rows.md': exercise('Check new quantities only', 'alter table lines add check (qty >= 1) not valid;', `- catalog:
    constraint: { table: lines, type: check, contains: "qty >= 1", validated: false }`),
  'lessons/c/exercises/04-fk.md': exercise('Children go with their parent',
    'alter table children add foreign key (parent_id) references parents (id) on delete cascade;', `- catalog:
    constraint: { table: children, type: foreign key, columns: [parent_id], contains: "references parents(id) on delete cascade" }`),
  'lessons/c/exercises/05-note.md': exercise('Every line has a note', 'alter table lines alter column note set not null;', `- catalog:
    column: { table: lines, column: note, notNull: true }`),
  'lessons/c/exercises/06-slots.md': exercise('No two slots overlap', 'alter table slots add constraint slots_no_overlap exclude using gist (during with &&);', `- catalog:
    constraint: { table: slots, type: exclusion, contains: "during WITH &&" }`),
  'lessons/c/exercises/07-amount.md': exercise('Refuse an amount below 1', 'alter table prices add check (amount >= 1);', `- catalog:
    constraint: { table: prices, type: check, contains: "amount >= 1" }`),
  'lessons/c/exercises/08-big-lines.md': exercise('Index the big lines', 'create index on lines (status) where qty >= 15;', `- catalog:
    index: { table: lines, columns: [status], predicate: "qty >= 15" }`),
};

const catalog = (r: CheckReport) => r.error?.message ?? r.checks.filter((c) => c.kind === 'catalog' && !c.passed).map((c) => c.message).join(' | ');

let box: ChapterSandbox;
let qty: Exercise, status: Exercise, newRows: Exercise, fk: Exercise, note: Exercise, slots: Exercise, amount: Exercise, bigLines: Exercise;
beforeAll(async () => {
  const [chapter] = loadLessons(FILES);
  [qty, status, newRows, fk, note, slots, amount, bigLines] = chapter.exercises;
  box = await ChapterSandbox.build(chapter, undefined, await compiledPglite());
}, 120_000);
afterAll(() => box?.close());

async function passes(ex: Exercise, sql: string) {
  const r = await checkExercise(box, ex, sql);
  expect(r.passed, `${sql}: ${catalog(r)}`).toBe(true);
}
async function fails(ex: Exercise, sql: string, why: RegExp) {
  const r = await checkExercise(box, ex, sql);
  expect(r.passed, sql).toBe(false);
  expect(catalog(r)).toMatch(why);
  return catalog(r);
}

describe('contains on a CHECK compares terms, not text', () => {
  it('the rule written another way is found: operands swapped, among other terms, as BETWEEN', async () => {
    for (const sql of [
      'alter table lines add check (1 <= qty);',
      'alter table lines add constraint lines_rules check (status <> \'z\' and qty >= 1);',
      'alter table lines add check (qty between 1 and 100);',
    ]) await passes(qty, sql);
  });

  it('on an integer column a strict bound is the next integer: qty > 0 is qty >= 1, qty > 1 is not', async () => {
    for (const sql of ['alter table lines add check (qty > 0);', 'alter table lines add check (0 < qty);', 'alter table lines add check (qty > 0 and qty < 1000);']) await passes(qty, sql);
    await fails(qty, 'alter table lines add check (qty > 1);', /^No check constraint on lines with qty >= 1\./);
    // On numeric, 0.5 > 0 but not >= 1: the two rules differ.
    await passes(amount, 'alter table prices add check (1 <= amount);');
    await fails(amount, 'alter table prices add check (amount > 0);', /^No check constraint on prices with amount >= 1\./);
    const ints = new Set(['qty']);
    expect(await conjuncts('(qty > 0)', ints)).toEqual(await conjuncts('(qty >= 1)', ints));
    expect(await conjuncts('(5 > qty)', ints)).toEqual(await conjuncts('(qty <= 4)', ints));
    expect(await conjuncts('(qty > -1)', ints)).toEqual(await conjuncts('(qty >= 0)', ints));
    expect(await conjuncts('(qty > 0)')).not.toEqual(await conjuncts('(qty >= 1)'));
  });

  it('so is a partial index predicate: where qty > 14 is where qty >= 15, where qty > 15 is not', async () => {
    await passes(bigLines, 'create index on lines (status) where qty > 14;');
    await passes(bigLines, 'create index on lines (status) where 14 < qty;');
    const r = await checkExercise(box, bigLines, 'create index on lines (status) where qty > 15;');
    expect(r.passed).toBe(false);
  });

  it('a near miss is not: a longer number, the rule negated, another string', async () => {
    await fails(qty, 'alter table lines add check (qty >= 10);', /^No check constraint on lines with qty >= 1\. The check constraints on lines: lines_qty_check CHECK \(qty >= 10\)/);
    await fails(qty, 'alter table lines add check (qty >= 1 or qty <= 0) not valid;\nalter table lines validate constraint lines_qty_check;', /^No check constraint on lines with qty >= 1\./);
    await fails(status, "alter table lines add check (status <> 'zz');", /^No check constraint on lines with status <> 'z'\./);
    await passes(status, "alter table lines add check ('z' <> status);");
  });

  it('the pure helpers: terms of an AND, tokens in a row', async () => {
    expect(await conjuncts('a >= 1 and (b = 2 and c)')).toHaveLength(3);
    expect((await conjuncts('a >= 1'))![0]).toBe((await conjuncts('1 <= a'))![0]);
    expect(await conjuncts('a >= 1) or (b')).toBeUndefined();
    expect(await containsTokens('FOREIGN KEY (parent_id) REFERENCES parents(id) ON DELETE CASCADE', 'references parents (id) on delete cascade')).toBe(true);
    expect(await containsTokens('CHECK ((qty >= 10))', 'qty >= 1')).toBe(false);
    expect(await containsTokens("CHECK ((status <> 'zz'::text))", "status <> 'z'")).toBe(false);
    expect(await containsTokens('EXCLUDE USING gist (during WITH &&)', 'during with &&')).toBe(true);
    expect(await containsTokens('EXCLUDE USING gist ("Room" WITH =)', 'room with =')).toBe(false);
  });
});

describe('validated, enforced, partial', () => {
  it('NOT VALID fails by default, says so, and the printed VALIDATE makes it pass', async () => {
    const add = 'alter table lines add constraint lines_qty_check check (qty >= 1) not valid;';
    const msg = await fails(qty, add, /lines_qty_check \(CHECK \(qty >= 1\) NOT VALID\) was added NOT VALID and never validated/);
    const fix = /Prove them: (ALTER TABLE .*;)/.exec(msg)![1];
    await passes(qty, `${add}\n${fix}`);
  });

  it('validated: false asks for NOT VALID, and a validated one fails it', async () => {
    await passes(newRows, 'alter table lines add check (qty >= 1) not valid;');
    await fails(newRows, 'alter table lines add check (qty >= 1);', /is validated, and the task asks for it NOT VALID/);
  });

  it('a foreign key: NOT VALID and NOT ENFORCED fail, another action fails, the default columns pass', async () => {
    await passes(fk, 'alter table children add constraint children_parent_fk foreign key (parent_id) references parents on delete cascade;');
    const add = 'alter table children add constraint children_parent_id_fkey foreign key (parent_id) references parents (id) on delete cascade not valid;';
    const msg = await fails(fk, add, /was added NOT VALID and never validated/);
    await passes(fk, `${add}\n${/Prove them: (ALTER TABLE .*;)/.exec(msg)![1]}`);
    const idle = 'alter table children add constraint children_parent_id_fkey foreign key (parent_id) references parents (id) on delete cascade not enforced;';
    const why = await fails(fk, idle, /is declared NOT ENFORCED, so PostgreSQL checks no row against it/);
    await passes(fk, `${idle}\n${/Declare it again without that: (ALTER TABLE .*;)$/.exec(why)![1]}`);
    await fails(fk, 'alter table children add foreign key (parent_id) references parents (id) on delete set null;', /^No foreign key constraint on children \(parent_id\) with references parents\(id\) on delete cascade\./);
  });

  it('a NOT NULL added NOT VALID is not yet a NOT NULL column', async () => {
    const add = 'alter table lines add constraint lines_note_not_null not null note not valid;';
    const msg = await fails(note, add, /its NOT NULL constraint lines_note_not_null was added NOT VALID and never validated/);
    await passes(note, `${add}\n${/\((ALTER TABLE .*;) proves them\)/.exec(msg)![1]}`);
  });

  it('a partial exclusion constraint is not the one asked for', async () => {
    await passes(slots, 'alter table slots add exclude using gist (during with &&);');
    const partial = 'alter table slots add constraint slots_no_overlap exclude using gist (during with &&) where (room < 4);';
    const msg = await fails(slots, partial, /slots_no_overlap \(.*\) is partial, so the rows outside its WHERE are never checked/);
    await passes(slots, `${partial}\n${/without the WHERE: (ALTER TABLE .*;)$/.exec(msg)![1]}`);
  });
});
