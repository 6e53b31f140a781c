// A workspace archive (a packed data directory, gzip'd: datadir-snapshot.ts) read and written
// with progress and a way to cancel, and sized before it is unpacked: the room it needs is
// checked from what the file declares before any decompression, from its header as soon as the
// header is out, and (by the caller) from the real data directory at the end.
import { SEED_MARK, SnapshotFormatError, unpackShippedSnapshot, unpackSnapshot, type DataDirSnapshot } from '../db/datadir-snapshot.ts';
import { bytesProgress, Cancelled, throwIfCancelled, type Progress } from './progress.ts';

export interface ArchiveSize {
  /** Bytes the archive will need unpacked, at least. */
  bytes: number;
  /** How that was found, for the message. */
  basis: string;
}

const isGzip = (head: Uint8Array) => head[0] === 0x1f && head[1] === 0x8b;

/**
 * What an archive needs unpacked, known before decompressing: gzip's trailer declares the
 * unpacked size (ISIZE, modulo 4 GiB); a value smaller than the file means it wrapped or lies,
 * and the file's own size is then the floor (packed data directories compress, never grow).
 */
export async function declaredArchiveSize(blob: Blob): Promise<ArchiveSize> {
  const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
  if (isGzip(head) && blob.size >= 18) {
    const isize = new DataView(await blob.slice(blob.size - 4).arrayBuffer()).getUint32(0, true);
    if (isize >= blob.size) return { bytes: isize, basis: 'its unpacked size, as the file declares it' };
  }
  const packed = !isGzip(head) && !(head.length === 4 && head.every((b, i) => b === SEED_MARK[i]));
  return { bytes: blob.size, basis: packed ? "the file's size" : "at least the file's size" };
}

/** A packed snapshot's header longer than this is not one (a real one is a few KB per 1,000 files). */
const MAX_HEADER = 16 * 1024 * 1024;

export interface ReadArchiveOptions {
  /** Bytes of the file read so far (the bar of "Reading the archive"). */
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /**
   * Called once the packed header is out, with the data directory's size it declares, before the
   * files are decompressed: throwing (no room) stops the read.
   */
  checkDeclared?: (size: ArchiveSize) => void | Promise<void>;
}

function prefix(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    if (at >= n) break;
    const take = c.subarray(0, n - at);
    out.set(take, at);
    at += take.byteLength;
  }
  return out;
}

/** The sizes a packed header declares (4-byte length, JSON with entries' sizes); throws on a bad one. */
function declaredBytes(head: Uint8Array, jsonLength: number): number {
  let header: { entries?: Array<{ size?: unknown }> };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(4, 4 + jsonLength)));
  } catch {
    throw new SnapshotFormatError('The snapshot header is not valid JSON.');
  }
  if (!header || !Array.isArray(header.entries)) throw new SnapshotFormatError('The snapshot header lacks its entries.');
  let total = 4 + jsonLength;
  for (const e of header.entries) {
    if (e?.size === undefined) continue;
    if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) throw new SnapshotFormatError('The snapshot header declares a bad file size.');
    total += e.size;
  }
  return total;
}

/**
 * Reads an archive into a data directory. A gzip'd one is decompressed as a stream: its header
 * is checked (and `checkDeclared` asked) as soon as it is out, and the output may never pass what
 * the header declares, so a damaged or hostile file stops early instead of filling memory.
 */
export async function readArchive(blob: Blob, opts: ReadArchiveOptions = {}): Promise<DataDirSnapshot> {
  const { onProgress, signal, checkDeclared } = opts;
  throwIfCancelled(signal);
  const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  if (!isGzip(head)) {
    // A brotli seed or a bare pack: small in practice, read whole (unpackShippedSnapshot).
    onProgress?.({ step: 'Reading the archive' });
    const snapshot = await unpackShippedSnapshot(blob);
    throwIfCancelled(signal);
    return snapshot;
  }
  let read = 0;
  const counted = blob.stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      read += chunk.byteLength;
      ctl.enqueue(chunk);
    },
  }));
  const reader = counted.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let out = 0;
  let jsonLength: number | undefined;
  let declared: number | undefined;
  try {
    for (;;) {
      throwIfCancelled(signal);
      let next;
      try {
        next = await reader.read();
      } catch (e) {
        throw new SnapshotFormatError(`the compressed data is damaged or cut short (${(e as Error).message})`);
      }
      if (next.done) break;
      chunks.push(next.value);
      out += next.value.byteLength;
      if (jsonLength === undefined && out >= 4) {
        jsonLength = new DataView(prefix(chunks, 4).buffer).getUint32(0, true);
        if (jsonLength > MAX_HEADER) throw new SnapshotFormatError('The snapshot header is too long to be one.');
      }
      if (declared === undefined && jsonLength !== undefined && out >= 4 + jsonLength) {
        declared = declaredBytes(prefix(chunks, 4 + jsonLength), jsonLength);
        await checkDeclared?.({ bytes: declared, basis: 'its data directory, as the archive’s header declares it' });
      }
      if (declared !== undefined && out > declared) throw new SnapshotFormatError('The snapshot has bytes after its last file.');
      onProgress?.(bytesProgress('Reading the archive', read, blob.size));
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  throwIfCancelled(signal);
  return unpackSnapshot(new Blob(chunks as Uint8Array<ArrayBuffer>[]));
}

/** gzip of `blob` with progress in bytes of the input; `signal` stops it (Cancelled). */
export async function gzipWithProgress(blob: Blob, step: string, opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<Blob> {
  let read = 0;
  const counted = blob.stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      if (opts.signal?.aborted) throw new Cancelled();
      read += chunk.byteLength;
      ctl.enqueue(chunk);
      opts.onProgress?.(bytesProgress(step, read, blob.size));
    },
  }));
  try {
    return await new Response(counted.pipeThrough(new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)).blob();
  } catch (e) {
    if (opts.signal?.aborted) throw new Cancelled();
    throw e;
  }
}
