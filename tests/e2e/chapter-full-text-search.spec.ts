import { test, expect } from '@playwright/test';
import { setSql } from './helpers.ts';

// The full-text search chapter in the browser: its database builds (three languages, unaccent,
// pg_trgm), an example runs, a typical wrong answer gets feedback, the solution passes.
test('full-text search chapter: example, a wrong answer, the solution', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./#/lessons/full-text-search');
  await expect(page.getByRole('heading', { level: 1, name: 'Full-text search' })).toBeVisible({ timeout: 30_000 });
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 180_000 });
  test.info().annotations.push({ type: 'build', description: (await dbStatus.textContent()) ?? '' });

  // Example 1: the articles by language and configuration.
  const example = page.getByRole('group', { name: 'Example 1', exact: true });
  await example.getByRole('button', { name: 'Run' }).click();
  const exampleResult = page.getByLabel('Results of Example 1', { exact: true });
  await expect(exampleResult.getByRole('cell', { name: 'english', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(exampleResult.getByRole('cell', { name: 'german', exact: true })).toBeVisible();

  const toc = page.getByRole('navigation', { name: 'Lessons contents' });
  await toc.getByRole('link', { name: /Every form of a word/ }).click();
  await expect(page).toHaveURL(/#\/lessons\/full-text-search\/stemming$/);
  const panel = page.getByRole('region', { name: 'Exercise' });

  // A substring match: misses the other forms of the word and reads every row.
  await setSql(page, `select id from articles where lang = 'en' and (title ilike '%connect%' or body ilike '%connect%');`);
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('alert').filter({ hasText: /Not yet/ })).toBeVisible({ timeout: 90_000 });
  const feedback = panel.getByRole('region', { name: 'Check feedback' });
  await expect(feedback.getByLabel('Plan outline').first()).toContainText('Seq Scan on articles');

  await setSql(page, `select id from articles where lang = 'en' and search @@ to_tsquery('english', 'connect');`);
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: all \d+ checks succeeded/ })).toBeVisible({ timeout: 90_000 });
  await expect(toc.getByRole('link', { name: /Every form of a word/ })).toContainText('✓');
});
