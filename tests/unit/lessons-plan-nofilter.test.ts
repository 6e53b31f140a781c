// The plan option noFilter: every condition on the table is answered by the index, none is
// checked row by row after it (a search and an equality in one btree_gin index, not a search
// index and a Filter on the status).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { LessonError, loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Chapter } from '../../src/lessons/format.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const exercise = (checks: string) => `---\ntitle: Status and search\n---\n\n## Task\n\nOne index for the status and the words.\n\n## Solution\n\n\`\`\`sql\ncreate extension if not exists btree_gin;\ncreate index docs_status_words_idx on docs using gin (status, words);\n\`\`\`\n\n## Explanation\n\nbtree_gin.\n\n## Checks\n\n\`\`\`yaml\n${checks}\n\`\`\`\n\n## Wrong answers\n\n### The search index alone\n\n\`\`\`sql\nselect 1;\n\`\`\`\n\nfails: plan\n`;
const files = (checks: string) => ({
  'lessons/g/chapter.md': '---\ntitle: G\norder: 1\nsummary: s\ndataset: dataset.sql\nextensions: [btree_gin]\n---\n\n# G\n',
  // 20 000 documents of three words out of 400, in four statuses: a word matches ~150 rows.
  'lessons/g/dataset.sql': "select setseed(:seed);\ncreate table docs (id int primary key, status text not null, words tsvector not null);\ninsert into docs select g, (array['open','pending','closed','closed'])[random(1, 4)], to_tsvector('simple', 'w' || random(1, 400) || ' w' || random(1, 400) || ' w' || random(1, 400)) from generate_series(1, 20000) g;\ncreate index docs_words_idx on docs using gin (words);\nvacuum analyze docs;\n",
  'lessons/g/exercises/01-status-search.md': exercise(checks),
});
const CHECKS = `- plan:
    query:
      - select id from docs where status = 'pending' and words @@ 'w7'::tsquery
      - select id from docs where status = 'open' and words @@ 'w42'::tsquery
    relation: docs
    noFilter: true`;

let box: ChapterSandbox;
let chapter: Chapter;
beforeAll(async () => {
  [chapter] = loadLessons(files(CHECKS));
  box = await ChapterSandbox.build(chapter, ['main'], await compiledPglite());
}, 120_000);
afterAll(() => box?.close());

describe('plan noFilter', () => {
  it('passes when the index answers both conditions, fails while a Filter is left', async () => {
    const ex = chapter.exercises[0];
    const right = await checkExercise(box, ex, 'create extension if not exists btree_gin;\ncreate index on docs using gin (status, words);');
    expect(right.checks[0].passed).toBe(true);
    expect(right.checks[0].message).toMatch(/answers every condition on docs in the index \(no Filter\)/);
    // The search index alone: the status is checked on each row the bitmap scan returns.
    const none = await checkExercise(box, ex, 'select 1;');
    expect(none.checks[0].passed).toBe(false);
    expect(none.checks[0].message).toMatch(/still checks `\(status = 'pending'::text\)` row by row on docs after the Bitmap Heap Scan/);
  });

  it('the loader reads noFilter and refuses noFilter: false', () => {
    const [ch] = loadLessons(files(CHECKS));
    expect(ch.exercises[0].checks[0]).toMatchObject({ kind: 'plan', relation: 'docs', noFilter: true });
    expect(() => loadLessons(files('- plan:\n    query: select 1\n    noFilter: false'))).toThrow(LessonError);
    expect(() => loadLessons(files('- plan:\n    query: select 1\n    noFilter: false'))).toThrow(/noFilter: true is the only meaningful value/);
    expect(() => loadLessons(files('- plan:\n    query: select 1\n    index: docs_words_idx\n    noFilter: true'))).toThrow(/index qualifies uses or avoids/);
  });
});
