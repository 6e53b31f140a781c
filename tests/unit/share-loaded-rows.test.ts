// Rows a playground script does not make (loaded by \copy from a file, as the page does it) are
// carried in the share pack while they fit, and named when they do not: packed on one real
// PGlite, decoded from the link text, replayed on another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { createEngine } from '../../src/db/engine.ts';
import { LocalEngine } from '../../src/db/local-engine.ts';
import { Session } from '../../src/db/session.ts';
import { packFromScript } from '../../src/share/from-script.ts';
import { decodePack, sharePack } from '../../src/share/codec.ts';
import { replayPack } from '../../src/share/replay.ts';
import { loadedRows, scriptEffects } from '../../src/share/loaded-rows.ts';

let sender: PGlite;
let receiver: PGlite;
let engine: LocalEngine;

const SCRIPT = `create table customers (id int generated always as identity primary key, region text not null, tags text[], doc jsonb, raw bytea, since date);
\\copy customers (region, tags, doc, raw, since) from 'customers.csv' csv
create table orders (id int primary key, customer int not null references customers, total numeric(10,2));
insert into orders select g, 1 + g % 400, g % 97 from generate_series(1, 5000) g;
create table parts (id int, region text) partition by list (region);
create table parts_eu partition of parts for values in ('eu');
create table parts_us partition of parts for values in ('us');
insert into parts select g, case when g % 2 = 0 then 'eu' else 'us' end from generate_series(1, 100) g;
create index on orders (customer);
analyze;
select c.region, count(*) from customers c join orders o on o.customer = c.id join parts p on p.region = c.region where c.region = 'eu' group by 1;`;

// 400 customers; a few values that only survive a faithful round trip.
const CSV = Array.from({ length: 400 }, (_, i) => {
  const region = i % 40 === 0 ? 'north' : i % 2 ? 'eu' : 'us';
  const tags = i === 1 ? '"{""a b"",NULL,""q\\""""}"' : '{x}';
  const doc = i === 2 ? '"{""k"": [1, null, ""é""]}"' : '';
  const raw = i === 3 ? '\\x00ff5c' : '';
  return `${region},${tags},${doc},${raw},${i === 4 ? '' : '2026-01-02'}`;
}).join('\n') + '\n';

beforeAll(async () => {
  [sender, receiver] = await Promise.all([createEngine(), createEngine()]);
  engine = new LocalEngine(sender);
  const session = new Session(engine);
  // As a user runs it: up to the \copy, the file chosen, then the rest (orders need the customers).
  const cut = SCRIPT.indexOf('create table orders');
  const report = await session.run(SCRIPT.slice(0, cut), { stopOnError: true });
  const request = report.results.flatMap((r) => r.psql ?? []).find((o) => o.kind === 'file-request');
  expect(request?.kind === 'file-request' && request.file).toBe('customers.csv');
  const loaded = await session.copyFromFile((request as { sql: string }).sql, CSV);
  expect(loaded.error).toBeUndefined();
  const rest = await session.run(SCRIPT.slice(cut, SCRIPT.lastIndexOf('select c.region')), { stopOnError: true });
  expect(rest.results.map((r) => r.error?.message).filter(Boolean)).toEqual([]);
  // A table made outside the script (an earlier run, an imported dump): the query below reads it too.
  await sender.exec(`create table outside (id int); insert into outside values (1), (2)`);
}, 60_000);

afterAll(async () => {
  await sender?.close();
  await receiver?.close();
});

const fingerprint = async (db: PGlite) => (await db.query<{ n: number; h: string }>(
  `select count(*)::int as n, md5(string_agg(c::text, '|' order by id)) as h from customers c`)).rows[0];

describe('rows the script does not make', () => {
  it('reads what a script creates and fills from PostgreSQL\'s parser', async () => {
    const e = await scriptEffects(`create table a (x int); insert into a values (1); create table b as select 1 as y; create table c as select 1 with no data;
      select 2 as z into d; copy a from stdin;\n1\n\\.\nmerge into b using a on true when not matched then insert values (1); copy a from '/tmp/f';
      \\copy a from 'x.csv'`);
    expect(e.created.map((n) => n.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(e.written.map((n) => n.name)).toEqual(['a', 'b', 'd', 'a', 'b']);
    expect(e.opaque).toBe(false);
    expect((await scriptEffects('do $$ begin insert into a values (2); end $$;')).opaque).toBe(true);
  });

  it('carries \\copy-loaded rows into the pack, and the receiver gets the same rows and plan', async () => {
    const pack = await packFromScript(engine, SCRIPT, SCRIPT.indexOf("where c.region = 'eu'"));
    expect(pack.notes).toContain("Rows the script does not make, carried from the sender's database: public.customers (400 rows).");
    // orders and parts are filled by the script itself: not carried again.
    expect(pack.setup).toContain('insert into public.customers ("id", "region", "tags", "doc", "raw", "since") overriding system value values');
    expect(pack.setup).not.toMatch(/insert into public\.(orders|parts)/);
    expect(pack.setup).toContain('analyze public.customers;');
    // Where the sender loaded them: after the \copy, before the orders that reference them.
    expect(pack.setup.indexOf("from 'customers.csv' csv")).toBeLessThan(pack.setup.indexOf('insert into public.customers'));
    expect(pack.setup.indexOf('insert into public.customers')).toBeLessThan(pack.setup.indexOf('create table orders'));
    const back = decodePack(sharePack(pack).fileText);
    const result = await replayPack(receiver, back);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(await fingerprint(receiver)).toEqual(await fingerprint(sender));
    expect((await receiver.query<{ n: number }>('select count(*)::int as n from orders')).rows[0].n).toBe(5000);
    expect(result.comparison?.sameShape).toBe(true);
  });

  it('names the tables whose rows do not fit the budget, and the ones the script does not create', async () => {
    const setup = SCRIPT.slice(0, SCRIPT.lastIndexOf('select c.region'));
    const r = await loadedRows(engine, setup, 'select * from customers join outside on outside.id = customers.id', 1000);
    expect(r.carried).toEqual([]);
    expect(r.carried).toEqual([]);
    expect(r.left.map((t) => [t.table, t.rows])).toEqual([['public.customers', 400]]);
    expect(r.notes).toContainEqual(expect.stringMatching(/^Rows not carried \(over the 0\.0 MB a pack carries for them\): public\.customers \(400 rows, \d+\.\d MB as SQL\)\. The sender's script does not make them, so the receiver's table is empty/));
    expect(r.notCreated).toEqual(['public.outside']);
    expect(r.notes).toContain("The script does not create public.outside, which the query reads: the receiver's EXPLAIN fails unless the script that creates it comes before the query.");
  });

  it('carries nothing and says so when the script runs DO, which may fill tables unseen', async () => {
    const r = await loadedRows(engine, 'create table customers (id int);\ndo $$ begin perform 1; end $$;', 'select * from customers');
    expect(r.carried).toEqual([]);
    expect(r.notes).toEqual(['The script runs DO or CALL, which may fill tables: no rows were carried, and the receiver gets only what the script makes.']);
  });

  it('says nothing for a script that makes all its rows', async () => {
    const r = await loadedRows(engine, 'create table orders (id int);\ninsert into orders select 1;', 'select * from orders');
    expect(r).toMatchObject({ setup: 'create table orders (id int);\ninsert into orders select 1;', carried: [], left: [], notCreated: [], notes: [] });
  });
});
