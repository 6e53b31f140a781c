import { test, expect } from '@playwright/test';
import { openApp, runSql, setSql, results, recordAlerts } from './helpers.ts';

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

test('a script whose third statement fails shows two results and marks the error where it occurs', async ({ page }) => {
  await runSql(page, `select 1 as one;\nselect 'two' as two;\nselect missing_column from pg_class;\nselect 4;`);
  await expect(results(page)).toHaveCount(3);
  await expect(results(page).nth(0).getByRole('table')).toContainText('one');
  await expect(results(page).nth(1).getByRole('table')).toContainText('two');
  const alert = results(page).nth(2).getByRole('alert');
  await expect(alert).toContainText('column "missing_column" does not exist');
  await expect(alert).toContainText('42703');
  await expect(page.locator('.cm-lintRange-error')).toHaveText('missing_column');
});

test('completion offers a column of a table created a moment before', async ({ page }) => {
  await runSql(page, `drop table if exists fresh_orders; create table fresh_orders (order_id int, shipped_at timestamptz);`);
  await setSql(page, `select shipp from fresh_orders`);
  // Put the cursor after "shipp" and ask for completion.
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 'select shipp'.length; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Control+Space');
  await expect(page.getByRole('option', { name: /shipped_at/ })).toBeVisible();
});

test('Stop ends a runaway query; the page is usable again and committed data is kept', async ({ page }) => {
  await runSql(page, `drop table if exists kept; create table kept (v text); insert into kept values ('still here');`);
  await setSql(page, `select pg_sleep(600);`);
  await page.getByRole('button', { name: 'Run' }).click();
  const stop = page.getByRole('button', { name: 'Stop' });
  await expect(stop).toBeEnabled();
  await page.waitForTimeout(500);
  // How soon it is usable again is measured in `npm run bench playground` (target ≤ 3 s), not asserted here.
  await stop.click();
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled();
  await expect(page.getByRole('alert').filter({ hasText: 'Stopped.' })).toContainText('running statement was rolled back');
  await runSql(page, `select v from kept;`);
  await expect(results(page).first().getByRole('table')).toContainText('still here');
});

test('a reload keeps the data', async ({ page }) => {
  await runSql(page, `drop table if exists survives; create table survives (n int); insert into survives values (41), (42);`);
  await page.reload();
  await openApp(page);
  await runSql(page, `select sum(n) as total from survives;`);
  await expect(results(page).first().getByRole('table')).toContainText('83');
});

test('the saved database comes back exactly after bulk writes, a vacuum that shortens files, a drop and a reload', async ({ page }) => {
  test.setTimeout(90_000);
  // ~60k rows: far more changed pages than the store keeps apart from its base image, so the
  // saves fold them into a new one; the delete and VACUUM shorten files, the DROP removes some.
  await runSql(page, `create table bulk as select g, md5(g::text) as h from generate_series(1, 60000) g;
create index bulk_h on bulk (h);
delete from bulk where g > 30000;
vacuum bulk;
create table dropped (x int); insert into dropped values (1); drop table dropped;
select count(*) as n, sum(g) as s from bulk;`);
  await expect(results(page).last().getByRole('table')).toContainText('450015000');
  await page.reload();
  await openApp(page);
  await runSql(page, `select count(*) as n, sum(g) as s, count(distinct h) as d, (select count(*) from pg_class where relname = 'dropped') as gone from bulk;`);
  const row = results(page).first().getByRole('table').getByRole('row').nth(1);
  await expect(row).toHaveText(/30000\s*450015000\s*30000\s*0/);
  // The index agrees with the table after the reload (amcheck verifies the B-tree against the heap).
  await runSql(page, `create extension if not exists amcheck; select bt_index_check('bulk_h', true) is not null as index_ok;`);
  await expect(results(page).last().getByRole('cell', { name: 't', exact: true })).toBeVisible();
  await expect(results(page).getByRole('alert')).toHaveCount(0);
});

test('a database saved by an earlier pglab (PGlite\'s IndexedDB file system) moves to the new store and is kept', async ({ page }) => {
  await page.goto('./?storage=idbfs');
  await expect(page.getByRole('status').filter({ hasText: /PostgreSQL 18/ })).toBeVisible({ timeout: 60_000 });
  // Only the old store: as for someone who used pglab before this store existed.
  await page.evaluate(() => new Promise((resolve) => { const r = indexedDB.deleteDatabase('pglab-db'); r.onsuccess = r.onerror = r.onblocked = resolve; }));
  await runSql(page, `create table from_before (v text); insert into from_before values ('moved');`);
  await openApp(page);
  await runSql(page, `select v from from_before;`);
  await expect(results(page).first().getByRole('table')).toContainText('moved');
  const names = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  expect(names).toContain('pglab-db');
  expect(names).not.toContain('/pglite/pglab');
  // And it is saved in the new store: a second reload still has it.
  await page.reload();
  await openApp(page);
  await runSql(page, `select v from from_before;`);
  await expect(results(page).first().getByRole('table')).toContainText('moved');
});

