// The intact check sees an enum's values change: renaming a value changes what every stored row
// means though no row is written, and the change is said once per type, under its own key.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { localEngine } from '../support/pglite.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { changes, fingerprint, forbiddenChanges } from '../../src/lessons/intact.ts';

let db: LocalEngine;
beforeAll(async () => {
  db = await localEngine();
  await db.run(`create type order_status as enum ('pending', 'paid', 'shipped');
    create table orders (id int primary key, status order_status not null);
    create table returns (id int primary key, was order_status);
    insert into orders values (1, 'paid'), (2, 'shipped');`);
}, 60_000);
afterAll(async () => { await db?.db.close(); });

describe('the intact check and enum values', () => {
  it('a renamed value is one change of the type, whatever columns use it', async () => {
    const before = await fingerprint(db);
    await db.run(`alter type order_status rename value 'shipped' to 'sent'`);
    const after = await fingerprint(db);
    const found = changes(before, after, {}, {});
    expect(found).toEqual([{ key: 'enum:order_status', message: "the values of the type order_status were ('pending', 'paid', 'shipped'), they are now ('pending', 'paid', 'sent')" }]);
    // A reference that renames a value allows enum changes of that type to the learner; one
    // that only adds a value does not allow a rename.
    expect(forbiddenChanges(found, [{ key: 'enum:order_status', message: '' }])).toEqual([]);
    expect(forbiddenChanges(found, [{ key: 'enum-add:order_status', message: '' }])).toHaveLength(1);
    expect(forbiddenChanges(found, [])).toHaveLength(1);
  });

  it('a value added is a change of its own kind, and a rename dressed up as an addition is not one', async () => {
    const before = await fingerprint(db);
    await db.run(`alter type order_status add value 'refunded' after 'paid'`);
    const added = changes(before, await fingerprint(db), {}, {});
    expect(added.map((c) => c.key)).toEqual(['enum-add:order_status']);
    expect(forbiddenChanges(added, [{ key: 'enum-add:order_status', message: '' }])).toEqual([]);
    expect(forbiddenChanges(added, [{ key: 'enum:order_status', message: '' }])).toEqual([]);
    // The old labels are all still there, in their order, as after an addition, but the rows
    // that were 'sent' now read 'returned': the label 'sent' is a new value.
    const before2 = await fingerprint(db);
    await db.run(`alter type order_status rename value 'sent' to 'returned'; alter type order_status add value 'sent'`);
    const trick = changes(before2, await fingerprint(db), {}, {});
    expect(trick.map((c) => c.key)).toEqual(['enum:order_status']);
    expect(forbiddenChanges(trick, [{ key: 'enum-add:order_status', message: '' }])).toHaveLength(1);
  });

  it('a column whose type changes is still a column change', async () => {
    const before = await fingerprint(db);
    await db.run('alter table returns alter column was type text');
    const found = changes(before, await fingerprint(db), {}, {});
    // The type change rewrote the table: the values are compared too (rewrite:, checker.ts).
    expect(found.map((c) => c.key)).toEqual(['column:returns', 'rewrite:returns']);
    expect(found[0].message).toBe('the column returns.was was order_status, it is now text');
  });
});
