import { describe, expect, it } from 'vitest';
import { hashQuery, parseHash } from '../../src/ui/state/route.svelte.ts';

describe('hash routes', () => {
  it('reads the parts of a route, decoded', () => {
    expect(parseHash('#/lessons/indexes/partial-index')).toEqual({ parts: ['lessons', 'indexes', 'partial-index'] });
    expect(parseHash('#/lessons/caf%C3%A9')).toEqual({ parts: ['lessons', 'café'] });
    expect(parseHash('')).toEqual({ parts: [] });
  });

  it('turns a malformed address into the playground and a message, instead of throwing', () => {
    const r = parseHash('#/lessons/%E0%A4%A');
    expect(r.parts).toEqual([]);
    expect(r.error).toContain('#/lessons/%E0%A4%A is not a valid link');
  });

  it('reads a query after the route, whose value may be a whole URL', () => {
    expect(parseHash('#/lessons?pack=https://example.org/a/b.zip')).toEqual({ parts: ['lessons'] });
    expect(hashQuery('#/lessons?pack=https://example.org/a/b.zip')).toEqual({ pack: 'https://example.org/a/b.zip' });
    expect(hashQuery('#/lessons/indexes')).toEqual({});
  });
});
