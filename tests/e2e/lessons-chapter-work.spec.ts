import { test, expect, type Page } from '@playwright/test';
import { setSql } from './helpers.ts';

// Work in a chapter is kept like the playground's (src/lessons/chapter-store.ts): the chapter's
// database is saved in the browser after each statement, so a reload or a Stop comes back to the
// last committed state, and only Reset, after a confirmation, goes back to the chapter's start.
// A database saved from an earlier version of the chapter's dataset is not opened silently.

const STORE = 'pglab-lesson-db-indexes';

async function runInEditor(page: Page, sql: string) {
  const editor = page.locator('.lesson-editor');
  await setSql(page, sql);
  await editor.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(editor.getByRole('button', { name: 'Run', exact: true })).toBeEnabled({ timeout: 60_000 });
}

/** The names of the learner's indexes on customers whose name ends in _kept, as the editor shows them. */
async function keptIndexes(page: Page): Promise<string> {
  await runInEditor(page, `select coalesce(string_agg(indexname, ',' order by indexname), 'none') as kept from pg_indexes where indexname like '%\\_kept';`);
  const cell = page.locator('.lesson-editor').getByLabel('Results', { exact: true }).getByRole('table').filter({ hasText: 'kept' }).getByRole('cell').first();
  await expect(cell).toBeVisible({ timeout: 30_000 });
  return (await cell.textContent())?.trim() ?? '';
}

/** Rewrites the chapter store's record, as a database saved by an earlier version of the site has it. */
const rewriteRecord = (page: Page, change: Record<string, unknown>) => page.evaluate(([name, change]) => new Promise<void>((resolve, reject) => {
  const req = indexedDB.open(name as string);
  req.onsuccess = () => {
    const tx = req.result.transaction('meta', 'readwrite');
    const meta = tx.objectStore('meta');
    const get = meta.get('chapter');
    get.onsuccess = () => {
      const next = { ...get.result, ...(change as object) };
      for (const [k, v] of Object.entries(next)) if (v === null && k !== 'prepared') delete next[k];
      meta.put(next, 'chapter');
    };
    tx.oncomplete = () => { req.result.close(); resolve(); };
    tx.onerror = () => reject(tx.error);
  };
  req.onerror = () => reject(req.error);
}), [STORE, change] as const);

test('work in a chapter is kept across a reload and a Stop; Reset asks, and only then goes back to the start', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./#/lessons/indexes');
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 120_000 });

  // An index made while exploring is there after a reload: the saved database opens, not the dataset.
  await runInEditor(page, 'create index email_kept on customers (email);');
  await page.reload();
  await expect(dbStatus).toHaveText(/Chapter database ready: your saved work, opened in [\d.]+ s/, { timeout: 60_000 });
  test.info().annotations.push({ type: 'reload', description: (await dbStatus.textContent()) ?? '' });
  expect(await keptIndexes(page)).toBe('email_kept');

  // Stop during a long query, inside a transaction: the committed index is kept, the open
  // transaction's one is rolled back.
  const editor = page.locator('.lesson-editor');
  await setSql(page, 'begin;\ncreate index name_kept on customers (name);\nselect pg_sleep(600);');
  await editor.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(editor.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
  await page.waitForTimeout(500);
  await editor.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('article').getByRole('alert').filter({ hasText: /Stopped\. The chapter database came back to its last saved state: the running statement and the open transaction were rolled back; everything committed before is there/ })).toBeVisible({ timeout: 60_000 });
  await expect(dbStatus).toHaveText(/reopened as last saved/);
  test.info().annotations.push({ type: 'stop', description: (await dbStatus.textContent()) ?? '' });
  expect(await keptIndexes(page)).toBe('email_kept');

  // Reset asks first; keeping the changes keeps the index.
  const reset = page.getByRole('button', { name: 'Reset chapter database' });
  await reset.click();
  let dialog = page.getByRole('alertdialog', { name: 'Reset the chapter database?' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Keep my changes' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Keep my changes' }).click();
  await expect(dialog).toHaveCount(0);
  expect(await keptIndexes(page)).toBe('email_kept');
  // Escape keeps them too.
  await reset.click();
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(await keptIndexes(page)).toBe('email_kept');

  // Confirmed, it goes back to the chapter's start, in the saved copy too.
  await reset.click();
  await dialog.getByRole('button', { name: 'Reset and lose my changes' }).click();
  await expect(dbStatus).toHaveText(/reset to its starting state in [\d.]+ s/, { timeout: 60_000 });
  test.info().annotations.push({ type: 'reset', description: (await dbStatus.textContent()) ?? '' });
  expect(await keptIndexes(page)).toBe('none');
  await page.reload();
  await expect(dbStatus).toHaveText(/Chapter database ready: your saved work, opened in/, { timeout: 60_000 });
  expect(await keptIndexes(page)).toBe('none');

  // A database saved from an earlier dataset is not opened silently: keeping it keeps the work.
  await runInEditor(page, 'create index email_kept on customers (email);');
  await rewriteRecord(page, { dataset: 'an-earlier-dataset' });
  await page.reload();
  dialog = page.getByRole('alertdialog', { name: "This chapter's dataset changed" });
  await expect(dialog).toBeVisible({ timeout: 60_000 });
  await expect(dialog.getByRole('button', { name: 'Keep my saved database' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Keep my saved database' }).click();
  await expect(dbStatus).toHaveText(/your saved work, opened in [\d.]+ s\. It was made from an earlier version of this chapter's dataset/, { timeout: 60_000 });
  expect(await keptIndexes(page)).toBe('email_kept');
  // The choice is remembered for this version: the next reload does not ask.
  await page.reload();
  await expect(dbStatus).toHaveText(/your saved work, opened in/, { timeout: 60_000 });
  await expect(dialog).toHaveCount(0);

  // Starting from the new dataset drops the old database.
  await rewriteRecord(page, { dataset: 'another-earlier-dataset', keptFor: null });
  await page.reload();
  await expect(dialog).toBeVisible({ timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Start from the new dataset' }).click();
  await expect(dbStatus).toHaveText(/reset to its starting state in [\d.]+ s/, { timeout: 120_000 });
  expect(await keptIndexes(page)).toBe('none');
  await expect(page.getByRole('article').getByRole('alert')).toHaveCount(0);
});

test('a check that runs past its time limit is stopped and says so; the checker restarts and the next check runs', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./#/lessons/indexes/btree-lookup');
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready/, { timeout: 120_000 });
  const panel = page.getByRole('region', { name: 'Exercise' });
  // pg_sleep cannot be cancelled inside PGlite: the checker's worker is ended at the limit.
  await setSql(page, 'create index customers_email_idx on customers (email);\nselect pg_sleep(120);');
  const t0 = Date.now();
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('alert').filter({ hasText: /The check stopped at its time limit of 20 s: your SQL was still running/ })).toBeVisible({ timeout: 90_000 });
  const stoppedAfter = Date.now() - t0;
  test.info().annotations.push({ type: 'time limit', description: `stopped after ${stoppedAfter} ms` });
  // The learner's own database was not the one sleeping: it still answers.
  await expect(page.locator('.lesson-editor').getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  await setSql(page, 'create index customers_email_idx on customers (email);');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: all 4 checks succeeded/ })).toBeVisible({ timeout: 90_000 });
});

