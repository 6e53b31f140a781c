// `npx tsx scripts/verify-lessons.ts [chapter]`: loads every lesson, builds each chapter's two
// datasets, requires every reference solution to pass all its checks and every listed wrong answer
// to fail the checks it names. Prints a summary and exits non-zero on any problem.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkExercise, referenceChanges, referenceResult } from '../src/lessons/checker.ts';
import { parseScript, walk } from '../src/lessons/sql-shape.ts';
import { LessonError, loadLessons } from '../src/lessons/loader.ts';
import { ChapterSandbox } from '../src/lessons/sandbox.ts';
import type { Chapter, CheckReport, Exercise, ResultSet } from '../src/lessons/format.ts';
import type { EngineOptions } from '../src/db/engine.ts';
import { createRequire } from 'node:module';
import { lessonPythonBlocks, verifyPython } from './verify-python.ts';
import { stopNativeServer, verifyExamplesNative, verifyExamplesPglite, type ExampleReport } from './verify-examples.ts';

/** PGlite's wasm compiled once for every copy (PGlite compiles it on each create in Node), as the browser does. */
async function compiledPglite(): Promise<EngineOptions> {
  const dist = createRequire(import.meta.url).resolve('@electric-sql/pglite').replace(/index\.c?js$/, '');
  const [pglite, initdb] = await Promise.all([WebAssembly.compile(readFileSync(dist + 'pglite.wasm')), WebAssembly.compile(readFileSync(dist + 'initdb.wasm'))]);
  return { pgliteWasmModule: pglite, initdbWasmModule: initdb, fsBundle: new Blob([readFileSync(dist + 'pglite.data')]) };
}

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
const failedKinds = (r: CheckReport) => new Set(r.checks.filter((c) => !c.passed).map((c) => c.kind));

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

const lit = (v: string | null, type?: string) =>
  v === null ? `null${type ? `::${type}` : ''}` : `'${String(v).replace(/'/g, "''")}'${type ? `::${type}` : ''}`;
const ident = (s: string) => '"' + s.replace(/"/g, '""') + '"';

/** An answer that returns the reference's rows on the main copy, typed in as constants. */
export function hardCodedAnswer(result: ResultSet): string | undefined {
  if (!result.rows.length) return undefined;
  const rows = result.rows.map((r) => '(' + r.map((v, j) => lit(v, result.types?.[j])).join(', ') + ')');
  return `select * from (values ${rows.join(',\n  ')}) as v(${result.columns.map(ident).join(', ')});`;
}

/** Statements that change nothing, around an answer: they must not change its verdict. */
export function withNoOps(chapter: Chapter, sql: string): string {
  const table = /create table (?:if not exists )?([a-z_][a-z0-9_]*)/i.exec(chapter.dataset)?.[1] ?? 'pg_class';
  return `select 1 where false;\n${sql.trim().replace(/;?\s*$/, ';')}\ndelete from ${table} where false;\n`;
}

const verdict = (r: CheckReport) => (r.error ? 'error' : [...failedKinds(r)].filter((k) => k !== 'sql').sort().join(',') || 'pass');

/** The tables a script writes to, by its parse tree. */
async function writtenTables(sql: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const s of (await parseScript(sql)) ?? []) {
    walk({ [s.type]: s.body }, (t, b) => {
      if (['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'].includes(t)) {
        const rel = (b.relation as { relname?: string } | undefined)?.relname;
        if (rel) out.add(rel);
      }
      if (t === 'TruncateStmt') for (const r of (b.relations as { RangeVar: { relname: string } }[]) ?? []) out.add(r.RangeVar.relname);
    });
  }
  return out;
}

/**
 * What the reference solution breaks outside its task: a table, column or constraint lost (a
 * constraint on a table whose constraint a catalog check is about may change), an index dropped
 * that no catalog check asks to drop, rows changed in a table it does not write.
 */
