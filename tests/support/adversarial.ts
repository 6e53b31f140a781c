// Answers nobody on the lesson side wrote (issue 12: "expect answers that nobody on the project
// wrote to be run against every exercise again"): for every exercise of a chapter, plausible wrong
// answers that the exercise does not list, and right answers written differently from its
// reference (tests/fixtures/adversarial/<chapter>.ts), through the real checker on both copies
// of the data. Every wrong one must fail and every right one pass. One test file per chapter
// (tests/unit/lessons-adversarial-<chapter>.test.ts), so the test workers share them out.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLessons } from '../../src/lessons/loader.ts';
import { readLessonFiles } from '../../scripts/verify-lessons.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { sharedSandbox } from '../../scripts/chapter-builds.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';
import type { Chapter, CheckReport } from '../../src/lessons/format.ts';
import type { Corpus } from '../fixtures/adversarial/corpus.ts';
import { AUDIT } from '../fixtures/adversarial/audit.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const lessonFiles = (id: string) => readLessonFiles(join(root, 'lessons', id));

const why = (r: CheckReport) => r.error?.message ?? r.checks.filter((c) => !c.passed).map((c) => `${c.kind}: ${c.message}`).join(' | ');

export function adversarialSuite(chapterId: string, exercises: Record<string, Corpus>) {
  describe(`answers nobody on the lesson side wrote: ${chapterId}`, () => {
    let box: ChapterSandbox;
    let chapter: Chapter;
    beforeAll(async () => {
      [chapter] = loadLessons(lessonFiles(chapterId));
      // PGlite compiles its wasm on every create in Node: once here for every fresh copy.
      box = await sharedSandbox(chapter, undefined, await compiledPglite());
    }, 900_000); // both copies of a 100 000-order dataset: minutes on a loaded machine
    afterAll(() => box?.close());

    it('covers every exercise of the chapter', () => {
      expect(Object.keys(exercises).sort()).toEqual(chapter.exercises.map((e) => e.slug).sort());
    });

    for (const [slug, c] of Object.entries(exercises)) {
      it(`${slug}: ${c.wrong.length} wrong answers fail, ${c.right.length} right ones pass`, async () => {
        const ex = chapter.exercises.find((e) => e.slug === slug)!;
        const listed = new Set(ex.wrongAnswers.map((w) => w.sql.trim()));
        for (const sql of c.wrong) {
          expect(listed.has(sql.trim()), `listed in the exercise already: ${sql}`).toBe(false);
          const r = await checkExercise(box, ex, sql);
          expect(r.passed, `wrong answer passed: ${sql}`).toBe(false);
        }
        for (const sql of c.right) {
          const r = await checkExercise(box, ex, sql);
          expect(r.passed, `right answer failed: ${sql}\n→ ${why(r)}`).toBe(true);
        }
      }, 240_000);
    }

    // The outsider's audit (tests/fixtures/adversarial/audit.ts), on the same built copies.
    const exercise = (slug: string) => {
      const ex = chapter.exercises.find((e) => e.slug.replace(/^\d+-/, '') === slug || e.slug === slug);
      if (!ex) throw new Error(`no exercise ${slug} in ${chapterId}`);
      return ex;
    };
    const audit = AUDIT[chapterId] ?? { wrong: [], right: [] };
    for (const p of audit.wrong) {
      it(`audit, wrong (${p.probe}): ${p.ex}: ${p.sql.split('\n')[0].slice(0, 60)}`, async () => {
        const ex = exercise(p.ex);
        expect(ex.wrongAnswers.some((w) => w.sql.trim() === p.sql.trim()), 'a listed wrong answer').toBe(false);
        const r = await checkExercise(box, ex, p.sql);
        expect(r.passed, `wrong answer passed (${p.probe}): ${p.sql}`).toBe(false);
      }, 240_000);
    }
    for (const p of audit.right) {
      it(`audit, right (${p.probe}): ${p.ex}: ${p.sql.split('\n')[0].slice(0, 60)}`, async () => {
        const r = await checkExercise(box, exercise(p.ex), p.sql);
        expect(r.passed, `right answer failed (${p.probe}): ${p.sql}\n→ ${why(r)}`).toBe(true);
      }, 240_000);
    }
  });
}
