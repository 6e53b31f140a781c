import { test, expect } from '@playwright/test';
import { setSql } from './helpers.ts';

// The JSONB chapter in the browser: its database builds, an example shows a document, a typical
// wrong answer gets specific feedback and the right one passes.
test('jsonb chapter: run an example, fail with ->> on a JSON null, pass with ?', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('./#/lessons/jsonb');
  await expect(page.getByRole('heading', { level: 1, name: 'JSONB for flexible data' })).toBeVisible({ timeout: 30_000 });
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 120_000 });
  test.info().annotations.push({ type: 'build', description: (await dbStatus.textContent()) ?? '' });

  // The json/jsonb example: json keeps the text, jsonb keeps the last duplicate key, sorted.
  const example = page.getByRole('group', { name: 'Example 3', exact: true });
  await example.getByRole('button', { name: 'Run' }).click();
  await expect(example.getByRole('cell', { name: /^\{\s*"a": 3, "b": 1\s*\}$/ })).toBeVisible({ timeout: 30_000 });
  await expect(example.getByRole('cell', { name: /^\{"b": 1,\s+"a": 2, "a": 3\}$/ })).toBeVisible();

  const toc = page.getByRole('navigation', { name: 'Lessons contents' });
  await toc.getByRole('link', { name: /Products with a recall notice/ }).click();
  await expect(page).toHaveURL(/#\/lessons\/jsonb\/key-exists$/);
  const panel = page.getByRole('region', { name: 'Exercise' });
  await expect(panel.getByRole('heading', { name: /Products with a recall notice/ })).toBeVisible();

  // The listed mistake: ->> turns the JSON null into SQL NULL, so those recalls go missing.
  await setSql(page, "select id, name from products where attrs ->> 'recall' is not null;");
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('alert').filter({ hasText: /Not yet/ })).toBeVisible({ timeout: 60_000 });
  const feedback = panel.getByRole('region', { name: 'Check feedback' });
  await expect(feedback).toContainText(/expected rows? (is|are) missing/);

  await setSql(page, "select id, name from products where attrs ? 'recall';");
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: (all \d+ checks|the check) succeeded/ })).toBeVisible({ timeout: 60_000 });
  await expect(panel.getByRole('region', { name: 'Explanation' })).toContainText('jsonb_ops');
  await expect(toc.getByRole('link', { name: /Products with a recall notice/ })).toContainText('✓');
});
