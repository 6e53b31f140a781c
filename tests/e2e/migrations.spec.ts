import { test, expect, type Page } from '@playwright/test';
import { openApp, results, runSql } from './helpers.ts';

const workspaces = (page: Page) => page.getByRole('region', { name: 'Workspaces' });

async function openWorkspacesPanel(page: Page) {
  const toggle = page.getByRole('button', { name: /^Workspace: / });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await expect(workspaces(page)).toBeVisible();
}

/** Waits until workspace `name` is open and its database answers. */
async function isOpen(page: Page, name: string) {
  await expect(page.getByRole('button', { name: `Workspace: ${name}` })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
}

async function firstCell(page: Page, sql: string) {
  await runSql(page, sql);
  return (await results(page).last().getByRole('row').nth(1).innerText()).trim();
}

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
  await page.getByLabel('Upgrade to').fill('head');
  await page.getByRole('button', { name: 'Upgrade', exact: true }).click();
  await expect(page.getByText(/^Upgraded: [0-9a-f]{12}\.$/)).toBeVisible();
  // The lint runs on the draft before it is saved.
  await page.getByLabel('Message').fill('orders');
  await page.getByLabel('Upgrade SQL').fill('create table mg_orders (id bigint primary key, customer_id bigint);\ncreate index mg_orders_c on mg_customers (name);');
  await page.getByRole('button', { name: 'Lint upgrade' }).click();
  await expect(page.getByRole('region', { name: /Lint of the upgrade/ }).getByText('non_concurrent_index')).toBeVisible();
  await page.getByRole('button', { name: 'Measure locks (rolled back)' }).click();
  const measured = page.getByRole('region', { name: /Measured on this database, then rolled back/ });
  await expect(measured.getByRole('row').filter({ hasText: 'create index mg_orders_c' })).toContainText('ShareLock on mg_customers');
  await expect(measured.getByRole('row').filter({ hasText: 'create index mg_orders_c' })).toContainText('blocks writes');
  await page.getByLabel('Downgrade SQL').fill('drop index mg_orders_c;\ndrop table mg_orders;');
  await page.getByRole('button', { name: 'Save revision' }).click();
  await expect(page.getByText(/^Saved revision [0-9a-f]{12}\.$/)).toBeVisible();

  const rows = page.getByRole('table', { name: 'Revisions' }).getByRole('row');
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
  // The drawn graph: four boxes, the branch and the merge, and it says so in words.
  const drawing = page.getByRole('img', { name: /^Revision graph: / });
  await expect(drawing).toHaveAccessibleName(new RegExp(`^Revision graph: 4 revisions; heads ${merge}; branches at ${first}; merges ${merge}; current ${merge}$`));
  await expect(drawing.locator('g.rev')).toHaveCount(4);
  await expect(drawing.locator('path.edge')).toHaveCount(4);

  // Export one revision as an Alembic file.
  const download = page.waitForEvent('download');
  await rows.nth(1).getByRole('button', { name: /as an Alembic file/ }).click();
  expect((await download).suggestedFilename()).toMatch(new RegExp(`^${merge}_merge_.*\\.py$`));

  const project = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download Alembic project' }).click();
  expect((await project).suggestedFilename()).toBe('alembic-project.zip');

  await page.getByLabel('Downgrade to').fill('base');
  await page.getByRole('button', { name: 'Downgrade', exact: true }).click();
  await expect(page.getByText(/^Downgraded: /)).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Current revision: base (none applied)' })).toBeVisible();
});

test('Migrations workbench: autogenerate from a target, propose a rename, lint it, save and upgrade', async ({ page }) => {
  await runSql(page, "drop table if exists ag_client, ag_customer, alembic_version cascade;\ncreate table ag_client (id bigint primary key, name text);\ninsert into ag_client values (1, 'Ada');");
  await page.getByRole('link', { name: 'Migrations' }).click();
  await page.getByLabel('Target schema (SQL)').fill('create table ag_customer (id bigint primary key, name text);\ncreate index ag_customer_name on ag_customer (name);');
  await page.getByRole('button', { name: 'Autogenerate from this target' }).click();
  await expect(page.getByText(/^Autogenerated \d+ statements/)).toBeVisible();
  const lint = page.getByRole('region', { name: /Lint of the upgrade/ });
  await expect(lint.getByText('diff_drop_table')).toBeVisible();
  await page.getByRole('list', { name: 'Proposed renames' }).getByRole('button', { name: 'Accept rename' }).click();
  await expect(page.getByLabel('Upgrade SQL')).toHaveValue(/ALTER TABLE public.ag_client RENAME TO ag_customer/);
  await expect(lint.getByText('diff_drop_table')).toHaveCount(0);
  await page.getByRole('button', { name: 'Save revision' }).click();
  await page.getByLabel('Upgrade to').fill('head');
  await page.getByRole('button', { name: 'Upgrade', exact: true }).click();
  await expect(page.getByText(/^Upgraded: /)).toBeVisible();
  await page.getByRole('link', { name: 'Playground' }).click();
  await runSql(page, 'select name from ag_customer;');
  await expect(page.getByRole('table').last()).toContainText('Ada');
});