test('a full browser store: the statement says its changes are not saved yet, and they are saved once there is room', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  // Chromium applies a quota override only to an origin that has not used its storage yet: a
  // new context. The quota leaves room for the empty database, not for a table of ~30 MB.
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const origin = new URL(baseURL!).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 12_000_000 });
  // What the statement said, recorded as it appears: a later save (the store retries) may replace it.
  const said = await recordAlerts(page);
  await openApp(page);
  await runSql(page, `create table roomy as select g, md5(random()::text) || md5(random()::text) as h from generate_series(1, 200000) g;`);
  await expect.poll(() => said.find((t) => t.includes('would not save its changes')), { timeout: 20_000 }).toBeTruthy();
  // The reason is named: the store is full (not a bare "would not save").
  expect(said.find((t) => t.includes('would not save its changes'))).toContain('storage is full');
  // The page still works, and with room again the next statement saves everything.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await runSql(page, `select count(*) as n from roomy;`);
  await expect(results(page).last().getByRole('table')).toContainText('200000');
  // The whole database is written after that run; the page says when it is done (a reload
  // during that write keeps the last save, without the table: the page said it was not saved).
  await expect.poll(() => said.some((t) => t.includes('everything you did is saved now')), { timeout: 30_000 }).toBe(true);
  await page.reload();
  await openApp(page);
  await runSql(page, `select count(*) as n from roomy;`);
  await expect(results(page).last().getByRole('table')).toContainText('200000');
  await context.close();
});

test('a second tab works on a copy and says so; the saved database stays the first tab\'s', async ({ page, context }) => {
  test.setTimeout(90_000);
  await runSql(page, `create table first_tab (v text); insert into first_tab values ('kept');`);
  const second = await context.newPage();
  await openApp(second);
  const warning = second.getByRole('alert').filter({ hasText: 'open in another tab' });
  await expect(warning).toContainText('nothing you do here is saved');
  // The copy has the saved data; what it does is not saved, and it cannot wipe the store.
  await runSql(second, `select v from first_tab;`);
  await expect(results(second).first().getByRole('table')).toContainText('kept');
  await runSql(second, `create table second_tab (v int);`);
  await second.close();
  await page.reload();
  await openApp(page);
  await expect(page.getByRole('alert').filter({ hasText: 'open in another tab' })).toHaveCount(0);
  await runSql(page, `select (select count(*) from first_tab) as first_rows, to_regclass('second_tab') is null as second_missing;`);
  await expect(results(page).first().getByRole('row').nth(1)).toHaveText(/1\s*t/);
});

test('\\d of a table shows its indexes and not-null columns', async ({ page }) => {
  await runSql(page, `drop table if exists described; create table described (id int primary key, email text not null); create index described_email on described (email);\n\\d described`);
  const block = results(page).last();
  await expect(block).toContainText('Table "public.described"');
  await expect(block).toContainText('not null');
  await expect(block).toContainText('Indexes:');
  await expect(block).toContainText('"described_email" btree (email)');
  await expect(block).toContainText('"described_pkey" PRIMARY KEY, btree (id)');
});

test('NULL is shown differently from the empty string, and JSON is pretty-printed', async ({ page }) => {
  await runSql(page, `select null::text as a, ''::text as b, '{"k":[1,2]}'::jsonb as j;`);
  const table = results(page).first().getByRole('table');
  await expect(table.locator('.null')).toHaveText('NULL');
  await expect(table.locator('.empty')).toHaveText("''");
  await expect(table).toContainText('"k": [');
});

test('a database broken by runaway recursion restarts from its saved state and says so', async ({ page }) => {
  await runSql(page, `drop table if exists survivor; create table survivor (v text); insert into survivor values ('kept');`);
  await runSql(page, `create or replace function runaway(i int) returns int language sql as 'select runaway(i + 1)';\nselect runaway(1);`);
  await expect(page.getByRole('alert').filter({ hasText: 'restarted from its saved state' })).toBeVisible();
  await runSql(page, `select v from survivor;`);
  await expect(results(page).first().getByRole('table')).toContainText('kept');
});

test('CREATE EXTENSION loads its files on demand, runs the rest of the script and keeps working after a reload', async ({ page }) => {
  await runSql(page, `drop extension if exists pgcrypto;\ncreate extension pgcrypto;\nselect length(gen_salt('md5')) > 0 as salted;`);
  const blocks = results(page);
  await expect(blocks).toHaveCount(3);
  await expect(blocks.nth(1)).toContainText('CREATE EXTENSION');
  await expect(blocks.nth(2).getByRole('table')).toContainText('t');
  await page.reload();
  await openApp(page);
  await runSql(page, `select length(gen_salt('md5')) > 0 as still_salted;`);
  await expect(results(page).first().getByRole('table')).toContainText('still_salted');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('About this database lists the settings that differ from a stock server, with their live values', async ({ page }) => {
  await page.getByRole('button', { name: 'About this database' }).click();
  const about = page.getByRole('region', { name: 'About this database' });
  const row = about.getByRole('row').filter({ hasText: 'max_parallel_workers_per_gather' });
  await expect(row.getByRole('cell').nth(1)).toHaveText('0');
  await expect(about.getByRole('row').filter({ hasText: 'temp_file_limit' }).getByRole('cell').nth(1)).toHaveText('256MB');
  await expect(about).toContainText('PostgreSQL 18');
  // This test's browser profile is new: the database was made from the prepared cluster.
  await expect(about).toContainText('from the prepared cluster (no initdb)');
  await page.reload();
  await openApp(page);
  await page.getByRole('button', { name: 'About this database' }).click();
  await expect(page.getByRole('region', { name: 'About this database' })).toContainText('from the copy saved in this browser');
});

test('Reset database asks first, and a refusal keeps everything', async ({ page }) => {
  await runSql(page, `drop table if exists doomed; create table doomed (v int);`);
  page.once('dialog', (d) => d.dismiss());
  await page.getByRole('button', { name: 'Reset database' }).click();
  await runSql(page, `select count(*) from doomed;`);
  await expect(results(page).first()).toContainText('SELECT 1');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Reset database' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'reset to an empty one' })).toBeVisible();
  await runSql(page, `select count(*) from doomed;`);
  await expect(results(page).first().getByRole('alert')).toContainText('does not exist');
});
