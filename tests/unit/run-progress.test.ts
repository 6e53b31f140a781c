import { describe, expect, it } from 'vitest';
import { describeProgress, progressAfter, PROGRESS_FROM_BYTES } from '../../src/db/run-progress.ts';
import { Session, type StatementResult } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';

describe('progress of a long script run', () => {
  it('follows the statements of a real run to the end of the script', async () => {
    const engine = await localEngine();
    try {
      // Enough multi-row INSERTs to pass the threshold, as a dump is.
      const row = `('${'x'.repeat(200)}')`;
      const insert = `insert into t values ${Array.from({ length: 100 }, () => row).join(',')};\n`;
      const script = `create table t (v text);\n${insert.repeat(Math.ceil(PROGRESS_FROM_BYTES / insert.length) + 1)}`;
      let p = null as ReturnType<typeof progressAfter>;
      const seen: number[] = [];
      const report = await new Session(engine).run(script, {
        onResult: (r: StatementResult) => { p = progressAfter(r, script, 0, p); seen.push(p!.done); },
      });
      expect(report.results.every((r) => !r.error)).toBe(true);
      expect(p!.statements).toBe(report.results.length);
      expect(p!.total).toBe(script.length);
      // Each statement moves it on, and the last one reaches the end of its text.
      expect(seen.every((d, i) => i === 0 || d > seen[i - 1])).toBe(true);
      expect(script.slice(p!.done)).toMatch(/^;?\s*$/);
      expect(describeProgress({ ...p!, done: Math.floor(p!.total / 2) })).toMatch(/^Running the script: 0\.\d MB of 0\.\d MB \((49|50) %\), \d+ statements done\.$/);
    } finally {
      await engine.db.close();
    }
  });

  it('stays silent for a short script', () => {
    const r = { from: 0, to: 9 } as StatementResult;
    expect(progressAfter(r, 'select 1;', 0, null)).toBeNull();
  });

  it('counts from the start of a selection, never backwards, and in bytes', () => {
    const script = 'é'.repeat(PROGRESS_FROM_BYTES);
    const a = progressAfter({ from: 1000, to: 1000 + 500 } as StatementResult, script, 1000, null)!;
    expect(a.done).toBe(500);
    const b = progressAfter({ from: 1000, to: 1000 + 100 } as StatementResult, script, 1000, a)!;
    expect(b.done).toBe(500);
    expect(b.statements).toBe(2);
    // Two UTF-8 bytes per character: the whole script is 0.5 MB, not 0.25.
    expect(describeProgress({ done: script.length, total: script.length, statements: 2 }, 2)).toBe('Running the script: 0.5 MB of 0.5 MB (100 %), 2 statements done.');
  });
});
