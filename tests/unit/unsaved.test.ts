import { describe, expect, it } from 'vitest';
import { describeUnsaved, formatBytes } from '../../src/db/unsaved.ts';

describe('the not-saving notice', () => {
  it('gives sizes as people read them', () => {
    expect(formatBytes(24_400_000)).toBe('24.4 MB');
    expect(formatBytes(12_000_000_000)).toBe('12.0 GB');
    expect(formatBytes(300)).toBe('1 KB');
  });

  it('states the reason and the figures that explain it', () => {
    const text = describeUnsaved({ reason: "this site's browser storage is too small for the database", quota: 12_000_000, usage: 4_000_000, needed: 24_400_000 });
    expect(text).toMatch(/^Your work is not being saved: this site's browser storage is too small/);
    expect(text).toContain('the database is 24.4 MB');
    expect(text).toContain('this site may use 12.0 MB and uses 4.0 MB');
    expect(text).toContain('a reload or closing it loses');
  });

  it('does not pass off a quota that contradicts the refusal as its reason', () => {
    const text = describeUnsaved({ reason: 'the browser would not save it (UnknownError)', quota: 10_000_000_000, usage: 0, needed: 24_400_000 });
    expect(text).toContain('the browser reports 10.0 GB free for this site, yet refused the save');
    expect(text).not.toContain('may use');
  });

  it('says what it knows when the browser gives no figures', () => {
    expect(describeUnsaved({ reason: "the browser refused this site's storage (SecurityError: denied)", needed: 0 })).toBe(
      "Your work is not being saved: the browser refused this site's storage (SecurityError: denied). Everything works in this tab, but a reload or closing it loses what you did since. pglab saves everything with the next statement once the browser gives it room (free some disk space, or leave a private window).",
    );
  });
});
