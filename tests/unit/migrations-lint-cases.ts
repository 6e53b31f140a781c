// The migration lint's examples, shared by the PGlite test (migrations-lint.test.ts) and the
// native PostgreSQL 18 one (migrations-lint-native.test.ts): one bad and one good example per
// rule, on one set-up database; both examples and every fix must run on it.
import { expect } from 'vitest';
import type { Engine } from '../../src/db/types.ts';
import { lintMigration } from '../../src/migrations/lint/index.ts';
import { parseMigration } from '../../src/migrations/statements.ts';

export const SETUP = `
create table customers (id bigint primary key, email text, name text not null default '');
create table orders (id bigint primary key, customer_id bigint, note text, status text, total numeric, code varchar(10));
create table invoices (id bigint primary key, customer_id bigint references customers (id), amount numeric);
create table bookings (id bigint primary key, room int, during int4range);
create domain positive_qty as int;
create table stock (id bigint primary key, qty positive_qty);
create type mood as enum ('ok', 'bad');
create index orders_note on orders (note);
insert into customers select g, 'c' || g from generate_series(1, 50) g;
insert into orders select g, 1 + g % 50, 'n' || g, 'new', g, 'x' from generate_series(1, 200) g;
insert into invoices select g, 1 + g % 50, g from generate_series(1, 100) g;
insert into bookings select g, 1, int4range(g * 10, g * 10 + 5) from generate_series(1, 20) g;
insert into stock select g, g from generate_series(1, 30) g;`;

export interface Case {
  check: string;
  bad: string;
  good: string;
  /** The fix repeats the flagged operation on purpose (a rename kept compatible with a view). */
  fixKeepsOperation?: boolean;
  /** What the database says to the bad example on the set-up data, when it refuses it. */
  badError?: RegExp;
}

export const CASES: Case[] = [
  { check: 'transaction_nesting', bad: 'begin;\ncreate table t1 (id bigint);\ncommit;', good: 'create table t1 (id bigint);' },
  { check: 'missing_lock_timeout', bad: 'alter table orders add column flag boolean;', good: "set lock_timeout = '2s';\nalter table orders add column flag boolean;" },
  { check: 'missing_statement_timeout', bad: "set lock_timeout = '2s';\nalter table orders add column flag boolean;", good: "set lock_timeout = '2s';\nset statement_timeout = '30s';\nalter table orders add column flag boolean;" },
  { check: 'non_robust_statement', bad: 'create index concurrently orders_customer on orders (customer_id);', good: 'drop index concurrently if exists orders_customer;\ncreate index concurrently if not exists orders_customer on orders (customer_id);' },
  { check: 'adding_not_null_column', bad: 'alter table orders add column region text not null;', badError: /contains null values/, good: "alter table orders add column region text not null default 'eu';" },
  { check: 'adding_volatile_default', bad: 'alter table orders add column ref uuid default gen_random_uuid();', good: 'alter table orders add column created timestamptz default now();' },
  { check: 'adding_stored_generated_column', bad: 'alter table orders add column double_total numeric generated always as (total * 2) stored;', good: 'alter table orders add column double_total numeric generated always as (total * 2) virtual;' },
  { check: 'non_concurrent_index', bad: 'create index orders_customer on orders (customer_id);', good: 'create index concurrently orders_customer on orders (customer_id);' },
  { check: 'non_concurrent_index_drop', bad: 'drop index orders_note;', good: 'drop index concurrently orders_note;' },
  { check: 'constraint_without_not_valid', bad: 'alter table orders add foreign key (customer_id) references customers (id);', good: 'alter table orders add constraint orders_customer_fk foreign key (customer_id) references customers (id) not valid;\nalter table orders validate constraint orders_customer_fk;' },
  { check: 'unique_without_index', bad: 'alter table customers add constraint customers_email_key unique (email);', good: 'create unique index concurrently customers_email_key on customers (email);\nalter table customers add constraint customers_email_key unique using index customers_email_key;' },
  { check: 'adding_exclusion_constraint', bad: 'alter table bookings add constraint bookings_no_overlap exclude using gist (during with &&);', good: 'create table rooms_booked (id bigint primary key, during int4range, exclude using gist (during with &&));' },
  { check: 'set_not_null', bad: 'alter table orders alter column status set not null;', good: 'alter table orders add constraint status_nn check (status is not null) not valid;\nalter table orders validate constraint status_nn;\nalter table orders alter column status set not null;' },
  { check: 'drop_not_null', bad: 'alter table customers alter column name drop not null;', good: "alter table customers alter column name set default 'unknown';" },
  { check: 'column_type_change', bad: 'alter table orders alter column total type bigint using total::bigint;', good: 'alter table orders add column total_cents bigint;' },
  { check: 'rename_column', bad: 'alter table orders rename column note to remark;', good: 'alter table orders add column remark text;', },
  { check: 'rename_table', bad: 'alter table orders rename to purchases;', good: 'create view purchases as select * from orders;', fixKeepsOperation: true },
  { check: 'drop_column', bad: 'alter table orders drop column note;', good: "comment on column orders.note is 'deprecated: unused since v2';" },
  { check: 'drop_table', bad: 'drop table orders;', good: 'create table orders_archive (like orders);\ndrop table orders_archive;' },
  { check: 'truncate_table', bad: 'truncate orders;', good: 'delete from orders where id <= 10;' },
  { check: 'truncate_cascade', bad: 'truncate customers cascade;', good: 'truncate invoices, customers;' },
  { check: 'drop_database', bad: 'drop database if exists pglab_lint_scratch;', good: 'select pg_database_size(current_database());' },
  { check: 'backfill_with_schema_change', bad: "alter table orders add column region text;\nupdate orders set region = 'eu';", good: "update orders set status = 'done' where id <= 100;" },
  { check: 'vacuum_full', bad: 'vacuum full orders;', good: 'vacuum (analyze) orders;' },
  { check: 'enum_value_change', bad: "alter type mood rename value 'bad' to 'sad';", good: "create table moods (m mood default 'ok');" },
  { check: 'create_domain_with_constraint', bad: 'create domain percent as int check (value between 0 and 100);', good: 'create domain percent as int;' },
  { check: 'alter_domain_add_constraint', bad: 'alter domain positive_qty add constraint positive_qty_check check (value > 0);', good: 'alter domain positive_qty add constraint positive_qty_check check (value > 0) not valid;\nalter domain positive_qty validate constraint positive_qty_check;' },
  { check: 'serial_column', bad: 'create table t2 (id serial primary key, name text);', good: 'create table t2 (id bigint generated by default as identity primary key, name text);' },
  { check: 'int_primary_key', bad: 'create table t3 (id integer primary key, name text);', good: 'create table t3 (id bigint primary key, name text);' },
  { check: 'char_column', bad: 'create table t4 (id bigint primary key, code char(3));', good: 'create table t4 (id bigint primary key, code text check (length(code) = 3));' },
  { check: 'varchar_limit', bad: 'create table t5 (id bigint primary key, name varchar(40));', good: 'create table t5 (id bigint primary key, name text check (length(name) <= 40));' },
  { check: 'timestamp_without_time_zone', bad: 'create table t6 (id bigint primary key, at timestamp without time zone);', good: 'create table t6 (id bigint primary key, at timestamptz);' },
  { check: 'json_column', bad: 'alter table orders add column payload json;', good: 'alter table orders add column payload jsonb;' },
];

