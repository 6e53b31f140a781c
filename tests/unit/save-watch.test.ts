// A store the browser refuses to write (a full or tiny quota) never fails a statement: the whole
// save it owes is tried again between statements, at most every few seconds unless asked, and
// the reason is said in words. The saver here is a stand-in for IdbStore's saving side (Node has
// no IndexedDB); the database is a real PGlite, whose exclusive section the save runs in.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { createEngine } from '../../src/db/engine.ts';
import { refusal, SaveWatch, type Saver } from '../../src/db/save-watch.ts';

class RefusingSaver implements Saver {
  behind = true;
  lastFailure?: Error = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  databaseBytes = 24_000_000;
  room = false;
  tries = 0;
  async saveWhole() {
    this.tries++;
    if (!this.room) throw this.lastFailure;
    this.behind = false;
    this.lastFailure = undefined;
  }
}

describe('SaveWatch', () => {
  let db: PGlite;
  beforeAll(async () => { db = await createEngine(); });
  afterAll(() => db?.close());

  it('tries the owed save at most every everyMs unless asked, says why it is behind, and is clear once saved', async () => {
    const watch = new SaveWatch(60_000);
    const saver = new RefusingSaver();
    expect(await watch.catchUp(saver, db, false)).toBe(false);
    expect(saver.tries).toBe(1);
    // A script's next statement does not write the whole database again.
    expect(await watch.catchUp(saver, db, false)).toBe(false);
    expect(saver.tries).toBe(1);
    const unsaved = await watch.state(saver, db);
    expect(saver.tries).toBe(2);
    expect(unsaved).toMatchObject({ reason: "this site's browser storage is too small for the database", needed: 24_000_000 });
    expect(refusal(saver.lastFailure).message).toContain('would not save its changes (QuotaExceededError');

    saver.room = true;
    expect(await watch.state(saver, db)).toBeUndefined();
    expect(saver.behind).toBe(false);
    // Nothing owed: nothing is written.
    expect(await watch.catchUp(saver, db, true)).toBe(true);
    expect(saver.tries).toBe(3);
    // The database answers as before: the save ran in its exclusive section and released it.
    expect((await db.query<{ n: number }>('select 1 as n')).rows[0].n).toBe(1);
  });

  it('a database without a saver (in memory, or a copy) owes nothing', async () => {
    const watch = new SaveWatch();
    expect(await watch.catchUp(undefined, db, true)).toBe(true);
    expect(await watch.state(undefined, db)).toBeUndefined();
  });
});
