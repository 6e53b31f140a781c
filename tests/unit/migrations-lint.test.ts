// The migration safety lint: every rule with a bad and a good example, decided on the parse
// tree; and every fix it prints runs on a real PGlite and no longer trips that rule.
import { describe, it, expect, beforeAll } from 'vitest';
import { localEngine } from '../support/pglite.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { RULES, lintMigration, lockTimeoutMs } from '../../src/migrations/lint/index.ts';
import { CASES, checkCase, checkJsonEquality, checksOf, resetSetup } from './migrations-lint-cases.ts';

describe('migration lint rules', () => {
  let db: LocalEngine;
  beforeAll(async () => {
    db = await localEngine();
  });

  it('has a bad and a good example for every rule, and stable unique ids', () => {
    const ids = RULES.map((r) => r.check);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(CASES.map((c) => c.check).sort());
  });

  for (const c of CASES) {
    it(`${c.check}: flags the bad example, not the good one, and its fix runs`, async () => {
      await checkCase(db, c);
    });
  }

  it('decides on the parse tree, not on text', async () => {
    const sql = `set lock_timeout = '1s';
      -- create index on orders (note); vacuum full orders;
      select 'alter table orders drop column note', $$ create index x on orders (id) $$;
      create table fresh (id bigint primary key, note text);
      create index fresh_note on fresh (note);
      alter table fresh add column n int not null;
      alter table fresh add constraint fk foreign key (id) references customers;`;
    expect(await checksOf(sql)).toEqual([]);
    // lock_timeout = 0 turns the timeout off: still missing.
    expect(await checksOf("set lock_timeout = 0;\nalter table orders add column x int;")).toContain('missing_lock_timeout');
    // Only the first statement that needs the timeout is flagged.
    expect((await checksOf('alter table orders add column a int;\nalter table orders add column b int;')).filter((c) => c === 'missing_lock_timeout')).toHaveLength(1);
  });

  it('reads lock_timeout as PostgreSQL does: any spelling of 0 is no timeout, RESET undoes it, set_config sets it', async () => {
    const alter = '\nalter table orders add column x int;';
    for (const off of ["'0.0'", "'00'", "'0h'", "'0ms'", '0.4', 'default']) {
      expect(await checksOf(`set lock_timeout = ${off};${alter}`), off).toContain('missing_lock_timeout');
    }
    for (const on of ["'1.5s'", '1.5', '5000', "'2min'", "'500 ms'"]) {
      expect(await checksOf(`set lock_timeout = ${on};${alter}`), on).not.toContain('missing_lock_timeout');
    }
    expect(await checksOf(`select set_config('lock_timeout', '5s', false);${alter}`)).not.toContain('missing_lock_timeout');
    expect(await checksOf(`select set_config('lock_timeout', '0', false);${alter}`)).toContain('missing_lock_timeout');
    expect(await checksOf(`set lock_timeout = '5s';\nreset lock_timeout;${alter}`)).toContain('missing_lock_timeout');
    expect(await checksOf(`set lock_timeout = '5s';\nreset all;${alter}`)).toContain('missing_lock_timeout');
    expect(lockTimeoutMs('0.0')).toBe(0);
    expect(lockTimeoutMs('1h')).toBe(3_600_000);
    expect(lockTimeoutMs('5 fortnights')).toBeUndefined();
  });

  it('PostgreSQL 18\'s ADD CONSTRAINT … NOT NULL scans like SET NOT NULL unless NOT VALID; an unnamed validated check proves it', async () => {
    expect(await checksOf('alter table orders add constraint orders_status_nn not null status;')).toContain('set_not_null');
    expect(await checksOf('alter table orders add constraint orders_status_nn not null status not valid;\nalter table orders validate constraint orders_status_nn;')).not.toContain('set_not_null');
    // PostgreSQL names the unnamed check orders_status_check, and VALIDATE names it so.
    expect(await checksOf('alter table orders add check (status is not null) not valid;\nalter table orders validate constraint orders_status_check;\nalter table orders alter column status set not null;')).not.toContain('set_not_null');
    expect(await checksOf('alter table orders add check (status is not null) not valid;\nalter table orders validate constraint other_check;\nalter table orders alter column status set not null;')).toContain('set_not_null');
    // The proof dropped before the SET NOT NULL, or in the same ALTER (its drop runs first): the rows are read (measured: 20 000 of them, alembic 06).
    expect(await checksOf('alter table orders add constraint s_nn check (status is not null) not valid;\nalter table orders validate constraint s_nn;\nalter table orders alter column status set not null, drop constraint s_nn;')).toContain('set_not_null');
    expect(await checksOf('alter table orders add constraint s_nn check (status is not null);\nalter table orders drop constraint s_nn;\nalter table orders alter column status set not null;')).toContain('set_not_null');
    expect(await checksOf('alter table orders add constraint s_nn check (status is not null);\nalter table orders alter column status set not null;\nalter table orders drop constraint s_nn;')).not.toContain('set_not_null');
  });

  it('a CHECK or REFERENCES written in ADD COLUMN of an existing table is validated at once', async () => {
    expect(await checksOf("alter table orders add column currency text not null default 'EUR' check (currency ~ '^[A-Z]{3}$');")).toContain('constraint_without_not_valid');
    expect(await checksOf('alter table orders add column buyer bigint references customers (id);')).toContain('constraint_without_not_valid');
    expect(await checksOf("alter table orders add column currency text not null default 'EUR';")).not.toContain('constraint_without_not_valid');
    expect(await checksOf('create table fresh2 (id bigint primary key);\nalter table fresh2 add column c int check (c > 0);')).not.toContain('constraint_without_not_valid');
  });

  it('names the line and the objects', async () => {
    const { findings } = await lintMigration("set lock_timeout = '1s'; set statement_timeout = '30s';\n\ncreate index orders_customer on public.orders (customer_id);");
    expect(findings).toEqual([
      expect.objectContaining({
        check: 'non_concurrent_index',
        severity: 'warning',
        object: expect.objectContaining({ schema: 'public', table: 'orders', index: 'orders_customer' }),
        message: 'line 3: index orders_customer on public.orders is built without CONCURRENTLY',
        fix: 'CREATE INDEX CONCURRENTLY orders_customer on public.orders (customer_id);',
      }),
    ]);
  });

  it('refuses a script that does not parse, with its line', async () => {
    await expect(lintMigration('create table a (id int);\nalter tabel a add b int;')).rejects.toThrow(/line 2: syntax error at or near "tabel"/);
  });
});

