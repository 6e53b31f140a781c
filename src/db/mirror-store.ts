// A storage backend that keeps an exact copy of the data directory in plain memory, applying
// each change set byte for byte. The build uses it to capture a cluster after a clean shutdown
// (scripts/make-seed.ts): PGlite's own dump reads a running cluster, which must then recover.
import type { ChangeSet, StorageBackend, StorageEntry } from '@electric-sql/pglite/memfs-frontend';
import type { DataDirSnapshot } from './datadir-snapshot.ts';

export class MirrorStore implements StorageBackend {
  readonly files = new Map<string, Uint8Array>();
  readonly dirs = new Set<string>();

  /** Starts from a snapshot's files (copies), or empty. */
  constructor(from?: DataDirSnapshot) {
    if (from) this.reset(from);
  }

  /** Holds exactly the snapshot's files (copies) from now on. */
  reset(from: DataDirSnapshot) {
    this.files.clear();
    this.dirs.clear();
    for (const e of from.entries) {
      if (e.kind === 'dir') this.dirs.add(e.path);
      else this.files.set(e.path, e.data.slice());
    }
  }

  async init() {}

  async *load(): AsyncIterable<StorageEntry> {
    for (const path of [...this.dirs].sort()) yield { kind: 'dir', path };
    for (const [path, data] of this.files) yield { kind: 'file', path, data: data.slice() };
  }

  async apply(changes: ChangeSet) {
    for (const op of changes.ops) {
      const under = (p: string) => p === op.path || p.startsWith(`${op.path}/`);
      if (op.op === 'remove') {
        for (const p of [...this.files.keys()]) if (under(p)) this.files.delete(p);
        for (const p of [...this.dirs]) if (under(p)) this.dirs.delete(p);
      } else this.dirs.add(op.path);
    }
    for (const w of [...changes.files.wal, ...changes.files.data, ...changes.files.control]) {
      const old = w.full ? undefined : this.files.get(w.path);
      const data = new Uint8Array(w.size);
      if (old) data.set(old.subarray(0, Math.min(old.byteLength, w.size)));
      for (const c of w.chunks) data.set(c.data.subarray(0, Math.max(0, Math.min(c.data.byteLength, w.size - c.at))), c.at);
      this.files.set(w.path, data);
    }
  }

  async close() {}

  /** The mirrored data directory, directories before their contents. */
  snapshot(extensions: string[]): DataDirSnapshot {
    const entries: DataDirSnapshot['entries'] = [];
    for (const path of [...this.dirs].sort()) entries.push({ kind: 'dir', path });
    let bytes = 0;
    for (const [path, data] of [...this.files].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      entries.push({ kind: 'file', path, data });
      bytes += data.byteLength;
    }
    return { entries, extensions, bytes };
  }
}
