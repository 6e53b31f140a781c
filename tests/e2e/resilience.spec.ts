// A real user's browser: little storage, a dropped download, a mangled address, an older pglab's database.
import { test, expect, type BrowserContext } from '@playwright/test';
import { openApp, runSql, results } from './helpers.ts';

/** Chromium applies a quota override only to an origin that has not used its storage yet: a new context. */
async function contextWithQuota(browser: import('@playwright/test').Browser, baseURL: string, quotaSize: number) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const origin = new URL(baseURL).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize });
  return { context, page, raise: () => cdp.send('Storage.overrideQuotaForOrigin', { origin }) };
}

const notSaving = (page: import('@playwright/test').Page) => page.getByRole('alert').filter({ hasText: 'Your work is not being saved' });

test('a tiny quota: the database starts in memory, says it is not saving and why, and saves once there is room', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const { context, page, raise } = await contextWithQuota(browser, baseURL!, 12_000_000);
  await openApp(page);
  await expect(notSaving(page)).toContainText('too small for the database');
  await expect(notSaving(page)).toContainText(/the database is \d+\.\d MB/);
  await runSql(page, `create table small_room as select g from generate_series(1, 1000) g;`);
  await expect(results(page).last().getByRole('alert')).toContainText('would not save its changes');
  await runSql(page, `select count(*) as n from small_room;`);
  await expect(results(page).last().getByRole('table')).toContainText('1000');
  await raise();
  await runSql(page, `select count(*) as n from small_room;`);
  await expect(notSaving(page)).toHaveCount(0);
  await expect(page.getByRole('alert').filter({ hasText: 'everything you did is saved now' })).toBeVisible();
  await page.reload();
  await openApp(page);
  await expect(notSaving(page)).toHaveCount(0);
  await runSql(page, `select count(*) as n from small_room;`);
  await expect(results(page).last().getByRole('table')).toContainText('1000');
  await context.close();
});
