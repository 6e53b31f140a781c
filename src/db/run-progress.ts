// How far a long script run has got, in bytes of its text: a dump imported into a workspace or a
// large file run in the editor takes minutes, and a bare "running" says nothing of how long.
import type { StatementResult } from './session.ts';

/** Scripts shorter than this finish too soon for a progress line to help. */
export const PROGRESS_FROM_BYTES = 256 * 1024;

export interface RunProgress {
  /** Characters of the script behind the last finished statement. */
  done: number;
  total: number;
  statements: number;
}

/** The progress after `r`, or null for a script too short to show one. */
export function progressAfter(r: StatementResult, script: string, baseOffset: number, previous: RunProgress | null): RunProgress | null {
  if (script.length < PROGRESS_FROM_BYTES) return null;
  const done = Math.min(script.length, Math.max(previous?.done ?? 0, r.to - baseOffset));
  return { done, total: script.length, statements: (previous?.statements ?? 0) + 1 };
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** "Running the script: 2.3 MB of 6.3 MB (37 %), 45 statements done." */
export function describeProgress(p: RunProgress, bytesPerChar = 1): string {
  const pct = Math.floor((100 * p.done) / p.total);
  return `Running the script: ${mb(p.done * bytesPerChar)} of ${mb(p.total * bytesPerChar)} (${pct} %), ${p.statements.toLocaleString('en')} statement${p.statements === 1 ? '' : 's'} done.`;
}
