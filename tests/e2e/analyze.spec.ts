import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { openApp, runSql } from './helpers.ts';

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

test('Analyze finds a missing primary key and an unindexed foreign key, opens the fix in the editor and draws the tables', async ({ page }) => {
  await runSql(
    page,
    `drop table if exists az_line, az_order, az_customer cascade;
create table az_customer (id int primary key, name text not null);
create table az_order (id int primary key, customer_id int not null references az_customer, payload json);
create table az_line (order_id int references az_order, qty int);`,
  );

  await page.getByRole('link', { name: 'Analyze' }).click();
  await expect(page).toHaveURL(/#\/analyze$/);
  // Usage-based findings cover only the time since this tab's database started.
  await expect(page.getByText(/counters .* start at zero with every start/)).toBeVisible();
  const analyze = page.getByRole('button', { name: 'Analyze database' });
  await expect(analyze).toBeEnabled();
  await analyze.click();
  // Progress names the module running, then the summary replaces it.
  await expect(page.getByRole('status').filter({ hasText: /Running (Schema inspector|Index analyzer|Query analyzer|Schema linter)|Analyzed in/ })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /Analyzed in [\d.]+ s/ })).toBeVisible({ timeout: 60_000 });
  // pg_stat_statements is created on first need, and has recorded the statements run before.
  await expect(page.getByText(/\d+ distinct statements recorded by pg_stat_statements/)).toBeVisible();
  await expect(page.getByText('pg_stat_statements_missing')).toHaveCount(0);

  const findings = page.getByRole('region', { name: /Findings/ });
  const noPk = findings.getByRole('listitem').filter({ hasText: 'table_without_primary_key' }).filter({ hasText: 'az_line' });
  await expect(noPk).toHaveCount(1);
  await expect(noPk).toContainText('az_line');
  const unindexed = findings.getByRole('listitem').filter({ hasText: 'unindexed_foreign_key' });
  await expect(unindexed.filter({ hasText: 'az_order constraint az_order_customer_id_fkey (customer_id)' })).toHaveCount(1);
  await expect(unindexed.filter({ hasText: 'az_line constraint az_line_order_id_fkey (order_id)' })).toHaveCount(1);
  await expect(findings.getByRole('listitem').filter({ hasText: 'json_instead_of_jsonb' }).filter({ hasText: 'az_order' })).toHaveCount(1);
  await expect(findings.getByRole('heading', { name: /^Warnings \(\d+\)$/ })).toBeVisible();

  // Filters: only the index analyzer's findings, then none at all.
  await findings.getByLabel('Module').selectOption('indexes');
  await expect(findings.getByRole('listitem').filter({ hasText: 'table_without_primary_key' })).toHaveCount(0);
  await expect(unindexed.first()).toBeVisible();
  await findings.getByLabel('Module').selectOption('all');

  // The diagram is a picture named after its tables, with its relationships as text.
  const diagram = page.getByRole('img', { name: /Entity–relationship diagram of \d+ tables/ });
  await expect(diagram).toBeVisible();
  for (const t of ['az_customer', 'az_order', 'az_line']) {
    await expect(diagram).toHaveAccessibleName(new RegExp(`\\b${t}\\b`));
    await expect(diagram.locator('text.title', { hasText: new RegExp(`^${t}$`) })).toHaveCount(1);
  }
  const relationships = page.getByRole('list', { name: 'Foreign key relationships' });
  await expect(relationships).toContainText('az_order (customer_id) references az_customer (id)');
  await expect(relationships).toContainText('az_line (order_id) references az_order (id)');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect(page.getByLabel('Zoom level')).toHaveText(/^\d+%$/);

  // The Markdown documentation downloads as a file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Markdown' }).click()]);
  expect(download.suggestedFilename()).toMatch(/-schema\.md$/);
  const md = readFileSync(await download.path(), 'utf8');
  expect(md).toContain('az_order');
  expect(md).toContain('## Relationships');

  // The fix opens in the playground's editor, unrun.
  const fixSql = (await unindexed.filter({ hasText: 'az_order_customer_id_fkey' }).locator('pre').innerText()).trim();
  expect(fixSql).toMatch(/^CREATE INDEX CONCURRENTLY/);
  await unindexed.filter({ hasText: 'az_order_customer_id_fkey' }).getByRole('button', { name: 'Open fix in editor' }).click();
  await expect(page).not.toHaveURL(/#\/analyze/);
  const editor = page.getByRole('textbox', { name: 'SQL editor' });
  await expect(editor).toContainText('CREATE INDEX CONCURRENTLY');
  await expect(editor).toContainText('az_order (customer_id)');

  // Back in Analyze, the last results are still there.
  await page.getByRole('link', { name: 'Analyze' }).click();
  await expect(page.getByRole('button', { name: 'Analyze again' })).toBeEnabled();
  await expect(page.getByRole('region', { name: /Findings/ }).getByRole('listitem').filter({ hasText: 'table_without_primary_key' }).first()).toBeVisible();
});
