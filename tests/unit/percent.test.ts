// Shares shown as percentages never round onto 0 % or 100 % they have not reached.
import { describe, expect, it } from 'vitest';
import { percent } from '../../src/analysis/percent.ts';

describe('percent', () => {
  it('keeps the usual digits where they say the truth', () => {
    expect(percent(0.123)).toBe('12.3%');
    expect(percent(0.5, 0)).toBe('50%');
    expect(percent(1)).toBe('100.0%');
    expect(percent(0)).toBe('0.0%');
  });
  it('adds digits rather than rounding to a boundary: 99.98 % of a range is not 100.0%', () => {
    expect(percent(0.9998)).toBe('99.98%');
    expect(percent(0.99996)).toBe('99.996%');
    expect(percent(0.0003)).toBe('0.03%');
    expect(percent(0.004, 0)).toBe('0.4%');
    expect(percent(0.996, 0)).toBe('99.6%');
    expect(percent(1 - 1e-12)).toBe('> 99.999999%');
    expect(percent(Number.NaN)).toBe('n/a');
  });
});
