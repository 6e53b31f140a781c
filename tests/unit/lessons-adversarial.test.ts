// Every chapter has a corpus of answers nobody on the lesson side wrote, and a test file that runs
// it (one per chapter, tests/unit/lessons-adversarial-<chapter>.test.ts, so workers share them).
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const chapters = readdirSync(`${root}lessons`, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe('adversarial corpora', () => {
  it('exist for every chapter, each run by its own test file', () => {
    expect(chapters.length).toBeGreaterThanOrEqual(7);
    const missing = chapters.filter((c) => !existsSync(`${root}tests/fixtures/adversarial/${c}.ts`) || !existsSync(`${root}tests/unit/lessons-adversarial-${c}.test.ts`));
    expect(missing).toEqual([]);
  });
});
