// What the peers (PgHero, pg-extras, splinter) check or do better, on a real PGlite: the bug
// classes of issue 19 and the checks added for it, each with a true positive and a near miss.
// The suite takes any Engine so native-analysis.test.ts runs the same bodies on PostgreSQL 18.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Engine, Queryable } from '../../src/db/types.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { analyzeIndexes } from '../../src/analysis/index-analyzer.ts';
import { lintSchema } from '../../src/analysis/schema-linter.ts';
import { analyzeQueries } from '../../src/analysis/query-analyzer.ts';
import { OWN_TAG } from '../../src/db/own-statements.ts';
import { localEngine } from '../support/pglite.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';

export async function script(db: Pick<Engine, 'run'>, sql: string): Promise<void> {
  const r = await db.run(sql);
  if (!r.ok) throw new Error(`${r.error.message}\n--- in:\n${sql}`);
}

const of = (findings: Finding[], check: string, schema?: string) =>
  findings.filter((f) => f.check === check && (schema === undefined || f.object.schema === schema));

async function flush(db: Queryable) {
  await db.query('select pg_stat_force_next_flush()');
}

function wellFormed(f: Finding) {
  expect(f.message.length).toBeGreaterThan(10);
  expect(f.why.length).toBeGreaterThan(60);
}

