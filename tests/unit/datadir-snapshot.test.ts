import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { createEngine } from '../../src/db/engine.ts';
import { extensionsFor } from '../../src/db/extensions.ts';
import { packSnapshot, snapshotFs, SnapshotFormatError, takeSnapshot, unpackSnapshot, type DataDirSnapshot } from '../../src/db/datadir-snapshot.ts';

describe('data directory snapshots on real PGlite', () => {
  let source: PGlite;
  let snap: DataDirSnapshot;

  beforeAll(async () => {
    source = await createEngine();
    await source.exec(`
      create extension pg_trgm;
      create table notes (id int primary key, body text not null);
      insert into notes select i, 'note ' || i from generate_series(1, 5000) i;
      create index notes_trgm on notes using gin (body gin_trgm_ops);`);
    snap = await takeSnapshot(source);
  });
  afterAll(() => source?.close());

  const open = (s: DataDirSnapshot) => createEngine({ fs: snapshotFs(s), extensions: extensionsFor(s.extensions) });

  it('records the files and the installed extensions', () => {
    expect(snap.extensions).toContain('pg_trgm');
    expect(snap.extensions).not.toContain('plpgsql');
    const paths = snap.entries.map((e) => e.path);
    expect(paths).toContain('/PG_VERSION');
    expect(paths).toContain('/global/pg_control');
    // Directories come before what they hold.
    expect(paths.indexOf('/base')).toBeLessThan(paths.findIndex((p) => p.startsWith('/base/')));
    expect(snap.bytes).toBe(snap.entries.reduce((n, e) => n + (e.kind === 'file' ? e.data.byteLength : 0), 0));
  });

  it('opens a new instance with the data, and copies are independent of each other', async () => {
    const a = await open(snap);
    const b = await open(snap);
    try {
      await a.exec(`delete from notes where id > 10; insert into notes values (6000, 'only in a'); checkpoint;`);
      const inA = await a.query<{ n: number }>('select count(*)::int as n from notes');
      const inB = await b.query<{ n: number }>(`select count(*)::int as n from notes where body like '%note 4999%'`);
      expect(inA.rows[0].n).toBe(11);
      // The trigram index works in the copy (the extension was loaded for it).
      expect(inB.rows[0].n).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
    // A copy's writes never reach the snapshot: a third copy sees the original data.
    const c = await open(snap);
    try {
      const r = await c.query<{ n: number }>('select count(*)::int as n from notes');
      expect(r.rows[0].n).toBe(5000);
    } finally {
      await c.close();
    }
  });

  it('packs into one Blob and unpacks to the same files', async () => {
    const back = await unpackSnapshot(packSnapshot(snap));
    expect(back.extensions).toEqual(snap.extensions);
    // Its id travels with it (a store written from it can go back to it without writing it again).
    expect(snap.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(back.id).toBe(snap.id);
    expect(back.bytes).toBe(snap.bytes);
    expect(back.entries.map((e) => e.path)).toEqual(snap.entries.map((e) => e.path));
    const control = (s: DataDirSnapshot) => s.entries.find((e) => e.path === '/global/pg_control');
    expect(control(back)).toEqual(control(snap));
    const db = await open(back);
    try {
      const r = await db.query<{ body: string }>('select body from notes where id = 4321');
      expect(r.rows[0].body).toBe('note 4321');
    } finally {
      await db.close();
    }
  });

  it('rejects a damaged snapshot with a clear message', async () => {
    const packed = new Uint8Array(await packSnapshot(snap).arrayBuffer());
    await expect(unpackSnapshot(new Blob([]))).rejects.toThrow(SnapshotFormatError);
    await expect(unpackSnapshot(new Blob([packed.subarray(0, packed.length - 100)]))).rejects.toThrow(/cut short/);
    await expect(unpackSnapshot(new Blob([packed, new Uint8Array(3)]))).rejects.toThrow(/after its last file/);
    const badHeader = packed.slice();
    badHeader[4] = 0x7b + 1; // the JSON no longer starts with "{"
    await expect(unpackSnapshot(new Blob([badHeader]))).rejects.toThrow(/not valid JSON/);
    const sneaky = packSnapshot({ entries: [{ kind: 'dir', path: '/../etc' }], extensions: [], bytes: 0 });
    await expect(unpackSnapshot(sneaky)).rejects.toThrow(/bad path/);
  });
});

describe('the prepared data directory as the build ships it', () => {
  it('is brotli behind its mark, much smaller than gzip, and opens as a cluster', async () => {
    const { readFileSync } = await import('node:fs');
    const { gzipSync } = await import('node:zlib');
    const { seedPath } = await import('../../scripts/seed-path.ts');
    const { SEED_MARK, unpackShippedSnapshot } = await import('../../src/db/datadir-snapshot.ts');
    const file = readFileSync(seedPath());
    expect([...file.subarray(0, 4)]).toEqual([...SEED_MARK]);
    const seed = await unpackShippedSnapshot(new Blob([file]));
    const paths = seed.entries.map((e) => e.path);
    expect(paths).toContain('/PG_VERSION');
    expect(paths).toContain('/global/pg_control');
    // The reason for brotli: its window sees the three near-identical databases.
    const raw = new Uint8Array(await packSnapshot(seed).arrayBuffer());
    expect(file.byteLength).toBeLessThan(gzipSync(raw, { level: 9 }).byteLength / 2);
    // The same pack read gzip'd and bare gives the same files.
    for (const other of [gzipSync(raw), raw]) {
      const again = await unpackShippedSnapshot(new Blob([other]));
      expect(again.entries.map((e) => e.path)).toEqual(paths);
      expect(again.bytes).toBe(seed.bytes);
    }
    const db = await createEngine({ fs: snapshotFs(seed) });
    try {
      expect((await db.query<{ server_version: string }>('show server_version')).rows[0].server_version).toMatch(/^18\./);
    } finally {
      await db.close();
    }
  });

  it('a damaged shipped seed is refused with a clear message', async () => {
    const { readFileSync } = await import('node:fs');
    const { seedPath } = await import('../../scripts/seed-path.ts');
    const { unpackShippedSnapshot } = await import('../../src/db/datadir-snapshot.ts');
    const file = readFileSync(seedPath());
    const cut = file.subarray(0, Math.floor(file.byteLength / 2));
    await expect(unpackShippedSnapshot(new Blob([cut]))).rejects.toBeInstanceOf(SnapshotFormatError);
  });
});
