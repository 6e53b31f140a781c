// `npx tsx scripts/verify-lessons.ts [chapter]`: loads every lesson, builds each chapter's two
// datasets, requires every reference solution to pass all its checks and every listed wrong answer
// to fail the checks it names. Prints a summary and exits non-zero on any problem.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { proveWithSandbox } from '../src/lessons/proofs.ts';
import { LessonError, loadLessons } from '../src/lessons/loader.ts';
import type { ChapterSandbox } from '../src/lessons/sandbox.ts';
import { BUILDS_DIR, sharedBuild } from './chapter-builds.ts';
import type { Chapter, Variant } from '../src/lessons/format.ts';
import { lessonPythonBlocks, verifyPython } from './verify-python.ts';
import { compiledPglite } from '../src/cli/lesson-source.ts';
import { stopNativeServer, verifyExamplesNative, verifyExamplesPglite, type ExampleReport } from './verify-examples.ts';


const root = fileURLToPath(new URL('..', import.meta.url));

/** Every .md and .sql file under lessons/, keyed by its path from the project root. */
export function readLessonFiles(dir = join(root, 'lessons')): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(md|sql)$/.test(name)) out[relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const ms = (n: number) => `${Math.round(n)} ms`;

/**
 * What the chapter says its examples show, on both copies on PGlite and on the native PostgreSQL 18
 * (`native` was started with the chapter's exercises: the server works while PGlite does).
 */
async function checkExamples(box: ChapterSandbox, chapter: Chapter, problems: string[], native: Promise<ExampleReport>): Promise<number> {
  let passed = 0;
  for (const [where, run] of [['PGlite', () => verifyExamplesPglite(box, chapter)], ['native PostgreSQL', () => native]] as const) {
    try {
      const r = await run();
      if (!r.checked && !r.problems.length) continue;
      for (const p of r.problems) console.log(`   ✗ ${p}`);
      problems.push(...r.problems);
      if (!r.problems.length) passed++;
      console.log(`   ${r.problems.length ? '✗' : '✓'} examples on ${where}: ${r.checked} claims checked on both copies, ${r.problems.length} wrong (${ms(r.ms)})`);
    } catch (e) {
      problems.push(`${chapter.id}: the examples could not be checked on ${where}: ${(e as Error).message}`);
    }
  }
  return passed;
}

// The proofs themselves live in src/lessons/proofs.ts (shared with `pglab lessons verify` and
// the browser's check of a lesson pack).
export { hardCodedAnswer, withNoOps } from '../src/lessons/proofs.ts';

async function main() {
  const only = process.argv[2];
  let chapters;
  const files = readLessonFiles();
  try {
    chapters = loadLessons(files);
  } catch (e) {
    console.error(e instanceof LessonError ? e.message : e);
    console.log('\nlessons: 0 passed, 1 failed (the lessons do not load)');
    process.exit(1);
  }
  let passed = 0;
  const problems: string[] = [];
  const wasm = compiledPglite();
  // Every python block of every chapter (or of the one asked for) must parse.
  const py = verifyPython(lessonPythonBlocks(only ? Object.fromEntries(Object.entries(files).filter(([f]) => f.startsWith(`lessons/${only}/`))) : files));
  if (py.skipped) console.log(`\n== python blocks: skipped: ${py.skipped}`);
  else {
    console.log(`\n== python blocks: ${py.checked} parsed by ${py.python}, ${py.problems.length} do not parse (${ms(py.ms)})`);
    for (const p of py.problems) console.log(`   ✗ ${p}`);
    problems.push(...py.problems);
    // A chapter without python blocks proves nothing here: no pass is counted for it.
    if (!py.problems.length && py.checked) passed++;
  }
  for (const chapter of chapters) {
    if (only && chapter.id !== only) continue;
    console.log(`\n== ${chapter.id}: ${chapter.title} (${chapter.exercises.length} exercises, ${chapter.blocks.length} SQL blocks)`);
    let box: ChapterSandbox;
    let cached: Variant[];
    try {
      // Built once per run: the unit tests' build of this chapter, when they made one (same key).
      ({ box, cached } = await sharedBuild(chapter, undefined, await wasm));
    } catch (e) {
      problems.push(`${chapter.id}: the dataset does not build: ${(e as Error).message}`);
      continue;
    }
    for (const v of cached) console.log(`   dataset ${v}: taken from the build cache (${BUILDS_DIR}), made by this code, snapshot ${(box.snapshot(v).bytes / 1e6).toFixed(1)} MB`);
    for (const [v, t] of Object.entries(box.times)) {
      console.log(`   dataset ${v}: built in ${ms(t!.buildMs)}, snapshot ${(t!.snapshotBytes / 1e6).toFixed(1)} MB in ${ms(t!.dumpMs)}`);
    }
    const native = verifyExamplesNative(chapter);
    native.catch(() => undefined); // awaited (and reported) in checkExamples
    if (chapter.exercises.length < 1) problems.push(`${chapter.id}: no exercises`);
    for (const ex of chapter.exercises) {
      try {
        await proveWithSandbox(box, chapter, ex, (p) => {
          console.log(`   ${p.ok ? '✓' : '✗'} ${p.text}`);
          if (p.ok) passed++;
          else problems.push(p.text);
        });
      } catch (e) {
        problems.push(`${ex.id}: ${(e as Error).message}`);
        console.log(`   ✗ ${ex.id}: ${(e as Error).message}`);
      }
    }
    const resets = box.resetTimes;
    if (resets.length) {
      const sorted = [...resets].sort((a, b) => a - b);
      console.log(`   fresh copies restored from the snapshot: ${resets.length}, median ${ms(sorted[Math.floor(sorted.length / 2)])}, max ${ms(sorted[sorted.length - 1])}`);
    }
    passed += await checkExamples(box, chapter, problems, native);
    await box.close();
  }
  await stopNativeServer();
  for (const p of problems) console.error(`PROBLEM ${p}`);
  console.log(`\nlessons: ${passed} passed, ${problems.length} failed`);
  process.exit(problems.length ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
