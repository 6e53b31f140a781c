import { test, expect } from '@playwright/test';
import { setSql } from './helpers.ts';

// The schema-design chapter in the app: run an example, fail the soft-delete exercise with a
// typical mistake (the behavior and catalog checks say why), then pass it.
test('schema-design chapter: an example runs, a wrong soft delete is refused, the right one passes', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./#/lessons/schema-design');
  const toc = page.getByRole('navigation', { name: 'Lessons contents' });
  await expect(page.getByRole('heading', { level: 1, name: 'Schema design and normalization' })).toBeVisible({ timeout: 30_000 });
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 150_000 });
  test.info().annotations.push({ type: 'build', description: (await dbStatus.textContent()) ?? '' });

  // The first example counts the spreadsheet's orders.
  const example = page.getByRole('group', { name: 'Example 1', exact: true });
  await example.getByRole('button', { name: 'Run' }).click();
  await expect(example.getByRole('cell', { name: '9000', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('link', { name: 'Analyze' }).first()).toHaveAttribute('href', '#/analyze');

  await toc.getByRole('link', { name: /Soft delete with a partial unique index/ }).click();
  const panel = page.getByRole('region', { name: 'Exercise' });
  await expect(panel.getByRole('heading', { name: /Soft delete with a partial unique index/ })).toBeVisible();

  // A listed mistake: the predicate the wrong way round.
  await setSql(page, 'create unique index app_users_live_email_key on app_users (email) where deleted_at is not null;\ncreate view live_users as select * from app_users where deleted_at is null;');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('alert').filter({ hasText: /Not yet/ })).toBeVisible({ timeout: 90_000 });
  const feedback = panel.getByRole('region', { name: 'Check feedback' });
  await expect(feedback).toContainText('A second live account with an email in use');
  test.info().annotations.push({ type: 'check (wrong)', description: (await feedback.getByText(/Checked in/).textContent()) ?? '' });

  await setSql(page, 'create unique index app_users_live_email_key on app_users (email) where deleted_at is null;\ncreate view live_users as select * from app_users where deleted_at is null;');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: all \d+ checks succeeded/ })).toBeVisible({ timeout: 90_000 });
  test.info().annotations.push({ type: 'check (pass)', description: (await feedback.getByText(/Checked in/).textContent()) ?? '' });
});