export function describePeerChecks(label: string, getDb: () => Engine): void {
  describe(`issue 19 bug classes (${label})`, () => {
    it('a partitioned index counts its partitions\' scans; an unused one is dropped on the parent, never on a partition', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_part;
        create table pe_part.measurements (id bigint not null, sensor int not null, taken date not null, reading numeric) partition by range (taken);
        create table pe_part.measurements_2025 partition of pe_part.measurements for values from ('2025-01-01') to ('2026-01-01');
        create table pe_part.measurements_2026 partition of pe_part.measurements for values from ('2026-01-01') to ('2027-01-01');
        insert into pe_part.measurements select g, g % 50, date '2025-01-01' + (g % 700), g / 7.0 from generate_series(1, 6000) g;
        create index measurements_sensor_idx on pe_part.measurements (sensor);
        create index measurements_reading_idx on pe_part.measurements (reading);
        analyze pe_part.measurements;`);
      await db.query("select set_config('enable_seqscan', 'off', false)");
      await db.query('select count(*) from pe_part.measurements where sensor = 7');
      await db.query("select set_config('enable_seqscan', 'on', false)");
      const { findings } = await analyzeIndexes(db);
      const unused = of(findings, 'unused_index', 'pe_part');
      expect(unused.map((f) => f.object.index)).toEqual(['measurements_reading_idx']);
      expect(unused[0].fix).toBe('DROP INDEX pe_part.measurements_reading_idx;');
      // Nothing proposes dropping an index attached to the parent's.
      expect(findings.filter((f) => f.object.schema === 'pe_part' && /_2025_|_2026_/.test(f.object.index ?? ''))).toEqual([]);
    });

    it('an invalid ON ONLY index is rebuilt on the whole partitioned table, and the fix makes it valid', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_only;
        create table pe_only.orders (id bigint not null, region text not null, note text) partition by list (region);
        create table pe_only.orders_eu partition of pe_only.orders for values in ('eu');
        create table pe_only.orders_us partition of pe_only.orders for values in ('us');
        create index orders_note_idx on only pe_only.orders (note);`);
      const { findings } = await analyzeIndexes(db);
      const inv = of(findings, 'invalid_index', 'pe_only');
      expect(inv.map((f) => f.object.index)).toEqual(['orders_note_idx']);
      expect(inv[0].fix).not.toMatch(/ON ONLY/);
      for (const s of inv[0].fix!.split(/;\n/)) await db.query(s.replace(/;$/, ''));
      expect(of((await analyzeIndexes(db)).findings, 'invalid_index', 'pe_only')).toEqual([]);
    });

    it('NULLS NOT DISTINCT keeps two unique indexes apart; two plain ones are duplicates', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_nnd;
        create table pe_nnd.accounts (id int primary key, email text, phone text);
        create unique index accounts_email_key on pe_nnd.accounts (email);
        create unique index accounts_email_nnd on pe_nnd.accounts (email) nulls not distinct;
        create unique index accounts_phone_a on pe_nnd.accounts (phone);
        create unique index accounts_phone_b on pe_nnd.accounts (phone);`);
      const dups = of((await analyzeIndexes(db)).findings, 'duplicate_index', 'pe_nnd');
      expect(dups.map((f) => f.object.index)).toEqual(['accounts_phone_b']);
    });

    it('a partial index WHERE fk IS NOT NULL covers the foreign key; one with another predicate does not', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_fk;
        create table pe_fk.teams (id int primary key);
        create table pe_fk.players (id int primary key, team_id int references pe_fk.teams, coach_id int references pe_fk.teams);
        create index players_team_idx on pe_fk.players (team_id) where team_id is not null;
        create index players_coach_idx on pe_fk.players (coach_id) where coach_id > 0;`);
      const fks = of((await analyzeIndexes(db)).findings, 'unindexed_foreign_key', 'pe_fk');
      expect(fks.map((f) => f.object.columns)).toEqual([['coach_id']]);
    });

    it('a sequence used as a default without OWNED BY is measured against the column it feeds', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_seq;
        create sequence pe_seq.ticket_numbers;
        create table pe_seq.tickets (no integer primary key default nextval('pe_seq.ticket_numbers'), title text);
        select setval('pe_seq.ticket_numbers', 1990000000);
        create sequence pe_seq.big_numbers;
        create table pe_seq.events (no bigint primary key default nextval('pe_seq.big_numbers'));
        select setval('pe_seq.big_numbers', 1990000000);`);
      const seq = of((await analyzeIndexes(db)).findings, 'sequence_near_overflow', 'pe_seq');
      expect(seq.map((f) => f.object.sequence)).toEqual(['ticket_numbers']);
      expect(seq[0].severity).toBe('error');
      expect(seq[0].message).toMatch(/92\.\d% of its range/);
      expect(seq[0].fix).toContain('ALTER TABLE pe_seq.tickets ALTER COLUMN no TYPE bigint;');
    });

    it('irregular plurals: person_id is matched to people, child_id to children; an id with no table is not', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_plural;
        create table pe_plural.people (id int primary key, name text);
        create table pe_plural.children (id int primary key, name text);
        create table pe_plural.visits (id int primary key, person_id int, child_id int, widget_id int);`);
      const r = await lintSchema(db, { schema: 'pe_plural', sampleRows: 0 });
      const miss = r.findings.filter((f) => f.check === 'missing_fk_action' && f.object.table === 'visits');
      expect(miss.map((f) => f.object.columns![0]).sort()).toEqual(['child_id', 'person_id']);
      expect(miss.find((f) => f.object.columns![0] === 'person_id')!.fix).toContain('REFERENCES pe_plural.people (id)');
    });

    it('a table without a key gets a fix that runs: a partitioned table keyed with its partition key, an existing id column left alone', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_pk;
        create table pe_pk.readings (id int, sensor int not null, at date not null) partition by range (at);
        create table pe_pk.readings_2026 partition of pe_pk.readings for values from ('2026-01-01') to ('2027-01-01');
        create table pe_pk.labels (code text not null, label text);
        create unique index labels_code_key on pe_pk.labels (code);
        alter table pe_pk.labels add constraint labels_code_unique unique using index labels_code_key;`);
      const r = await lintSchema(db, { schema: 'pe_pk', sampleRows: 0 });
      const pk = r.findings.filter((f) => f.check === 'table_without_primary_key');
      expect(pk.map((f) => f.object.table).sort()).toEqual(['labels', 'readings']);
      const readings = pk.find((f) => f.object.table === 'readings')!;
      expect(readings.fix).toContain('ADD COLUMN reading_id bigint GENERATED ALWAYS AS IDENTITY, ADD PRIMARY KEY (reading_id, at)');
      // The unique index backs a constraint already: it cannot be promoted with USING INDEX.
      expect(pk.find((f) => f.object.table === 'labels')!.fix).not.toContain('USING INDEX');
      for (const f of pk) await script(db, f.fix!);
      expect((await lintSchema(db, { schema: 'pe_pk', sampleRows: 0 })).findings.filter((f) => f.check === 'table_without_primary_key')).toEqual([]);
    });

    it('index suggestions only of what the planner uses: trigram for LIKE, an expression index for lower(), a B-tree for =, none for id % $1', async () => {
      const db = getDb();
      await script(db, `
        create extension if not exists pg_stat_statements;
        create schema pe_sugg;
        create table pe_sugg.notes (id int primary key, owner int, body text);
        insert into pe_sugg.notes select g, g % 3000, md5(g::text) || ' note ' || g from generate_series(1, 30000) g;
        analyze pe_sugg.notes;`);
      for (let i = 0; i < 3; i++) {
        await db.query("select id from pe_sugg.notes where body like '%abc12%'");
        await db.query('select id from pe_sugg.notes where id % 4000 = 0');
        await db.query("select id from pe_sugg.notes where lower(body) = 'abc note 1'");
        await db.query('select id from pe_sugg.notes where owner = 17');
      }
      const { facts } = await analyzeQueries(db, { thresholds: { slowMeanMs: 0, slowMinCalls: 3 }, explainTop: 0 });
      const plan = (text: string) => facts.plans.find((p) => p.query.includes(text))!;
      expect(plan('body like').fix).toMatch(/USING gin \(body gin_trgm_ops\)/);
      expect(plan('lower(body)').fix).toBe('CREATE INDEX CONCURRENTLY ON pe_sugg.notes ((lower(body)));');
      // pg_stat_statements keeps id % $1 = $2: no index can match a parameter, and a B-tree on id would not be used.
      expect(plan('id % ').headline).toMatch(/^Sequential scan/);
      expect(plan('id % ').fix).toBeUndefined();
      expect(plan('id % ').suggestion).toMatch(/^No index pglab could try/);
      expect(plan('owner =').fix).toBe('CREATE INDEX CONCURRENTLY ON pe_sugg.notes (owner);');
      // The trial indexes were rolled back.
      const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_indexes where schemaname = 'pe_sugg'");
      expect(rows[0].n).toBe(1);
    });

    it('pglab does not disturb what it measures: linting adds no sequential scans and its statements are tagged', async () => {
      const db = getDb();
      await script(db, `
        create extension if not exists pg_stat_statements;
        create schema pe_quiet;
        create table pe_quiet.items (id int primary key, name text, tags text);
        insert into pe_quiet.items select g, 'item ' || g, 'a,b,c' from generate_series(1, 12000) g;
        create table pe_quiet.parts (id int, at date not null) partition by range (at);
        create table pe_quiet.parts_1 partition of pe_quiet.parts for values from ('2026-01-01') to ('2026-07-01');
        insert into pe_quiet.parts select g, date '2026-01-01' + g % 150 from generate_series(1, 1000) g;
        analyze pe_quiet.items; analyze pe_quiet.parts;`);
      await flush(db);
      // Scans, tuples read and blocks touched: none of them may move because pglab looked.
      const scans = async () =>
        (await db.query<{ relname: string; n: number; tup: number; blks: number }>(
          `select s.relname, (s.seq_scan + coalesce(s.idx_scan, 0))::int as n, s.seq_tup_read::int as tup,
                  (io.heap_blks_hit + io.heap_blks_read)::int as blks
             from pg_stat_user_tables s join pg_statio_user_tables io on io.relid = s.relid
            where s.schemaname = 'pe_quiet' order by 1`)).rows;
      const before = await scans();
      const r = await lintSchema(db, { schema: 'pe_quiet' });
      expect(r.facts.tables.find((t) => t.table === 'items')!.sampledRows).toBeGreaterThan(0);
      await analyzeIndexes(db);
      // The query analyzer's trial index on items (for the statement below) is not counted either.
      for (let i = 0; i < 3; i++) await db.query("select id from pe_quiet.items where name = 'item 77'");
      await flush(db);
      const afterWorkload = await scans();
      expect(afterWorkload.map((r) => r.relname)).toEqual(before.map((r) => r.relname));
      expect(afterWorkload.filter((r) => r.relname !== 'items')).toEqual(before.filter((r) => r.relname !== 'items'));
      const { facts } = await analyzeQueries(db, { thresholds: { slowMeanMs: 0, slowMinCalls: 3 }, explainTop: 0 });
      expect(facts.plans.find((p) => p.query.includes('pe_quiet.items where name'))?.fix).toBe('CREATE INDEX CONCURRENTLY ON pe_quiet.items (name);');
      await flush(db);
      expect(await scans()).toEqual(afterWorkload);
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_statements where (query ilike '%tablesample%' or query ilike '%pg_attribute%') and query not like $1`,
        [`%${OWN_TAG}%`],
      );
      expect(rows[0].n).toBe(0);
    });
  });

  describe(`checks the peers have (${label})`, () => {
    it('table_bloat and index_bloat: flag a table and index after mass deletes, not fresh ones; the fixes remove them', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_bloat;
        create table pe_bloat.logs (id int primary key, message text);
        insert into pe_bloat.logs select g, repeat('x', 80) || g from generate_series(1, 20000) g;
        create table pe_bloat.fresh (id int primary key, message text);
        insert into pe_bloat.fresh select g, repeat('x', 80) || g from generate_series(1, 20000) g;
        delete from pe_bloat.logs where id % 10 <> 0;`);
      await db.run('vacuum pe_bloat.logs');
      await script(db, 'analyze pe_bloat.logs; analyze pe_bloat.fresh;');
      const opts = { thresholds: { bloatMinBytes: 128 * 1024 } };
      const { findings } = await analyzeIndexes(db, opts);
      const tb = of(findings, 'table_bloat', 'pe_bloat');
      expect(tb.map((f) => f.object.table)).toEqual(['logs']);
      wellFormed(tb[0]);
      const ib = of(findings, 'index_bloat', 'pe_bloat');
      expect(ib.map((f) => f.object.index)).toEqual(['logs_pkey']);
      await db.run(ib[0].fix!);
      await db.run(tb[0].fix!);
      const after = (await analyzeIndexes(db, opts)).findings;
      expect([...of(after, 'table_bloat', 'pe_bloat'), ...of(after, 'index_bloat', 'pe_bloat')]).toEqual([]);
    });

    it('low_table_cache_hit and low_index_cache_hit: flag relations read from outside shared buffers, not cached ones', async () => {
      const db = getDb();
      await script(db, `
        create extension if not exists pg_buffercache;
        create schema pe_cache;
        create table pe_cache.cold as select g as id, repeat('y', 200) as pad from generate_series(1, 20000) g;
        create index cold_id_idx on pe_cache.cold (id);
        create table pe_cache.warm as select g as id, repeat('y', 200) as pad from generate_series(1, 5000) g;`);
      await flush(db);
      for (let i = 0; i < 3; i++) {
        await db.query("select pg_buffercache_evict_relation('pe_cache.cold'), pg_buffercache_evict_relation('pe_cache.cold_id_idx')");
        await db.query('select count(*) from pe_cache.cold');
        await db.query("select set_config('enable_seqscan', 'off', false)");
        await db.query('select sum(id) from pe_cache.cold where id between 1 and 20000');
        await db.query("select set_config('enable_seqscan', 'on', false)");
        await db.query('select count(*) from pe_cache.warm');
      }
      const { findings, facts } = await analyzeIndexes(db, { thresholds: { cacheHitMinBlocks: 20 } });
      expect(of(findings, 'low_table_cache_hit', 'pe_cache').map((f) => f.object.table)).toEqual(['cold']);
      expect(of(findings, 'low_index_cache_hit', 'pe_cache').map((f) => f.object.index)).toEqual(['cold_id_idx']);
      expect(facts.health.dependsOn.low_table_cache_hit).toMatch(/shared_buffers/);
    });

    it('low_hot_update_share: flags non-HOT updates on a full fillfactor-100 table, not one with room; the fix sets a fillfactor', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_hot;
        create table pe_hot.full_pages (id int primary key, counter int, pad text);
        insert into pe_hot.full_pages select g, 0, repeat('z', 40) from generate_series(1, 3000) g;
        create table pe_hot.roomy (id int primary key, counter int, pad text) with (fillfactor = 60);
        insert into pe_hot.roomy select g, 0, repeat('z', 40) from generate_series(1, 3000) g;
        update pe_hot.full_pages set counter = counter + 1;
        update pe_hot.roomy set counter = counter + 1;`);
      await flush(db);
      const { findings } = await analyzeIndexes(db);
      const hot = of(findings, 'low_hot_update_share', 'pe_hot');
      expect(hot.map((f) => f.object.table)).toEqual(['full_pages']);
      await db.query(hot[0].fix!.replace(/;.*$/, ''));
      expect(of((await analyzeIndexes(db)).findings, 'low_hot_update_share', 'pe_hot')).toEqual([]);
    });

    it('xid_wraparound_table and xid_wraparound_database: flag ages past the threshold, not a frozen table', async () => {
      const db = getDb();
      await script(db, 'create schema pe_xid; create table pe_xid.old (id int); create table pe_xid.frozen (id int);');
      for (let i = 0; i < 300; i++) await db.query('select pg_current_xact_id()');
      await db.run('vacuum (freeze) pe_xid.frozen');
      const opts = { thresholds: { xidAgeWarning: 250 } };
      const { findings } = await analyzeIndexes(db, opts);
      const t = of(findings, 'xid_wraparound_table', 'pe_xid');
      expect(t.map((f) => f.object.table)).toEqual(['old']);
      expect(t[0].severity).toBe('warning');
      expect(of(findings, 'xid_wraparound_database')).toHaveLength(1);
      await db.run(t[0].fix!);
      expect(of((await analyzeIndexes(db, opts)).findings, 'xid_wraparound_table', 'pe_xid')).toEqual([]);
      // Under the server's own threshold (autovacuum_freeze_max_age) nothing is flagged.
      expect(of((await analyzeIndexes(db)).findings, 'xid_wraparound_table', 'pe_xid')).toEqual([]);
    });

    it('settings: work_mem with spills, random_page_cost 4, tiny shared_buffers; not once they are set well', async () => {
      const db = getDb();
      await db.query("select set_config('work_mem', '64kB', false)");
      await db.query('select g from generate_series(1, 200000) g order by g desc limit 1');
      await db.query("select set_config('work_mem', '4MB', false)");
      await db.query("select set_config('random_page_cost', '4', false)");
      await flush(db);
      const { findings, facts } = await analyzeIndexes(db, { thresholds: { sharedBuffersMinBytes: 16 * 1024 * 1024 * 1024 } });
      expect(of(findings, 'work_mem_spills')).toHaveLength(1);
      expect(of(findings, 'random_page_cost_high')).toHaveLength(1);
      expect(of(findings, 'shared_buffers_small')).toHaveLength(1);
      expect(of(findings, 'shared_buffers_small')[0].fix).toBeUndefined();
      expect(facts.health.settings.sharedBuffersBytes).toBeGreaterThan(0);
      // The printed fixes, then the default threshold (the stock 128MB is not "tiny").
      for (const f of [...of(findings, 'work_mem_spills'), ...of(findings, 'random_page_cost_high')]) await script(db, f.fix!);
      const after = (await analyzeIndexes(db)).findings;
      expect([...of(after, 'work_mem_spills'), ...of(after, 'random_page_cost_high'), ...of(after, 'shared_buffers_small')]).toEqual([]);
      await db.query("select set_config('work_mem', '4MB', false), set_config('random_page_cost', '4', false)");
    });

    it('duplicate_index_collation: flags an index differing only by collation, not one with another operator class', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_coll;
        create table pe_coll.cities (id int primary key, name text);
        create index cities_name_idx on pe_coll.cities (name);
        create index cities_name_posix on pe_coll.cities (name collate "POSIX");
        create index cities_name_pattern on pe_coll.cities (name text_pattern_ops);`);
      const { findings } = await analyzeIndexes(db);
      const c = of(findings, 'duplicate_index_collation', 'pe_coll');
      expect(c.map((f) => f.object.index)).toEqual(['cities_name_posix']);
      expect(of(findings, 'duplicate_index', 'pe_coll')).toEqual([]);
      // The kept index is never proposed for dropping as unused as well.
      expect(of(findings, 'unused_index', 'pe_coll').map((f) => f.object.index)).toEqual(['cities_name_pattern']);
    });

    it('row-level security: enabled with no policy, policies without RLS, multiple permissive policies; not a sound setup', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_rls;
        create table pe_rls.secrets (id int primary key, owner name);
        alter table pe_rls.secrets enable row level security;
        create table pe_rls.notes (id int primary key, owner name, public boolean);
        create policy notes_owner on pe_rls.notes using (owner = current_user);
        create table pe_rls.posts (id int primary key, owner name, published boolean);
        alter table pe_rls.posts enable row level security;
        create policy posts_own on pe_rls.posts for select using (owner = current_user);
        create policy posts_published on pe_rls.posts for select using (published);
        create table pe_rls.sound (id int primary key, owner name, published boolean);
        alter table pe_rls.sound enable row level security;
        create policy sound_read on pe_rls.sound for select using (published or owner = current_user);
        create policy sound_tenant on pe_rls.sound as restrictive for select using (owner is not null);`);
      const r = await lintSchema(db, { schema: 'pe_rls', sampleRows: 0 });
      const by = (c: string) => r.findings.filter((f) => f.check === c).map((f) => f.object.table);
      expect(by('rls_enabled_no_policy')).toEqual(['secrets']);
      expect(by('policy_without_rls')).toEqual(['notes']);
      expect(by('multiple_permissive_policies')).toEqual(['posts']);
      const fixes = r.findings.filter((f) => f.check.includes('polic') || f.check.startsWith('rls'));
      for (const f of fixes) await script(db, f.fix!);
      const after = await lintSchema(db, { schema: 'pe_rls', sampleRows: 0 });
      expect(after.findings.filter((f) => ['rls_enabled_no_policy', 'policy_without_rls', 'multiple_permissive_policies'].includes(f.check))).toEqual([]);
      // The merged policy still shows the rows either policy showed.
      const { rows } = await db.query<{ q: string }>("select pg_get_expr(polqual, polrelid) as q from pg_policy where polrelid = 'pe_rls.posts'::regclass");
      expect(rows).toHaveLength(1);
      expect(rows[0].q).toMatch(/owner = CURRENT_USER.*OR.*published/);
    });

    it('function_search_path_mutable, reg_type_column: flag a SECURITY DEFINER function without search_path and a regclass column; not the sound ones', async () => {
      const db = getDb();
      await script(db, `
        create schema pe_sec;
        create table pe_sec.audit (id int primary key, target regclass, procs regproc[], target_name text);
        create function pe_sec.bump(n int) returns int language sql security definer as $$ select n + 1 $$;
        create function pe_sec.bump_safe(n int) returns int language sql security definer set search_path = pe_sec, pg_temp as $$ select n + 1 $$;
        create function pe_sec.plain(n int) returns int language sql as $$ select n + 1 $$;`);
      const r = await lintSchema(db, { schema: 'pe_sec', sampleRows: 0 });
      const fn = r.findings.filter((f) => f.check === 'function_search_path_mutable');
      expect(fn.map((f) => f.object.function)).toEqual(['bump(n integer)']);
      const reg = r.findings.filter((f) => f.check === 'reg_type_column');
      expect(reg.map((f) => f.object.columns![0]).sort()).toEqual(['procs', 'target']);
      for (const f of [...fn, ...reg]) await script(db, f.fix!);
      const after = await lintSchema(db, { schema: 'pe_sec', sampleRows: 0 });
      expect(after.findings.filter((f) => f.check === 'function_search_path_mutable' || f.check === 'reg_type_column')).toEqual([]);
      expect((await db.query<{ v: number }>('select pe_sec.bump(1) as v')).rows[0].v).toBe(2);
    });

    it('extension_in_public and extension_update_available: flag an old extension in public, not a current one in its own schema', async () => {
      const db = getDb();
      await script(db, `
        create extension if not exists pg_trgm version '1.5' schema public;
        create schema if not exists pe_ext;
        create extension if not exists hstore schema pe_ext;`);
      const r = await lintSchema(db, { sampleRows: 0 });
      const ext = (c: string) => r.findings.filter((f) => f.check === c).map((f) => f.object.extension);
      expect(ext('extension_in_public')).toContain('pg_trgm');
      expect(ext('extension_in_public')).not.toContain('hstore');
      expect(ext('extension_update_available')).toEqual(['pg_trgm']);
      for (const f of r.findings.filter((f) => f.object.extension === 'pg_trgm')) await script(db, f.fix!);
      const after = await lintSchema(db, { sampleRows: 0 });
      expect(after.findings.filter((f) => f.object.extension === 'pg_trgm')).toEqual([]);
      expect((await db.query<{ v: string }>("select extversion as v from pg_extension where extname = 'pg_trgm'")).rows[0].v).toBe('1.6');
      await script(db, 'drop extension pg_trgm; drop extension hstore;');
    });
  });
}

// Registered on PGlite only when this file itself is the test file (see analysis-index.test.ts).
if (expect.getState().testPath === import.meta.filename) {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await localEngine();
  }, 60_000);
  afterAll(() => engine?.db.close());
  describePeerChecks('PGlite', () => engine);
}
