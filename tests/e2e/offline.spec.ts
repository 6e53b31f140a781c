// After one visit pglab works offline (a service worker keeps the whole site), and a new version
// is announced and taken on the user's word.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { test, expect, type Page } from '@playwright/test';
import { openApp, runSql, results } from './helpers.ts';

/** The service worker has stored everything and controls the page. */
async function offlineReady(page: Page) {
  await expect(page.getByRole('status').filter({ hasText: 'pglab works offline now' })).toBeVisible({ timeout: 90_000 });
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30_000 });
}

test('after one visit, the playground and a chapter never opened work offline', async ({ page, context }) => {
  test.setTimeout(180_000);
  await openApp(page);
  await runSql(page, `create table made_online as select 1 as v;`);
  await offlineReady(page);
  await context.setOffline(true);
  await page.reload();
  await openApp(page);
  await runSql(page, `select v as still_here from made_online;`);
  await expect(results(page).first().getByRole('table')).toContainText('still_here');

  // Lessons were never opened online: their code, the chapter's data and its extensions are there.
  await page.getByRole('link', { name: 'Lessons' }).click();
  await page.goto('./#/lessons/indexes');
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready/, { timeout: 120_000 });
  const example = page.getByRole('group', { name: 'Example 1', exact: true });
  await example.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByLabel('Results of Example 1', { exact: true }).getByRole('cell', { name: 'orders', exact: true })).toBeVisible({ timeout: 30_000 });
  await context.setOffline(false);
});

test('a new version is announced, and taken only when the user says so; the saved database stays', async ({ page }) => {
  test.setTimeout(180_000);
  await openApp(page);
  await runSql(page, `create table before_update as select 'kept' as v;`);
  await offlineReady(page);
  // A new version is deployed: the site's service worker changes (the served folder, as a host's would).
  // A deploy writes the file and its precompressed copies (scripts/precompress.ts), which the server prefers.
  const sw = join(process.env.PGLAB_DIST ?? 'dist', 'sw.js');
  const copies = [sw, sw + '.br', sw + '.gz'].filter((f) => existsSync(f));
  const originals = copies.map((f) => readFileSync(f));
  const changed = Buffer.from(originals[0].toString('utf8') + '\n// a new version\n');
  const encode = { [sw]: (b: Buffer) => b, [sw + '.br']: brotliCompressSync, [sw + '.gz']: gzipSync };
  copies.forEach((f) => writeFileSync(f, encode[f](changed)));
  try {
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
  } finally {
    copies.forEach((f, i) => writeFileSync(f, originals[i]));
  }
  const announce = page.getByRole('status').filter({ hasText: 'A new version of pglab is ready' });
  await expect(announce).toBeVisible({ timeout: 60_000 });
  // Nothing happens until the user takes it.
  await page.waitForTimeout(1_000);
  await expect(announce).toBeVisible();
  await page.evaluate(() => ((window as unknown as { beforeUpdate: boolean }).beforeUpdate = true));
  await announce.getByRole('button', { name: 'Update pglab' }).click();
  // The new version takes over and the page reloads (the marker is gone), then starts as usual.
  await page.waitForFunction(() => !(window as unknown as { beforeUpdate?: boolean }).beforeUpdate, null, { timeout: 60_000 });
  await expect(page.getByRole('status').filter({ hasText: /PostgreSQL 18/ })).toBeVisible({ timeout: 60_000 });
  await expect(announce).toHaveCount(0);
  await runSql(page, `select v from before_update;`);
  await expect(results(page).first().getByRole('table')).toContainText('kept');
});
