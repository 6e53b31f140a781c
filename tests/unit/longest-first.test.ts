// The unit files run longest first (scripts/longest-first.ts): files without a record first, then
// by recorded duration; a missing or broken record falls back to size order, never to an error.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { longestFirst } from '../../scripts/longest-first.ts';

const root = mkdtempSync(join(tmpdir(), 'pglab-seq-'));
const file = (name: string, bytes: number) => {
  writeFileSync(join(root, name), 'x'.repeat(bytes));
  return { moduleId: join(root, name) };
};

describe('longest-first order', () => {
  const small = file('a.test.ts', 10);
  const big = file('b.test.ts', 5000);
  const slowWrapper = file('c.test.ts', 100);
  const newFile = file('d.test.ts', 50);

  it('puts unrecorded files first, then the recorded ones by duration, longest first', async () => {
    writeFileSync(join(root, 'durations.json'), JSON.stringify({ 'a.test.ts': 2, 'b.test.ts': 20, 'c.test.ts': 300 }));
    const Seq = longestFirst(root, join(root, 'durations.json'));
    const order = await new Seq().sort([small, big, slowWrapper, newFile]);
    expect(order.map((f) => f.moduleId.slice(root.length + 1))).toEqual(['d.test.ts', 'c.test.ts', 'b.test.ts', 'a.test.ts']);
  });

  it('without a readable record, orders by size, largest first', async () => {
    writeFileSync(join(root, 'broken.json'), '{ not json');
    for (const record of ['broken.json', 'missing.json']) {
      const Seq = longestFirst(root, join(root, record));
      const order = await new Seq().sort([small, slowWrapper, big, newFile]);
      expect(order.map((f) => f.moduleId.slice(root.length + 1))).toEqual(['b.test.ts', 'c.test.ts', 'd.test.ts', 'a.test.ts']);
    }
  });
});
