import { test, expect, type Page } from '@playwright/test';
import { openApp, runSql, results } from './helpers.ts';

/** Every URL the page and its workers fetch from now on. */
function fetched(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(new URL(r.url()).pathname));
  return urls;
}

const about = async (page: Page) => {
  await page.getByRole('button', { name: 'About this database' }).click();
  return page.getByRole('region', { name: 'About this database' });
};

test('a first visit starts from the prepared cluster and never downloads initdb', async ({ page }) => {
  const urls = fetched(page);
  await openApp(page);
  await runSql(page, 'select 1 as first_one;');
  await expect(results(page).first().getByRole('table')).toContainText('first_one');
  await expect(await about(page)).toContainText('from the prepared cluster (no initdb)');
  expect(urls.some((u) => u.endsWith('.pgseed'))).toBe(true);
  expect(urls.filter((u) => /initdb/.test(u))).toEqual([]);
});

test('without the prepared cluster initdb makes the database, and it is saved like any other', async ({ page }) => {
  const urls = fetched(page);
  await openApp(page, '?seed=0');
  await expect(await about(page)).toContainText('as a new database made by initdb');
  // Its wasm and its JavaScript are fetched only now that initdb runs.
  expect(urls.some((u) => /initdb-[^/]*\.wasm$/.test(u))).toBe(true);
  expect(urls.some((u) => /initdb-[^/]*\.js$/.test(u))).toBe(true);
  await runSql(page, `create table made_by_initdb (v text); insert into made_by_initdb values ('kept');`);
  urls.length = 0;
  await openApp(page, '?seed=0');
  await runSql(page, 'select v from made_by_initdb;');
  await expect(results(page).first().getByRole('table')).toContainText('kept');
  await expect(await about(page)).toContainText('from the copy saved in this browser');
  expect(urls.filter((u) => /initdb/.test(u))).toEqual([]);
});

test('after a big write the database checkpoints once idle, so the next start replays little WAL', async ({ page }) => {
  await openApp(page);
  await runSql(page, `create table wal_heavy as select g, md5(g::text) as h from generate_series(1, 200000) g; update wal_heavy set h = h || 'x';`);
  const walCheck = `select pg_current_wal_insert_lsn() - redo_lsn < 8 * 1024 * 1024 as replay_is_small, (select count(*) from pg_ls_waldir()) <= 18 as few_wal_files from pg_control_checkpoint();`;
  // PGlite has no checkpointer: pglab checkpoints after a second without statements.
  await page.waitForTimeout(2_500);
  await runSql(page, walCheck);
  await expect(results(page).first().getByRole('row').nth(1)).toHaveText(/^\s*t\s*t\s*$/);
  await page.reload();
  await openApp(page);
  await runSql(page, 'select count(*) as kept from wal_heavy;');
  await expect(results(page).first().getByRole('table')).toContainText('200000');
});
