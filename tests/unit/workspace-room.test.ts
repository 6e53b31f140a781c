import { describe, it, expect, afterAll } from 'vitest';
import { gzipSync } from 'node:zlib';
import { csvNeed, dumpNeed, roomVerdict, ROOM_MARGIN, scriptNeed } from '../../src/workspaces/room.ts';
import { declaredArchiveSize, gzipWithProgress, readArchive } from '../../src/workspaces/archive.ts';
import { Cancelled, progressText, throttled, type Progress } from '../../src/workspaces/progress.ts';
import { packSnapshot, SnapshotFormatError, takeSnapshot, type DataDirSnapshot } from '../../src/db/datadir-snapshot.ts';
import { localEngine } from '../support/pglite.ts';

// The room decision is pure (estimate in, verdict out); the archive reader is checked on a real
// PGlite data directory, packed and gzip'd as the app exports it.

const MB = 1e6;

describe('roomVerdict: what is needed against quota minus usage', () => {
  it('accepts what fits with its margin, refuses one byte more', () => {
    const estimate = { quota: 100 * MB, usage: 34 * MB };
    const limit = Math.floor((66 * MB) / ROOM_MARGIN);
    expect(roomVerdict({ bytes: limit, what: 'x' }, estimate).ok).toBe(true);
    expect(roomVerdict({ bytes: limit + 2, what: 'x' }, estimate).ok).toBe(false);
  });

  it('says what is needed, what is free, what is missing, and that nothing was written', () => {
    const v = roomVerdict({ bytes: 30 * MB, what: 'This archive', basis: 'its data directory' }, { quota: 50 * MB, usage: 45 * MB });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.needed).toBe(33 * MB);
    expect(v.free).toBe(5 * MB);
    expect(v.missing).toBe(28 * MB);
    expect(v.message).toBe(
      'This archive needs about 33.0 MB (its data directory, plus a tenth for saving), but only 5.0 MB is free: ' +
        'the browser gives this site 50.0 MB and 45.0 MB of it is used, so about 28.0 MB is missing. Nothing was written. ' +
        "Free room by deleting a workspace (or a lesson's database in the browser's site settings), then try again.",
    );
  });

  it('ends with what was not done when the caller says so', () => {
    const v = roomVerdict(csvNeed(10 * MB, 'big.csv', 'Nothing was read or loaded.'), { quota: 20 * MB, usage: 1 * MB });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.message).toMatch(/^big\.csv needs about 33\.0 MB \(three times the file's size.*Nothing was read or loaded\. Free room/);
  });

  it('counts usage past the quota as no room at all', () => {
    const v = roomVerdict({ bytes: 1, what: 'x' }, { quota: 10 * MB, usage: 12 * MB });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.free).toBe(0);
  });

  it('lets the save decide when the browser reports no quota', () => {
    expect(roomVerdict({ bytes: 1e12, what: 'x' }, undefined).ok).toBe(true);
    expect(roomVerdict({ bytes: 1e12, what: 'x' }, {}).ok).toBe(true);
    expect(roomVerdict({ bytes: 1e12, what: 'x' }, { quota: 0, usage: 0 }).ok).toBe(true);
  });

  it('reckons each kind of file by its own factor', () => {
    expect(dumpNeed(10, 'd').bytes).toBe(20);
    expect(csvNeed(10, 'c').bytes).toBe(30);
    expect(scriptNeed(10, 's').bytes).toBe(20);
    expect(scriptNeed(10, 's').unchanged).toBe('Nothing was opened.');
  });
});

describe('progress reports', () => {
  it('says the step, the figures and the percentage', () => {
    expect(progressText({ step: 'Compressing the data directory', fraction: 0.4, figures: '12.0 MB of 30.0 MB' })).toBe('Compressing the data directory: 12.0 MB of 30.0 MB (40 %).');
    expect(progressText({ step: 'Saving' })).toBe('Saving.');
  });

  it('passes on only steps, moves of 1 % and the end', () => {
    const seen: Progress[] = [];
    const report = throttled((p) => seen.push(p));
    for (let i = 0; i <= 1000; i++) report({ step: 'a', fraction: i / 1000 });
    report({ step: 'b' });
    expect(seen.length).toBeGreaterThanOrEqual(90);
    expect(seen.length).toBeLessThanOrEqual(103);
    expect(seen.at(-2)?.fraction).toBe(1);
    expect(seen.at(-1)?.step).toBe('b');
  });
});

const source = await localEngine();
afterAll(async () => {
  await source.db.close().catch(() => {});
});
await source.db.exec(`create table t (id int primary key, body text); insert into t select g, repeat(md5(g::text), 8) from generate_series(1, 20000) g;`);
const snap: DataDirSnapshot = await takeSnapshot(source.db);
const packed = packSnapshot(snap);