export const checksOf = async (sql: string) => (await lintMigration(sql)).findings.map((f) => f.check);

/** A fresh public schema with the set-up data. */
export async function resetSetup(db: Engine): Promise<void> {
  // A SET lock_timeout or statement_timeout of an earlier example stays on the session otherwise.
  for (const s of ['reset lock_timeout', 'reset statement_timeout', 'drop schema public cascade', 'create schema public']) expect((await db.run(s)).ok).toBe(true);
  for (const s of await parseMigration(SETUP)) {
    const r = await db.run(s.text);
    expect(r.ok, `${s.text}: ${!r.ok ? r.error.message : ''}`).toBe(true);
  }
}

/**
 * The case's rule flags the bad example and not the good one; the bad example, the good one and
 * the fix each run on a fresh set-up (the bad one failing only where the case says so), and the
 * fix no longer trips the rule.
 */
export async function checkCase(db: Engine, c: Case): Promise<void> {
  const bad = await lintMigration(c.bad);
  const hit = bad.findings.filter((f) => f.check === c.check);
  expect(hit.length, JSON.stringify(bad.findings.map((f) => f.check))).toBeGreaterThan(0);
  const f = hit[0];
  expect(f.message).toMatch(/^line \d+: /);
  expect(f.why.length).toBeGreaterThan(60);
  expect(['info', 'warning', 'error']).toContain(f.severity);
  expect(f.object.query).toBeTruthy();
  expect(await checksOf(c.good)).not.toContain(c.check);

  for (const sql of [c.bad, c.good, ...(f.fix ? [f.fix] : [])]) {
    const expectError = sql === c.bad ? c.badError : undefined;
    await resetSetup(db);
    for (const s of await parseMigration(sql)) {
      const r = await db.run(s.text);
      if (expectError) expect(!r.ok && r.error.message).toMatch(expectError);
      else expect(r.ok, `${s.text}: ${!r.ok ? r.error.message : ''}`).toBe(true);
    }
    if ((await db.run('select 1')).inTransaction) await db.run('rollback');
  }
  if (f.fix && !c.fixKeepsOperation) expect(await checksOf(f.fix)).not.toContain(c.check);
}

/** What json_column says: json has no equality operator (42883), jsonb has one. */
export async function checkJsonEquality(db: Engine): Promise<void> {
  await db.run('drop table if exists jt');
  expect((await db.run('create table jt (j json, b jsonb)')).ok).toBe(true);
  expect((await db.run(`insert into jt values ('{"a": 1}', '{"a": 1}'), ('{"a": 1}', '{"a": 1}')`)).ok).toBe(true);
  const distinct = await db.run('select distinct j from jt');
  expect(!distinct.ok && distinct.error.message).toMatch(/could not identify an equality operator for type json/);
  for (const q of ['select distinct j from jt', 'select j from jt union select j from jt', 'select j from jt group by j', 'select count(*) from jt where j = j']) {
    const r = await db.run(q);
    expect(!r.ok && r.error.code, q).toBe('42883');
  }
  const n = await db.query<{ n: string }>('select count(distinct b)::text as n from jt');
  expect(n.rows[0].n).toBe('1');
  await db.run('drop table jt');
}
