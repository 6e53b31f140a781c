import { test, expect } from '@playwright/test';
import { setSql } from './helpers.ts';

// The SQLAlchemy chapter in the browser: it opens with its Python shown as code (pglab runs no
// Python), an example runs, a typical wrong answer fails a check and the reference answer passes.
test('sqlalchemy chapter: run an example, fail with a wrong answer, pass an exercise', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('./#/lessons/sqlalchemy');
  await expect(page.getByRole('heading', { level: 1, name: 'SQLAlchemy models and relationships' })).toBeVisible({ timeout: 30_000 });
  // The Python is there as code, and the chapter says it is not run.
  await expect(page.getByRole('article').locator('code', { hasText: 'class Author(Base):' }).first()).toBeVisible();
  await expect(page.getByRole('article')).toContainText('pglab runs no Python');

  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 120_000 });

  // Example 1 lists the tables the models created.
  const example = page.getByRole('group', { name: 'Example 1', exact: true });
  await example.getByRole('button', { name: 'Run' }).click();
  const exampleResult = page.getByLabel('Results of Example 1', { exact: true });
  await expect(exampleResult.getByRole('cell', { name: 'post_tags', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(exampleResult.getByRole('cell', { name: 'comments', exact: true })).toBeVisible();

  // Exercise 4: the statements selectinload sends.
  const toc = page.getByRole('navigation', { name: 'Lessons contents' });
  await toc.getByRole('link', { name: /What selectinload sends/ }).click();
  const panel = page.getByRole('region', { name: 'Exercise' });
  await expect(panel.getByRole('heading', { name: /What selectinload sends/ })).toBeVisible();

  // The typical mistake: posts matched on their own ids instead of the foreign key.
  await setSql(page, 'select authors.id, authors.name from authors where authors.id between 101 and 110;\nselect posts.author_id, posts.id, posts.title from posts where posts.id between 101 and 110;');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('alert').filter({ hasText: /Not yet/ })).toBeVisible({ timeout: 60_000 });

  await setSql(page, 'select authors.id, authors.name from authors where authors.id between 101 and 110;\nselect posts.author_id, posts.id, posts.title from posts\nwhere posts.author_id in (101, 102, 103, 104, 105, 106, 107, 108, 109, 110);');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: all \d+ checks succeeded/ })).toBeVisible({ timeout: 60_000 });
  await expect(panel.getByRole('region', { name: 'Explanation' })).toContainText('Two statements');
});
