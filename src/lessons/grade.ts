// Grading learners' progress files against chapters: who solved what. A pass counts only when the
// answer the file holds passes the real checker again, here; the file's "passed" is a claim.
import { parseProgressFile, type ExerciseProgress } from './progress.ts';
import { exerciseHash } from './pack.ts';
import type { Chapter, Exercise } from './format.ts';
import type { CheckSql } from './proofs.ts';

export type GradeStatus =
  /** The answer passes the checker, on the same version of the exercise. */
  | 'passed'
  /** The answer passes the checker, but was given to another version of the exercise (or pack). */
  | 'passed-other-version'
  /** The file claims a pass, but its answer fails the checker. */
  | 'failed'
  /** The file claims a pass with no answer to check (edited by hand, or an old file). */
  | 'unproven'
  | 'not-passed';

export interface GradeCell {
  status: GradeStatus;
  /** Why, in a sentence (failed, unproven, other version). */
  message?: string;
}

export interface GradeRow {
  learner: string;
  file: string;
  /** By exercise id; every exercise of the chapters graded. */
  cells: Record<string, GradeCell>;
  solved: number;
  /** The file could not be read at all: nothing in it counts. */
  refused?: string;
  notes: string[];
}

export interface GradeTable {
  pack: { id: string; hash: string | null } | null;
  exercises: { id: string; title: string }[];
  rows: GradeRow[];
}

export interface ProgressInput {
  file: string;
  text: string;
}

export const counts = (s: GradeStatus) => s === 'passed' || s === 'passed-other-version';
/** A claimed pass that does not stand. */
export const refusedClaim = (s: GradeStatus) => s === 'failed' || s === 'unproven';

/**
 * Grades every file. `checkerFor(chapter)` gives the real checker on that chapter's copies (built
 * once per chapter, however many files); `pack` is the identity of the pack the chapters came from.
 */
export async function gradeProgress(
  chapters: Chapter[], pack: GradeTable['pack'], inputs: ProgressInput[], checkerFor: (chapter: Chapter) => Promise<CheckSql>,
  onProgress?: (done: number, total: number) => void,
): Promise<GradeTable> {
  const exercises = chapters.flatMap((c) => c.exercises.map((ex) => ({ chapter: c, ex })));
  const hashes = new Map<string, string | null>();
  for (const { chapter, ex } of exercises) hashes.set(ex.id, await exerciseHash(chapter, ex));
  const rows: (GradeRow & { entries?: Record<string, ExerciseProgress> })[] = inputs.map(({ file, text }) => {
    const learner = file.replace(/^.*[\\/]/, '').replace(/\.json$/i, '');
    const r = parseProgressFile(text);
    if (!r.ok) return { learner, file, cells: {}, solved: 0, refused: r.error, notes: [] };
    const known = new Set(exercises.map((e) => e.ex.id));
    const unknown = Object.keys(r.exercises).filter((id) => !known.has(id) && r.exercises[id].passed);
    const notes = unknown.length ? [`${unknown.length} passed exercise${unknown.length === 1 ? ' is' : 's are'} not in these chapters: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`] : [];
    return { learner: r.learner ?? learner, file, cells: {}, solved: 0, notes, entries: r.exercises };
  });
  const total = rows.reduce((n, row) => n + exercises.filter(({ ex }) => row.entries?.[ex.id]?.answer && row.entries[ex.id].passed).length, 0);
  let done = 0;
  for (const chapter of chapters) {
    const needed = rows.some((row) => chapter.exercises.some((ex) => row.entries?.[ex.id]?.passed && row.entries[ex.id].answer));
    const check = needed ? await checkerFor(chapter) : undefined;
    for (const ex of chapter.exercises) {
      for (const row of rows) {
        if (row.refused) continue;
        const cell = await gradeOne(ex, row.entries?.[ex.id], hashes.get(ex.id) ?? null, pack, check);
        if (row.entries?.[ex.id]?.answer && row.entries[ex.id].passed) onProgress?.(++done, total);
        row.cells[ex.id] = cell;
        if (counts(cell.status)) row.solved++;
      }
    }
  }
  return {
    pack,
    exercises: exercises.map(({ ex }) => ({ id: ex.id, title: ex.title })),
    rows: rows.map(({ entries: _entries, ...row }) => row),
  };
}

async function gradeOne(ex: Exercise, p: ExerciseProgress | undefined, hash: string | null, pack: GradeTable['pack'], check?: CheckSql): Promise<GradeCell> {
  if (!p?.passed) return { status: 'not-passed' };
  if (!p.answer) return { status: 'unproven', message: 'the file says it passed but holds no answer to check' };
  const report = await check!(ex, p.answer.sql);
  if (!report.passed) {
    const why = report.error ? report.error.message : report.checks.find((c) => !c.passed)?.message ?? 'it does not pass';
    return { status: 'failed', message: `the file says it passed, but its answer fails the checker: ${why.slice(0, 200)}` };
  }
  const otherPack = (p.answer.pack?.id ?? null) !== (pack?.id ?? null);
  if (otherPack) return { status: 'passed-other-version', message: `answered in ${p.answer.pack ? `the pack "${p.answer.pack.id}"` : 'a built-in chapter'}; it passes this one's checks` };
  if (!hash || p.answer.hash !== hash) return { status: 'passed-other-version', message: 'answered to another version of the exercise; it passes this version\'s checks' };
  return { status: 'passed' };
}

const MARK: Record<GradeStatus, string> = { passed: '✓', 'passed-other-version': '✓*', failed: '✗', unproven: '✗?', 'not-passed': '·' };

/** The table as text: a row per learner, a column per exercise, then the reasons. */
export function gradeText(t: GradeTable): string {
  const cols = t.exercises.map((e, i) => ({ ...e, key: String(i + 1) }));
  const width = Math.max(7, ...t.rows.map((r) => r.learner.length));
  const lines = [
    `${'learner'.padEnd(width)}  ${cols.map((c) => c.key.padStart(3)).join(' ')}  solved`,
    ...t.rows.map((r) => `${r.learner.padEnd(width)}  ${r.refused ? 'refused: ' + r.refused : cols.map((c) => MARK[r.cells[c.id]?.status ?? 'not-passed'].padStart(3)).join(' ') + `  ${r.solved}/${cols.length}`}`),
    '',
    ...cols.map((c) => `${c.key.padStart(3)}  ${c.id}: ${c.title}`),
    '',
    '✓ passed, re-checked   ✓* passed, re-checked, answered to another version   ✗ claimed, fails the checker   ✗? claimed, no answer   · not passed',
  ];
  const why = t.rows.flatMap((r) => [
    ...Object.entries(r.cells).filter(([, c]) => c.message).map(([id, c]) => `${r.learner} ${id}: ${c.message}`),
    ...r.notes.map((n) => `${r.learner}: ${n}`),
  ]);
  if (why.length) lines.push('', ...why);
  return lines.join('\n') + '\n';
}
