import { describe, it, expect, afterAll } from 'vitest';
import { localEngine } from '../support/pglite.ts';
import { dumpSql } from '../../src/workspaces/dump.ts';
import { cursorTable, DumpTracker, nameParts } from '../../src/workspaces/dump-progress.ts';
import type { Progress } from '../../src/workspaces/progress.ts';

// pg_dump's progress, seen from the queries it sends through PGlite: a real dump of a real
// database, whose text must be the same with and without the watching.
const engine = await localEngine();
afterAll(async () => {
  await engine.db.close().catch(() => {});
});

describe('reading pg_dump queries', () => {
  it('splits qualified names as PostgreSQL does', () => {
    expect(nameParts('"public"."Orders"')).toEqual(['public', 'Orders']);
    expect(nameParts('Shop.items')).toEqual(['shop', 'items']);
    expect(nameParts('"a""b"."c.d"')).toEqual(['a"b', 'c.d']);
  });

  it('finds the table a cursor reads, and nothing in other queries', () => {
    expect(cursorTable('DECLARE _pg_dump_cursor CURSOR FOR SELECT * FROM ONLY "public"."t"')).toEqual({ schema: 'public', name: 't' });
    expect(cursorTable('DECLARE _pg_dump_cursor CURSOR FOR SELECT "from", "b" FROM ONLY "my schema"."x y"')).toEqual({ schema: 'my schema', name: 'x y' });
    expect(cursorTable('FETCH 100 FROM _pg_dump_cursor')).toBeNull();
    expect(cursorTable('SELECT c.oid FROM pg_class c')).toBeNull();
  });

  it('weighs tables by size and caps the one being read at its share', () => {
    const t = new DumpTracker([{ schema: 'public', name: 'a', bytes: 100_000 }, { schema: 'public', name: 'b', bytes: 300_000 }]);
    expect(t.progress.step).toBe('Reading the schema');
    t.query('DECLARE _pg_dump_cursor CURSOR FOR SELECT * FROM ONLY "public"."a"');
    t.reply(50_000);
    expect(t.progress.step).toBe('Reading table 1 of 2 (public.a)');
    expect(t.progress.fraction).toBeCloseTo(0.125);
    t.reply(10_000_000); // more text than heap: still inside a's quarter
    expect(t.progress.fraction).toBeLessThan(0.25);
    t.query('DECLARE _pg_dump_cursor CURSOR FOR SELECT * FROM ONLY "public"."b"');
    expect(t.progress.fraction).toBeCloseTo(0.25);
    expect(t.progress.step).toBe('Reading table 2 of 2 (public.b)');
  });
});

describe('dumpSql with progress', () => {
  it('reports each table as pg_dump reads it, ends near the whole, and writes the same dump', async () => {
    await engine.db.exec(`
      create schema shop;
      create table shop.small (id int primary key);
      insert into shop.small select generate_series(1, 10);
      create table public.big (id int primary key, body text);
      insert into public.big select g, md5(g::text) from generate_series(1, 30000) g;
      create table public.empty (id int);`);
    const path = async () => (await engine.db.query<{ p: string }>(`select current_setting('search_path') as p`)).rows[0].p;
    const pathBefore = await path();
    const original = engine.db.execProtocolRawStream;
    const seen: Progress[] = [];
    const watched = await dumpSql(engine.db, (p) => seen.push(p));
    expect(engine.db.execProtocolRawStream).toBe(original);
    const plain = await dumpSql(engine.db);
    expect(watched).toBe(plain);
    expect(watched).toContain('INSERT INTO "public"."big"');
    const steps = [...new Set(seen.map((p) => p.step))];
    expect(steps[0]).toBe('Reading the schema');
    expect(steps).toEqual(expect.arrayContaining(['Reading table 1 of 3 (public.big)', 'Reading table 2 of 3 (public.empty)', 'Reading table 3 of 3 (shop.small)']));
    const fractions = seen.map((p) => p.fraction ?? 0);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1])).toBe(true);
    // public.big is most of the weight: once shop.small starts, nearly all is done.
    expect(fractions.at(-1)).toBeGreaterThan(0.9);
    expect(seen.at(-1)?.figures).toMatch(/MB of rows so far/);
    // The search_path is the session's own again.
    expect(await path()).toBe(pathBefore);
  }, 60_000);
});