describe('the rules squawk and strong_migrations add', () => {
  let db: LocalEngine;
  beforeAll(async () => {
    db = await localEngine();
  });

  it('non_robust_statement: only what a failure after a statement outside the transaction leaves applied', async () => {
    const robust = (sql: string) => checksOf(sql).then((c) => c.filter((x) => x === 'non_robust_statement').length);
    // All-or-nothing: one transaction rolls back whole, nothing to rerun.
    expect(await robust('create table t8 (id bigint primary key);\ncreate index t8_id on t8 (id);\nalter table orders add column a int;')).toBe(0);
    // Up to and including the last statement that commits on its own; not after it.
    expect(await robust('create table t8 (id bigint primary key);\ncreate index concurrently orders_c on orders (customer_id);\ncreate table t9 (id bigint primary key);')).toBe(2);
    // Inside the script's own BEGIN … COMMIT everything rolls back together.
    expect(await robust('begin;\ncreate table t8 (id bigint primary key);\ncommit;\ncreate index concurrently orders_c on orders (customer_id);')).toBe(1);
    // The rerunnable pairs: DROP CONSTRAINT IF EXISTS then ADD CONSTRAINT; DROP INDEX CONCURRENTLY IF EXISTS then build it.
    expect(await robust('alter table orders drop constraint if exists orders_total_check;\nalter table orders add constraint orders_total_check check (total >= 0) not valid;\ndrop index concurrently if exists orders_c;\ncreate index concurrently orders_c on orders (customer_id);')).toBe(0);
    // IF NOT EXISTS alone would keep the INVALID index a failed CONCURRENTLY build leaves.
    const kept = (await lintMigration('create index concurrently if not exists orders_c on orders (customer_id);')).findings.filter((f) => f.check === 'non_robust_statement');
    expect(kept.map((f) => f.fix)).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS orders_c;\ncreate index concurrently if not exists orders_c on orders (customer_id);']);
  });

  it('non_robust_statement: the fixed migration runs twice where the original fails the second time (a retry after a failure halfway)', async () => {
    const migration = [
      'create table t8 (id bigint primary key, v int)',
      'create sequence t8_seq',
      "alter table orders add column region text, drop column code, add constraint orders_total_check check (total >= 0) not valid",
      'create view t8_view as select id from t8',
      'drop index orders_note',
      "alter type mood add value 'meh'",
      "create index concurrently orders_c on orders (customer_id)",
      "update orders set status = 'meh' where id = 1",
    ];
    const sql = migration.map((m) => `${m};`).join('\n');
    const { statements, findings } = await lintMigration(sql);
    const flagged = findings.filter((f) => f.check === 'non_robust_statement');
    // Every statement up to the CONCURRENTLY build is flagged; the UPDATE after it is not.
    expect(flagged.map((f) => Number(/^line (\d+):/.exec(f.message)![1]))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(flagged.every((f) => f.fix)).toBe(true);
    const fixed = statements.map((s) => flagged.find((f) => f.object.query === s.text)?.fix ?? `${s.text};`).join('\n');
    expect(await checksOf(fixed)).not.toContain('non_robust_statement');

    const runAll = async (script: string) => {
      for (const s of (await lintMigration(script)).statements) {
        const r = await db.run(s.text);
        if (!r.ok) return `${s.text}: ${r.error.message}`;
      }
      return 'ok';
    };
    await resetSetup(db);
    expect(await runAll(sql)).toBe('ok');
    expect(await runAll(sql)).toMatch(/already exists/);
    await resetSetup(db);
    expect(await runAll(fixed)).toBe('ok');
    expect(await runAll(fixed)).toBe('ok');
  });

  it('missing_statement_timeout reads statement_timeout as PostgreSQL does, apart from lock_timeout', async () => {
    const alter = "\nset lock_timeout = '2s';\nalter table orders add column x int;";
    for (const off of ['0', "'0s'", 'default']) expect(await checksOf(`set statement_timeout = ${off};${alter}`), off).toContain('missing_statement_timeout');
    for (const on of ["'30s'", '30000', "'1min'"]) expect(await checksOf(`set statement_timeout = ${on};${alter}`), on).not.toContain('missing_statement_timeout');
    expect(await checksOf(`select set_config('statement_timeout', '30s', true);${alter}`)).not.toContain('missing_statement_timeout');
    expect(await checksOf(`set statement_timeout = '30s';\nreset all;${alter}`)).toContain('missing_statement_timeout');
    // statement_timeout alone does not silence missing_lock_timeout, nor the other way round.
    expect(await checksOf("set statement_timeout = '30s';\nalter table orders add column x int;")).toContain('missing_lock_timeout');
    expect(await checksOf("set statement_timeout = '30s';\nalter table orders add column x int;")).not.toContain('missing_statement_timeout');
    // A CONCURRENTLY build needs no timeout (one would cut it short).
    expect(await checksOf('create index concurrently if not exists orders_c on orders (customer_id);')).not.toContain('missing_statement_timeout');
  });

  it('backfill_with_schema_change: only after a strong lock, in the same transaction', async () => {
    const backfill = (sql: string) => checksOf(sql).then((c) => c.includes('backfill_with_schema_change'));
    expect(await backfill("update orders set status = 'x';\nalter table orders add column a int;")).toBe(false);
    expect(await backfill("alter table orders add column a int;\ninsert into orders (id) values (1000);")).toBe(false);
    expect(await backfill('alter table orders add column a int;\ninsert into customers (id) select id + 1000 from orders;')).toBe(true);
    expect(await backfill('alter table orders add column a int;\ndelete from invoices where amount < 10;')).toBe(true);
    // A statement that commits on its own ends the transaction the lock belonged to.
    expect(await backfill("alter table orders add column a int;\ncreate index concurrently orders_a on orders (a);\nupdate orders set a = 1;")).toBe(false);
    // A new table locks nobody.
    expect(await backfill("create table t8 (id bigint primary key);\ninsert into t8 select id from orders;")).toBe(false);
  });

  it('json_column: json has no equality operator (DISTINCT, UNION, GROUP BY, = fail), jsonb has one; the fix names jsonb', async () => {
    await checkJsonEquality(db);
    expect(await checksOf('create table t8 (id bigint primary key, a json[], b jsonb, c pg_catalog.json);')).toEqual(['json_column', 'json_column']);
    const { findings } = await lintMigration('create table t8 (id bigint primary key, a json[], b jsonb, c pg_catalog.json);');
    expect(findings[0].fix).toBe('create table t8 (id bigint primary key, a jsonb[], b jsonb, c jsonb);');
  });

  it('truncate_cascade: its fix lists every table CASCADE would also empty', async () => {
    await resetSetup(db);
    const f = (await lintMigration('truncate customers cascade;')).findings.find((x) => x.check === 'truncate_cascade')!;
    const r = await db.query<{ also_emptied: string }>(f.fix!.replace(/;\s*$/, ''));
    expect(r.rows.map((x) => x.also_emptied).sort()).toEqual(['customers', 'invoices']);
  });

  it('domain constraints: a domain made in this migration checks no column yet; NOT NULL has no NOT VALID form', async () => {
    expect(await checksOf('create domain d8 as int;\nalter domain d8 add check (value > 0);')).not.toContain('alter_domain_add_constraint');
    const notNull = (await lintMigration('alter domain positive_qty set not null;')).findings.find((x) => x.check === 'alter_domain_add_constraint');
    expect(notNull?.message).toBe('line 1: domain positive_qty is made NOT NULL');
    expect(notNull?.fix).toBeUndefined();
    // PostgreSQL names an unnamed domain check <domain>_check: the fix names it so, and VALIDATE finds it.
    await resetSetup(db);
    const f = (await lintMigration('alter domain positive_qty add check (value > 0);')).findings[0];
    for (const s of (await lintMigration(f.fix!)).statements) expect((await db.run(s.text)).ok, s.text).toBe(true);
    const con = await db.query<{ conname: string; convalidated: boolean }>("select conname, convalidated from pg_constraint where contypid = 'positive_qty'::regtype");
    expect(con.rows).toEqual([{ conname: 'positive_qty_check', convalidated: true }]);
    // CREATE DOMAIN keeps its DEFAULT when the CHECK and NOT NULL are taken out.
    const c = (await lintMigration('create domain percent as int default 0 check (value between 0 and 100) not null;')).findings[0];
    expect(c.fix!.split('\n')[0]).toBe('create domain percent as int default 0;');
  });
});