async function referenceDamage(box: ChapterSandbox, ex: Exercise): Promise<string[]> {
  const written = await writtenTables(ex.solution);
  const dropsAsked = new Set(ex.checks.flatMap((c) => (c.kind === 'catalog' && c.index && (c.index.exists === false || c.index.count !== undefined) ? [c.index.table] : [])));
  // A constraint a catalog check is about may be redefined (an ON DELETE action changed).
  const constraintsAsked = new Set(ex.checks.flatMap((c) => (c.kind === 'catalog' && c.constraint ? [c.constraint.table] : [])));
  // A column the task asks to be gone (a catalog column check with exists: false: a rename, a
  // downgrade) may go on that table, with its constraints; a column a catalog column check names
  // may change (SET NOT NULL).
  const columnsGone = new Set(ex.checks.flatMap((c) => (c.kind === 'catalog' && c.column && c.column.exists === false ? [c.column.table] : [])));
  const columnsAsked = new Set(ex.checks.flatMap((c) => (c.kind === 'catalog' && c.column && c.column.exists !== false ? [c.column.table] : [])));
  return (await referenceChanges(box, ex)).filter((c) => {
    const [kind, table] = c.key.split(':');
    if (kind === 'index') return !dropsAsked.has(table);
    if (kind === 'column') return !(columnsGone.has(table) || (/was .*, it is now/.test(c.message) && columnsAsked.has(table)));
    if (kind === 'constraint') return !(constraintsAsked.has(table) || columnsGone.has(table));
    if (kind === 'rows' || kind === 'data') return !written.has(table);
    return true;
  }).map((c) => c.message);
}

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
    if (!py.problems.length) passed++;
  }
  for (const chapter of chapters) {
    if (only && chapter.id !== only) continue;
    console.log(`\n== ${chapter.id}: ${chapter.title} (${chapter.exercises.length} exercises, ${chapter.blocks.length} SQL blocks)`);
    let box: ChapterSandbox;
    try {
      box = await ChapterSandbox.build(chapter, undefined, await wasm);
    } catch (e) {
      problems.push(`${chapter.id}: the dataset does not build: ${(e as Error).message}`);
      continue;
    }
    for (const [v, t] of Object.entries(box.times)) {
      console.log(`   dataset ${v}: built in ${ms(t!.buildMs)}, snapshot ${(t!.snapshotBytes / 1e6).toFixed(1)} MB in ${ms(t!.dumpMs)}`);
    }
    const native = verifyExamplesNative(chapter);
    native.catch(() => undefined); // awaited (and reported) in checkExamples
    if (chapter.exercises.length < 1) problems.push(`${chapter.id}: no exercises`);
    for (const ex of chapter.exercises) {
      const label = `${ex.id}`;
      try {
        const r = await checkExercise(box, ex, ex.solution);
        if (r.passed) {
          passed++;
          console.log(`   ✓ ${label}: solution passes (${r.checks.length} checks, ${r.timing.mode}, ${ms(r.timing.totalMs)})`);
        } else {
          const why = r.error ? `error: ${r.error.message}` : r.checks.filter((c) => !c.passed).map((c) => `${c.kind}: ${c.message}`).join(' | ');
          problems.push(`${label}: the reference solution fails: ${why}`);
          console.log(`   ✗ ${label}: the reference solution fails: ${why}`);
        }
        // The proofs beyond the listed answers.
        const proof = async (what: string, ok: boolean, detail: string) => {
          if (ok) {
            passed++;
            console.log(`   ✓ ${label}: ${what}`);
          } else {
            problems.push(`${label}: ${what}: ${detail}`);
            console.log(`   ✗ ${label}: ${what}: ${detail}`);
          }
        };
        const damage = await referenceDamage(box, ex);
        await proof('the reference leaves the rest of the database intact', !damage.length, damage.join('; '));
        const withExtra = await checkExercise(box, ex, withNoOps(chapter, ex.solution));
        await proof('extra no-op statements do not change the reference\'s verdict', verdict(withExtra) === verdict(r), `with them: ${verdict(withExtra)}${withExtra.error ? ` (${withExtra.error.message})` : ''}`);
        if (ex.checks.some((c) => c.kind === 'result')) {
          const answer = hardCodedAnswer(await referenceResult(box, ex, 'main'));
          if (!answer) await proof('a hard-coded copy of the reference rows fails on the second copy', false, 'the reference returns no rows: nothing tells a copied answer from a computed one');
          else {
            const h = await checkExercise(box, ex, answer);
            const o = h.checks.find((c) => c.kind === 'result');
            await proof('a hard-coded copy of the reference rows fails on the second copy', !!o && !o.passed && o.details.variant === 'perturbed',
              o ? (o.passed ? 'it passes the result check' : `it fails on the ${o.details.variant ?? 'main'} copy: ${o.message.slice(0, 120)}`) : `no result check ran${h.error ? `: ${h.error.message}` : ''}`);
          }
        }
        for (const wrong of ex.wrongAnswers) {
          const padded = await checkExercise(box, ex, withNoOps(chapter, wrong.sql));
          const plain = await checkExercise(box, ex, wrong.sql);
          if (verdict(padded) !== verdict(plain) && !(padded.error && plain.error)) {
            problems.push(`${label}: the wrong answer "${wrong.title}" with extra no-op statements: ${verdict(padded)} instead of ${verdict(plain)}`);
            console.log(`   ✗ ${label} / "${wrong.title}" + no-ops: ${verdict(padded)} instead of ${verdict(plain)}`);
          }
          const w = plain;
          const kinds = failedKinds(w);
          const missing = wrong.fails.filter((k) => !kinds.has(k));
          if (w.error) {
            problems.push(`${label}: the wrong answer "${wrong.title}" is an SQL error, not a typical mistake: ${w.error.message}`);
            console.log(`   ✗ ${label} / "${wrong.title}": SQL error ${w.error.message}`);
          } else if (w.passed || missing.length) {
            const msg = w.passed ? 'passes every check' : `does not fail ${missing.join(', ')}`;
            problems.push(`${label}: the wrong answer "${wrong.title}" ${msg}`);
            console.log(`   ✗ ${label} / "${wrong.title}": ${msg}`);
          } else {
            passed++;
            const first = w.checks.find((c) => !c.passed)!;
            console.log(`   ✓ ${label} / "${wrong.title}": fails ${[...kinds].join(', ')}${first.details.variant === 'perturbed' ? ' (on the perturbed copy)' : ''} — ${first.message.slice(0, 140)}`);
          }
        }
      } catch (e) {
        problems.push(`${label}: ${(e as Error).message}`);
        console.log(`   ✗ ${label}: ${(e as Error).message}`);
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
