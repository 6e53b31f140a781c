// The learner's chapter database is kept like the playground's: a new instance over what the
// place saved (a reload, the restart after a Stop) has everything committed and nothing of an
// open transaction; only a start from the chapter's snapshot (Reset) goes back to the start.
// Real PGlite; the place is a MirrorStore (a byte-exact store in memory), standing in for the
// browser's IndexedDB store, which saves the same change sets after each statement.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { MemfsFrontendFS } from '@electric-sql/pglite/memfs-frontend';
import { createEngine } from '../../src/db/engine.ts';
import { extensionsFor } from '../../src/db/extensions.ts';
import { takeSnapshot, type DataDirSnapshot } from '../../src/db/datadir-snapshot.ts';
import { MirrorStore } from '../../src/db/mirror-store.ts';
import { LearnerDb, type LearnerPlace } from '../../src/lessons/learner-db.ts';
import { loadLessons } from '../../src/lessons/loader.ts';
import { readLessonFiles } from '../../scripts/verify-lessons.ts';
import type { Chapter } from '../../src/lessons/format.ts';

/** A place whose saves are those of a MirrorStore; `terminate` freezes it as a killed worker leaves it. */
class MirrorPlace implements LearnerPlace {
  mirror = new MirrorStore();
  start(snapshot: DataDirSnapshot) {
    this.mirror.reset(snapshot);
    return { fs: new MemfsFrontendFS(this.mirror) };
  }
  saved() {
    return { fs: new MemfsFrontendFS(this.mirror) };
  }
  /** What was saved when the worker died: the old instance can write nothing more here. */
  terminate(): MirrorPlace {
    const next = new MirrorPlace();
    next.mirror = new MirrorStore(this.mirror.snapshot([]));
    return next;
  }
}

const chapter: Chapter = loadLessons(readLessonFiles()).find((c) => c.id === 'indexes')!;
const rows = async (db: LearnerDb, sql: string) => {
  const out = await db.run(sql);
  if (!out.ok) throw new Error(out.error.message);
  return out.rows;
};
const indexNamed = (db: LearnerDb, name: string) => rows(db, `select count(*)::int as n from pg_indexes where indexname = '${name}'`).then((r) => Number(r[0][0]));

describe("the learner's chapter database, kept in a place", () => {
  let start: DataDirSnapshot;
  let source: PGlite;

  beforeAll(async () => {
    // A small start snapshot: a table the learner indexes, as a chapter's dataset would make.
    source = await createEngine({ extensions: extensionsFor(chapter.extensions) });
    await source.exec(`create table customers (id int primary key, email text not null);
      insert into customers select i, 'c' || i || '@example.com' from generate_series(1, 2000) i;`);
    await source.exec('vacuum analyze customers');
    start = await takeSnapshot(source);
  });
  afterAll(() => source?.close());

  it('comes back after a stop with the committed index and without the open transaction; Reset goes back to the start', async () => {
    let place = new MirrorPlace();
    const first = new LearnerDb(chapter, {}, place);
    await first.fresh(start);
    await rows(first, 'create index customers_email_idx on customers (email)');
    await rows(first, 'begin');
    await rows(first, 'create table scratch (x int)');
    await rows(first, 'delete from customers where id > 10');
    expect(await indexNamed(first, 'customers_email_idx')).toBe(1);

    // Stop during the transaction: the worker dies, its instance is never closed.
    place = place.terminate();
    const again = new LearnerDb(chapter, {}, place);
    await again.resume();
    try {
      expect(await indexNamed(again, 'customers_email_idx')).toBe(1);
      expect(await rows(again, `select to_regclass('scratch')::text as t`)).toEqual([[null]]);
      expect(Number((await rows(again, 'select count(*) from customers'))[0][0])).toBe(2000);
      // The index is a working one, not only a catalog row.
      const plan = await rows(again, `explain select * from customers where email = 'c5@example.com'`);
      expect(plan.map((r) => r[0]).join('\n')).toContain('customers_email_idx');

      // A reload after a clean close finds the same.
      await rows(again, 'create index customers_id_email_idx on customers (id, email)');
      await again.close();
      const reloaded = new LearnerDb(chapter, {}, place);
      await reloaded.resume();
      expect(await indexNamed(reloaded, 'customers_id_email_idx')).toBe(1);

      // Reset: the start snapshot replaces what the place kept, for this and the next instance.
      await reloaded.fresh(start);
      expect(await indexNamed(reloaded, 'customers_email_idx')).toBe(0);
      await reloaded.close();
      const afterReset = new LearnerDb(chapter, {}, place);
      await afterReset.resume();
      expect(await indexNamed(afterReset, 'customers_email_idx')).toBe(0);
      expect(Number((await rows(afterReset, 'select count(*) from customers'))[0][0])).toBe(2000);
      await afterReset.close();
    } finally {
      await first.close();
      await again.close();
    }
  }, 60_000);

  it('an extension the learner created is loaded when the saved database opens again', async () => {
    expect(chapter.extensions).not.toContain('hstore');
    const place = new MirrorPlace();
    const db = new LearnerDb(chapter, {}, place);
    await db.fresh(start);
    // Not loaded for this chapter: the database reopens with it and the statement runs again.
    await rows(db, 'create extension hstore');
    await rows(db, `create table tags as select 'a=>1'::hstore as h`);
    await db.close();
    const again = new LearnerDb(chapter, {}, place);
    await again.resume();
    try {
      expect(await rows(again, `select h -> 'a' from tags`)).toEqual([['1']]);
    } finally {
      await again.close();
    }
  }, 60_000);

  it('without a place it lives in memory: there is nothing to resume', async () => {
    const db = new LearnerDb(chapter, {});
    await db.fresh(start);
    try {
      await rows(db, 'create index on customers (email)');
      await expect(db.resume()).rejects.toThrow(/not kept anywhere/);
    } finally {
      await db.close();
    }
  }, 60_000);
});