test('a tiny store: the chapter says its work is not being saved, goes on in memory, and saves it all once there is room', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  // Chromium applies a quota override only to an origin that has not used its storage yet: a new context.
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const origin = new URL(baseURL!).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1_000_000 });
  await page.goto('./#/lessons/indexes');
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready/, { timeout: 120_000 });
  const notSaving = page.getByRole('article').getByRole('alert').filter({ hasText: 'Your work is not being saved' });
  await expect(notSaving).toContainText('too small for the database');
  await expect(notSaving).toContainText(/the database is \d+\.\d MB/);

  // The chapter works on: the index is made and used, in memory.
  await runInEditor(page, 'create index email_kept on customers (email);');
  await expect(page.locator('.lesson-editor').getByLabel('Results', { exact: true }).getByRole('alert')).toContainText('would not save its changes');
  expect(await keptIndexes(page)).toBe('email_kept');

  // Room again: the next statement saves everything, and the notice goes.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await runInEditor(page, 'select 1 as after_room;');
  await expect(notSaving).toHaveCount(0, { timeout: 30_000 });
  await page.reload();
  await expect(dbStatus).toHaveText(/Chapter database ready: your saved work, opened in/, { timeout: 60_000 });
  expect(await keptIndexes(page)).toBe('email_kept');
  await context.close();
});

test('a second tab on the same chapter works on a copy and says so; the saved database stays the first tab\'s', async ({ page, context }) => {
  test.setTimeout(240_000);
  await page.goto('./#/lessons/indexes');
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in/, { timeout: 120_000 });
  await runInEditor(page, 'create index email_kept on customers (email);');

  const other = await context.newPage();
  await other.goto('./#/lessons/indexes');
  await expect(other.getByRole('article').getByRole('status').first()).toHaveText(/Chapter database ready: your saved work/, { timeout: 120_000 });
  await expect(other.getByRole('article').getByRole('alert').filter({ hasText: 'open in another pglab tab, which saves its database' })).toBeVisible();
  // The copy holds what the first tab saved; what it does is not saved.
  expect(await keptIndexes(other)).toBe('email_kept');
  await runInEditor(other, 'drop index email_kept;');
  expect(await keptIndexes(other)).toBe('none');
  await other.close();

  await page.reload();
  await expect(dbStatus).toHaveText(/Chapter database ready: your saved work/, { timeout: 60_000 });
  expect(await keptIndexes(page)).toBe('email_kept');
  await expect(page.getByRole('article').getByRole('alert')).toHaveCount(0);
});
