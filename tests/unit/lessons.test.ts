import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { LessonError, loadLessons, datasetSql } from '../../src/lessons/loader.ts';
import { parseYaml } from '../../src/lessons/yaml.ts';
import { checkExercise, compareResults } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';
import type { Chapter, Exercise } from '../../src/lessons/format.ts';

// A tiny chapter, so the test builds in well under a second.
const CHAPTER = `---
title: Test chapter
order: 3
summary: For the tests.
---

# Intro

\`\`\`sql
select count(*) from items;
\`\`\`
`;

const DATASET = `select setseed(:seed);
create table items (id int primary key, category text not null, price numeric(8,2) not null, sku text not null);
insert into items select i, (array['a','b','c'])[random(1, 3)], round((random() * 100)::numeric, 2), 'SKU' || i
from generate_series(1, 20000) i;
vacuum analyze items;
`;

const exercise = (checks: string, extra = '') => `---
title: An exercise
---

## Task

Return the number of items per category.

${extra}
## Hints

1. Use group by.
2. Count the rows.

## Solution

\`\`\`sql
select category, count(*) as n from items group by category order by category;
\`\`\`

## Explanation

Grouping.

## Checks

\`\`\`yaml
${checks}
\`\`\`

## Wrong answers

### Forgets the grouping

\`\`\`sql
select 'a' as category, count(*) as n from items;
\`\`\`

fails: result
`;

function files(ex: Record<string, string>, chapter = CHAPTER, dataset = DATASET): Record<string, string> {
  const out: Record<string, string> = { 'lessons/test/chapter.md': chapter, 'lessons/test/dataset.sql': dataset };
  for (const [name, text] of Object.entries(ex)) out[`lessons/test/exercises/${name}`] = text;
  return out;
}

function loadError(f: Record<string, string>): string {
  try {
    loadLessons(f);
  } catch (e) {
    expect(e).toBeInstanceOf(LessonError);
    return (e as Error).message;
  }
  throw new Error('expected a LessonError');
}

describe('yaml subset', () => {
  it('reads block and flow collections, scalars, comments and block text', () => {
    const v = parseYaml(`- result:
    ordered: true   # order matters
    columns: [id, "name"]
- plan: { query: "select 1", maxCost: 10.5 }
- behavior:
    sql: >
      insert into t
      values (1)
    expect: '23505'
- result`);
    expect(v).toEqual([
      { result: { ordered: true, columns: ['id', 'name'] } },
      { plan: { query: 'select 1', maxCost: 10.5 } },
      { behavior: { sql: 'insert into t values (1)\n', expect: '23505' } },
      'result',
    ]);
  });

  it('names the line of a mistake', () => {
    expect(() => parseYaml('a: 1\n  b: 2', 10)).toThrow(/line 11/);
  });
});

