import { test, expect } from '@playwright/test';
import { openApp, runSql } from './helpers.ts';

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

test('Migrations workbench: two revisions, a branch, a merge, upgrade, downgrade, lint before save, export', async ({ page }) => {
  await runSql(page, 'drop table if exists mg_audit, mg_orders, mg_customers, alembic_version cascade;');
  await page.getByRole('link', { name: 'Migrations' }).click();
  await expect(page).toHaveURL(/#\/migrations$/);
  await expect(page.getByRole('status').filter({ hasText: 'Current revision: base (none applied)' })).toBeVisible();

  const save = async (message: string, up: string, down: string, follows?: string[]) => {
    await page.getByLabel('Message').fill(message);
    if (follows) {
      for (const box of await page.getByRole('group', { name: 'Follows' }).getByRole('checkbox').all()) await box.uncheck();
      for (const f of follows) await page.getByRole('group', { name: 'Follows' }).getByRole('checkbox', { name: new RegExp(f) }).check();
    }
    await page.getByLabel('Upgrade SQL').fill(up);
    await page.getByLabel('Downgrade SQL').fill(down);
    await page.getByRole('button', { name: 'Save revision' }).click();
    await expect(page.getByText(/^Saved revision [0-9a-f]{12}\.$/)).toBeVisible();
  };

  await save('customers', 'create table mg_customers (id bigint primary key, name text);', 'drop table mg_customers;');
  // The lint runs on the draft before it is saved.
  await page.getByLabel('Message').fill('orders');
  await page.getByLabel('Upgrade SQL').fill('create table mg_orders (id bigint primary key, customer_id bigint);\ncreate index mg_orders_c on mg_customers (name);');
  await page.getByRole('button', { name: 'Lint upgrade' }).click();
  await expect(page.getByRole('region', { name: /Lint of the upgrade/ }).getByText('non_concurrent_index')).toBeVisible();
  await page.getByLabel('Downgrade SQL').fill('drop index mg_orders_c;\ndrop table mg_orders;');
  await page.getByRole('button', { name: 'Save revision' }).click();
  await expect(page.getByText(/^Saved revision [0-9a-f]{12}\.$/)).toBeVisible();

  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(3);
  const first = (await rows.nth(2).getByRole('cell').first().textContent())!.trim();
  // A branch from the first revision.
  await save('audit', 'create table mg_audit (id bigint primary key);', 'drop table mg_audit;', [first]);
  await expect(page.getByText(/heads: [0-9a-f]{12}, [0-9a-f]{12} · branches at/)).toBeVisible();

  await page.getByLabel('Upgrade to').fill('head');
  await page.getByRole('button', { name: 'Upgrade', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('2 heads');

  await page.getByRole('button', { name: 'Merge heads' }).click();
  await expect(page.getByText(/^Merged .* into [0-9a-f]{12}\.$/)).toBeVisible();
  await page.getByRole('button', { name: 'Upgrade', exact: true }).click();
  await expect(page.getByText(/^Upgraded: /)).toBeVisible();
  const merge = (await rows.nth(1).getByRole('cell').first().textContent())!.trim();
  await expect(page.getByRole('status').filter({ hasText: `Current revision: ${merge}` })).toBeVisible();
  await expect(rows.nth(1)).toContainText('merge');

  // Export one revision as an Alembic file.
  const download = page.waitForEvent('download');
  await rows.nth(1).getByRole('button', { name: /as an Alembic file/ }).click();
  expect((await download).suggestedFilename()).toMatch(new RegExp(`^${merge}_merge_.*\\.py$`));

  await page.getByLabel('Downgrade to').fill('base');
  await page.getByRole('button', { name: 'Downgrade', exact: true }).click();
  await expect(page.getByText(/^Downgraded: /)).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Current revision: base (none applied)' })).toBeVisible();
});
