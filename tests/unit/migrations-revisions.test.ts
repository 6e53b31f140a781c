// Revisions, the graph and the runner: on a real PGlite and on the native PostgreSQL 18.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { localEngine } from '../support/pglite.ts';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';
import type { Engine } from '../../src/db/types.ts';
import { RevisionGraph, history } from '../../src/migrations/graph.ts';
import { makeRevision, revisionsFromJson, revisionsToJson, RevisionError, type Revision } from '../../src/migrations/revision.ts';
import { MigrationError, Migrator } from '../../src/migrations/runner.ts';
import { parseMigration } from '../../src/migrations/statements.ts';

const at = '2026-12-01T10:00:00.000Z';
const rev = (id: string, down: string[], upgrade: string, downgrade: string, message = id): Revision =>
  makeRevision({ id, downRevision: down, message, upgrade, downgrade, createdAt: at });

/** a → b → (c | d) → m (merge) */
const CHAIN = [
  rev('a1a1a1a1a1a1', [], 'create table customers (id bigint generated always as identity primary key, name text not null);', 'drop table customers;', 'customers'),
  rev('b2b2b2b2b2b2', ['a1a1a1a1a1a1'], 'alter table customers add column email text;', 'alter table customers drop column email;', 'email'),
  rev('c3c3c3c3c3c3', ['b2b2b2b2b2b2'], 'create table orders (id bigint primary key, customer_id bigint references customers);', 'drop table orders;', 'orders'),
  rev('d4d4d4d4d4d4', ['b2b2b2b2b2b2'], "create type status as enum ('new', 'done');", 'drop type status;', 'status enum'),
];
/** The MigrationError a run ends with (the test fails if it ends in anything else, or succeeds). */
async function migrationFailure(run: Promise<unknown>): Promise<MigrationError> {
  const err = await run.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MigrationError);
  return err as MigrationError;
}

const MERGE = rev('e5e5e5e5e5e5', ['c3c3c3c3c3c3', 'd4d4d4d4d4d4'], '', '', 'merge');

describe('revision graph', () => {
  it('finds heads, bases, branch points and merge points', () => {
    const g = new RevisionGraph(CHAIN);
    expect(g.heads()).toEqual(['c3c3c3c3c3c3', 'd4d4d4d4d4d4']);
    expect(g.bases()).toEqual(['a1a1a1a1a1a1']);
    expect(g.branchPoints()).toEqual(['b2b2b2b2b2b2']);
    expect(() => g.singleHead()).toThrow(/2 heads \(c3c3c3c3c3c3, d4d4d4d4d4d4\).*merge/);
    const m = new RevisionGraph([...CHAIN, MERGE]);
    expect(m.heads()).toEqual(['e5e5e5e5e5e5']);
    expect(m.mergePoints()).toEqual(['e5e5e5e5e5e5']);
    expect(history(m, ['b2b2b2b2b2b2'])[0]).toBe('c3c3c3c3c3c3, d4d4d4d4d4d4 -> e5e5e5e5e5e5 (head) (mergepoint), merge');
    expect(history(m, ['b2b2b2b2b2b2'])).toContain('a1a1a1a1a1a1 -> b2b2b2b2b2b2 (branchpoint) (current), email');
  });

  it('refuses cycles, missing parents and duplicates, naming them', () => {
    expect(() => new RevisionGraph([rev('x1', ['y1'], '', ''), rev('y1', ['x1'], '', '')])).toThrow(/cycle: (x1 → y1 → x1|y1 → x1 → y1)/);
    expect(() => new RevisionGraph([rev('x1', ['nope'], '', '', 'first')])).toThrow('revision x1 ("first") follows nope, which does not exist');
    expect(() => new RevisionGraph([rev('x1', [], '', ''), rev('x1', [], '', '')])).toThrow('two revisions have the id x1');
    expect(() => rev('bad id', [], '', '')).toThrow(/not valid/);
    expect(() => rev('x1', ['x1'], '', '')).toThrow(/itself/);
  });

  it('resolves ids by unique prefix and refuses ambiguous ones', () => {
    const g = new RevisionGraph([rev('abc111', [], '', ''), rev('abd222', ['abc111'], '', '')]);
    expect(g.resolveId('abc')).toBe('abc111');
    expect(() => g.resolveId('ab')).toThrow(/'ab' is ambiguous/);
    expect(() => g.resolveId('zz')).toThrow(/no revision matches 'zz'/);
  });

  it('round-trips through the workspace JSON and refuses bad files', () => {
    expect(revisionsFromJson(revisionsToJson(CHAIN))).toEqual(CHAIN);
    expect(() => revisionsFromJson('{')).toThrow(/not JSON/);
    expect(() => revisionsFromJson('{"revisions":[{"id":"a"}]}')).toThrow(/"downRevision"|"message"/);
  });
});

