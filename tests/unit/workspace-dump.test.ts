import { describe, it, expect, afterAll } from 'vitest';
import { Session } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';
import { dumpSql, ROWS_PER_INSERT } from '../../src/workspaces/dump.ts';

// A workspace exported with pglite-tools' pg_dump and replayed by pglab's psql-style runner
// into a new database: the same rows, the same schema objects.
const source = await localEngine();
const target = await localEngine();
afterAll(async () => {
  await source.db.close().catch(() => {});
  await target.db.close().catch(() => {});
});

const fingerprint = async (engine: typeof source) => {
  const tables = await engine.query<{ t: string; n: number; h: string }>(`
    select 'shop.items' as t, count(*)::int as n, md5(coalesce(string_agg(i::text, '|' order by id), '')) as h from shop.items i
    union all select 'shop.orders', count(*)::int, md5(coalesce(string_agg(o::text, '|' order by id), '')) from shop.orders o`);
  const objects = await engine.query<{ o: string }>(`
    select c.relkind::text || ' ' || n.nspname || '.' || c.relname as o from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'shop' order by 1`);
  const seq = await engine.query<{ v: string }>(`select last_value::text as v from shop.orders_id_seq`);
  const view = await engine.query<{ n: number }>(`select count(*)::int as n from shop.big_orders`);
  const fn = await engine.query<{ v: string }>(`select shop.label(2) as v`);
  return { tables: tables.rows, objects: objects.rows.map((r) => r.o), seq: seq.rows[0].v, view: view.rows[0].n, fn: fn.rows[0].v };
};

describe('SQL dump of a workspace (pg_dump in WebAssembly)', () => {
  it('restores into a new database with identical data and schema', async () => {
    const setup = await new Session(source).run(`
      create schema shop;
      create table shop.items (id int primary key, name text not null, price numeric(8,2), tags text[], doc jsonb, raw bytea, at timestamptz);
      insert into shop.items values
        (1, 'plain', 1.50, '{a,b}', '{"k": [1, 2]}', '\\x00ff', '2026-01-02 03:04:05+00'),
        (2, E'tab\\there\\nnewline', 0, '{}', 'null', '', null),
        (3, 'quote '' and "double" é🐘', -3.25, '{"x y",NULL}', '{"s": "\\\\."}', '\\x5c2e', 'infinity');
      create table shop.orders (id serial primary key, item int references shop.items, qty int check (qty > 0));
      insert into shop.orders (item, qty) select 1 + g % 3, 1 + g % 7 from generate_series(1, 2000) g;
      create index orders_item_idx on shop.orders (item);
      create view shop.big_orders as select * from shop.orders where qty > 5;
      create function shop.label(i int) returns text language sql as $$ select name from shop.items where id = i $$;`);
    expect(setup.results.filter((r) => r.error)).toEqual([]);
    const before = await fingerprint(source);
    await source.query(`set search_path = shop, public`);

    const sql = await dumpSql(source.db);
    expect(sql).toMatch(/PostgreSQL database dump/);
    // pglite-tools always passes --inserts: the data arrives as INSERT statements, up to
    // ROWS_PER_INSERT rows each (2000 orders: two statements, not 2000).
    expect(sql.match(/^INSERT INTO "shop"\."orders"/gm)).toHaveLength(Math.ceil(2000 / ROWS_PER_INSERT));
    // pg_dump must leave the session's search_path as it was.
    const path = await source.query<{ p: string }>(`select current_setting('search_path') as p`);
    expect(path.rows[0].p).toBe('shop, public');

    const restored = await new Session(target).run(sql, { stopOnError: true });
    expect(restored.results.filter((r) => r.error).map((r) => r.error?.message)).toEqual([]);
    expect(await fingerprint(target)).toEqual(before);
    expect(before.tables[1].n).toBe(2000);
  });
});
