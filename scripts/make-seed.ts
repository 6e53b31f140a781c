// Builds the prepared data directory a first visit starts from instead of running initdb:
// made by the same createEngine (same extensions, same initdb options) as the worker's, and
// captured after a clean shutdown so the first start does no recovery. Written as a packed
// snapshot (datadir-snapshot.ts), brotli behind a mark (unpackShippedSnapshot).
// pg_stat_statements is preloaded but not created here (see worker.ts: a seed with it created made every later start ~0.1 s slower in Chromium).
import { renameSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { MemfsFrontendFS } from '@electric-sql/pglite/memfs-frontend';
import { createEngine, startParams } from '../src/db/engine.ts';
import { packSnapshot, SEED_MARK, takeSnapshot } from '../src/db/datadir-snapshot.ts';
import { MirrorStore } from '../src/db/mirror-store.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/make-seed.ts OUT.pgseed');
const t0 = performance.now();
const mirror = new MirrorStore();
// wal_recycle=off: the shutdown checkpoint deletes old WAL segments instead of keeping them as
// future ones, which would only make the seed bigger.
const db = await createEngine({ fs: new MemfsFrontendFS(mirror), startParams: startParams(['-c', 'wal_recycle=off']) });
// Every file as it is now (checkpointed, WAL trimmed), then what the shutdown changes on top.
const walked = await takeSnapshot(db);
mirror.reset(walked);
await db.close();
const seed = mirror.snapshot(walked.extensions);
const raw = new Uint8Array(await packSnapshot(seed).arrayBuffer());
// A 16 MB window (lgwin 24) spans one whole database, so the next near-identical one costs
// little; quality 9 takes ~0.5 s where 11 takes minutes for a few percent.
const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: raw.byteLength } });
const packed = Buffer.concat([SEED_MARK, br]);
// Written aside, then renamed: a test worker that reads it meanwhile never sees half a file.
const aside = `${out}.${process.pid}.tmp`;
writeFileSync(aside, packed);
renameSync(aside, out);
const wal = seed.entries.filter((e) => e.path.startsWith('/pg_wal/0')).length;
console.log(`seed data directory: ${(seed.bytes / 1048576).toFixed(1)} MB (${(packed.byteLength / 1048576).toFixed(1)} MB brotli, ${wal} WAL segments) in ${(performance.now() - t0).toFixed(0)} ms`);
