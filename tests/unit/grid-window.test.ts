import { describe, it, expect } from 'vitest';
import { oneLine, rowWindow } from '../../src/ui/grid-window.ts';

describe('rowWindow', () => {
  it('renders the rows in view plus a margin, with spacers for the rest', () => {
    const w = rowWindow(100_000, 22 * 5000, 440, 22);
    expect(w.start).toBe(4980);
    expect(w.end).toBe(5040);
    expect(w.before).toBe(4980 * 22);
    expect(w.before + (w.end - w.start) * 22 + w.after).toBe(100_000 * 22);
  });
  it('clamps at both ends', () => {
    expect(rowWindow(10, 0, 1000, 22)).toEqual({ start: 0, end: 10, before: 0, after: 0 });
    const last = rowWindow(1000, 10_000_000, 440, 22);
    expect(last.end).toBe(1000);
    expect(last.start).toBe(1000 - 20 - 20);
    expect(last.after).toBe(0);
  });
});

describe('oneLine', () => {
  it('marks newlines and tabs and cuts long text', () => {
    expect(oneLine('a\nb\tc')).toBe('a↵b⇥c');
    expect(oneLine('x'.repeat(300), 10)).toBe('x'.repeat(10) + '…');
  });
});
