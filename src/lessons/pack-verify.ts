// Verifies a lesson pack in the page before it is shown: each chapter is built in a lesson worker
// of its own (never the learner's database, never the playground's) and the core proofs run
// through that worker's real checker: every reference passes, every listed wrong answer fails what
// it names, and no-op statements change no verdict.
import { LessonWorkerClient } from './lesson-client.ts';
import { proofSteps, proveExercise } from './proofs.ts';
import type { Chapter } from './format.ts';

/** A worker's error may carry a non-text message (an Emscripten errno object): say what it is. */
function messageOf(e: unknown): string {
  const m = (e as { message?: unknown })?.message ?? e;
  if (typeof m === 'string') return m;
  try {
    return JSON.stringify(m);
  } catch {
    return String(m);
  }
}

export interface VerifyProgress {
  done: number;
  total: number;
  /** What runs now, in words. */
  step: string;
}

/** Returns the problems found, as `file: message` (none: the pack may be shown). */
export async function verifyPackInWorker(chapters: Chapter[], onProgress: (p: VerifyProgress) => void, signal?: AbortSignal): Promise<string[]> {
  const total = chapters.reduce((n, c) => n + 2 + c.exercises.reduce((m, ex) => m + proofSteps(ex), 0), 0);
  let done = 0;
  const problems: string[] = [];
  const worker = new LessonWorkerClient();
  const stop = () => worker.terminate();
  signal?.addEventListener('abort', stop);
  try {
    await worker.start();
    for (const chapter of chapters) {
      if (signal?.aborted) throw new Error('The verification was cancelled.');
      onProgress({ done, total, step: `Building the database of "${chapter.title}"…` });
      try {
        // As the lessons view does: the main copy is built as a learner's database (in this worker,
        // which no learner uses), the checker opens on its snapshot and builds the second copy.
        const main = await worker.build(chapter);
        await worker.checkerOpen(chapter, { main: main.snapshot });
        onProgress({ done: ++done, total, step: `Building the second copy of "${chapter.title}"…` });
        await worker.checkerBuild('perturbed');
        done++;
      } catch (e) {
        problems.push(`${chapter.id}/${chapter.datasetFile}: the dataset does not build: ${messageOf(e)}`);
        done += 1 + chapter.exercises.reduce((m, ex) => m + proofSteps(ex), 0);
        continue;
      }
      for (const ex of chapter.exercises) {
        const file = `${chapter.id}/exercises/${ex.file}`;
        const check = async (e: typeof ex, sql: string) => {
          onProgress({ done, total, step: `Checking exercise ${ex.number} of "${chapter.title}"…` });
          const r = await worker.check(e, sql);
          done++;
          return r;
        };
        try {
          await proveExercise(chapter, ex, check, (p) => {
            if (!p.ok) problems.push(`${file}: ${p.text}`);
          });
        } catch (e) {
          problems.push(`${file}: ${messageOf(e)}`);
        }
      }
    }
    onProgress({ done: total, total, step: problems.length ? 'Verification failed.' : 'Every exercise verified.' });
    return problems;
  } finally {
    signal?.removeEventListener('abort', stop);
    worker.terminate();
  }
}
