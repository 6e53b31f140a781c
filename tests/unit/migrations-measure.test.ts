// Measured locks, rewrites and times of real statements, on a PGlite clone and on the native PostgreSQL 18.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { localEngine } from '../support/pglite.ts';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';
import type { Engine } from '../../src/db/types.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { measureMigration, measureRolledBack, measurementText, type MeasuredStatement } from '../../src/migrations/measure.ts';
import { measureOnClone } from '../../src/migrations/clone.ts';
import { blockedStatements, conflictsWith } from '../../src/migrations/locks.ts';
import { parseMigration } from '../../src/migrations/statements.ts';

const SETUP = `
create table customers (id bigint primary key, email text);
create table orders (id bigint primary key, customer_id bigint, qty int, code varchar(10), note text);
insert into customers select g, 'c' || g from generate_series(1, 100) g;
insert into orders select g, 1 + g % 100, g % 7, 'x', 'n' from generate_series(1, 2000) g;`;

const MIGRATION = `alter table orders add column flag boolean;
alter table orders add column ref float8 default random();
alter table orders alter column qty type bigint;
alter table orders alter column code type text;
create index orders_customer on orders (customer_id);
create index concurrently orders_note on orders (note);
alter table orders add constraint orders_customer_fk foreign key (customer_id) references customers (id);
vacuum full customers;
create table audit (id bigint);
alter table orders add column broken int check (broken > 0) default -1;
select 1;`;

async function setup(db: Engine) {
  await db.run('drop schema public cascade');
  await db.run('create schema public');
  for (const s of await parseMigration(SETUP)) {
    const r = await db.run(s.text);
    if (!r.ok) throw new Error(r.error.message);
  }
}

function checkMeasurement(st: MeasuredStatement[]) {
  const [addCol, volatile, toBigint, toText, index, concurrent, fk, vacuum, create, broken] = st;
  const lock = (s: MeasuredStatement, rel: string) => s.locks.find((l) => l.relation === rel)?.mode;
  expect(lock(addCol, 'orders')).toBe('AccessExclusiveLock');
  expect(addCol.rewritten).toEqual([]);
  expect(addCol.strongest?.summary).toBe('blocks every read and write of the table');
  expect(volatile.rewritten).toContain('orders');
  expect(toBigint.rewritten).toContain('orders');
  expect(toBigint.rewritten).toContain('orders_pkey');
  // varchar(10) → text is binary-coercible: no rewrite.
  expect(toText.rewritten).toEqual([]);
  expect(lock(index, 'orders')).toBe('ShareLock');
  expect(index.locks.find((l) => l.relation === 'orders_customer')?.existing).toBe(false);
  expect(index.strongest?.blocks).toContain('INSERT, UPDATE, DELETE, MERGE');
  expect(index.strongest?.blocks).not.toContain('SELECT');
  expect(concurrent.outsideTransaction).toBe(true);
  expect(concurrent.locks).toEqual([{ relation: 'orders', kind: 'r', mode: 'ShareUpdateExclusiveLock', existing: true, observed: false }]);
  expect(lock(fk, 'orders')).toBe('ShareRowExclusiveLock');
  expect(lock(fk, 'customers')).toBe('ShareRowExclusiveLock');
  expect(vacuum.outsideTransaction).toBe(true);
  expect(lock(vacuum, 'customers')).toBe('AccessExclusiveLock');
  expect(create.locks.every((l) => !l.existing)).toBe(true);
  expect(create.strongest).toBeUndefined();
  expect(broken.ok).toBe(false);
  expect(broken.error).toMatch(/check constraint/);
}

describe('lock conflict table', () => {
  it('follows the manual', () => {
    expect(conflictsWith('AccessShareLock')).toEqual(['AccessExclusiveLock']);
    expect(conflictsWith('ShareUpdateExclusiveLock')).toContain('ShareUpdateExclusiveLock');
    expect(conflictsWith('ShareLock')).not.toContain('ShareLock');
    expect(blockedStatements('AccessExclusiveLock')).toContain('SELECT');
  });
});

