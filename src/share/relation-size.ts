// Makes PGlite's planner see a server's table sizes on empty tables.
//
// PostgreSQL does not take a table's size from pg_class alone: the planner reads the relation's
// real number of blocks and scales pg_class's tuple density to it (plancat.c), so an empty table
// with restored statistics still plans as empty (measured: `rows=1`, cost 0). The repro's tables
// stay empty, but their files are given the server's length in PGlite's in-memory file system
// without allocating it: the file's length is set, its content is not, and reads past the
// content return zero pages (which PostgreSQL treats as new, empty pages). Only for a throwaway
// in-memory database used for EXPLAIN: a write to a far page would allocate up to it.
import type { PGlite } from '@electric-sql/pglite';

const BLOCK = 8192;
/** PostgreSQL splits a relation into 1 GB segment files (RELSEG_SIZE in blocks). */
const SEGMENT_BLOCKS = 131072;

interface MemNode {
  contents?: Uint8Array;
  usedBytes: number;
  stream_ops: { read: (...a: unknown[]) => number; pglabSparse?: boolean };
}

interface EmFs {
  lookupPath(path: string): { node: MemNode };
  writeFile(path: string, data: Uint8Array): void;
  analyzePath(path: string): { exists: boolean };
}

function fsOf(db: PGlite): EmFs {
  const fs = (db as unknown as { Module?: { FS?: EmFs } }).Module?.FS;
  if (!fs) throw new Error('This PGlite does not expose its file system; table sizes cannot be simulated.');
  return fs;
}

/** Reads past a file's content give zeros (MEMFS would otherwise leave the buffer as it was). */
function sparseReads(node: MemNode) {
  const ops = node.stream_ops;
  if (ops.pglabSparse) return;
  const read = ops.read;
  ops.read = function (this: unknown, ...args: unknown[]) {
    const [stream, buffer, offset, length, position] = args as [{ node: MemNode }, Uint8Array, number, number, number];
    const n = stream.node;
    const have = n.contents?.length ?? 0;
    if (n.usedBytes > have && position + length > have) {
      if (position >= n.usedBytes) return 0;
      const size = Math.min(n.usedBytes - position, length);
      buffer.fill(0, offset, offset + size);
      if (position < have && n.contents) buffer.set(n.contents.subarray(position, Math.min(have, position + size)), offset);
      return size;
    }
    return read.apply(this, args);
  };
  ops.pglabSparse = true;
}

/** Gives a relation `blocks` blocks (never fewer than it has). `relPath` is pg_relation_filepath(). */
export function simulateBlocks(db: PGlite, dataDir: string, relPath: string, blocks: number): void {
  const fs = fsOf(db);
  const base = `${dataDir}/${relPath}`;
  for (let seg = 0; seg * SEGMENT_BLOCKS < blocks || seg === 0; seg++) {
    const path = seg ? `${base}.${seg}` : base;
    const want = Math.min(SEGMENT_BLOCKS, blocks - seg * SEGMENT_BLOCKS) * BLOCK;
    if (!fs.analyzePath(path).exists) fs.writeFile(path, new Uint8Array(0));
    const node = fs.lookupPath(path).node;
    sparseReads(node);
    if (want > node.usedBytes) node.usedBytes = want;
    if (blocks <= SEGMENT_BLOCKS) break;
  }
}

/** The relation's length in blocks as PostgreSQL sees it. */
export async function relationBlocks(db: PGlite, schema: string, name: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>("select (pg_relation_size(format('%I.%I', $1::text, $2::text)::regclass) / 8192)::int8 as n", [schema, name]);
  return Number(rows[0].n);
}
