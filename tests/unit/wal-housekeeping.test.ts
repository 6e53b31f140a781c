import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { checkpointIfDue, CHECKPOINT_AFTER_BYTES, WalHousekeeper } from '../../src/db/wal-housekeeping.ts';
import { analyzeQueries } from '../../src/analysis/query-analyzer.ts';
import { loadCatalog } from '../../src/db/catalog.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { localEngine } from '../support/pglite.ts';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await localEngine();
  await engine.run('create extension if not exists pg_stat_statements');
});
afterAll(() => engine.db.close());

const walSinceCheckpoint = async () =>
  Number((await engine.query<{ b: string }>(`select (pg_current_wal_insert_lsn() - redo_lsn)::text as b from pg_control_checkpoint()`)).rows[0].b);
const walFiles = async () => Number((await engine.query<{ n: number }>(`select count(*)::int as n from pg_ls_waldir()`)).rows[0].n);
/** ~30 MB of WAL: a table made and then rewritten. */
const writeWal = async (name: string) => {
  await engine.run(`create table ${name} as select g, md5(g::text) as h from generate_series(1, 100000) g`);
  await engine.run(`update ${name} set h = h || 'x'`);
};

describe('WAL housekeeping (PGlite has no checkpointer)', () => {
  it('checkpoints once more than the threshold of WAL was written, and keeps few WAL files', async () => {
    await writeWal('wal_a');
    const before = await walSinceCheckpoint();
    expect(before).toBeGreaterThan(CHECKPOINT_AFTER_BYTES);
    expect(await walFiles()).toBeGreaterThan(before / 1048576 - 2);
    const first = await checkpointIfDue(engine.db);
    expect(first).toEqual({ walBytes: expect.any(Number), checkpointed: true });
    expect(first.walBytes).toBeGreaterThanOrEqual(before);
    expect(await walSinceCheckpoint()).toBeLessThan(1048576);
    // max_wal_size = 16MB bounds the files kept for reuse.
    expect(await walFiles()).toBeLessThanOrEqual(18);
    // Under the threshold, nothing is done.
    expect((await checkpointIfDue(engine.db)).checkpointed).toBe(false);
    expect((await engine.query<{ n: string }>('select count(*)::text as n from wal_a')).rows[0].n).toBe('100000');
  });

  it('never runs inside the learner’s open transaction', async () => {
    await writeWal('wal_b');
    await engine.run('begin');
    await engine.run(`insert into wal_b values (-1, 'in the transaction')`);
    expect(await checkpointIfDue(engine.db)).toEqual({ walBytes: 0, checkpointed: false });
    const inTx = await engine.run(`select count(*) from wal_b where g = -1`);
    expect(inTx.inTransaction).toBe(true);
    await engine.run('rollback');
    expect((await engine.query<{ n: string }>('select count(*)::text as n from wal_b where g = -1')).rows[0].n).toBe('0');
    expect((await checkpointIfDue(engine.db)).checkpointed).toBe(true);
  });

  it('runs after the database has been idle a moment, not between statements nor during one', async () => {
    const keeper = new WalHousekeeper(engine.db, 200);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await writeWal('wal_c');
    keeper.statementEnded();
    await sleep(100);
    // A statement longer than the idle time: no checkpoint waits behind it.
    keeper.statementStarted();
    await sleep(300);
    expect(await walSinceCheckpoint()).toBeGreaterThan(CHECKPOINT_AFTER_BYTES);
    keeper.statementEnded();
    await sleep(100);
    keeper.statementStarted();
    keeper.statementEnded(); // another statement: the wait starts again
    await sleep(150);
    expect(await walSinceCheckpoint()).toBeGreaterThan(CHECKPOINT_AFTER_BYTES);
    await sleep(400);
    expect(await walSinceCheckpoint()).toBeLessThan(1048576);
    keeper.stop();
  });

  it('leaves its own statements, and the live catalog’s, out of the query analyzer', async () => {
    await loadCatalog(engine);
    await writeWal('wal_d');
    expect((await checkpointIfDue(engine.db)).checkpointed).toBe(true);
    const { facts } = await analyzeQueries(engine);
    const listed = [...facts.topByTotalTime, ...facts.topByCalls, ...facts.topByMeanTime].map((s) => s.query);
    expect(listed.some((q) => q.includes('wal_d'))).toBe(true);
    // This test's own look at pg_control_checkpoint ("… as b from …") is a learner's query, and listed.
    expect(listed.filter((q) => /^checkpoint|::text from pg_control_checkpoint|json_build_object/i.test(q))).toEqual([]);
    expect(listed.some((q) => q.includes('as b from pg_control_checkpoint'))).toBe(true);
  });
});