describe('measure on a PGlite clone', () => {
  let db: LocalEngine;
  beforeAll(async () => {
    db = await localEngine();
    await setup(db);
  });

  it('reports locks from pg_locks, rewrites from relfilenode, and stops at the failing statement; the original is untouched', async () => {
    const m = await measureOnClone(db.db, MIGRATION);
    expect(m.failed).toBe(true);
    expect(m.statements).toHaveLength(10);
    checkMeasurement(m.statements);
    const text = measurementText(m);
    expect(text).toContain('ShareLock');
    expect(text).toMatch(/rewrote orders/);
    expect(text).toContain('FAILED');
    const cols = await db.query<{ n: string }>("select count(*)::text as n from pg_attribute where attrelid = 'orders'::regclass and attnum > 0 and not attisdropped");
    expect(cols.rows[0].n).toBe('5');
  });

  it('a SET LOCAL inside the script\'s BEGIN … COMMIT holds for the block, not for one statement; outside a block it holds for nothing; the rows each statement writes are counted', async () => {
    const m = await measureOnClone(db.db, `begin;\nset local lock_timeout = '5s';\nalter table orders add column a int;\nupdate orders set a = 1 where id <= 10;\ncommit;\nalter table orders add column b int;\nset local lock_timeout = '2s';\nalter table orders add column c int;`);
    expect(m.failed).toBe(false);
    const at = (line: number) => m.statements.find((s) => s.line === line)!;
    expect(at(3).lockTimeoutMs).toBe(5000);
    expect(at(4).lockTimeoutMs).toBe(5000);
    expect(at(4).rowsWritten).toEqual({ orders: 10 });
    expect(at(3).rowsWritten).toEqual({});
    expect(at(6).lockTimeoutMs).toBe(0);
    expect(at(8).lockTimeoutMs).toBe(0);
  });
});

describe('measure in a rolled-back transaction on the database itself (the page)', () => {
  it('reports the locks each statement adds, the rewrites, skips what cannot run in a transaction, and leaves nothing behind', async () => {
    const db = await localEngine();
    await setup(db);
    const m = await measureRolledBack(db, MIGRATION);
    const [addCol, volatile, , toText, index, concurrent] = m.statements;
    expect(addCol.locks.find((l) => l.relation === 'orders')?.mode).toBe('AccessExclusiveLock');
    expect(volatile.rewritten).toContain('orders');
    expect(toText.rewritten).toEqual([]);
    // The transaction already holds ACCESS EXCLUSIVE on orders: the index adds nothing new there.
    expect(index.locks.find((l) => l.relation === 'orders')).toBeUndefined();
    expect(index.locks.find((l) => l.relation === 'orders_customer')?.existing).toBe(false);
    const alone = await measureRolledBack(db, 'create index orders_qty on orders (qty);');
    expect(alone.statements[0].locks.find((l) => l.relation === 'orders')?.mode).toBe('ShareLock');
    expect(concurrent.outsideTransaction).toBe(true);
    expect(concurrent.error).toMatch(/^not run: CREATE INDEX CONCURRENTLY/);
    expect(concurrent.locks[0]).toMatchObject({ relation: 'orders', mode: 'ShareUpdateExclusiveLock', observed: false });
    expect(m.failed).toBe(true);
    expect(m.statements.at(-1)!.error).toMatch(/check constraint/);
    const cols = await db.query<{ n: string }>("select count(*)::text as n from pg_attribute where attrelid = 'orders'::regclass and attnum > 0 and not attisdropped");
    expect(cols.rows[0].n).toBe('5');
    expect((await db.run('select 1')).inTransaction).toBe(false);
  });
});

describe('measure on the native PostgreSQL 18', () => {
  let server: NativePg;
  let conn: PgQueryable;
  beforeAll(async () => {
    server = await startNativePg();
    conn = await PgQueryable.connect(server.url);
    await setup(conn);
  });
  afterAll(async () => {
    await conn?.close();
    await server?.stop();
  });

  it('reports the same locks and rewrites', async () => {
    const m = await measureMigration(conn, MIGRATION);
    checkMeasurement(m.statements);
  });
});
