// What a chapter says its examples show: parsing (with file lines) and checking against a real
// PGlite; and the statistics of a chapter's database (count(*) against n_live_tup).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimSyntaxError, checkClaimSet, checkOwnSql, parseClaims, runChapterClaims, stripClaims, type ClaimDb } from '../../src/lessons/example-claims.ts';
import { LessonError, loadLessons } from '../../src/lessons/loader.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { localEngine } from '../support/pglite.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const text = [
  'Intro.', //                       1
  '',
  '```sql', //                       3
  'select 1 as a;',
  'select 2 as b union all select 3;',
  '```',
  '<!-- expect', //                  7
  'statement: 2',
  'rows: 2',
  'value: { column: b, equals: 2 }',
  '-->',
  '<!-- expect', //                  12
  'statement: 1',
  'value: 1',
  '-->',
  '',
  'A figure: <!-- expect', //        17
  'sql: select 15.855 as pct',
  'value: { approx: 15.9, tolerance: 0.1 }',
  '-->',
].join('\n');

describe('parseClaims', () => {
  it('reads claims after a block and with their own sql, with file lines', () => {
    const sets = parseClaims(text, 10, [12]);
    expect(sets.map((s) => [s.line, s.block, s.statement, s.sql])).toEqual([
      [16, 0, 2, undefined],
      [21, 0, 1, undefined],
      [26, undefined, undefined, 'select 15.855 as pct'],
    ]);
    expect(sets[0].claims).toEqual([
      { kind: 'rows', line: 18, equals: 2 },
      { kind: 'value', line: 19, row: 1, column: 'b', equals: 2 },
    ]);
  });

  it('reports mistakes as line: message', () => {
    const bad = (s: string) => {
      try {
        parseClaims(s, 1, [1]);
      } catch (e) {
        expect(e).toBeInstanceOf(ClaimSyntaxError);
        return `${(e as ClaimSyntaxError).line}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(bad('```sql\nselect 1;\n```\n<!-- expect\nrowz: 1\n-->')).toMatch(/^5: unknown key "rowz"/);
    expect(bad('```sql\nselect 1;\n```\n<!-- expect\nrows: 1\n')).toMatch(/^4: .*not closed/);
    expect(bad('Text only.\n\n<!-- expect\nrows: 1\n-->')).toMatch(/^3: .*follows a ```sql block/);
    expect(bad('```sql\nselect 1;\n```\n<!-- expect\nplan: { uses: Seq Scan, wrong: x }\n-->')).toMatch(/^5: unknown plan option "wrong"/);
    expect(bad('```sql\nselect 1;\n```\n<!-- expect\nvalue: { column: a, tolerance: 1 }\n-->')).toMatch(/^5: .*tolerance goes with approx/);
    expect(bad('```sql\nselect 1;\n```\n<!-- expect\nerror: oops\n-->')).toMatch(/^5: .*SQLSTATE/);
  });

  it('reads affected claims (a count or a figure), and reports a malformed one', () => {
    const [set] = parseClaims('```sql\nupdate t set a = 1;\n```\n<!-- expect\naffected: 3\n-->\n<!-- expect\naffected: { min: 1, max: 5 }\n-->', 1, [1]);
    expect(set.claims).toEqual([{ kind: 'affected', line: 5, equals: 3 }]);
    expect(() => parseClaims('```sql\nupdate t set a = 1;\n```\n<!-- expect\naffected: some\n-->', 1, [1])).toThrow(/affected needs "key: value" options/);
    expect(() => parseClaims('```sql\nupdate t set a = 1;\n```\n<!-- expect\naffected: 1\nerror: "23505"\n-->', 1, [1])).toThrow(/fails has no rows/);
  });

  it('reads ratio claims, and reports a malformed one', () => {
    const [set] = parseClaims('```sql\nselect 1;\n```\n<!-- expect\nratio: { of: full, to: partial, approx: 40, tolerance: "15%" }\n-->', 1, [1]);
    expect(set.claims).toEqual([{ kind: 'ratio', line: 5, of: 'full', to: 'partial', row: 1, approx: 40, tolerance: '15%', percent: undefined }]);
    const [pct] = parseClaims('```sql\nselect 1;\n```\n<!-- expect\nratio: { of: shipped, to: total, percent: true, min: 85, max: 89 }\n-->', 1, [1]);
    expect(pct.claims[0]).toMatchObject({ kind: 'ratio', percent: true, min: 85, max: 89 });
    const bad = (claim: string) => {
      try {
        parseClaims(`\`\`\`sql\nselect 1;\n\`\`\`\n<!-- expect\n${claim}\n-->`, 1, [1]);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(bad('ratio: { of: a, approx: 2 }')).toMatch(/of \(the numerator\) and to \(the denominator\)/);
    expect(bad('ratio: { of: a, to: b }')).toMatch(/ratio/);
    expect(bad('ratio: { of: a, to: b, approx: 2, percent: yes please }')).toMatch(/percent is true or false/);
    expect(bad('ratio: { of: a, to: b, equals: 2, over: c }')).toMatch(/unknown ratio option "over"/);
    expect(bad('ratio: { of: a, to: b, equals: 2, relation: t }')).toMatch(/relation and index go with type/);
  });

  it('is left out of what the learner reads', () => {
    expect(stripClaims(text)).not.toMatch(/expect|statement: 2|-->/);
    expect(stripClaims(text)).toContain('A figure:');
  });

  it('reaches the loader: a chapter gets its claims, and a bad claim names chapter.md:line', () => {
    const files = (claim: string) => ({
      'lessons/x/chapter.md': `---\ntitle: X\n---\n\n\`\`\`sql\nselect 1;\n\`\`\`\n${claim}\n`,
      'lessons/x/dataset.sql': 'select setseed(:seed);',
    });
    const [ch] = loadLessons(files('<!-- expect\nrows: 1\n-->'));
    expect(ch.claims).toHaveLength(1);
    expect(ch.claims![0]).toMatchObject({ line: 8, block: 0 });
    expect(ch.body).not.toContain('expect');
    expect(() => loadLessons(files('<!-- expect\nrows: many\n-->'))).toThrow(LessonError);
    try {
      loadLessons(files('<!-- expect\nrows: many\n-->'));
    } catch (e) {
      expect((e as LessonError).problems[0].file).toBe('lessons/x/chapter.md:9');
    }
  });
});

describe('checking claims on PGlite', () => {
  let engine: LocalEngine;
  let db: ClaimDb;
  beforeAll(async () => {
    engine = await localEngine();
    db = {
      async query(sql) {
        const r = await engine.run(sql);
        if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
        return { columns: r.fields.map((f) => f.name), rows: r.rows.map((row) => row.map((v) => (v == null ? null : String(v)))), affected: r.affectedRows };
      },
    };
    await db.query('create table t (id int primary key, email text not null)');
    await db.query("insert into t select i, 'u' || i || '@x.test' from generate_series(1, 5000) i");
    await db.query('analyze t');
  });
  afterAll(() => engine.db.close());

  const one = (claim: string) => parseClaims(`\`\`\`sql\nx\n\`\`\`\n<!-- expect\n${claim}\n-->`, 1, [1])[0];

  it('holds for what the database really does, and says what it found when it does not', async () => {
    const sql = "explain analyze select id from t where email = 'u42@x.test'";
    expect(await checkClaimSet(db, one('rows: 1\nplan: { uses: Seq Scan, relation: t }\nnode: { type: Seq Scan, field: Rows Removed by Filter, equals: 4999 }'), sql)).toEqual([]);
    const wrong = await checkClaimSet(db, one('rows: 2\nplan: { uses: Index Scan }\nnode: { type: Seq Scan, field: Rows Removed by Filter, equals: 49999 }'), sql);
    expect(wrong).toHaveLength(3);
    expect(wrong[0]).toMatch(/says 2 rows; the statement returns 1/);
    expect(wrong[1]).toMatch(/has Index Scan; the plan is Seq Scan on t/);
    expect(wrong[2]).toMatch(/Rows Removed by Filter of Seq Scan is 49999; the plan has 4999/);
  });

  it('checks errors, values with tolerance, and own sql with statements before it', async () => {
    expect(await checkClaimSet(db, one('error: "42883"'), 'select * from t where email = 42::numeric')).toEqual([]);
    expect(await checkClaimSet(db, one('error: "42883"'), 'select 1')).toEqual([expect.stringMatching(/succeeds/)]);
    expect(await checkClaimSet(db, one('value: { approx: 15.9, tolerance: 0.1 }'), 'select 15.855')).toEqual([]);
    expect(await checkClaimSet(db, one('value: { approx: 10, tolerance: "5%" }'), 'select 10.6')).toHaveLength(1);
    const own = parseClaims('<!-- expect\nsql: |\n  create index t_email_idx on t (email);\n  explain select id from t where email = \'u1@x.test\'\nplan: { uses: Index Scan, index: t_email_idx }\n-->')[0];
    expect(await checkOwnSql(db, own)).toEqual([]);
  });

  it('checks the rows a statement changed (its command tag), and says so when there is no count', async () => {
    await db.query('begin');
    try {
      const fix = "update t set email = upper(email) where id <= 42 and email <> upper(email)";
      expect(await checkClaimSet(db, one('affected: 42'), fix)).toEqual([]);
      // Run again, the same update finds nothing left to change.
      expect(await checkClaimSet(db, one('affected: 42'), fix)).toEqual([expect.stringMatching(/changes 42 rows; it changed 0$/)]);
      expect(await checkClaimSet(db, one('affected: { min: 1 }'), 'delete from t where id > 4990')).toEqual([]);
      expect(await checkClaimSet(db, one('affected: 0'), 'create temporary table nothing_counted (i int)')).toEqual([expect.stringMatching(/reported no row count/)]);
    } finally {
      await db.query('rollback');
    }
  });

  it('checks a ratio of two columns: times and percent, with what it found when it does not hold', async () => {
    const sql = "select (select count(*) from t) as total, (select count(*) from t where id <= 125) as few, 0 as none";
    expect(await checkClaimSet(db, one('ratio: { of: total, to: few, approx: 40, tolerance: "5%" }'), sql)).toEqual([]);
    expect(await checkClaimSet(db, one('ratio: { of: few, to: total, percent: true, equals: 2.5 }'), sql)).toEqual([]);
    const ten = await checkClaimSet(db, one('ratio: { of: total, to: few, approx: 10, tolerance: 2 }'), sql);
    expect(ten).toEqual([expect.stringMatching(/total is about 10 \(± 2\)× of few; it is 40× \(5000 \/ 125\)/)]);
    expect(await checkClaimSet(db, one('ratio: { of: total, to: none, min: 1 }'), sql)).toEqual([expect.stringMatching(/not a ratio \(5000 \/ 0\)/)]);
    expect(await checkClaimSet(db, one('ratio: { of: total, to: nothing, min: 1 }'), sql)).toEqual([expect.stringMatching(/no column "nothing"/)]);
    // Two fields of one plan node: the estimate against the real count (EXPLAIN ANALYZE is implied).
    const skewed = "select * from t where id % 2 = 0 and id % 3 = 0 and email like 'u%'";
    // Each % condition is guessed at 0.5 %: the estimate is 1 row for 833.
    expect(await checkClaimSet(db, one('ratio: { type: Seq Scan, of: Actual Rows, to: Plan Rows, min: 100 }'), skewed)).toEqual([]);
    expect(await checkClaimSet(db, one('ratio: { type: Seq Scan, of: Plan Rows, to: Actual Rows, min: 1 }'), skewed)).toEqual([expect.stringMatching(/Plan Rows of Seq Scan is at least 1× its Actual Rows; the plan has 0× \(1 \/ 833\)/)]);
    expect(await checkClaimSet(db, one('ratio: { type: Bitmap Heap Scan, of: Actual Rows, to: Plan Rows, min: 1 }'), skewed)).toEqual([expect.stringMatching(/plan has no Bitmap Heap Scan; it is Seq Scan on t/)]);
    // With its own sql: build what the text compares, then the ratio.
    const own = parseClaims('<!-- expect\nsql: |\n  create index t_id_part_idx on t (id) where id <= 125;\n  select pg_relation_size(\'t_pkey\') as full_size, pg_relation_size(\'t_id_part_idx\') as part_size\nratio: { of: full_size, to: part_size, min: 5 }\n-->')[0];
    expect(await checkOwnSql(db, own)).toEqual([]);
  });

  it('runs a chapter in order: a later example sees what an earlier one created', async () => {
    const md = '```sql\ncreate table u as select i from generate_series(1, 10) i;\n```\n\n```sql\nselect count(*) from u;\n```\n<!-- expect\nvalue: 11\n-->\n';
    const blocks = [{ sql: 'create table u as select i from generate_series(1, 10) i;', line: 1 }, { sql: 'select count(*) from u;', line: 5 }];
    const r = await runChapterClaims(db, blocks, parseClaims(md, 1, [1, 5]), { variant: 'main', file: 'c.md' });
    expect(r.checked).toBe(1);
    expect(r.problems).toEqual([expect.stringMatching(/^c\.md:9: the text says count is 11; it is 10 \(main copy\)$/)]);
  });

  it('runs a statement whose plan is stated exactly once', async () => {
    const md = '```sql\ncreate table w (i int);\ninsert into w values (1);\n```\n<!-- expect\nplan: { uses: ModifyTable }\n-->\n\n```sql\nselect count(*) from w;\n```\n<!-- expect\nvalue: 1\n-->\n';
    const blocks = [{ sql: 'create table w (i int);\ninsert into w values (1);', line: 1 }, { sql: 'select count(*) from w;', line: 9 }];
    const r = await runChapterClaims(db, blocks, parseClaims(md, 1, [1, 9]), { variant: 'main', file: 'c.md' });
    expect(r).toEqual({ problems: [], checked: 2 });
  });
});

describe('statistics of a chapter database', () => {
  it('n_live_tup equals count(*) after the build (even when the dataset forgets to flush before VACUUM) and on every restored copy', async () => {
    const chapter = loadLessons({
      'lessons/s/chapter.md': '---\ntitle: S\n---\n\nText.\n',
      // No pg_stat_force_next_flush here: the build must flush before VACUUM by itself.
      'lessons/s/dataset.sql': 'select setseed(:seed);\ncreate table a (id int primary key);\ninsert into a select generate_series(1, 3000);\nvacuum analyze;\n',
    })[0];
    const box = await ChapterSandbox.build(chapter, ['main'], await compiledPglite());
    try {
      const q = "select n_live_tup, (select count(*) from a) as n, (select reltuples from pg_class where relname = 'a') as reltuples from pg_stat_user_tables where relname = 'a'";
      const built = await box.withDatabase('main', 'shared', (db) => db.query<{ n_live_tup: number; n: number; reltuples: number }>(q));
      expect(built.value.rows[0]).toEqual({ n_live_tup: 3000, n: 3000, reltuples: 3000 });
      // Every copy restored from the snapshot shows the built copy's table counters (the
      // snapshot cannot carry them: restored-counters.ts), and its planner statistics unchanged.
      const counters = "select n_live_tup, n_dead_tup, vacuum_count, (select relallvisible from pg_class where relname = 'a') as allvisible, (select string_agg(attname || ':' || n_distinct, ',' order by attname) from pg_stats where tablename = 'a') as stats from pg_stat_user_tables where relname = 'a'";
      const before = await box.withDatabase('main', 'shared', (db) => db.query(counters));
      expect(before.value.rows[0]).toMatchObject({ n_live_tup: 3000, n_dead_tup: 0, vacuum_count: 1 });
      const { engine } = await box.restore('main');
      try {
        const r = (await engine.query<{ n_live_tup: number; n: number; reltuples: number }>(q)).rows[0];
        expect(r).toEqual({ n_live_tup: 3000, n: 3000, reltuples: 3000 });
        expect((await engine.query(counters)).rows[0]).toEqual(before.value.rows[0]);
      } finally {
        await engine.db.close();
      }
      // The checker's fresh copies and the learner's Reset restore the same way.
      const fresh = await box.withDatabase('main', 'fresh', (db) => db.query(counters));
      expect(fresh.value.rows[0]).toEqual(before.value.rows[0]);
    } finally {
      await box.close();
    }
  }, 120_000);
});
