// A catalog check with several accepted forms of one index (index: [ … ]): any one passes, and a
// failure names every form once, then what is closest or what the table has.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Chapter } from '../../src/lessons/format.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const files = {
  'lessons/f/chapter.md': '---\ntitle: F\norder: 1\nsummary: s\ndataset: dataset.sql\n---\n\n# F\n',
  'lessons/f/dataset.sql': "select setseed(:seed);\ncreate table customers (id int primary key, email text not null);\ninsert into customers select g, 'user' || g || '@mail.test' from generate_series(1, 3000) g;\nvacuum analyze customers;\n",
  'lessons/f/exercises/01-lookup.md': `---\ntitle: Lookup\n---\n\n## Task\n\nIndex the e-mails for lookups.\n\n## Solution\n\n\`\`\`sql\ncreate index on customers (email);\n\`\`\`\n\n## Explanation\n\nA B-tree or a hash index.\n\n## Checks\n\n\`\`\`yaml\n- catalog:\n    index:\n      - { table: customers, method: btree, columns: [email] }\n      - { table: customers, method: hash, columns: [email] }\n\`\`\`\n\n## Wrong answers\n\n### Another column\n\n\`\`\`sql\ncreate index on customers (id, email);\n\`\`\`\n\nfails: catalog\n`,
};

let box: ChapterSandbox;
let chapter: Chapter;
beforeAll(async () => {
  [chapter] = loadLessons(files);
  box = await ChapterSandbox.build(chapter, ['main'], await compiledPglite());
}, 120_000);
afterAll(() => box?.close());

describe('a catalog check with accepted forms', () => {
  it('passes with either form', async () => {
    const ex = chapter.exercises[0];
    expect((await checkExercise(box, ex, 'create index on customers (email);')).passed).toBe(true);
    const hash = await checkExercise(box, ex, 'create index customers_email_hash on customers using hash (email);');
    expect(hash.passed).toBe(true);
    expect(hash.checks[0].message).toBe('Found customers_email_hash: hash index on customers (email).');
  });

  it('a failure names each form once, then the closest index or the table\'s indexes', async () => {
    const ex = chapter.exercises[0];
    const partial = await checkExercise(box, ex, "create index on customers (email) where email like 'user1%';");
    expect(partial.checks[0].message).toMatch(/^No btree index on customers \(email\), nor hash index on customers \(email\)\. customers_email_idx is on the right columns, but it is partial \(WHERE .*\), so it serves only the rows of that condition\.$/);
    const other = await checkExercise(box, ex, 'create index on customers (id, email);');
    expect(other.checks[0].message).toMatch(/^No btree index on customers \(email\), nor hash index on customers \(email\)\. Indexes on customers: .*customers_id_email_idx btree \(id, email\)/);
  });

  it('the loader refuses a list of one form, or exists and count in a list', () => {
    const one = { ...files, 'lessons/f/exercises/01-lookup.md': files['lessons/f/exercises/01-lookup.md'].replace('      - { table: customers, method: hash, columns: [email] }\n', '') };
    expect(() => loadLessons(one)).toThrow(/at least two accepted forms/);
    const gone = { ...files, 'lessons/f/exercises/01-lookup.md': files['lessons/f/exercises/01-lookup.md'].replace('method: hash, columns: [email] }', 'method: hash, columns: [email], exists: false }') };
    expect(() => loadLessons(gone)).toThrow(/exists and count go with a single index/);
  });
});

// An index whose columns need an operator class the learner's database does not have (btree_gin's
// for text in a GIN index, before `create extension btree_gin`): the check fails and says so,
// rather than the checker stopping on the probe index's error.
describe('a catalog check on an index the database cannot build', () => {
  const gin = {
    'lessons/g/chapter.md': '---\ntitle: G\norder: 1\nsummary: s\ndataset: dataset.sql\nextensions: [btree_gin]\n---\n\n# G\n',
    'lessons/g/dataset.sql': "select setseed(:seed);\ncreate table docs (id int primary key, status text not null, words tsvector not null);\ninsert into docs select g, (array['open','closed'])[1 + g % 2], to_tsvector('simple', 'word' || (g % 50)) from generate_series(1, 2000) g;\nvacuum analyze docs;\n",
    'lessons/g/exercises/01-status-search.md': `---\ntitle: Status and search\n---\n\n## Task\n\nOne index for status and words.\n\n## Solution\n\n\`\`\`sql\ncreate extension if not exists btree_gin;\ncreate index docs_status_words_idx on docs using gin (status, words);\n\`\`\`\n\n## Explanation\n\nbtree_gin.\n\n## Checks\n\n\`\`\`yaml\n- catalog:\n    index: { table: docs, method: gin, columns: [status, words] }\n- catalog:\n    index:\n      - { table: docs, method: gin, columns: [status, words] }\n      - { table: docs, method: gin, columns: [words, status] }\n\`\`\`\n\n## Wrong answers\n\n### A B-tree\n\n\`\`\`sql\ncreate index on docs (status);\n\`\`\`\n\nfails: catalog\n`,
  };
  let gbox: ChapterSandbox;
  let g: Chapter;
  beforeAll(async () => {
    [g] = loadLessons(gin);
    gbox = await ChapterSandbox.build(g, ['main'], await compiledPglite());
  }, 120_000);
  afterAll(() => gbox?.close());

  it('fails with the reason before the extension is created, and passes after', async () => {
    const ex = g.exercises[0];
    const btree = await checkExercise(gbox, ex, 'create index on docs (status);');
    expect(btree.passed).toBe(false);
    expect(btree.error).toBeUndefined();
    expect(btree.checks[0].passed).toBe(false);
    expect(btree.checks[0].message).toMatch(/^No gin index on docs \(status, words\)\. This database cannot build such an index \(is an extension it needs created\?\): data type text has no default operator class for access method "gin"\. Indexes on docs: .*docs_status_idx btree \(status\)/);
    expect(btree.checks[1].passed).toBe(false);
    expect(btree.checks[1].message).toMatch(/^No gin index on docs \(status, words\), nor gin index on docs \(words, status\)\. This database cannot build such an index/);
    const right = await checkExercise(gbox, ex, 'create extension if not exists btree_gin;\ncreate index docs_words_status_idx on docs using gin (words, status);');
    expect(right.checks.map((c) => c.passed)).toEqual([false, true, true]);
  });
});
