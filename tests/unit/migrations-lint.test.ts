// The migration safety lint: every rule with a bad and a good example, decided on the parse
// tree; and every fix it prints runs on a real PGlite and no longer trips that rule.
import { describe, it, expect, beforeAll } from 'vitest';
import { localEngine } from '../support/pglite.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { RULES, lintMigration, lockTimeoutMs } from '../../src/migrations/lint/index.ts';
import { CASES, checkCase, checksOf } from './migrations-lint-cases.ts';

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

describe('statement_timeout', () => {
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
});
