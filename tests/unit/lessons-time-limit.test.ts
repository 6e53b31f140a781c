// A check has a time limit: PGlite cannot cancel a statement, so the client ends the checker's
// worker at the limit and says so. The worker here is a stand-in that answers like the lesson
// worker does, and never answers a check whose SQL "sleeps" (what pg_sleep(60) does to it).
import { describe, it, expect } from 'vitest';
import { CheckTimeLimitError, LessonStoppedError, LessonWorkerClient } from '../../src/lessons/lesson-client.ts';
import type { CheckReport, Exercise } from '../../src/lessons/format.ts';

class StandInWorker {
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: { message: string }) => void) | null = null;
  terminated = false;
  postMessage(m: { id: number; op: string; args: unknown[] }) {
    const answer = (value: unknown) => setTimeout(() => !this.terminated && this.onmessage?.({ data: { id: m.id, ok: true, value } }), 5);
    if (m.op === 'init') return answer(undefined);
    if (m.op === 'check' && !/pg_sleep/.test(String(m.args[1]))) {
      return answer({ passed: true, checks: [], notes: [], timing: { resetMs: 0, totalMs: 1, mode: 'shared' } } satisfies CheckReport);
    }
  }
  terminate() {
    this.terminated = true;
  }
}

const exercise = { id: 't/x' } as Exercise;

describe('the check time limit', () => {
  it('ends the worker at the limit and says that the time limit stopped the check', async () => {
    let worker: StandInWorker | undefined;
    const client = new LessonWorkerClient(() => (worker = new StandInWorker()) as unknown as Worker);
    await client.start();
    const t0 = performance.now();
    const err = await client.check(exercise, 'select pg_sleep(60);', 300).catch((e) => e);
    expect(err).toBeInstanceOf(CheckTimeLimitError);
    expect(err).not.toBeInstanceOf(LessonStoppedError);
    expect((err as CheckTimeLimitError).limitMs).toBe(300);
    expect((err as Error).message).toContain('time limit of 300 ms');
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(worker!.terminated).toBe(true);
    expect(client.started).toBe(false);
  });

  it('a check that ends in time is not touched', async () => {
    let worker: StandInWorker | undefined;
    const client = new LessonWorkerClient(() => (worker = new StandInWorker()) as unknown as Worker);
    await client.start();
    const r = await client.check(exercise, 'select 1;', 2_000);
    expect(r.passed).toBe(true);
    await new Promise((res) => setTimeout(res, 50));
    expect(worker!.terminated).toBe(false);
  });
});
