import { test, expect, type Page } from '@playwright/test';
import { setSql } from './helpers.ts';

// A chapter's built database is kept for the next visit (src/lessons/build-cache.ts): when the
// learner's saved database of the chapter is gone (chapter-store.ts; here deleted by the test),
// the chapter opens from the kept build instead of running its dataset again, and the checker's
// second copy comes back the same way. A damaged kept build is not used: the chapter is built.
const keptSlots = (page: Page) => page.evaluate(() => new Promise<string[]>((resolve) => {
  const req = indexedDB.open('pglab-chapter-builds');
  req.onsuccess = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains('builds')) { db.close(); resolve([]); return; }
    const get = db.transaction('builds').objectStore('builds').getAllKeys();
    get.onsuccess = () => { db.close(); resolve((get.result as string[]).sort()); };
  };
  req.onerror = () => resolve([]);
}));

/** Deletes the learner's saved database of the chapter (as clearing it would), not the kept builds. */
const dropSavedDatabase = (page: Page) => page.evaluate(() => new Promise<void>((resolve, reject) => {
  const req = indexedDB.deleteDatabase('pglab-lesson-db-sqlalchemy');
  req.onsuccess = () => resolve();
  req.onerror = () => reject(req.error);
  req.onblocked = () => resolve();
}));

test('a chapter opens from the build kept from an earlier visit, checks on both copies, and a damaged one is built again', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./#/lessons/sqlalchemy/selectinload');
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 120_000 });
  // Both copies are kept once built (the checker's second copy is built after the learner's).
  await expect.poll(() => keptSlots(page), { timeout: 120_000 }).toEqual(['sqlalchemy/main', 'sqlalchemy/perturbed']);

  // Opened elsewhere in this page, the saved database could not be deleted: leave the chapter first.
  await page.goto('./#/lessons');
  await page.reload();
  await dropSavedDatabase(page);
  await page.goto('./#/lessons/sqlalchemy/selectinload');
  await expect(dbStatus).toHaveText(/Chapter database ready \(restored in [\d.]+ s from the build kept from an earlier visit\)/, { timeout: 60_000 });
  const panel = page.getByRole('region', { name: 'Exercise' });
  // The typical mistake still fails, and the reference passes: the kept copies hold the data.
  await setSql(page, 'select authors.id, authors.name from authors where authors.id between 101 and 110;\nselect posts.author_id, posts.id, posts.title from posts where posts.id between 101 and 110;');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('alert').filter({ hasText: /Not yet/ })).toBeVisible({ timeout: 60_000 });
  await setSql(page, 'select authors.id, authors.name from authors where authors.id between 101 and 110;\nselect posts.author_id, posts.id, posts.title from posts\nwhere posts.author_id in (101, 102, 103, 104, 105, 106, 107, 108, 109, 110);');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: all \d+ checks succeeded/ })).toBeVisible({ timeout: 60_000 });

  // A kept build whose bytes are damaged is not used: the chapter is built from its dataset.
  await page.evaluate(() => new Promise<void>((resolve, reject) => {
    const req = indexedDB.open('pglab-chapter-builds');
    req.onsuccess = () => {
      const tx = req.result.transaction('builds', 'readwrite');
      const store = tx.objectStore('builds');
      const get = store.get('sqlalchemy/main');
      get.onsuccess = () => store.put({ ...get.result, gz: new Blob([new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3])]) });
      tx.oncomplete = () => { req.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.goto('./#/lessons');
  await page.reload();
  await dropSavedDatabase(page);
  await page.goto('./#/lessons/sqlalchemy/selectinload');
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 120_000 });
  await expect(page.getByRole('article').getByRole('alert')).toHaveCount(0);
});
