// Autogenerate towards another workspace: its schema is read from a copy (in the browser a
// read-only load of its IndexedDB store; here PGlite's clone(), the same bytes), the diff
// turns this database into it, and the other database is left exactly as it was.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { localEngine } from '../support/pglite.ts';
import { LocalEngine } from '../../src/db/local-engine.ts';
import { canonicalModel, inspectSchema } from '../../src/migrations/diff/index.ts';
import { proposeMigration } from '../../src/migrations/diff/propose.ts';
import { schemaOfStoredWorkspace, StoredCopyError, type StoredCopyDeps } from '../../src/migrations/stored-copy.ts';
import { Migrator } from '../../src/migrations/runner.ts';
import { makeRevision } from '../../src/migrations/revision.ts';

let here: LocalEngine;
let other: LocalEngine;

beforeAll(async () => {
  [here, other] = await Promise.all([localEngine(), localEngine()]);
  await here.db.exec(`create table wt_customer (id bigint primary key, name text);`);
  await other.db.exec(`create extension citext;
    create table wt_customer (id bigint primary key, name text not null, email citext);
    create table wt_invoice (id bigint primary key, customer_id bigint not null references wt_customer (id), total numeric(12,2));
    create index wt_invoice_customer on wt_invoice (customer_id);
    insert into wt_customer values (1, 'Ada', 'ada@example.org');`);
}, 60_000);
afterAll(async () => {
  await Promise.all([here?.db.close(), other?.db.close()]);
});

/** The other workspace's store as the worker sees it, with every copy opened and closed recorded. */
function deps(saved: string[]): StoredCopyDeps & { opened: string[][]; open: number } {
  const d = {
    opened: [] as string[][],
    open: 0,
    savedStores: async () => saved,
    async openCopy(_store: string, extensions: string[]) {
      d.opened.push(extensions);
      d.open++;
      return (await other.db.clone()) as PGlite;
    },
    async closeCopy(db: PGlite) {
      d.open--;
      await db.close();
    },
    engineOf: (db: PGlite) => new LocalEngine(db),
    shipped: ['citext', 'hstore', 'pg_stat_statements'],
  };
  return d;
}

describe('autogenerate towards another workspace', () => {
  it('proposes what only the other has, the upgrade makes the catalogs equal, the downgrade restores, the other is unchanged', async () => {
    const otherBefore = canonicalModel(await inspectSchema(other));
    const original = canonicalModel(await inspectSchema(here));
    const d = deps(['pglab-ws-here', 'pglab-ws-other']);
    const target = await schemaOfStoredWorkspace('pglab-ws-other', 'pglab-ws-here', ['pg_stat_statements'], d);
    expect(d.open).toBe(0); // every copy is closed
    // citext is installed there but was not in the list: the copy is opened again with its files.
    expect(d.opened).toEqual([['pg_stat_statements'], ['pg_stat_statements', 'citext']]);

    const proposed = await proposeMigration(await inspectSchema(here), target);
    expect(proposed.upgrade).toMatch(/CREATE TABLE public\.wt_invoice/i);
    expect(proposed.upgrade).toMatch(/CREATE EXTENSION[^;]*citext/i);
    // The lint of the upgrade is part of what is shown: a plain CREATE INDEX on a table it creates is fine, SET NOT NULL is not.
    expect(proposed.findings.map((f) => f.check)).toContain('set_not_null');

    const r = makeRevision({ message: 'towards other', downRevision: [], upgrade: proposed.upgrade, downgrade: proposed.downgrade });
    const m = new Migrator(here, [r]);
    await m.upgrade('head');
    const after = canonicalModel(await inspectSchema(here, { excludeTables: ['alembic_version'] }));
    expect(after).toEqual(canonicalModel(target));
    await m.downgrade('base');
    expect(canonicalModel(await inspectSchema(here, { excludeTables: ['alembic_version'] }))).toEqual(original);

    // The other database: same catalog, same rows, no version table.
    expect(canonicalModel(await inspectSchema(other))).toEqual(otherBefore);
    expect((await other.query<{ n: number }>('select count(*)::int as n from wt_customer')).rows[0].n).toBe(1);
    expect((await other.query<{ t: string | null }>(`select to_regclass('alembic_version')::text as t`)).rows[0].t).toBeNull();
  }, 60_000);

  it('refuses the open workspace and a workspace never saved, before opening anything', async () => {
    const d = deps(['pglab-ws-here']);
    await expect(schemaOfStoredWorkspace('pglab-ws-here', 'pglab-ws-here', [], d)).rejects.toThrow(StoredCopyError);
    await expect(schemaOfStoredWorkspace('pglab-ws-new', 'pglab-ws-here', [], d)).rejects.toThrow(/no saved database yet/);
    expect(d.opened).toEqual([]);
  });
});
