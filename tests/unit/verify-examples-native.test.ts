// The native half of the lesson verification (scripts/verify-examples.ts): a chapter's claims run
// on the native PostgreSQL 18 of tests/support/native-pg.ts, on both copies of the data, with the
// very functions verify-lessons.ts calls. One fixture chapter whose claims hold there (one of them
// names the server's own port, so it can hold nowhere else), and one whose claims hold on PGlite
// but not natively: if the native path stopped running or checking claims, this file fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Chapter } from '../../src/lessons/format.ts';
import { nativeServer, stopNativeServer, verifyExamplesNative, verifyExamplesPglite } from '../../scripts/verify-examples.ts';

// The learner's copy holds 1 in every `kind`, the perturbed copy 2: a claim on it holds on the
// main copy only.
const dataset = [
  'select setseed(:seed);',
  'create table t (id int primary key, kind int not null, label text not null);',
  "insert into t select i, case when :perturbed then 2 else 1 end, 'row ' || i from generate_series(1, 5000) i;",
  'select pg_stat_force_next_flush();',
  'vacuum analyze;',
].join('\n');

/** A chapter with one block, claims after it, a claim with its own sql, and one exercise with a claim. */
function chapter(claims: { port: string; main: string; exercise: string }): Chapter {
  const chapterMd = [
    '---', //                                                     1
    'title: Native fixture',
    '---',
    '',
    '```sql', //                                                  5
    "explain analyze select label from t where id = 42;",
    '```',
    '<!-- expect', //                                             8
    'rows: 1',
    'plan: { uses: Index Scan, index: t_pkey }',
    '-->',
    '',
    'The server answers on its own port. <!-- expect', //         13
    'sql: select coalesce(inet_server_port(), 0) as port',
    `value: { column: port, ${claims.port} }`,
    '-->',
    '',
    'On the learner\'s copy every kind is 1. <!-- expect', //     18
    'sql: select count(*) filter (where kind = 1) as ones from t',
    'copies: main',
    `value: { column: ones, ${claims.main} }`,
    '-->',
    '',
  ].join('\n');
  const exercise = [
    '---',
    'title: Index the label',
    '---',
    '',
    '## Task',
    '',
    'Index `label`.',
    '',
    '## Solution',
    '',
    '```sql',
    'create index t_label_idx on t (label);',
    '```',
    '',
    '## Explanation',
    '',
    'The lookup uses the new index. <!-- expect', //  line 17 of the file
    "sql: explain select id from t where label = 'row 7'",
    `plan: ${claims.exercise}`,
    '-->',
    '',
    '## Checks',
    '',
    '```yaml',
    '- catalog:',
    '    index: { table: t, columns: [label] }',
    '```',
    '',
    '## Wrong answers',
    '',
    '### Nothing',
    '',
    '```sql',
    'select 1;',
    '```',
    '',
    'fails: catalog',
    '',
  ].join('\n');
  const [c] = loadLessons({
    'lessons/nativefix/chapter.md': chapterMd,
    'lessons/nativefix/dataset.sql': dataset,
    'lessons/nativefix/exercises/01-label.md': exercise,
  });
  return c;
}

let port: number;
beforeAll(async () => {
  port = (await nativeServer()).port;
}, 120_000);
afterAll(() => stopNativeServer(), 60_000);

describe('the native half of the lesson verification', () => {
  it('checks every claim on both copies of a native database, and passes when they hold', async () => {
    const c = chapter({ port: `equals: ${port}`, main: 'equals: 5000', exercise: '{ uses: Index Scan, index: t_label_idx }' });
    expect(c.claims).toHaveLength(3);
    const r = await verifyExamplesNative(c);
    expect(r.problems).toEqual([]);
    // Chapter: 2 claims after the block + 1 own-sql claim on both copies, 1 main-only claim on
    // the main copy; exercise: 1 claim on both copies.
    expect(r.checked).toBe(3 * 2 + 1 + 1 * 2);
    expect(r.buildMs).toBeGreaterThan(0);
  }, 180_000);

  it('fails, with file, line, copy and server, where a claim holds on PGlite but not natively', async () => {
    // PGlite has no TCP port (inet_server_port() is NULL there, so the claim reads 0); the
    // native server has one. Every claim of this fixture holds on PGlite.
    const c = chapter({ port: 'equals: 0', main: 'equals: 5000', exercise: '{ uses: Index Scan, index: t_label_idx }' });
    const box = await ChapterSandbox.build(c);
    try {
      const onPglite = await verifyExamplesPglite(box, c);
      expect(onPglite.problems).toEqual([]);
      expect(onPglite.checked).toBe(3 * 2 + 1 + 1 * 2);
    } finally {
      await box.close();
    }
    const r = await verifyExamplesNative(c);
    expect(r.checked).toBe(3 * 2 + 1 + 1 * 2);
    expect(r.problems).toEqual([
      `lessons/nativefix/chapter.md:15: the text says port is 0; it is ${port} (main copy, native PostgreSQL)`,
      `lessons/nativefix/chapter.md:15: the text says port is 0; it is ${port} (perturbed copy, native PostgreSQL)`,
    ]);
  }, 240_000);

  it('reports a wrong exercise claim and a seed-dependent figure on the copy where it is wrong', async () => {
    // copies: main is not checked on the perturbed copy (where kind is 2): stating 0 fails on main only.
    const c = chapter({ port: `equals: ${port}`, main: 'equals: 0', exercise: '{ uses: Seq Scan, relation: t }' });
    const r = await verifyExamplesNative(c);
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]).toMatch(/^lessons\/nativefix\/chapter\.md:21: the text says ones is 0; it is 5000 \(main copy, native PostgreSQL\)$/);
    expect(r.problems[1]).toMatch(/^lessons\/nativefix\/exercises\/01-label\.md:19: the text says the plan has Seq Scan on t; the plan is Index Scan using t_label_idx on t \(main copy, native PostgreSQL\)$/);
    expect(r.problems[2]).toMatch(/^lessons\/nativefix\/exercises\/01-label\.md:19: .*\(perturbed copy, native PostgreSQL\)$/);
  }, 180_000);
});