test('Migrations workbench: autogenerate towards another workspace, which is left unchanged', async ({ page }) => {
  test.setTimeout(240_000);
  page.on('dialog', (d) => void d.accept());
  await runSql(page, 'drop table if exists ow_only_there, ow_shared, alembic_version cascade;\ncreate table ow_shared (id bigint primary key);');
  // The other workspace: the shared table and one only it has, with a row.
  await openWorkspacesPanel(page);
  await workspaces(page).getByLabel("New workspace's name").fill('mig target');
  await workspaces(page).getByRole('button', { name: 'Create an empty workspace' }).click();
  await isOpen(page, 'mig target');
  await runSql(page, "create table ow_shared (id bigint primary key);\ncreate table ow_only_there (id bigint primary key, label text not null);\ninsert into ow_only_there values (1, 'kept');");
  expect(await firstCell(page, 'select count(*) from ow_only_there;')).toBe('1');

  await openWorkspacesPanel(page);
  await workspaces(page).getByRole('button', { name: 'Open playground' }).click();
  await isOpen(page, 'playground');
  await page.getByRole('link', { name: 'Migrations' }).click();
  await page.getByRole('radio', { name: /another workspace/ }).check();
  await page.getByLabel('Target workspace').selectOption({ label: 'mig target' });
  await page.getByRole('button', { name: 'Autogenerate from this target' }).click();
  await expect(page.getByText(/^Autogenerated \d+ statements? towards workspace “mig target”/)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByLabel('Upgrade SQL')).toHaveValue(/CREATE TABLE public\.ow_only_there/);
  await expect(page.getByLabel('Upgrade SQL')).not.toHaveValue(/CREATE TABLE public\.ow_shared/);
  await expect(page.getByLabel('Downgrade SQL')).toHaveValue(/DROP TABLE IF EXISTS public\.ow_only_there/);
  await expect(page.getByRole('region', { name: /Lint of the upgrade/ })).toBeVisible();
  // Nothing ran here either: the draft is only a proposal until it is saved and upgraded.
  await page.getByRole('link', { name: 'Playground' }).click();
  expect(await firstCell(page, "select count(*) from pg_class where relname = 'ow_only_there';")).toBe('0');

  // The other workspace is as it was: its table, its row, no version table.
  await openWorkspacesPanel(page);
  await workspaces(page).getByRole('button', { name: 'Open mig target' }).click();
  await isOpen(page, 'mig target');
  expect(await firstCell(page, 'select label from ow_only_there;')).toBe('kept');
  expect(await firstCell(page, "select count(*) from pg_class where relname = 'alembic_version';")).toBe('0');
});

test('Migrations workbench: stamp records a revision without running it', async ({ page }) => {
  await runSql(page, 'drop table if exists st_never_run, alembic_version cascade;');
  await page.getByRole('link', { name: 'Migrations' }).click();
  await page.getByLabel('Message').fill('never run');
  await page.getByLabel('Upgrade SQL').fill('create table st_never_run (id bigint primary key);');
  await page.getByLabel('Downgrade SQL').fill('drop table st_never_run;');
  await page.getByRole('button', { name: 'Save revision' }).click();
  const saved = (await page.getByText(/^Saved revision [0-9a-f]{12}\.$/).textContent())!.match(/[0-9a-f]{12}/)![0];
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.accept();
  });
  await page.getByRole('button', { name: `Stamp here: record ${saved} as applied without running anything` }).click();
  await expect(page.getByText(`Stamped: alembic_version now records ${saved}; no revision's SQL was run.`)).toBeVisible();
  expect(asked).toContain('Nothing is run');
  await expect(page.getByRole('status').filter({ hasText: `Current revision: ${saved}` })).toBeVisible();
  await page.getByRole('link', { name: 'Playground' }).click();
  expect(await firstCell(page, "select count(*) from pg_class where relname = 'st_never_run';")).toBe('0');
  expect(await firstCell(page, 'select version_num from alembic_version;')).toBe(saved);
});
