// How the saved data directory is laid out (idb-store.ts uses these; unit tests check them):
// a base image (every file as of the last compaction, packed in one record) plus the 8 KB
// pages written since, one record each, plus a manifest of paths and sizes. IndexedDB reads a
// few big records far faster than thousands of small ones (24 MB: ~30 ms as one record, ~210
// ms as 8 KB records, in Chromium here), and a commit writes only the pages it changed.
import type { FileWrite } from '@electric-sql/pglite/memfs-frontend';

export const PAGE = 8192;

/** A file of the manifest: its size, and how much of its base image is still its content. */
export interface FileMeta {
  size: number;
  baseLen: number;
}

/** The manifest: every directory and file, by path relative to PGDATA. */
export type Manifest = Map<string, { dir: true } | FileMeta>;

/** The base image: the files' bytes one after another. */
export interface BaseImage {
  index: Record<string, [offset: number, length: number]>;
  data: Uint8Array;
}

/** A page to save: its index in the file and its bytes (the file's last page may be short). */
export interface PageWrite {
  index: number;
  data: Uint8Array;
}

/**
 * The pages a write touched. A page the write's chunks cover whole (up to the end of the file)
 * comes with its bytes; for the others `read(index)` gives the page as the file holds it now.
 * A new file skips its all-zero pages: a missing page reads as zeros.
 */
export function pagesOf(w: FileWrite, read: (index: number) => Uint8Array): PageWrite[] {
  const pages = new Map<number, Uint8Array | undefined>();
  for (const { at, data } of w.chunks) {
    const end = Math.min(at + data.byteLength, w.size);
    for (let index = Math.floor(at / PAGE); index * PAGE < end; index++) {
      const start = index * PAGE;
      const stop = Math.min(start + PAGE, w.size);
      const whole = at <= start && end >= stop;
      pages.set(index, whole ? data.subarray(start - at, stop - at) : pages.get(index));
    }
  }
  // A shortened file: its new last page is saved again, so no stale bytes remain past the end.
  if (w.truncate && !w.full && w.size % PAGE) {
    const last = Math.floor(w.size / PAGE);
    if (!pages.has(last)) pages.set(last, undefined);
  }
  const out: PageWrite[] = [];
  for (const [index, data] of [...pages].sort((a, b) => a[0] - b[0])) {
    const bytes = (data ?? read(index)).slice();
    if (w.full && isZero(bytes)) continue;
    out.push({ index, data: bytes });
  }
  return out;
}

function isZero(a: Uint8Array): boolean {
  // Eight bytes at a time: a 1 MB WAL segment is checked in well under a millisecond.
  const words = a.byteLength >> 3;
  if (words) {
    const view = new BigUint64Array(a.buffer, a.byteOffset, words);
    for (let i = 0; i < words; i++) if (view[i] !== 0n) return false;
  }
  for (let i = words << 3; i < a.byteLength; i++) if (a[i] !== 0) return false;
  return true;
}

/** The first page index past a file of `size` bytes. */
export const pageCount = (size: number) => Math.ceil(size / PAGE);

/** Packs files into a base image. */
export function packBase(files: Iterable<[string, Uint8Array]>): BaseImage {
  const list = [...files];
  const data = new Uint8Array(list.reduce((n, [, d]) => n + d.byteLength, 0));
  const index: BaseImage['index'] = {};
  let at = 0;
  for (const [path, d] of list) {
    data.set(d, at);
    index[path] = [at, d.byteLength];
    at += d.byteLength;
  }
  return { index, data };
}

/** A file's content: its base image bytes that still count, then its saved pages over them. */
export function assembleFile(path: string, meta: FileMeta, base: BaseImage | undefined, pages: PageWrite[]): Uint8Array {
  const out = new Uint8Array(meta.size);
  const at = base?.index[path];
  if (base && at && meta.baseLen > 0) {
    const len = Math.min(at[1], meta.baseLen, meta.size);
    out.set(base.data.subarray(at[0], at[0] + len));
  }
  for (const p of pages) {
    const start = p.index * PAGE;
    if (start >= meta.size) continue;
    out.set(p.data.byteLength > meta.size - start ? p.data.subarray(0, meta.size - start) : p.data, start);
  }
  return out;
}

/** The manifest as one record: [path] for a directory, [path, size, baseLen] for a file, parents first. */
export function manifestRecord(m: Manifest): Array<[string] | [string, number, number]> {
  return [...m]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([path, e]) => ('dir' in e ? [path] : [path, e.size, e.baseLen]));
}

export function manifestFrom(record: Array<[string] | [string, number, number]> | undefined): Manifest {
  const m: Manifest = new Map();
  for (const r of record ?? []) m.set(r[0], r.length === 1 ? { dir: true } : { size: r[1], baseLen: r[2] });
  return m;
}

/** Paths of the manifest at or under `path`. */
export function subtreeOf(m: Manifest, path: string): string[] {
  return [...m.keys()].filter((p) => p === path || p.startsWith(`${path}/`));
}

/** The data directory's size in pages, as the manifest has it. */
export function livePages(m: Manifest): number {
  let n = 0;
  for (const e of m.values()) if (!('dir' in e)) n += pageCount(e.size);
  return n;
}

/** Page records since the base image below this never fold (small databases, small changes). */
export const COMPACT_AT = 512;

/**
 * Whether a save should fold everything into a new base image: when the page records would
 * outnumber half the data directory (reading many small records is slow: 24 MB took ~210 ms as
 * 8 KB records and ~30 ms as one), or when the base is mostly files that are gone (a checkpoint
 * removes the WAL a big write left in the base; a dropped table's bytes go the same way).
 */
export function shouldCompact(s: { savedPages: number; newPages: number; basePages: number; livePages: number }): boolean {
  return s.savedPages + s.newPages > Math.max(COMPACT_AT, s.livePages / 2) || s.basePages > Math.max(COMPACT_AT, 2 * s.livePages);
}
