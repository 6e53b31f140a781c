// Index analyzer checks, each built for real and with a near miss. The suite takes any
// Queryable so the same bodies can run against a native PostgreSQL server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Queryable } from '../../src/db/types.ts';
import { analyzeIndexes } from '../../src/analysis/index-analyzer.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { localEngine } from '../support/pglite.ts';

export async function runAll(db: Queryable, statements: string[]): Promise<void> {
  for (const s of statements) await db.query(s);
}

const inSchema = (findings: Finding[], check: string, schema: string) =>
  findings.filter((f) => f.check === check && f.object.schema === schema);

export function describeIndexAnalyzer(label: string, getDb: () => Queryable): void {
  describe(`analyzeIndexes (${label})`, () => {
    it('unused_index: flags a never-scanned index and says since when, not a used one or a primary key', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_unused',
        'create table ia_unused.t (id int primary key, a int, b int)',
        'insert into ia_unused.t select g, g % 100, g from generate_series(1, 2000) g',
        'create index t_a_idx on ia_unused.t (a)',
        'create index t_b_idx on ia_unused.t (b)',
        'analyze ia_unused.t',
        "select set_config('enable_seqscan', 'off', false)",
        'select count(*) from ia_unused.t where a = 5',
        "select set_config('enable_seqscan', 'on', false)",
      ]);
      const { findings, facts } = await analyzeIndexes(db);
      const unused = inSchema(findings, 'unused_index', 'ia_unused');
      expect(unused.map((f) => f.object.index)).toEqual(['t_b_idx']);
      expect(unused[0].object.table).toBe('t');
      expect(unused[0].message).toMatch(/since (the server started|the statistics were last reset)/);
      expect(unused[0].fix).toBe('DROP INDEX CONCURRENTLY ia_unused.t_b_idx;');
      expect(unused[0].why).toMatch(/transaction block/);
      expect(facts.statsSince.since).toBeTruthy();
      expect(facts.mostUsedIndexes.some((i) => i.schema === 'ia_unused' && i.index === 't_a_idx' && i.scans > 0)).toBe(true);
      expect(facts.indexVsTable.find((t) => t.schema === 'ia_unused' && t.table === 't')!.indexBytes).toBeGreaterThan(0);
      expect(typeof facts.cacheHitRatios.table).toBe('number');
    });

    it('duplicate_index: flags the second identical index, keeps the constraint-backed one, not a partial one', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_dup',
        'create table ia_dup.t (id int primary key, a int, c int constraint t_c_key unique)',
        'create index t_a_1 on ia_dup.t (a)',
        'create index t_a_2 on ia_dup.t (a)',
        'create index t_a_partial on ia_dup.t (a) where a > 0',
        'create index t_a_desc on ia_dup.t (a desc)',
        'create index t_c_plain on ia_dup.t (c)',
      ]);
      const { findings } = await analyzeIndexes(db);
      const dups = inSchema(findings, 'duplicate_index', 'ia_dup');
      expect(dups.map((f) => f.object.index).sort()).toEqual(['t_a_2', 't_c_plain']);
      expect(dups.find((f) => f.object.index === 't_c_plain')!.message).toContain('t_c_key');
      expect(dups.find((f) => f.object.index === 't_a_2')!.fix).toBe('DROP INDEX CONCURRENTLY ia_dup.t_a_2;');
    });

    it('redundant_index: flags a btree prefix of another, never a unique one or a non-prefix', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_red',
        'create table ia_red.t (id int primary key, a int, b int, c int, d int)',
        'create index t_a on ia_red.t (a)',
        'create index t_a_b on ia_red.t (a, b)',
        'create index t_b on ia_red.t (b)',
        'create unique index t_c_uniq on ia_red.t (c)',
        'create index t_c_d on ia_red.t (c, d)',
        'create index t_id_a on ia_red.t (id, a)',
        'create index t_d_partial on ia_red.t (d) where d > 0',
        'create index t_d_c on ia_red.t (d, c)',
      ]);
      const { findings } = await analyzeIndexes(db);
      const red = inSchema(findings, 'redundant_index', 'ia_red');
      expect(red.map((f) => f.object.index)).toEqual(['t_a']);
      expect(red[0].message).toContain('t_a_b');
      expect(red[0].fix).toBe('DROP INDEX CONCURRENTLY ia_red.t_a;');
    });

    it('unindexed_foreign_key: flags a FK without an index, not one covered as a set by leading columns', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_fk',
        'create table ia_fk.parent (id int primary key, x int, y int, unique (x, y))',
        'create table ia_fk.child_bare (id int primary key, parent_id int references ia_fk.parent)',
        'create table ia_fk.child_indexed (id int primary key, parent_id int references ia_fk.parent)',
        'create index on ia_fk.child_indexed (parent_id)',
        'create table ia_fk.child_pair (id int primary key, x int, y int, z int, foreign key (x, y) references ia_fk.parent (x, y))',
        'create index on ia_fk.child_pair (y, x, z)',
      ]);
      const { findings } = await analyzeIndexes(db);
      const fk = inSchema(findings, 'unindexed_foreign_key', 'ia_fk');
      expect(fk.map((f) => [f.object.table, f.object.columns])).toEqual([['child_bare', ['parent_id']]]);
      expect(fk[0].object.constraint).toBe('child_bare_parent_id_fkey');
      expect(fk[0].fix).toBe('CREATE INDEX CONCURRENTLY ON ia_fk.child_bare (parent_id);');
    });

    it('invalid_index: flags the leftover of a failed CREATE UNIQUE INDEX CONCURRENTLY, not a valid index', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_invalid',
        'create table ia_invalid.t (id int primary key, a int)',
        'insert into ia_invalid.t values (1, 1), (2, 1)',
        'create index t_ok on ia_invalid.t (a)',
      ]);
      await expect(db.query('create unique index concurrently t_a_uniq on ia_invalid.t (a)')).rejects.toThrow();
      const { findings } = await analyzeIndexes(db);
      const inv = inSchema(findings, 'invalid_index', 'ia_invalid');
      expect(inv.map((f) => f.object.index)).toEqual(['t_a_uniq']);
      expect(inv[0].severity).toBe('error');
      expect(inv[0].fix).toContain('DROP INDEX CONCURRENTLY ia_invalid.t_a_uniq;');
      expect(inv[0].fix).toContain('CREATE UNIQUE INDEX CONCURRENTLY t_a_uniq ON ia_invalid.t');
      // An invalid index is never reported as unused or duplicate as well.
      expect(findings.filter((f) => f.object.schema === 'ia_invalid' && f.check !== 'invalid_index' && f.object.index === 't_a_uniq')).toEqual([]);
    });

    it('not_valid_constraint: flags NOT VALID check and FK constraints, not validated ones', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_nv',
        'create table ia_nv.p (id int primary key)',
        'create table ia_nv.t (id int primary key, a int, p_id int)',
        'create index on ia_nv.t (p_id)',
        'alter table ia_nv.t add constraint a_positive check (a > 0) not valid',
        'alter table ia_nv.t add constraint a_small check (a < 1000)',
        'alter table ia_nv.t add constraint t_p_fk foreign key (p_id) references ia_nv.p not valid',
      ]);
      const { findings } = await analyzeIndexes(db);
      const nv = inSchema(findings, 'not_valid_constraint', 'ia_nv');
      expect(nv.map((f) => f.object.constraint).sort()).toEqual(['a_positive', 't_p_fk']);
      expect(nv.find((f) => f.object.constraint === 'a_positive')!.fix).toBe('ALTER TABLE ia_nv.t VALIDATE CONSTRAINT a_positive;');
    });

    it('mostly_null_index: flags an index over a mostly NULL column, not one over a mostly filled column', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_null',
        'create table ia_null.t (id int primary key, rare int, common int)',
        'insert into ia_null.t select g, case when g % 10 = 0 then g end, case when g % 10 <> 0 then g end from generate_series(1, 20000) g',
        'create index t_rare on ia_null.t (rare)',
        'create index t_common on ia_null.t (common)',
        'analyze ia_null.t',
      ]);
      const { findings } = await analyzeIndexes(db);
      const mn = inSchema(findings, 'mostly_null_index', 'ia_null');
      expect(mn.map((f) => f.object.index)).toEqual(['t_rare']);
      expect(mn[0].fix).toContain('WHERE rare IS NOT NULL');
      expect(mn[0].fix).toContain('CONCURRENTLY');
    });

    it('low_index_usage_table: flags a large table read by sequential scans, not a small one', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_low',
        'create table ia_low.big (id int, a int)',
        'insert into ia_low.big select g, g % 500 from generate_series(1, 20000) g',
        'create table ia_low.small (id int, a int)',
        'insert into ia_low.small select g, g from generate_series(1, 100) g',
        'analyze ia_low.big',
        'analyze ia_low.small',
      ]);
      for (let i = 0; i < 12; i++) {
        await db.query('select count(*) from ia_low.big where a = 7');
        await db.query('select count(*) from ia_low.small where a = 7');
      }
      const { findings } = await analyzeIndexes(db);
      const low = inSchema(findings, 'low_index_usage_table', 'ia_low');
      expect(low.map((f) => f.object.table)).toEqual(['big']);
      expect(low[0].message).toMatch(/sequential scans/);
    });

    it('sequence_near_overflow: flags an integer sequence near its end and a bigint sequence feeding an int column', async () => {
      const db = getDb();
      await runAll(db, [
        'create schema ia_seq',
        'create table ia_seq.t (id serial primary key)',
        // 99.98 % of 2 147 483 647: the message must not round it to a full range.
        "select setval('ia_seq.t_id_seq', 2147054000)",
        'create table ia_seq.u (id int primary key)',
        'create sequence ia_seq.u_id_seq as bigint owned by ia_seq.u.id',
        "select setval('ia_seq.u_id_seq', 1700000000)",
        'create sequence ia_seq.roomy as bigint',
        "select setval('ia_seq.roomy', 2000000000)",
        'create sequence ia_seq.fresh as integer',
        "select setval('ia_seq.fresh', 1000)",
      ]);
      const { findings } = await analyzeIndexes(db);
      const seq = inSchema(findings, 'sequence_near_overflow', 'ia_seq');
      expect(seq.map((f) => f.object.sequence).sort()).toEqual(['t_id_seq', 'u_id_seq']);
      const t = seq.find((f) => f.object.sequence === 't_id_seq')!;
      expect(t.severity).toBe('error');
      expect(t.message).toContain('has used 99.98% of its range');
      expect(t.fix).toBe('ALTER SEQUENCE ia_seq.t_id_seq AS bigint;\nALTER TABLE ia_seq.t ALTER COLUMN id TYPE bigint;');
      const u = seq.find((f) => f.object.sequence === 'u_id_seq')!;
      expect(u.severity).toBe('warning');
      expect(u.fix).toBe('ALTER TABLE ia_seq.u ALTER COLUMN id TYPE bigint;');
    });
  });
}

// Registered on PGlite only when this file itself is the test file: the native-server test
// imports describeIndexAnalyzer and runs it on its own connection.
if (expect.getState().testPath === import.meta.filename) {
  let engine: Awaited<ReturnType<typeof localEngine>>;
  beforeAll(async () => {
    engine = await localEngine();
  });
  afterAll(() => engine.db.close());
  describeIndexAnalyzer('PGlite', () => engine);
}