describe('archives: declared size, streamed read, progress and cancel', () => {
  it('round-trips a real data directory through gzipWithProgress and readArchive', async () => {
    const seen: Progress[] = [];
    const archive = await gzipWithProgress(packed, 'Compressing', { onProgress: (p) => seen.push(p) });
    expect(archive.size).toBeLessThan(packed.size);
    expect(seen.at(-1)?.fraction).toBe(1);
    const read: Progress[] = [];
    let declared = 0;
    const back = await readArchive(archive, { onProgress: (p) => read.push(p), checkDeclared: (s) => void (declared = s.bytes) });
    expect(declared).toBe(packed.size);
    expect(back.bytes).toBe(snap.bytes);
    expect(back.entries.map((e) => e.path)).toEqual(snap.entries.map((e) => e.path));
    const pgVersion = back.entries.find((e) => e.path === '/PG_VERSION');
    expect(pgVersion?.kind === 'file' && new TextDecoder().decode(pgVersion.data).trim()).toBe('18');
    const fractions = read.map((p) => p.fraction ?? 0);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1])).toBe(true);
  });

  it('knows the unpacked size from the gzip trailer before decompressing', async () => {
    const archive = await gzipWithProgress(packed, 'Compressing');
    expect(await declaredArchiveSize(archive)).toEqual({ bytes: packed.size, basis: 'its unpacked size, as the file declares it' });
    // A bare pack is its own size; a trailer smaller than the file (wrapped or forged) falls back to the file's size.
    expect((await declaredArchiveSize(packed)).bytes).toBe(packed.size);
    const bytes = new Uint8Array(await archive.arrayBuffer());
    new DataView(bytes.buffer).setUint32(bytes.length - 4, 10, true);
    expect(await declaredArchiveSize(new Blob([bytes]))).toEqual({ bytes: archive.size, basis: "at least the file's size" });
  });

  it('stops at the header when the declared data directory does not fit, long before the end', async () => {
    // 40 MB of zeros compress to ~40 KB: the refusal comes from the header, after a few KB of input.
    const big = packSnapshot({ entries: [{ kind: 'file', path: '/PG_VERSION', data: new TextEncoder().encode('18\n') }, { kind: 'file', path: '/base/big', data: new Uint8Array(40 * MB) }], extensions: [], bytes: 40 * MB + 3 });
    const archive = new Blob([gzipSync(new Uint8Array(await big.arrayBuffer()))]);
    let out = 0;
    const refusal = new Error('no room');
    await expect(readArchive(archive, {
      onProgress: (p) => void (out = p.fraction ?? 0),
      checkDeclared: (s) => {
        expect(s.bytes).toBe(big.size);
        throw refusal;
      },
    })).rejects.toBe(refusal);
    expect(out).toBeLessThan(0.5);
  });

  it('refuses an archive whose data runs past what its header declares, without reading it all', async () => {
    const header = new TextEncoder().encode(JSON.stringify({ extensions: [], entries: [{ path: '/PG_VERSION', size: 3 }] }));
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, header.length, true);
    const bomb = new Blob([gzipSync(new Uint8Array(await new Blob([length, header, new Uint8Array(50 * MB)]).arrayBuffer()))]);
    await expect(readArchive(bomb)).rejects.toThrow(/bytes after its last file/);
  });

  it('refuses damaged and cut-short files with SnapshotFormatError', async () => {
    const archive = new Uint8Array(await (await gzipWithProgress(packed, 'Compressing')).arrayBuffer());
    const damaged = archive.slice();
    for (let i = 100; i < 400; i++) damaged[i] ^= 0x5a;
    await expect(readArchive(new Blob([damaged]))).rejects.toThrow(SnapshotFormatError);
    await expect(readArchive(new Blob([archive.subarray(0, archive.length >> 1)]))).rejects.toThrow(SnapshotFormatError);
    const notJson = gzipSync(new Uint8Array([5, 0, 0, 0, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b]));
    await expect(readArchive(new Blob([notJson]))).rejects.toThrow(/not valid JSON/);
    const hugeHeader = gzipSync(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 0x7b]));
    await expect(readArchive(new Blob([hugeHeader]))).rejects.toThrow(/too long/);
  });

  it('cancels a read and a compression when the signal is aborted', async () => {
    const archive = await gzipWithProgress(packed, 'Compressing');
    const a = new AbortController();
    await expect(readArchive(archive, { signal: a.signal, onProgress: (p) => { if ((p.fraction ?? 0) > 0) a.abort(); } })).rejects.toBeInstanceOf(Cancelled);
    const b = new AbortController();
    await expect(gzipWithProgress(packed, 'Compressing', { signal: b.signal, onProgress: () => b.abort() })).rejects.toBeInstanceOf(Cancelled);
  });
});
