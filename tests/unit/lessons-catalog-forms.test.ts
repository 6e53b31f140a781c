// A catalog check with several accepted forms of one index (index: [ … ]): any one passes, and a
// failure names every form once, then what is closest or what the table has.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Chapter } from '../../src/lessons/format.ts';

const files = {
  'lessons/f/chapter.md': '---\ntitle: F\norder: 1\nsummary: s\ndataset: dataset.sql\n---\n\n# F\n',
  'lessons/f/dataset.sql': "select setseed(:seed);\ncreate table customers (id int primary key, email text not null);\ninsert into customers select g, 'user' || g || '@mail.test' from generate_series(1, 3000) g;\nvacuum analyze customers;\n",
  'lessons/f/exercises/01-lookup.md': `---\ntitle: Lookup\n---\n\n## Task\n\nIndex the e-mails for lookups.\n\n## Solution\n\n\`\`\`sql\ncreate index on customers (email);\n\`\`\`\n\n## Explanation\n\nA B-tree or a hash index.\n\n## Checks\n\n\`\`\`yaml\n- catalog:\n    index:\n      - { table: customers, method: btree, columns: [email] }\n      - { table: customers, method: hash, columns: [email] }\n\`\`\`\n\n## Wrong answers\n\n### Another column\n\n\`\`\`sql\ncreate index on customers (id, email);\n\`\`\`\n\nfails: catalog\n`,
};

let box: ChapterSandbox;
let chapter: Chapter;
beforeAll(async () => {
  [chapter] = loadLessons(files);
  box = await ChapterSandbox.build(chapter, ['main']);
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
