// A real server's plan reproduced in PGlite: capture on the native PostgreSQL 18 (schema,
// statistics, settings, EXPLAIN), pack and unpack, replay into a fresh in-memory PGlite, compare
// the plan shapes. The share that match is the figure the README reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';
import { createEngine } from '../../src/db/engine.ts';
import { captureRepro } from '../../src/share/capture.ts';
import { decodePack, encodePack } from '../../src/share/codec.ts';
import { describeReplay, replayPack } from '../../src/share/replay.ts';
import type { SharePack } from '../../src/share/format.ts';

const fixture = (f: string) => readFileSync(new URL(`../fixtures/share/${f}`, import.meta.url), 'utf8');
const queries = (f: string) => fixture(f).split(/^-- ---$/m).map((s) => s.replace(/^--.*$/gm, '').trim()).filter(Boolean);
const QUERIES = queries('queries.sql');
const FORUM_QUERIES = queries('forum-queries.sql');

let server: NativePg;
let db: PgQueryable;
let forum: PgQueryable;
let empty: PGlite;

beforeAll(async () => {
  server = await startNativePg();
  const c = new pg.Client(server.url);
  await c.connect();
  await c.query(fixture('shop.sql'));
  await c.query('vacuum analyze');
  await c.query('create database forum');
  await c.end();
  // The forum lives in its own database and schema, with search_path set for its role's sessions.
  const forumUrl = server.url.replace(/\/postgres$/, '/forum');
  const f = new pg.Client(forumUrl);
  await f.connect();
  await f.query(fixture('forum.sql'));
  await f.query('vacuum analyze');
  await f.query('alter database forum set search_path = forum, public');
  await f.end();
  db = await PgQueryable.connect(server.url);
  forum = await PgQueryable.connect(forumUrl);
  empty = await createEngine();
}, 180_000);

afterAll(async () => {
  await db?.close();
  await forum?.close();
  await empty?.close();
  await server?.stop();
});

/** Replays on the shared empty PGlite inside a rolled-back transaction (a fresh clone costs ~3 s each). */
async function replayFresh(pack: SharePack) {
  const r = await replayPack(empty, pack, { rollback: true });
  const left = await empty.query<{ n: number }>("select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace");
  expect(left.rows[0].n).toBe(0);
  return r;
}