describe('loadLessons', () => {
  it('loads a chapter, its SQL blocks, its exercise sections and its checks', () => {
    const [ch] = loadLessons(files({ '01-count.md': exercise('- result:\n    ordered: true\n- plan:\n    avoids: Seq Scan\n    relation: items') }));
    expect(ch).toMatchObject({ id: 'test', title: 'Test chapter', order: 3, datasetFile: 'dataset.sql' });
    expect(ch.blocks).toEqual([{ sql: 'select count(*) from items;', line: 9 }]);
    const ex = ch.exercises[0];
    expect(ex).toMatchObject({ id: 'test/count', number: 1, slug: 'count', title: 'An exercise', hints: ['Use group by.', 'Count the rows.'], isolation: 'auto' });
    expect(ex.task).toContain('number of items');
    expect(ex.checks).toEqual([{ kind: 'result', ordered: true }, { kind: 'plan', avoids: ['Seq Scan'], relation: 'items' }]);
    expect(ex.wrongAnswers).toEqual([{ title: 'Forgets the grouping', sql: "select 'a' as category, count(*) as n from items;", fails: ['result'], why: '' }]);
    expect(datasetSql(ch, 'main')).toContain('setseed(0.42)');
    expect(datasetSql(ch, 'perturbed')).not.toContain('setseed(0.42)');
  });

  it('reports every malformed file with its path, line and what is expected', () => {
    const msg = loadError(files({
      '01-a.md': exercise('- reslt: {}'),
      '02-b.md': exercise('- plan:\n    uses: Index Scna'),
      '03-c.md': exercise('- result').replace('## Solution', '## Soluton'),
      'bad name.md': exercise('- result'),
      '05-e.md': exercise('- result').replace('fails: result', 'fails: plan'),
      '06-f.md': exercise('- catalog:\n    index: { table: items, method: bitmap }'),
      '07-g.md': exercise('- behavior:\n    sql: select 1\n    expect: sometimes'),
      '08-h.md': exercise('- result').replace(/## Wrong answers[\s\S]*$/, ''),
      '09-i.md': exercise('- result:\n    ordered: maybe'),
    }));
    expect(msg).toContain('01-a.md:');
    expect(msg).toContain('unknown check "reslt"');
    expect(msg).toContain('unknown plan node type "Index Scna"');
    expect(msg).toContain('unknown section "## Soluton"');
    expect(msg).toContain('bad name.md: exercise files are named NN-slug.md');
    expect(msg).toContain('"fails: plan" but the exercise has no plan check');
    expect(msg).toContain('unknown index method "bitmap"');
    expect(msg).toContain('expect is "ok", a SQLSTATE');
    expect(msg).toContain('"## Wrong answers" is missing or empty');
    expect(msg).toContain('ordered is true or false');
    expect(msg).toMatch(/02-b\.md:\d+: unknown plan node type/);
  });

  it('rejects a chapter without front matter, a missing dataset and a dataset without :seed', () => {
    expect(loadError(files({}, '# no front matter'))).toContain('must start with front matter');
    expect(loadError({ 'lessons/test/chapter.md': CHAPTER })).toContain('the dataset file "dataset.sql" does not exist');
    expect(loadError(files({}, CHAPTER, 'select setseed(0.5);'))).toContain('must call setseed(:seed)');
    expect(loadError({ 'lessons/x/exercises/01-a.md': exercise('- result') })).toContain('has no chapter.md');
  });

  it('reads the extensions a chapter uses, and names the shipped ones when one is unknown', () => {
    const withExt = (list: string) => CHAPTER.replace('order: 3', `order: 3\nextensions: ${list}`);
    expect(loadLessons(files({}, withExt('[btree_gist, pgcrypto]')))[0].extensions).toEqual(['btree_gist', 'pgcrypto']);
    expect(loadLessons(files({}))[0].extensions).toEqual([]);
    const msg = loadError(files({}, withExt('[postgis]')));
    expect(msg).toContain('lessons/test/chapter.md:2');
    expect(msg).toContain('does not ship the extension "postgis"');
    expect(msg).toContain('pg_trgm');
  });

  it('refuses a dataset that creates an extension the front matter does not list, naming its line', () => {
    const dataset = 'select setseed(:seed);\n\ncreate extension if not exists pg_trgm;\ncreate table t (a int);';
    const msg = loadError(files({}, CHAPTER, dataset));
    expect(msg).toContain('dataset.sql:3');
    expect(msg).toContain('creates the extension pg_trgm');
    const declared = CHAPTER.replace('order: 3', 'order: 3\nextensions: [pg_trgm]');
    expect(loadLessons(files({}, declared, dataset))[0].extensions).toEqual(['pg_trgm']);
  });
});

describe('compareResults', () => {
  const expected = { columns: ['category', 'n'], rows: [['a', '1'], ['b', '2'], ['b', '2'], ['c', '3']] };
  it('compares multisets and lists missing and extra rows', () => {
    const o = compareResults(expected, { columns: ['category', 'n'], rows: [['a', '1'], ['b', '2'], ['c', '4'], ['d', null]] }, { kind: 'result' });
    expect(o.passed).toBe(false);
    expect(o.details.missingRows).toEqual([['b', '2'], ['c', '3']]);
    expect(o.details.extraRows).toEqual([['c', '4'], ['d', null]]);
    expect(o.message).toContain('2 expected rows are missing');
  });
  it('ignores order unless asked, and then checks only the ORDER BY keys', () => {
    const shuffled = { columns: ['category', 'n'], rows: [['c', '3'], ['b', '2'], ['a', '1'], ['b', '2']] };
    expect(compareResults(expected, shuffled, { kind: 'result' }).passed).toBe(true);
    const o = compareResults(expected, shuffled, { kind: 'result', ordered: true }, ['category']);
    expect(o.passed).toBe(false);
    expect(o.details.orderMismatchAt).toBe(0);
    // Ties on the key may come in any order.
    const ties = { columns: ['k', 'v'], rows: [['1', 'x'], ['1', 'y'], ['2', 'z']] };
    expect(compareResults(ties, { columns: ['k', 'v'], rows: [['1', 'y'], ['1', 'x'], ['2', 'z']] }, { kind: 'result', ordered: true }, ['k']).passed).toBe(true);
  });
  it('checks the column names the task asks for, in any order', () => {
    const o = compareResults(expected, { columns: ['category', 'count'], rows: expected.rows }, { kind: 'result', columns: ['category', 'n'] });
    expect(o.details.wrongColumns).toEqual({ missing: ['n'], unexpected: ['count'] });
    const swapped = { columns: ['n', 'category'], rows: expected.rows.map(([a, b]) => [b, a]) };
    expect(compareResults(expected, swapped, { kind: 'result', columns: ['category', 'n'] }).passed).toBe(true);
  });
});

describe('checkExercise on real PGlite', () => {
  let box: ChapterSandbox;
  let chapter: Chapter;
  const ex = (n: number) => chapter.exercises.find((e) => e.number === n) as Exercise;

  beforeAll(async () => {
    [chapter] = loadLessons(files({
      '01-count.md': exercise('- result:\n    ordered: true\n    columns: [category, n]'),
      '02-index.md': exercise(`- catalog:
    index: { table: items, method: btree, columns: [sku] }
- plan:
    query: select * from items where sku = 'SKU42'
    uses: [Index Scan, Bitmap Heap Scan]
    relation: items
- catalog:
    column: { table: items, column: price, type: "numeric(8,2)", notNull: true }
- catalog:
    constraint: { table: items, type: check, contains: "price >= 0", exists: false }`).replace(/## Solution[\s\S]*?## Explanation/, '## Solution\n\n```sql\ncreate index on items (sku);\n```\n\n## Explanation').replace('fails: result', 'fails: catalog'),
      '03-check.md': exercise(`- behavior:
    sql: insert into items values (999999, 'a', -1, 'x')
    expect: check_violation
- behavior:
    sql: insert into items values (999998, 'a', 1, 'y')
    expect: ok`).replace(/## Solution[\s\S]*?## Explanation/, '## Solution\n\n```sql\nalter table items add constraint price_positive check (price >= 0);\n```\n\n## Explanation').replace('fails: result', 'fails: behavior'),
    }));
    box = await ChapterSandbox.build(chapter, undefined, await compiledPglite());
  });
  afterAll(() => box?.close());

  it('passes the reference solution on both copies (read-only: on the warm copy, in a rolled-back transaction)', async () => {
    const r = await checkExercise(box, ex(1), ex(1).solution);
    expect(r.passed).toBe(true);
    expect(r.timing.mode).toBe('shared');
    expect(r.checks[0].message).toContain('Same 3 rows');
  });

  it('shows missing and extra rows for a wrong result, and wrong order', async () => {
    const r = await checkExercise(box, ex(1), "select category, count(*) as n from items where category <> 'c' group by category order by category");
    expect(r.passed).toBe(false);
    expect(r.checks[0].details.missingRows).toHaveLength(1);
    expect(r.checks[0].details.missingRows![0][0]).toBe('c');
    const o = await checkExercise(box, ex(1), 'select category, count(*) as n from items group by category order by category desc');
    expect(o.checks[0].message).toContain('not in the order');
  });

  it('defeats a hard-coded answer with the perturbed copy', async () => {
    const truth = (await box.withDatabase('main', 'shared', (db) => db.query<{ category: string; n: number }>('select category, count(*)::int as n from items group by 1 order by 1'))).value.rows;
    const hardCoded = 'select * from (values ' + truth.map((t) => `('${t.category}', ${t.n})`).join(', ') + ') v(category, n) order by category';
    const r = await checkExercise(box, ex(1), hardCoded);
    expect(r.passed).toBe(false);
    expect(r.checks[0].details.variant).toBe('perturbed');
    expect(r.checks[0].message).toContain('hard-code');
  });

  it('reports an SQL error with the statement it happened at', async () => {
    const r = await checkExercise(box, ex(1), 'select 1;\nselect nope from items;');
    expect(r.passed).toBe(false);
    expect(r.error).toMatchObject({ statement: 2, code: '42703' });
  });

  it('plan and catalog checks pass with the index, and fail with specific feedback without it', async () => {
    const good = await checkExercise(box, ex(2), 'create index on items (sku);');
    expect(good.passed).toBe(true);
    expect(good.timing.mode).toBe('fresh');
    const bad = await checkExercise(box, ex(2), 'create index on items using hash (sku);\nset enable_seqscan = off;');
    const [catalog, plan] = [bad.checks[0], bad.checks.find((c) => c.kind === 'plan')!];
    expect(catalog.passed).toBe(false);
    expect(catalog.message).toContain('it is hash, not btree');
    // Hash serves the equality too: the plan check passes, the catalog check does not.
    expect(plan.passed).toBe(true);
    const none = await checkExercise(box, ex(2), 'set enable_seqscan = off;\nselect 1;');
    const p = none.checks.find((c) => c.kind === 'plan')!;
    expect(p.passed).toBe(false);
    expect(p.message).toContain('Seq Scan on items');
    expect(p.details.plan?.[0]).toContain('Seq Scan on items');
  });

  it('column and constraint assertions', async () => {
    const r = await checkExercise(box, ex(2), 'create index on items (sku);\nalter table items alter price type numeric(10,2);\nalter table items add check (price >= 0);');
    const [col, con] = r.checks.filter((c) => c.kind === 'catalog').slice(1);
    expect(col.passed).toBe(false);
    expect(col.message).toContain('its type is numeric(10,2), not numeric(8,2)');
    expect(con.passed).toBe(false);
    expect(con.message).toContain('There should be no check constraint');
  });

  it('behavior checks: the expected SQLSTATE passes, an accepted bad row fails', async () => {
    const good = await checkExercise(box, ex(3), ex(3).solution);
    expect(good.passed).toBe(true);
    const bad = await checkExercise(box, ex(3), 'alter table items add constraint price_positive check (price > -10);');
    expect(bad.checks[0].passed).toBe(false);
    expect(bad.checks[0].message).toContain('should fail with check_violation');
    expect(bad.checks[1].passed).toBe(true);
  });

  it('never changes the copies: the next check starts from the same data', async () => {
    await checkExercise(box, ex(3), 'delete from items; alter table items add constraint price_positive check (price >= 0);');
    const { value } = await box.withDatabase('main', 'shared', (db) => db.query<{ n: number }>('select count(*)::int as n from items'));
    expect(value.rows[0].n).toBe(20000);
    const r = await checkExercise(box, ex(1), ex(1).solution);
    expect(r.passed).toBe(true);
  });

  it('restores a fresh copy from the snapshot', async () => {
    const { engine, ms } = await box.restore('perturbed');
    const r = await engine.query<{ n: number }>('select count(*)::int as n from items');
    expect(r.rows[0].n).toBe(20000);
    await engine.db.close();
    expect(ms).toBeGreaterThan(0);
  });
});
