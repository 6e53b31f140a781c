import { describe, it, expect } from 'vitest';
import type { FileWrite } from '@electric-sql/pglite/memfs-frontend';
import { assembleFile, livePages, manifestFrom, manifestRecord, packBase, pagesOf, shouldCompact, subtreeOf, COMPACT_AT, PAGE, type Manifest } from '../../src/db/store-layout.ts';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const write = (w: Partial<FileWrite> & Pick<FileWrite, 'size' | 'chunks'>): FileWrite => ({ path: '/f', full: false, truncate: false, ...w });
const noRead = () => {
  throw new Error('should not read the file');
};

describe('pagesOf: the 8 KB pages a write saves', () => {
  it('takes whole pages from the write itself, including a short last page', () => {
    const data = bytes(2 * PAGE + 100, 7);
    const pages = pagesOf(write({ size: 2 * PAGE + 100, chunks: [{ at: 0, data }] }), noRead);
    expect(pages.map((p) => [p.index, p.data.byteLength])).toEqual([[0, PAGE], [1, PAGE], [2, 100]]);
    // Copies, not views of the write's buffer (IndexedDB would store the whole buffer).
    expect(pages[0].data.buffer).not.toBe(data.buffer);
  });

  it('reads a page the write covers only in part from the file as it is now', () => {
    const current = bytes(3 * PAGE, 1);
    current.set(bytes(10, 9), PAGE + 20);
    const read = (i: number) => current.subarray(i * PAGE, (i + 1) * PAGE);
    const pages = pagesOf(write({ size: 3 * PAGE, chunks: [{ at: PAGE + 20, data: bytes(10, 9) }] }), read);
    expect(pages).toHaveLength(1);
    expect(pages[0].index).toBe(1);
    expect(pages[0].data).toEqual(read(1));
  });

  it('saves the new last page of a shortened file, and skips zero pages of a new file', () => {
    const current = bytes(PAGE + 5, 3);
    const read = (i: number) => current.subarray(i * PAGE, Math.min((i + 1) * PAGE, current.length));
    const cut = pagesOf(write({ size: PAGE + 5, truncate: true, chunks: [] }), read);
    expect(cut.map((p) => [p.index, p.data.byteLength])).toEqual([[1, 5]]);
    // A fresh 1 MB WAL segment: zeros except one page.
    const wal = new Uint8Array(128 * PAGE);
    wal.set(bytes(PAGE, 1), 5 * PAGE);
    const fresh = pagesOf(write({ size: wal.length, full: true, truncate: true, chunks: [{ at: 0, data: wal }] }), noRead);
    expect(fresh.map((p) => p.index)).toEqual([5]);
  });
});

describe('assembleFile: base image, then pages', () => {
  const base = packBase([['/a', bytes(3 * PAGE, 1)], ['/b', bytes(10, 2)]]);

  it('lays pages over the base image', () => {
    const out = assembleFile('/a', { size: 3 * PAGE, baseLen: 3 * PAGE }, base, [{ index: 1, data: bytes(PAGE, 5) }]);
    expect([out[0], out[PAGE], out[2 * PAGE], out.length]).toEqual([1, 5, 1, 3 * PAGE]);
    expect(assembleFile('/b', { size: 10, baseLen: 10 }, base, [])).toEqual(bytes(10, 2));
  });

  it('uses no more of the base than still counts: a file cut and grown again reads zeros there', () => {
    const out = assembleFile('/a', { size: 2 * PAGE, baseLen: 100 }, base, []);
    expect(out.subarray(0, 100)).toEqual(bytes(100, 1));
    expect(out.subarray(100)).toEqual(new Uint8Array(2 * PAGE - 100));
    // A file written anew ignores its old base bytes entirely.
    expect(assembleFile('/b', { size: 10, baseLen: 0 }, base, [])).toEqual(new Uint8Array(10));
  });

  it('cuts a page that reaches past the end of the file', () => {
    expect(assembleFile('/c', { size: 50, baseLen: 0 }, undefined, [{ index: 0, data: bytes(PAGE, 4) }])).toEqual(bytes(50, 4));
  });
});

describe('manifest', () => {
  it('round-trips, parents before children, and finds subtrees', () => {
    const m: Manifest = new Map([['/base/1/1259', { size: 8192, baseLen: 8192 }], ['/base', { dir: true }], ['/base/1', { dir: true }], ['/base-x', { dir: true }]]);
    const rec = manifestRecord(m);
    expect(rec.map((r) => r[0])).toEqual(['/base', '/base-x', '/base/1', '/base/1/1259']);
    expect(manifestFrom(rec)).toEqual(m);
    expect(subtreeOf(m, '/base').sort()).toEqual(['/base', '/base/1', '/base/1/1259']);
  });
});

describe('shouldCompact: when a save folds everything into a new base image', () => {
  const mb = (n: number) => (n * 1024 * 1024) / PAGE;
  it('not for a small database or a few changes', () => {
    expect(shouldCompact({ savedPages: 100, newPages: 10, basePages: 3000, livePages: 3000 })).toBe(false);
    expect(shouldCompact({ savedPages: 0, newPages: COMPACT_AT, basePages: 100, livePages: 100 })).toBe(false);
    expect(shouldCompact({ savedPages: 0, newPages: COMPACT_AT + 1, basePages: 100, livePages: 100 })).toBe(true);
  });
  it('once the page records would outnumber half the data directory', () => {
    expect(shouldCompact({ savedPages: mb(10), newPages: mb(2), basePages: mb(25), livePages: mb(25) })).toBe(false);
    expect(shouldCompact({ savedPages: mb(10), newPages: mb(3), basePages: mb(25), livePages: mb(25) })).toBe(true);
  });
  it('when the base is mostly files that are gone: a checkpoint removed the WAL a big write left in it', () => {
    // Measured: a 146 MB base for a 63 MB data directory, and 55 MB of pages the checkpoint wrote.
    expect(shouldCompact({ savedPages: 0, newPages: mb(55), basePages: mb(146), livePages: mb(63) })).toBe(true);
    expect(shouldCompact({ savedPages: 0, newPages: 1, basePages: mb(146), livePages: mb(63) })).toBe(true);
    expect(shouldCompact({ savedPages: 0, newPages: 1, basePages: mb(120), livePages: mb(63) })).toBe(false);
  });
  it('counts the live data directory from the manifest', () => {
    const m: Manifest = new Map([['/base', { dir: true }], ['/base/1', { size: 3 * PAGE + 1, baseLen: 0 }], ['/PG_VERSION', { size: 3, baseLen: 3 }]]);
    expect(livePages(m)).toBe(5);
  });
});