describe('pglab repro: capture on PostgreSQL 18, replay in PGlite', () => {
  it('captures the DDL of every relation the query touches, with types, partitions, views and extended statistics', async () => {
    const { pack, relations } = await captureRepro(db, 'select * from paid_orders p join events e on e.id = p.id');
    expect(pack.kind).toBe('server');
    expect(pack.source).toMatch(/^PostgreSQL 18/);
    expect(relations).toEqual(expect.arrayContaining(['public.paid_orders', 'public.orders', 'public.events', 'public.events_2025', 'public.events_2026']));
    expect(pack.setup).toContain("create type public.order_status as enum ('new', 'paid', 'shipped', 'cancelled');");
    expect(pack.setup).toContain('"status" public.order_status not null');
    expect(pack.setup).toContain('CREATE INDEX events_at_idx ON public.events USING btree (at);');
    expect(pack.setup).toMatch(/create table "public"."events_2025" partition of public.events FOR VALUES FROM/);
    expect(pack.setup).toMatch(/partition by RANGE \(at\)/);
    expect(pack.setup).toMatch(/create view "public"."paid_orders" as/);
    // Every name qualified (written with only pg_catalog on the search_path, as pg_dump does).
    expect(pack.setup).toContain('CREATE INDEX orders_new_idx ON public.orders USING btree (placed_at) WHERE (status = \'new\'::public.order_status);');
    expect(pack.setup).toMatch(/FROM public\.orders/);
    // customers is not touched: the foreign key to it is left out rather than failing.
    expect(pack.setup).not.toContain('customers');
    const orders = pack.stats!.relations.find((r) => r.name === 'orders')!;
    expect(orders.reltuples).toBe(120000);
    expect(orders.relpages).toBeGreaterThan(500);
    expect(pack.stats!.attributes.some((a) => a.relation === 'orders' && a.attname === 'status' && a.most_common_vals?.includes('shipped'))).toBe(true);
    expect(pack.settings.find((s) => s.name === 'random_page_cost')?.value).toBe('4');
    // The preview lists what will run before anything does.
    const preview = await describeReplay(pack);
    expect(preview.explain).toBe('explain (format json) select * from paid_orders p join events e on e.id = p.id');
    expect(preview.statistics.some((l) => l.startsWith('public.orders:'))).toBe(true);
  });

  it('notes extended statistics whose values PostgreSQL 18 cannot import', async () => {
    const { pack } = await captureRepro(db, "select * from products where category = 'books'");
    expect(pack.setup).toMatch(/CREATE STATISTICS public\.products_cat_price/);
    expect(pack.stats!.extended[0]).toMatchObject({ name: 'products_cat_price', kinds: ['d', 'f'] });
    expect(pack.notes.join('\n')).toMatch(/products_cat_price.*not restored/);
  });

  it('restores sizes and column statistics in PGlite so the planner estimates as the server does', async () => {
    const { pack } = await captureRepro(db, 'select * from orders where customer_id = 15000');
    const fresh = (await empty.clone()) as PGlite;
    try {
      const r = await replayPack(fresh, decodePack(encodePack(pack)));
      expect(r.ok).toBe(true);
      expect(r.warnings).toEqual([]);
      const { rows } = await fresh.query<{ relpages: number; reltuples: number; size: number }>(
        "select relpages, reltuples, pg_relation_size('orders')::int8 / 8192 as size from pg_class where relname = 'orders'",
      );
      const orders = pack.stats!.relations.find((x) => x.name === 'orders')!;
      expect(rows[0]).toEqual({ relpages: orders.relpages, reltuples: 120000, size: orders.relpages });
      // The table holds no rows: its size is simulated, its pages read as empty.
      expect((await fresh.query<{ n: number }>('select count(*)::int as n from orders')).rows[0].n).toBe(0);
      const stats = await fresh.query<{ n: number }>("select count(*)::int as n from pg_stats where tablename = 'orders'");
      expect(stats.rows[0].n).toBe(pack.stats!.attributes.filter((a) => a.relation === 'orders').length);
      const here = (r.plan as { Plan: { 'Plan Rows': number } }[])[0].Plan['Plan Rows'];
      const there = (pack.plan as { Plan: { 'Plan Rows': number } }[])[0].Plan['Plan Rows'];
      expect(here).toBe(there);
    } finally {
      await fresh.close();
    }
  });

  async function measure(server: PgQueryable, list: string[], name: string) {
    let same = 0;
    let sameWithout = 0;
    const misses: string[] = [];
    for (const q of list) {
      const { pack } = await captureRepro(server, q);
      const r = await replayFresh(decodePack(encodePack(pack)));
      expect(r.ok, `${q}: ${r.error}`).toBe(true);
      expect(r.comparison).not.toBeNull();
      if (r.comparison!.sameShape) same++;
      else misses.push(`${q}: ${r.comparison!.changes.join('; ')}`);
      // Control: the same DDL and settings, no statistics and no sizes.
      const bare = await replayFresh({ ...pack, stats: { relations: [], attributes: [], extended: [] } });
      if (bare.comparison?.sameShape) sameWithout++;
    }
    console.log(`plan shapes (${name}): ${same} of ${list.length} match the server after the restore (${Math.round((100 * same) / list.length)}%); ${sameWithout} without it${misses.length ? `\nmisses:\n  ${misses.join('\n  ')}` : ''}`);
    return { same, sameWithout };
  }

  it(`reproduces the server's plan shape for most of ${QUERIES.length} shop queries, and far fewer without the statistics`, async () => {
    const { same, sameWithout } = await measure(db, QUERIES, 'shop');
    expect(same / QUERIES.length).toBeGreaterThanOrEqual(0.8);
    expect(sameWithout).toBeLessThan(same);
  }, 300_000);

  it(`reproduces the server's plan shape for most of ${FORUM_QUERIES.length} forum queries (list partitions, BRIN, GIN full text, hash, LATERAL, CTE, window)`, async () => {
    const { same, sameWithout } = await measure(forum, FORUM_QUERIES, 'forum');
    expect(same / FORUM_QUERIES.length).toBeGreaterThanOrEqual(0.75);
    expect(sameWithout).toBeLessThan(same);
  }, 300_000);

  it('redacts chosen columns: no sample values leave, and equality on a skewed value is estimated from n_distinct', async () => {
    const q = "select * from customers where country = 'SE-x'";
    const plain = await captureRepro(db, q);
    const red = await captureRepro(db, q, { redact: ['customers.country'] });
    const col = (p: SharePack) => p.stats!.attributes.find((a) => a.relation === 'customers' && a.attname === 'country')!;
    expect(col(plain.pack).most_common_vals).toMatch(/DE/);
    expect(col(red.pack).most_common_vals).toBeNull();
    expect(col(red.pack).histogram_bounds).toBeNull();
    expect(col(red.pack).n_distinct).toBe(col(plain.pack).n_distinct);
    expect(JSON.stringify(red.pack.stats)).not.toContain('SE-x');
    expect(red.pack.redacted).toEqual([{ schema: 'public', relation: 'customers', column: 'country' }]);
    const a = await replayFresh(plain.pack);
    const b = await replayFresh(red.pack);
    const rows = (r: typeof a) => (r.plan as { Plan: { 'Plan Rows': number } }[])[0].Plan['Plan Rows'];
    // 20000 rows over 20 distinct countries: 1000 estimated without the MCV list, against ~200 with it.
    expect(rows(b)).toBe(Math.round(20000 / Math.abs(col(plain.pack).n_distinct! < 0 ? 20000 * -col(plain.pack).n_distinct! : col(plain.pack).n_distinct!)));
    expect(rows(a)).not.toBe(rows(b));
    await expect(captureRepro(db, q, { redact: ['customers.contry'] })).rejects.toThrow(/no such column/);
  });

  it('reproduces a statement with parameters (as pg_stat_statements shows it) through GENERIC_PLAN', async () => {
    const q = 'select * from orders where customer_id = $1 and placed_at > $2';
    const { pack } = await captureRepro(db, q);
    expect(JSON.stringify(pack.plan)).toContain('orders_customer_id_idx');
    const r = await replayFresh(pack);
    expect(r.ok, r.error).toBe(true);
    expect(r.comparison?.sameShape).toBe(true);
    // A $1 inside a string is no parameter.
    expect((await describeReplay({ ...pack, query: "select '$1' from orders" })).explain).toBe("explain (format json) select '$1' from orders");
  });

  it('stops with the failing set-up statement when the pack does not run, and runs nothing after it', async () => {
    const { pack } = await captureRepro(db, 'select * from customers where id = 1');
    const broken = { ...pack, setup: 'create table a (x int);\ncreate table b (y nosuchtype);\ncreate table c (z int);' };
    const fresh = (await empty.clone()) as PGlite;
    try {
      const r = await replayPack(fresh, broken);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/Set-up statement 2 failed: type "nosuchtype" does not exist/);
      expect((await fresh.query("select count(*)::int as n from pg_class where relname in ('a', 'c')")).rows[0]).toEqual({ n: 1 });
    } finally {
      await fresh.close();
    }
  });
});
