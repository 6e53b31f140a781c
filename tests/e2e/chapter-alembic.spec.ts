import { test, expect } from '@playwright/test';
import { setSql } from './helpers.ts';

// The Alembic chapter in the browser: it opens with its Python shown as code, an example shows the
// alembic_version row, an index built without CONCURRENTLY fails the migration lint check (shown
// as such), and the concurrent build passes.
test('alembic chapter: run an example, fail with a wrong answer, pass an exercise', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./#/lessons/alembic');
  await expect(page.getByRole('heading', { level: 1, name: 'Alembic migrations' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('article').locator('code', { hasText: 'op.get_context().autocommit_block()' }).first()).toBeVisible();

  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 180_000 });

  // Example 2 reads the revision the database is at.
  const example = page.getByRole('group', { name: 'Example 2', exact: true });
  await example.getByRole('button', { name: 'Run' }).click();
  const exampleResult = page.getByLabel('Results of Example 2', { exact: true });
  await expect(exampleResult.getByRole('cell', { name: '4f2a9c1d7e03', exact: true })).toBeVisible({ timeout: 30_000 });

  const toc = page.getByRole('navigation', { name: 'Lessons contents' });
  await toc.getByRole('link', { name: /An index built while orders keep coming/ }).click();
  const panel = page.getByRole('region', { name: 'Exercise', exact: true });
  await expect(panel.getByRole('heading', { name: /An index built while orders keep coming/ })).toBeVisible();

  // The plain CREATE INDEX: the right index, but it blocks writes while it is built.
  await setSql(page, 'create index orders_customer_id_idx on orders (customer_id);');
  await panel.getByRole('button', { name: 'Check' }).click();
  const notYet = panel.getByRole('alert').filter({ hasText: /Not yet/ });
  await expect(notYet).toBeVisible({ timeout: 90_000 });
  await expect(notYet).toContainText('migration lint');
  await expect(panel.getByText(/The migration lint reports 1 finding: non_concurrent_index/)).toBeVisible();

  await setSql(page, 'create index concurrently orders_customer_id_idx on orders (customer_id);');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: all \d+ checks succeeded/ })).toBeVisible({ timeout: 90_000 });
  await expect(panel.getByRole('region', { name: 'Explanation' })).toContainText('SHARE UPDATE EXCLUSIVE');
});
