// The migration lint on the native PostgreSQL 18: every rule's bad and good examples and fixes
// run there as on PGlite; and the locks the newer rules warn about, measured through pg_locks
// (src/migrations/measure.ts) on a PGlite copy and on the native server, agree with what the
// findings say.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { localEngine } from '../support/pglite.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';
import type { Engine } from '../../src/db/types.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { measureMigration, measureRolledBack, type Measurement, type MeasuredStatement } from '../../src/migrations/measure.ts';
import { lintMigration } from '../../src/migrations/lint/index.ts';
import { strongest } from '../../src/migrations/locks.ts';
import { CASES, checkCase, checkJsonEquality, resetSetup } from './migrations-lint-cases.ts';

const lockOn = (s: MeasuredStatement, relation: string) => s.locks.find((l) => l.relation === relation)?.mode;
// held lists every lock the transaction holds, several per relation: the strongest is what others wait for.
const heldOn = (s: MeasuredStatement, relation: string) => strongest(s.held.filter((l) => l.relation === relation).map((l) => l.mode));
const line = (m: Measurement, n: number) => m.statements.find((s) => s.line === n)!;

/** Each case is one migration, measured on a fresh set-up; what it shows is checked against the database's pg_locks. */
const LOCK_CASES: { check: string; sql: string; expect: (m: Measurement) => void }[] = [
  {
    check: 'truncate_cascade',
    sql: 'truncate customers cascade;',
    expect: (m) => {
      const [t] = m.statements;
      expect(t.ok).toBe(true);
      // CASCADE reaches invoices, which the statement never names: it is locked and emptied too.
      expect(lockOn(t, 'customers')).toBe('AccessExclusiveLock');
      expect(lockOn(t, 'invoices')).toBe('AccessExclusiveLock');
      expect(t.rewritten).toEqual(expect.arrayContaining(['customers', 'invoices']));
      expect(t.strongest?.summary).toBe('blocks every read and write of the table');
    },
  },
  {
    check: 'truncate_table',
    sql: 'truncate orders;\ndelete from orders where ctid = any (array(select ctid from orders limit 10000));',
    expect: (m) => {
      const [t, batch] = m.statements;
      expect(lockOn(t, 'orders')).toBe('AccessExclusiveLock');
      expect(t.rewritten).toContain('orders');
      // The fix's batched DELETE takes only ROW EXCLUSIVE: reads and other writes go on.
      expect(lockOn(batch, 'orders')).toBe('RowExclusiveLock');
    },
  },
  {
    check: 'drop_not_null',
    sql: 'alter table customers alter column name drop not null;',
    expect: (m) => {
      const [d] = m.statements;
      expect(lockOn(d, 'customers')).toBe('AccessExclusiveLock');
      // Only the catalog changes: no rewrite, no row read.
      expect(d.rewritten).toEqual([]);
      expect(d.rowsRead).toEqual({});
    },
  },
  {
    check: 'adding_exclusion_constraint',
    sql: 'alter table bookings add constraint bookings_no_overlap exclude using gist (during with &&);',
    expect: (m) => {
      const [x] = m.statements;
      expect(lockOn(x, 'bookings')).toBe('AccessExclusiveLock');
      expect(x.locks.find((l) => l.relation === 'bookings_no_overlap')?.existing).toBe(false);
      expect(x.strongest).toMatchObject({ relation: 'bookings', mode: 'AccessExclusiveLock' });
    },
  },
  {
    check: 'alter_domain_add_constraint',
    sql: 'alter domain positive_qty add constraint positive_qty_check check (value > 0);\nalter domain positive_qty drop constraint positive_qty_check;\nalter domain positive_qty add constraint positive_qty_check check (value > 0) not valid;\nalter domain positive_qty validate constraint positive_qty_check;\nalter table stock add constraint stock_qty_positive check (qty > 0) not valid;\nalter table stock validate constraint stock_qty_positive;',
    expect: (m) => {
      const [add, , notValid, validate, , tableValidate] = m.statements;
      expect(m.failed).toBe(false);
      // Validated at once: stock, the table using the domain, is read under SHARE (writes wait).
      expect(lockOn(add, 'stock')).toBe('ShareLock');
      expect(add.rowsRead.stock).toBe(30);
      // NOT VALID reads no table.
      expect(lockOn(notValid, 'stock')).toBeUndefined();
      expect(notValid.rowsRead).toEqual({});
      // VALIDATE reads the rows again, and (measured on PostgreSQL 18) under the same SHARE lock:
      // unlike a table's VALIDATE CONSTRAINT, it does not let writes go on.
      expect(validate.rowsRead.stock).toBe(30);
      expect(lockOn(validate, 'stock')).toBe('ShareLock');
      // The same check on the table's column validates under SHARE UPDATE EXCLUSIVE: reads and writes go on.
      expect(tableValidate.rowsRead.stock).toBe(30);
      expect(lockOn(tableValidate, 'stock')).toBe('ShareUpdateExclusiveLock');
    },
  },
  {
    check: 'backfill_with_schema_change',
    sql: "begin;\nalter table orders add column region text;\nupdate orders set region = 'eu';\ncommit;",
    expect: (m) => {
      const update = line(m, 3);
      // The UPDATE took only ROW EXCLUSIVE itself, but its transaction holds the ALTER's ACCESS EXCLUSIVE while it writes every row.
      expect(lockOn(update, 'orders')).toBe('RowExclusiveLock');
      expect(heldOn(update, 'orders')).toBe('AccessExclusiveLock');
      expect(update.rowsWritten).toEqual({ orders: 200 });
    },
  },
];

/** The lint flags what each lock case measures. */
async function lintFlags() {
  for (const c of LOCK_CASES) {
    const checks = (await lintMigration(c.sql)).findings.map((f) => f.check);
    expect(checks, c.sql).toContain(c.check);
  }
}

async function measureCases(db: Engine) {
  for (const c of LOCK_CASES) {
    await resetSetup(db);
    const m = await measureMigration(db, c.sql);
    expect(m.failed, `${c.check}: ${m.statements.find((s) => !s.ok)?.error}`).toBe(false);
    c.expect(m);
  }
  // As the page measures (one transaction, rolled back): the backfill's transaction holds the ALTER's lock too.
  await resetSetup(db);
  const page = await measureRolledBack(db, "alter table orders add column region text;\nupdate orders set region = 'eu';");
  expect(heldOn(page.statements[1], 'orders')).toBe('AccessExclusiveLock');
  expect(page.statements[1].rowsWritten).toEqual({ orders: 200 });
}

describe('lint findings measured on PGlite', () => {
  let db: LocalEngine;
  beforeAll(async () => {
    db = await localEngine();
  });

  it('the lint flags every measured case', lintFlags);

  it('takes the locks the findings describe (pg_locks), on a PGlite', async () => {
    await measureCases(db);
  });
});

describe('the migration lint on the native PostgreSQL 18', () => {
  let server: NativePg;
  let conn: PgQueryable;
  beforeAll(async () => {
    server = await startNativePg();
    conn = await PgQueryable.connect(server.url);
  });
  afterAll(async () => {
    await conn?.close();
    await server?.stop();
  });

  it('is PostgreSQL 18', () => {
    expect(server.version).toMatch(/^18\./);
  });

  for (const c of CASES) {
    it(`${c.check}: the bad and good examples and the fix run on native PostgreSQL`, async () => {
      await checkCase(conn, c);
    });
  }

  it('takes the locks the findings describe (pg_locks), on native PostgreSQL', async () => {
    await measureCases(conn);
  });

  it('json has no equality operator there either (json_column)', async () => {
    await checkJsonEquality(conn);
  });
});
