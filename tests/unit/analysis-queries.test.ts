// Query analyzer checks on real pg_stat_statements data, each with a near miss. Thresholds are
// lowered per test (the defaults are for production traffic), never the logic.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Queryable } from '../../src/db/types.ts';
import { analyzeQueries, explainJson, parameterCount } from '../../src/analysis/query-analyzer.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { localEngine } from '../support/pglite.ts';

async function runAll(db: Queryable, statements: string[]): Promise<void> {
  for (const s of statements) await db.query(s);
}
async function repeat(db: Queryable, sql: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await db.query(sql);
}
// PostgreSQL 18's pg_stat_statements identifies tables by name, not schema: statements on
// same-named tables in different schemas share one entry, so every test uses its own names.
const about = (findings: Finding[], check: string, needle: string) =>
  findings.filter((f) => f.check === check && (f.object.query ?? '').includes(needle));

export function describeQueryAnalyzer(label: string, getDb: () => Queryable): void {
  describe(`analyzeQueries (${label})`, () => {
    it('explains how to enable pg_stat_statements when the extension is missing', async () => {
      const db = getDb();
      await db.query('drop extension if exists pg_stat_statements');
      const { findings, facts } = await analyzeQueries(db);
      expect(facts.available).toBe(false);
      expect(findings).toHaveLength(1);
      expect(findings[0].check).toBe('pg_stat_statements_missing');
      expect(findings[0].why).toMatch(/shared_preload_libraries/);
      expect(findings[0].fix).toBe('CREATE EXTENSION IF NOT EXISTS pg_stat_statements;');
      await db.query('create extension pg_stat_statements');
      const again = await analyzeQueries(db);
      expect(again.facts.available).toBe(true);
      expect(again.findings.filter((f) => f.check === 'pg_stat_statements_missing')).toEqual([]);
    });

    it('slow_query: flags a statement slow on average, not a fast one; its own queries are left out', async () => {
      const db = getDb();
      await runAll(db, ['create extension if not exists pg_stat_statements', 'create schema qa_slow', 'create table qa_slow.slow_one (x int)', 'insert into qa_slow.slow_one values (1)', 'create table qa_slow.slow_two (x int)']);
      await repeat(db, 'select pg_sleep(0.03), x from qa_slow.slow_one', 3);
      await repeat(db, 'select x from qa_slow.slow_two', 3);
      const { findings, facts } = await analyzeQueries(db, { thresholds: { slowMeanMs: 20, slowMinCalls: 2 } });
      const slow = about(findings, 'slow_query', 'qa_slow');
      expect(slow.map((f) => f.object.query)).toEqual(['select pg_sleep($1), x from qa_slow.slow_one']);
      expect(slow[0].message).toMatch(/ms per call on average over 3 calls/);
      const st = facts.topByTotalTime.find((s) => s.query.includes('qa_slow.slow_one'))!;
      expect(st.calls).toBe(3);
      expect(st.meanMs).toBeGreaterThanOrEqual(20);
      expect(typeof st.queryid).toBe('string');
      expect(facts.topByMeanTime.length).toBeGreaterThan(0);
      expect(facts.topByCalls.length).toBeGreaterThan(0);
      // The analyzer's own statements (catalog reads, the statistics flush) are left out.
      const listed = [...facts.topByTotalTime, ...facts.topByCalls, ...facts.topByMeanTime].map((s) => s.query);
      expect(listed.filter((q) => /\/\* pglab \*\/|pg_stat_force_next_flush|from \S*pg_stat_statements\b/.test(q))).toEqual([]);
    });

    it('reads the generic plan of a parameterized statement and names the missing index', async () => {
      const db = getDb();
      await runAll(db, [
        'create extension if not exists pg_stat_statements',
        'create schema qa_plan',
        'create table qa_plan.plan_big (id int primary key, v int, note text)',
        "insert into qa_plan.plan_big select g, g % 5000, 'n' || g from generate_series(1, 50000) g",
        'analyze qa_plan.plan_big',
      ]);
      await repeat(db, 'select * from qa_plan.plan_big where v = 42', 3);
      await repeat(db, 'select * from qa_plan.plan_big where id = 42', 3);
      const { findings, facts } = await analyzeQueries(db, { thresholds: { slowMeanMs: 0, slowMinCalls: 3 }, explainTop: 0 });
      const scan = facts.plans.find((p) => p.query.includes('qa_plan.plan_big where v'))!;
      expect(scan.generic).toBe(true);
      expect(scan.headline).toMatch(/^Sequential scan of qa_plan\.plan_big/);
      expect(scan.fix).toBe('CREATE INDEX CONCURRENTLY ON qa_plan.plan_big (v);');
      const slow = about(findings, 'slow_query', 'qa_plan.plan_big where v');
      expect(slow[0].fix).toBe('CREATE INDEX CONCURRENTLY ON qa_plan.plan_big (v);');
      const pk = facts.plans.find((p) => p.query.includes('qa_plan.plan_big where id'))!;
      expect(pk.generic).toBe(true);
      expect(pk.fix).toBeUndefined();
      expect(pk.headline).toMatch(/^No obvious problem/);
    });

    it('high_variability_query: flags a statement whose time varies widely, not a steady one', async () => {
      const db = getDb();
      await runAll(db, ['create extension if not exists pg_stat_statements', 'create schema qa_var', 'create table qa_var.var_spiky (x int)', 'insert into qa_var.var_spiky values (1)', 'create table qa_var.var_steady (x int)', 'insert into qa_var.var_steady values (1)']);
      await repeat(db, 'select pg_sleep(0.0), x from qa_var.var_spiky', 9);
      await db.query('select pg_sleep(0.12), x from qa_var.var_spiky');
      await repeat(db, 'select pg_sleep(0.01), x from qa_var.var_steady', 10);
      const { findings, facts } = await analyzeQueries(db, { thresholds: { variabilityMinMeanMs: 1 } });
      const v = about(findings, 'high_variability_query', 'qa_var');
      expect(v.map((f) => f.object.query)).toEqual(['select pg_sleep($1), x from qa_var.var_spiky']);
      expect(facts.topByVariability[0].cv).toBeGreaterThanOrEqual(1);
    });

    it('temp_spill_query: flags a sort that spills past work_mem, not one that fits', async () => {
      const db = getDb();
      await runAll(db, [
        'create extension if not exists pg_stat_statements',
        'create schema qa_temp',
        'create table qa_temp.temp_big (payload text)',
        'insert into qa_temp.temp_big select md5(g::text) from generate_series(1, 50000) g',
        'create table qa_temp.temp_small (payload text)',
        'insert into qa_temp.temp_small select md5(g::text) from generate_series(1, 100) g',
      ]);
      const [prev] = (await db.query<{ v: string }>("select current_setting('work_mem') as v")).rows;
      await db.query("select set_config('work_mem', '64kB', false)");
      try {
        await repeat(db, 'select count(distinct payload) from qa_temp.temp_big', 2);
        await repeat(db, 'select count(distinct payload) from qa_temp.temp_small', 2);
      } finally {
        await db.query("select set_config('work_mem', $1, false)", [prev.v]);
      }
      const { findings, facts } = await analyzeQueries(db);
      const t = about(findings, 'temp_spill_query', 'qa_temp');
      expect(t.map((f) => f.object.query)).toEqual(['select count(distinct payload) from qa_temp.temp_big']);
      expect(t[0].fix).toMatch(/work_mem/);
      expect(facts.topByTotalTime.concat(facts.topByCalls).length).toBeGreaterThan(0);
    });

    it('low_cache_hit_query: flags a statement reading blocks from outside shared buffers, not a cached one', async () => {
      const db = getDb();
      await runAll(db, [
        'create extension if not exists pg_stat_statements',
        'create extension if not exists pg_buffercache',
        'create schema qa_cold',
        'create table qa_cold.cold_big (id int, v int)',
        'insert into qa_cold.cold_big select g, g from generate_series(1, 100000) g',
        'create table qa_cold.cold_warm (id int, w int)',
        'insert into qa_cold.cold_warm select g, g from generate_series(1, 100000) g',
      ]);
      for (let i = 0; i < 3; i++) {
        await db.query("select * from pg_buffercache_evict_relation('qa_cold.cold_big')");
        await db.query('select count(v) from qa_cold.cold_big');
        await db.query('select count(w) from qa_cold.cold_warm');
      }
      const { findings } = await analyzeQueries(db, { thresholds: { cacheHitMinBlocks: 100 } });
      const c = about(findings, 'low_cache_hit_query', 'qa_cold');
      expect(c.map((f) => f.object.query)).toEqual(['select count(v) from qa_cold.cold_big']);
    });

    it('counts parameters outside literals and explains statements without them too', async () => {
      expect(parameterCount("select $1, '$5', \"$7\" from t where a = $2")).toBe(2);
      expect(parameterCount('select 1')).toBe(0);
      const db = getDb();
      const plain = await explainJson(db, 'select 1');
      expect(plain.generic).toBe(false);
      expect(plain.plan['Node Type']).toBe('Result');
      // The session's plan_cache_mode is left as it was after a generic plan.
      await explainJson(db, 'select $1::int + 1');
      const [mode] = (await db.query<{ v: string }>("select current_setting('plan_cache_mode') as v")).rows;
      expect(mode.v).toBe('auto');
    });
  });
}

// Registered on PGlite only when this file itself is the test file: the native-server test
// imports describeQueryAnalyzer and runs it on its own connection.
if (expect.getState().testPath === import.meta.filename) {
  let engine: Awaited<ReturnType<typeof localEngine>>;
  beforeAll(async () => {
    engine = await localEngine();
  });
  afterAll(() => engine.db.close());
  describeQueryAnalyzer('PGlite', () => engine);
}
