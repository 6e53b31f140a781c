// The drawn revision graph (src/migrations/graph-layout.ts): newer revisions above the ones they
// follow, one arrow per down_revision, boxes that do not overlap, and the same facts in words.
import { describe, it, expect } from 'vitest';
import { RevisionGraph } from '../../src/migrations/graph.ts';
import { describeDrawing, layoutRevisions } from '../../src/migrations/graph-layout.ts';
import { makeRevision, type Revision } from '../../src/migrations/revision.ts';

const rev = (id: string, down: string[], message = id): Revision =>
  makeRevision({ id, downRevision: down, message, upgrade: 'select 1;', downgrade: 'select 1;', createdAt: '2026-12-01T10:00:00.000Z' });

/** a → b → (c | d) → e (merge) → f, and a second line g → h from a */
const REVS = [
  rev('a1a1a1a1a1a1', [], 'customers'),
  rev('b2b2b2b2b2b2', ['a1a1a1a1a1a1'], 'email'),
  rev('c3c3c3c3c3c3', ['b2b2b2b2b2b2'], 'orders'),
  rev('d4d4d4d4d4d4', ['b2b2b2b2b2b2'], 'a much longer message than fits in one box of the drawing'),
  rev('e5e5e5e5e5e5', ['c3c3c3c3c3c3', 'd4d4d4d4d4d4'], 'merge'),
  rev('f6f6f6f6f6f6', ['e5e5e5e5e5e5'], 'after the merge'),
];

describe('the revision graph drawing', () => {
  const d = layoutRevisions(new RevisionGraph(REVS), ['c3c3c3c3c3c3']);
  const node = (id: string) => d.nodes.find((n) => n.id === id)!;

  it('puts every revision above the ones it follows', () => {
    for (const r of REVS) for (const p of r.downRevision) expect(node(r.id).y).toBeLessThan(node(p).y);
  });

  it('draws one arrow per down_revision, from the earlier revision to the later', () => {
    expect(d.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(REVS.flatMap((r) => r.downRevision.map((p) => `${p}>${r.id}`)).sort());
    for (const e of d.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps boxes apart and inside the drawing, and cuts long messages', () => {
    for (const a of d.nodes) {
      expect(a.x - a.w / 2).toBeGreaterThanOrEqual(0);
      expect(a.x + a.w / 2).toBeLessThanOrEqual(d.width);
      for (const b of d.nodes) {
        if (a === b) continue;
        const apart = Math.abs(a.x - b.x) >= (a.w + b.w) / 2 || Math.abs(a.y - b.y) >= (a.h + b.h) / 2;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
    expect(node('d4d4d4d4d4d4').message.endsWith('…')).toBe(true);
    // The caption with its roles fits its box (7 px a character, 12 px padding each side).
    for (const n of d.nodes) expect(n.caption.length * 7 + 24).toBeLessThanOrEqual(n.w);
    expect(node('b2b2b2b2b2b2').caption).toBe('b2b2b2b2b2b2 · branch point');
  });

  it('marks heads, bases, branch and merge points and the current revision, and says so in words', () => {
    expect(node('f6f6f6f6f6f6').roles).toEqual(['head']);
    expect(node('a1a1a1a1a1a1').roles).toEqual(['base']);
    expect(node('b2b2b2b2b2b2').roles).toEqual(['branch point']);
    expect(node('e5e5e5e5e5e5').roles).toEqual(['merge']);
    expect(node('c3c3c3c3c3c3').roles).toEqual(['current']);
    expect(describeDrawing(d)).toBe('Revision graph: 6 revisions; heads f6f6f6f6f6f6; branches at b2b2b2b2b2b2; merges e5e5e5e5e5e5; current c3c3c3c3c3c3');
    expect(describeDrawing(layoutRevisions(new RevisionGraph([])))).toBe('Revision graph: no revisions');
  });
});