describe('autocommit detection on the parse tree', () => {
  it('marks the statements that cannot run in a transaction block', async () => {
    const s = await parseMigration(`
      create index concurrently i1 on t (a);
      create index i2 on t (b);
      vacuum t;
      analyze t;
      alter type mood add value 'meh';
      update t set m = 'meh';
      alter type mood add value 'unused';
      -- a comment saying create index concurrently is not a statement
      select 'vacuum';`);
    expect(s.map((x) => x.autocommit ?? null)).toEqual([
      'CREATE INDEX CONCURRENTLY', null, 'VACUUM', null,
      "enum value 'meh' added and used (statement 6) in the same revision", null, null, null,
    ]);
  });
});

function describeRunner(label: string, open: () => Promise<Engine>) {
  describe(`runner on ${label}`, () => {
    let db: Engine;
    beforeAll(async () => {
      db = await open();
    });
    const tables = async () =>
      (await db.query<{ t: string }>("select relname as t from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1")).rows.map((r) => r.t);
    const reset = async () => {
      await db.run('drop schema public cascade');
      await db.run('create schema public');
    };

    it('upgrades to a head, keeps alembic_version as Alembic does, and downgrades step by step', async () => {
      await reset();
      const m = new Migrator(db, CHAIN);
      expect(await m.current()).toEqual([]);
      await expect(m.upgrade('head')).rejects.toThrow(/2 heads/);
      expect(await tables()).toEqual([]);
      const steps = await m.upgrade('c3c3');
      expect(steps.map((s) => s.revision)).toEqual(['a1a1a1a1a1a1', 'b2b2b2b2b2b2', 'c3c3c3c3c3c3']);
      expect(await m.current()).toEqual(['c3c3c3c3c3c3']);
      expect(await tables()).toEqual(['alembic_version', 'customers', 'orders']);
      const cols = await db.query<{ c: string; t: string; n: boolean }>(
        "select attname as c, format_type(atttypid, atttypmod) as t, attnotnull as n from pg_attribute where attrelid = 'alembic_version'::regclass and attnum > 0 and not attisdropped",
      );
      expect(cols.rows).toEqual([{ c: 'version_num', t: 'character varying(32)', n: true }]);
      expect((await db.query<{ n: string }>("select conname as n from pg_constraint where conrelid = 'alembic_version'::regclass and contype = 'p'")).rows).toEqual([{ n: 'alembic_version_pkc' }]);

      // The other branch: two rows, one per head.
      await m.upgrade('heads');
      expect(await m.current()).toEqual(['c3c3c3c3c3c3', 'd4d4d4d4d4d4']);
      await expect(m.downgrade('-1')).rejects.toThrow(/ambiguous.*2 heads/);
      await m.downgrade('b2b2b2b2b2b2');
      expect(await m.current()).toEqual(['b2b2b2b2b2b2']);
      expect(await tables()).toEqual(['alembic_version', 'customers']);
      // +1 from a branch point is ambiguous; -1 and +1 on a line are not.
      await expect(m.upgrade('+1')).rejects.toThrow(/ambiguous.*c3c3c3c3c3c3 and d4d4d4d4d4d4/);
      await m.downgrade('-1');
      expect(await m.current()).toEqual(['a1a1a1a1a1a1']);
      await m.upgrade('+1');
      expect(await m.current()).toEqual(['b2b2b2b2b2b2']);
      await m.downgrade('base');
      expect(await m.current()).toEqual([]);
      expect(await tables()).toEqual(['alembic_version']);
      await expect(m.downgrade('-1')).rejects.toThrow(/only 0 revisions applied/);
      await expect(m.upgrade('+5')).rejects.toThrow(/\+5 is ambiguous/);
      await expect(new Migrator(db, CHAIN.slice(0, 3)).upgrade('+5')).rejects.toThrow('cannot upgrade +5: only 3 revisions left to apply');
      expect(await m.current()).toEqual([]);
    });

    it('merges two heads into one row', async () => {
      await reset();
      const m = new Migrator(db, [...CHAIN, MERGE]);
      await m.upgrade('head');
      expect(await m.current()).toEqual(['e5e5e5e5e5e5']);
      await m.downgrade('-1');
      expect(await m.current()).toEqual(['c3c3c3c3c3c3', 'd4d4d4d4d4d4']);
      await m.downgrade('c3c3c3c3c3c3');
      // Downgrading to c keeps c's branch and everything it follows; d is not its descendant.
      expect(await m.current()).toEqual(['c3c3c3c3c3c3', 'd4d4d4d4d4d4']);
      await m.downgrade('b2');
      expect(await m.current()).toEqual(['b2b2b2b2b2b2']);
      await m.stamp('heads');
      expect(await m.current()).toEqual(['e5e5e5e5e5e5']);
      await m.stamp('base');
      expect(await m.current()).toEqual([]);
    });

    it('a failing statement rolls back its revision and names revision and statement', async () => {
      await reset();
      const broken = rev('f6f6f6f6f6f6', ['a1a1a1a1a1a1'], "create table audit (id int);\ninsert into audit values (1);\ninsert into audit values ('one');", 'drop table audit;', 'audit');
      const m = new Migrator(db, [CHAIN[0], broken]);
      const err = await migrationFailure(m.upgrade('head'));
      expect(err.revision).toBe('f6f6f6f6f6f6');
      expect(err.statementIndex).toBe(2);
      expect(err.message).toMatch(/upgrade of revision f6f6f6f6f6f6 \("audit"\) failed at statement 3 \(line 3\): invalid input syntax for type integer: \"one\"\. Its transaction was rolled back; the version table is unchanged/);
      expect(err.completed.map((s) => s.revision)).toEqual(['a1a1a1a1a1a1']);
      expect(await m.current()).toEqual(['a1a1a1a1a1a1']);
      expect(await tables()).toEqual(['alembic_version', 'customers']);
      const open = await db.run('select 1');
      expect(open.inTransaction).toBe(false);
    });

    it('runs CREATE INDEX CONCURRENTLY and an enum value added and used outside a transaction, and says so', async () => {
      await reset();
      const idx = rev('g7g7g7g7g7g7', ['a1a1a1a1a1a1'], "create index concurrently customers_name on customers (name);\ncreate type mood as enum ('ok');\nalter type mood add value 'meh';\ncreate table moods (m mood default 'meh');", "drop table moods;\ndrop type mood;\ndrop index concurrently customers_name;", 'index');
      const m = new Migrator(db, [CHAIN[0], idx]);
      const steps = await m.upgrade('head');
      expect(steps[1].autocommit).toEqual(['CREATE INDEX CONCURRENTLY', "enum value 'meh' added and used (statement 4) in the same revision"]);
      expect((await db.query<{ v: boolean }>("select indisvalid as v from pg_index where indexrelid = 'customers_name'::regclass")).rows[0].v).toBe(true);
      expect(await m.current()).toEqual(['g7g7g7g7g7g7']);
      const down = await m.downgrade('-1');
      expect(down[0].autocommit).toEqual(['DROP INDEX CONCURRENTLY']);
      expect(await tables()).toEqual(['alembic_version', 'customers']);
    });

    it('a failing downgrade rolls back its revision: the version table and the schema stay as they were', async () => {
      await reset();
      // The downgrade drops the table, then fails on a column that was never there.
      const bad = rev('k1k1k1k1k1k1', ['a1a1a1a1a1a1'], 'create table notes (id int primary key, body text);', 'drop table notes;\nalter table customers drop column nickname;', 'notes');
      const m = new Migrator(db, [CHAIN[0], bad]);
      await m.upgrade('head');
      const err = await migrationFailure(m.downgrade('base'));
      expect(err.direction).toBe('downgrade');
      expect(err.message).toMatch(/^downgrade of revision k1k1k1k1k1k1 \("notes"\) failed at statement 2 \(line 2\): column "nickname" of relation "customers" does not exist\. Its transaction was rolled back; the version table is unchanged\.$/);
      expect(err.completed).toEqual([]);
      expect(await m.current()).toEqual(['k1k1k1k1k1k1']);
      expect(await tables()).toEqual(['alembic_version', 'customers', 'notes']);
      expect((await db.run('select 1')).inTransaction).toBe(false);
    });

    it('a failure after a statement that ran outside a transaction says what stays applied, and the version is not advanced', async () => {
      await reset();
      const partly = rev('l2l2l2l2l2l2', ['a1a1a1a1a1a1'], 'create table tags (id int);\ncreate index concurrently customers_name_idx on customers (name);\ninsert into tags values (\'x\');', 'drop table tags;', 'tags');
      const m = new Migrator(db, [CHAIN[0], partly]);
      const err = await migrationFailure(m.upgrade('head'));
      expect(err.committedOutside).toBe(2);
      expect(err.message).toMatch(/failed at statement 3 \(line 3\): invalid input syntax for type integer: "x"\. 2 earlier statements of this revision ran outside a transaction and stay applied; the version table still records the revision before it\.$/);
      expect(await m.current()).toEqual(['a1a1a1a1a1a1']);
      // What ran before the failure is there (it could not be rolled back), and said to be.
      expect(await tables()).toEqual(['alembic_version', 'customers', 'tags']);
      expect((await db.query<{ v: boolean }>("select indisvalid as v from pg_index where indexrelid = 'customers_name_idx'::regclass")).rows[0].v).toBe(true);
      expect((await db.run('select 1')).inTransaction).toBe(false);
    });

    it('refuses, changing nothing: an empty downgrade, transaction control, a syntax error', async () => {
      await reset();
      const noDown = rev('h8h8h8h8h8h8', ['a1a1a1a1a1a1'], 'create table t1 (a int);', '-- nothing', 'no down');
      const m = new Migrator(db, [CHAIN[0], noDown]);
      await m.upgrade('head');
      await expect(m.downgrade('base')).rejects.toThrow('revision h8h8h8h8h8h8 ("no down") has no downgrade SQL but its upgrade changes the database');
      expect(await m.current()).toEqual(['h8h8h8h8h8h8']);
      expect(await tables()).toEqual(['alembic_version', 'customers', 't1']);

      const tx = new Migrator(db, [CHAIN[0], rev('i9i9i9i9i9i9', ['a1a1a1a1a1a1'], 'create table t2 (a int);\ncommit;', 'drop table t2;')]);
      await m.stamp('a1');
      await db.run('drop table t1');
      await expect(tx.upgrade('head')).rejects.toThrow(/line 2: COMMIT — transaction control is not allowed/);
      const syntax = new Migrator(db, [CHAIN[0], rev('j0j0j0j0j0j0', ['a1a1a1a1a1a1'], 'create table t3 (a int);\ncreate tabel t4 (b int);', 'drop table t3;')]);
      await expect(syntax.upgrade('head')).rejects.toThrow(/j0j0j0j0j0j0.*line 2: syntax error at or near "tabel"/);
      expect(await tables()).toEqual(['alembic_version', 'customers']);
      expect(await m.current()).toEqual(['a1a1a1a1a1a1']);
      await expect(m.upgrade('zzz')).rejects.toThrow(RevisionError);
    });
  });
}

describeRunner('PGlite', () => localEngine());

let server: NativePg | undefined;
let conn: PgQueryable | undefined;
afterAll(async () => {
  await conn?.close();
  await server?.stop();
});
describeRunner('native PostgreSQL 18', async () => {
  server = await startNativePg();
  conn = await PgQueryable.connect(server.url);
  return conn;
});
