import { describe, it, expect } from 'vitest';
import { contrastRatio, DARK_BACKGROUND, DARK_TOKENS } from '../../src/ui/editor/editor-theme.ts';

describe('the dark editor theme', () => {
  it('measures contrast as WCAG 2 does', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('gives every token colour at least AA contrast (4.5:1) on the background and on the active line', () => {
    for (const [token, color] of Object.entries(DARK_TOKENS)) {
      for (const bg of [DARK_BACKGROUND, '#1d2329']) {
        expect({ token, bg, ratio: contrastRatio(color, bg) >= 4.5 }).toEqual({ token, bg, ratio: true });
      }
    }
  });
});
