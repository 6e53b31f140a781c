import { describe, expect, it } from 'vitest';
import { emptyProgress, FORMAT, mergeProgress, parseProgressFile, ProgressStore, STORAGE_KEY, type KeyValueStore } from '../../src/ui/lessons/progress.ts';

class MemoryStore implements KeyValueStore {
  map = new Map<string, string>();
  writes = 0;
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.writes++;
    this.map.set(k, v);
  }
}

const file = (exercises: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ format: FORMAT, version: 1, exportedAt: '2025-01-01T00:00:00.000Z', exercises, ...extra });

describe('ProgressStore', () => {
  it('starts empty and records hints, solution seen, attempts, passes and the last SQL', () => {
    const s = new ProgressStore(new MemoryStore());
    expect(s.get('indexes/brin')).toEqual(emptyProgress());
    s.revealHint('indexes/brin', 2);
    s.revealHint('indexes/brin', 2);
    s.revealHint('indexes/brin', 2);
    expect(s.get('indexes/brin').hintsUsed).toBe(2);
    s.markAttempt('indexes/brin');
    s.saveSql('indexes/brin', 'create index on orders using brin (created_at);');
    s.markPassed('indexes/brin');
    s.markSolutionSeen('indexes/brin');
    const p = s.get('indexes/brin');
    expect(p).toMatchObject({ passed: true, hintsUsed: 2, solutionSeen: true, attempts: 2, lastSql: 'create index on orders using brin (created_at);' });
    expect(Date.parse(p.passedAt!)).not.toBeNaN();
  });

  it('keeps progress across instances (a reload) through the storage', () => {
    const mem = new MemoryStore();
    new ProgressStore(mem).markPassed('indexes/btree-lookup');
    const again = new ProgressStore(mem);
    expect(again.get('indexes/btree-lookup').passed).toBe(true);
    expect(JSON.parse(mem.getItem(STORAGE_KEY)!).format).toBe(FORMAT);
  });

  it('reads a damaged store as empty instead of failing', () => {
    const mem = new MemoryStore();
    mem.setItem(STORAGE_KEY, '{not json');
    expect(new ProgressStore(mem).all()).toEqual({});
  });

  it('survives a storage that throws (private mode, quota)', () => {
    const broken: KeyValueStore = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('quota'); } };
    const s = new ProgressStore(broken);
    expect(s.markPassed('indexes/brin').passed).toBe(true);
    expect(s.get('indexes/brin').passed).toBe(true);
  });

  it('does not write when the SQL did not change', () => {
    const mem = new MemoryStore();
    const s = new ProgressStore(mem);
    s.saveSql('indexes/brin', 'select 1');
    const writes = mem.writes;
    s.saveSql('indexes/brin', 'select 1');
    expect(mem.writes).toBe(writes);
  });

  it('exports a file that imports into another browser', () => {
    const a = new ProgressStore(new MemoryStore());
    a.markPassed('indexes/brin');
    a.revealHint('indexes/gist-exclusion', 3);
    const b = new ProgressStore(new MemoryStore());
    const r = b.importJson(a.exportJson());
    expect(r).toEqual({ ok: true, count: 2 });
    expect(b.get('indexes/brin').passed).toBe(true);
    expect(b.get('indexes/gist-exclusion').hintsUsed).toBe(1);
  });

  it('merges an import without losing a pass, a hint or a seen solution', () => {
    const s = new ProgressStore(new MemoryStore());
    s.markPassed('indexes/brin');
    s.revealHint('indexes/brin', 3);
    s.revealHint('indexes/brin', 3);
    const r = s.importJson(file({ 'indexes/brin': { passed: false, hintsUsed: 1, solutionSeen: true, attempts: 0, lastSql: 'select 2' } }));
    expect(r.ok).toBe(true);
    expect(s.get('indexes/brin')).toMatchObject({ passed: true, hintsUsed: 2, solutionSeen: true, lastSql: 'select 2' });
  });
});

describe('import validation', () => {
  const cases: [string, string, RegExp][] = [
    ['not JSON', 'hello', /not JSON/],
    ['another JSON file', JSON.stringify({ name: 'package' }), /not a pglab progress file/],
    ['a future version', file({}, { version: 3 }), /version 3/],
    ['no exercises', JSON.stringify({ format: FORMAT, version: 1 }), /no "exercises"/],
    ['an array of exercises', file([]), /no "exercises"/],
    ['a bad id', file({ '../etc': { passed: true } }), /not an exercise id/],
    ['passed missing', file({ 'indexes/brin': { hintsUsed: 1 } }), /"passed"/],
    ['negative hints', file({ 'indexes/brin': { passed: true, hintsUsed: -1 } }), /hintsUsed/],
    ['solutionSeen a string', file({ 'indexes/brin': { passed: true, solutionSeen: 'yes' } }), /solutionSeen/],
    ['lastSql a number', file({ 'indexes/brin': { passed: true, lastSql: 42 } }), /lastSql/],
    ['passedAt not a date', file({ 'indexes/brin': { passed: true, passedAt: 'yesterday' } }), /passedAt/],
  ];
  for (const [what, text, message] of cases) {
    it(`rejects ${what} with a clear message`, () => {
      const r = parseProgressFile(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    });
  }

  it('changes nothing when a file is malformed, even if part of it is valid', () => {
    const mem = new MemoryStore();
    const s = new ProgressStore(mem);
    s.markPassed('indexes/brin');
    const before = mem.getItem(STORAGE_KEY);
    const r = s.importJson(file({ 'indexes/btree-lookup': { passed: true }, 'indexes/gist-exclusion': { passed: 'yes' } }));
    expect(r.ok).toBe(false);
    expect(s.get('indexes/btree-lookup').passed).toBe(false);
    expect(mem.getItem(STORAGE_KEY)).toBe(before);
  });

  it('accepts minimal entries, filling the defaults', () => {
    const r = parseProgressFile(file({ 'query-optimization/keyset-pagination': { passed: true } }));
    expect(r).toEqual({ ok: true, exercises: { 'query-optimization/keyset-pagination': { passed: true, hintsUsed: 0, solutionSeen: false, attempts: 0 } } });
  });

  it('mergeProgress keeps the earliest pass time', () => {
    const m = mergeProgress(
      { ...emptyProgress(), passed: true, passedAt: '2025-02-01T00:00:00.000Z' },
      { ...emptyProgress(), passed: true, passedAt: '2025-01-01T00:00:00.000Z' },
    );
    expect(m.passedAt).toBe('2025-01-01T00:00:00.000Z');
  });
});
