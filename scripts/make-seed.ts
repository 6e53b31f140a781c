// Builds the prepared data directory a first visit starts from instead of running initdb:
// made by the same createEngine (same extensions, same initdb options) as the worker's.
import { writeFileSync } from 'node:fs';
import { createEngine } from '../src/db/engine.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/make-seed.ts OUT.tgz');
const t0 = performance.now();
const db = await createEngine();
// Keep few WAL segments (each checkpoint otherwise recycles old, incompressible ones into the
// dump), then checkpoint so the dump holds a clean cluster that starts without WAL replay.
await db.exec(`alter system set min_wal_size = '2MB'`);
await db.exec('select pg_reload_conf()');
await db.exec('checkpoint');
await db.exec('select pg_switch_wal()');
await db.exec('checkpoint');
const dump = await db.dumpDataDir('gzip');
writeFileSync(out, new Uint8Array(await dump.arrayBuffer()));
await db.close();
console.log(`seed data directory: ${(dump.size / 1024 / 1024).toFixed(1)} MB in ${(performance.now() - t0).toFixed(0)} ms`);
