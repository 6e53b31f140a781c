import { test, expect } from '@playwright/test';
import { openApp, runSql, setSql, results } from './helpers.ts';

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

test('Stop ends a runaway query; the page is usable again within 3 s and committed data is kept', async ({ page }) => {
  await runSql(page, `drop table if exists kept; create table kept (v text); insert into kept values ('still here');`);
  await setSql(page, `select pg_sleep(600);`);
  await page.getByRole('button', { name: 'Run' }).click();
  const stop = page.getByRole('button', { name: 'Stop' });
  await expect(stop).toBeEnabled();
  await page.waitForTimeout(500);
  const t0 = Date.now();
  await stop.click();
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 3_000 });
  expect(Date.now() - t0).toBeLessThan(3_000);
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
