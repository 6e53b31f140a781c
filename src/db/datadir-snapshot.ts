// A data directory held as plain files in memory, to start new PGlite instances from quickly
// (the lessons' reset, the checker's fresh copies). PGlite's own loadDataDir unpacks a tarball
// and fetches every extension's bundle on each start; here the files are read once, and a new
// instance gets copies of them through PGlite's MEMFS frontend before Postgres starts.
import { PGlite } from '@electric-sql/pglite';
import { MemfsFrontendFS, type StorageBackend, type StorageEntry } from '@electric-sql/pglite/memfs-frontend';
import { checkpointAndTrimWal } from './wal-trim.ts';

export interface DataDirSnapshot {
  /** Directories before their contents; paths relative to PGDATA, starting with "/". */
  entries: StorageEntry[];
  /** SQL names of the extensions installed in the database (it must be reopened with them). */
  extensions: string[];
  /** Total size of the files, bytes. */
  bytes: number;
  /**
   * Names this snapshot's bytes (given when it is taken, kept when it is packed): a store whose
   * base image was written from it can go back to it without writing it again (IdbStore.importSeed).
   */
  id?: string;
}

interface EmscriptenFs {
  readdir(path: string): string[];
  stat(path: string): { mode: number };
  isDir(mode: number): boolean;
  readFile(path: string): Uint8Array;
}

/** Checkpoints, trims the WAL and copies every file of the instance's data directory. */
export async function takeSnapshot(pg: PGlite): Promise<DataDirSnapshot> {
  const { rows } = await pg.query<{ extname: string }>('select extname from pg_extension order by 1');
  await checkpointAndTrimWal(pg);
  const fs = (pg as unknown as { mod: { FS: EmscriptenFs } }).mod.FS;
  const root = PGlite.paths.PGDATA;
  const entries: StorageEntry[] = [];
  let bytes = 0;
  const visit = (rel: string) => {
    for (const name of fs.readdir(root + rel)) {
      if (name === '.' || name === '..') continue;
      const path = `${rel}/${name}`;
      if (fs.isDir(fs.stat(root + path).mode)) {
        entries.push({ kind: 'dir', path });
        visit(path);
      } else {
        const data = fs.readFile(root + path);
        bytes += data.byteLength;
        entries.push({ kind: 'file', path, data });
      }
    }
  };
  visit('');
  return { entries, extensions: rows.map((r) => r.extname).filter((n) => n !== 'plpgsql'), bytes, id: crypto.randomUUID() };
}

/** An in-memory file system holding a fresh copy of the snapshot; nothing is saved anywhere. */
export function snapshotFs(snapshot: DataDirSnapshot): MemfsFrontendFS {
  const backend: StorageBackend = {
    async init() {},
    async *load() {
      // MEMFS takes ownership of what it is given and writes into it: each instance gets copies.
      for (const e of snapshot.entries) yield e.kind === 'file' ? { kind: 'file', path: e.path, data: e.data.slice() } : e;
    },
    async apply() {},
    async close() {},
  };
  return new MemfsFrontendFS(backend);
}

// ---------------------------------------------------------------- transport

// A snapshot travels between the page and the workers as one Blob (posting a Blob shares it):
// a 4-byte little-endian length, a JSON header, then the files' bytes one after another.
interface PackedHeader {
  extensions: string[];
  id?: string;
  entries: Array<{ path: string; size?: number }>;
}

export function packSnapshot(snapshot: DataDirSnapshot): Blob {
  const header: PackedHeader = {
    extensions: snapshot.extensions,
    ...(snapshot.id ? { id: snapshot.id } : {}),
    entries: snapshot.entries.map((e) => (e.kind === 'dir' ? { path: e.path } : { path: e.path, size: e.data.byteLength })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, json.byteLength, true);
  const files = snapshot.entries.flatMap((e) => (e.kind === 'file' ? [e.data as Uint8Array<ArrayBuffer>] : []));
  return new Blob([length, json, ...files]);
}

export class SnapshotFormatError extends Error {}

/**
 * The prepared data directory as the build ships it: a packed snapshot compressed with brotli
 * behind a 4-byte mark (brotli has no magic number of its own). Brotli's 16 MB window sees that
 * the cluster's three databases are near copies of each other, which gzip's 32 KB window cannot:
 * 0.74 MB instead of 2.98 MB on the wire. Browsers' DecompressionStream has no brotli yet
 * (Chromium 150), so a small JavaScript decoder reads it, loaded only when a seed is read.
 * A gzip'd or bare pack is read too (older builds, or a host that already undid an encoding).
 */
export const SEED_MARK = Uint8Array.from([0x50, 0x47, 0x42, 0x31]); // "PGB1"

export async function unpackShippedSnapshot(blob: Blob): Promise<DataDirSnapshot> {
  const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
  if (head.length === 4 && head.every((b, i) => b === SEED_MARK[i])) {
    const { decompress } = await import('brotli/decompress');
    let raw: Uint8Array;
    try {
      raw = decompress(new Uint8Array(await blob.slice(4).arrayBuffer()));
    } catch (e) {
      throw new SnapshotFormatError(`The prepared data directory is damaged: ${(e as Error).message || 'brotli could not read it'}.`);
    }
    return unpackSnapshot(new Blob([raw as Uint8Array<ArrayBuffer>]));
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  return unpackSnapshot(gzipped ? await new Response(blob.stream().pipeThrough(new DecompressionStream('gzip'))).blob() : blob);
}

/** Reads a packed snapshot; the files are views into one buffer (no copies). */
export async function unpackSnapshot(blob: Blob): Promise<DataDirSnapshot> {
  const buf = new Uint8Array(await blob.arrayBuffer());
  if (buf.byteLength < 4) throw new SnapshotFormatError('The snapshot is empty or cut short.');
  const jsonLength = new DataView(buf.buffer).getUint32(0, true);
  if (4 + jsonLength > buf.byteLength) throw new SnapshotFormatError('The snapshot header is cut short.');
  let header: PackedHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + jsonLength)));
  } catch {
    throw new SnapshotFormatError('The snapshot header is not valid JSON.');
  }
  if (!header || !Array.isArray(header.entries) || !Array.isArray(header.extensions)) throw new SnapshotFormatError('The snapshot header lacks its entries.');
  let at = 4 + jsonLength;
  let bytes = 0;
  const entries: StorageEntry[] = header.entries.map((e) => {
    if (typeof e.path !== 'string' || !e.path.startsWith('/') || e.path.split('/').includes('..')) throw new SnapshotFormatError(`The snapshot names a bad path: ${String(e.path)}`);
    if (e.size === undefined) return { kind: 'dir', path: e.path };
    if (!Number.isInteger(e.size) || e.size < 0 || at + e.size > buf.byteLength) throw new SnapshotFormatError(`The snapshot is cut short in ${e.path}.`);
    const data = buf.subarray(at, at + e.size);
    at += e.size;
    bytes += e.size;
    return { kind: 'file', path: e.path, data };
  });
  if (at !== buf.byteLength) throw new SnapshotFormatError('The snapshot has bytes after its last file.');
  return { entries, extensions: header.extensions.map(String), bytes, ...(typeof header.id === 'string' ? { id: header.id } : {}) };
}
