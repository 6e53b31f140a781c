// The outsider's audit of the checker (tests/fixtures/adversarial/audit.ts) covers every chapter;
// each chapter's adversarial suite runs its part through the real checker.
import { it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { AUDIT } from '../fixtures/adversarial/audit.ts';

it('spreads over every chapter, with at least 40 wrong and 25 right answers', () => {
  const chapters = readdirSync(new URL('../../lessons', import.meta.url), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  expect(Object.keys(AUDIT).sort()).toEqual(chapters.sort());
  const all = Object.values(AUDIT);
  expect(all.reduce((n, a) => n + a.wrong.length, 0)).toBeGreaterThanOrEqual(40);
  expect(all.reduce((n, a) => n + a.right.length, 0)).toBeGreaterThanOrEqual(25);
  for (const a of all) expect(a.wrong.length > 0 && a.right.length > 0).toBe(true);
});
