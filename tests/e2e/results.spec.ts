import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { openApp, runSql, setSql, results } from './helpers.ts';

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

test('a 100,000-row result keeps the page light and scrolls to the last row', async ({ page }) => {
  await runSql(page, `select g as id, md5(g::text) as hash from generate_series(1, 100000) g;`);
  const block = results(page).first();
  await expect(block).toContainText('SELECT 100000');
  const table = block.getByRole('table');
  await expect(table).toHaveAttribute('aria-rowcount', '100001');
  // Only the rows in view are in the DOM.
  expect(await table.locator('tbody tr:not(.spacer)').count()).toBeLessThan(200);
  await block.locator('.scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(table.getByRole('cell', { name: '100000', exact: true })).toBeVisible();
  // The page still answers.
  await runSql(page, `select 'still responsive' as ok;`);
  await expect(results(page).first()).toContainText('still responsive');
});

test('Ctrl+Shift+Enter runs only the statement under the cursor', async ({ page }) => {
  await setSql(page, `select 'first' as which;\nselect 'second' as which;\nselect 'third' as which;`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Control+Shift+Enter');
  await expect(results(page)).toHaveCount(1);
  await expect(results(page).first()).toContainText('second');
});

test('\\x shows records expanded, and copy or download as CSV gives the rows', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await runSql(page, `\\x on\nselect 1 as a, 'x,y' as b;`);
  const block = results(page).nth(1);
  await expect(block.getByRole('table')).toContainText('RECORD 1');
  await block.getByRole('button', { name: 'Copy as CSV' }).click();
  await expect(block.getByRole('status')).toHaveText('Copied as CSV.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('a,b\r\n1,"x,y"\r\n');
  const [file] = await Promise.all([page.waitForEvent('download'), block.getByRole('button', { name: 'Download as CSV' }).click()]);
  expect(file.suggestedFilename()).toBe('result.csv');
  expect(readFileSync((await file.path())!, 'utf8')).toBe('a,b\r\n1,"x,y"\r\n');
  await runSql(page, `\\x off`);
});

test('the run history survives a reload and puts a past script back in the editor', async ({ page }) => {
  await runSql(page, `select 'from history' as h;`);
  await page.reload();
  await openApp(page);
  await page.getByRole('button', { name: /History/ }).click();
  await page.getByRole('list', { name: 'Run history' }).getByRole('button').filter({ hasText: 'from history' }).first().click();
  await expect(page.getByRole('textbox', { name: 'SQL editor' })).toContainText(`select 'from history' as h;`);
});
