import { test, expect } from '@playwright/test';
import { setSql } from './helpers.ts';

// One story, in the order a learner meets it: the chapter's database is built once (seconds),
// so everything happens on the same page visit, then a reload checks the progress is kept.
test('lessons: run an example, get specific feedback on a wrong answer, pass an exercise, keep the progress', async ({ page }) => {
  test.setTimeout(150_000);
  await page.goto('./#/lessons/indexes');

  const toc = page.getByRole('navigation', { name: 'Lessons contents' });
  await expect(toc.getByRole('link', { name: 'Indexes', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Indexes' })).toBeVisible();

  // The database is built from the chapter's dataset, with progress, then ready.
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Building the chapter database|Chapter database ready/);
  await expect(dbStatus).toHaveText(/Chapter database ready \(built in [\d.]+ s/, { timeout: 90_000 });
  test.info().annotations.push({ type: 'build', description: (await dbStatus.textContent()) ?? '' });

  // The first example lists the dataset's tables with their row counts.
  const example = page.getByRole('group', { name: 'Example 1', exact: true });
  await example.getByRole('button', { name: 'Run' }).click();
  const exampleResult = page.getByLabel('Results of Example 1', { exact: true });
  await expect(exampleResult.getByRole('cell', { name: 'orders', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(exampleResult.getByRole('cell', { name: 'customers', exact: true })).toBeVisible();

  // Reset restores the snapshot (after a confirmation: the example changed nothing, but it ran).
  const confirmReset = page.getByRole('alertdialog', { name: 'Reset the chapter database?' }).getByRole('button', { name: 'Reset and lose my changes' });
  await page.getByRole('button', { name: 'Reset chapter database' }).click();
  await confirmReset.click();
  await expect(dbStatus).toHaveText(/reset to its starting state in [\d.]+ s/, { timeout: 30_000 });
  test.info().annotations.push({ type: 'reset', description: (await dbStatus.textContent()) ?? '' });

  // A restored database loads only the chapter's extensions; another one is loaded when created.
  await setSql(page, `create extension hstore;\nselect ('a=>1'::hstore) -> 'a' as hstore_value;`);
  const lessonEditor = page.locator('.lesson-editor');
  await lessonEditor.getByRole('button', { name: 'Run', exact: true }).click();
  const editorResults = lessonEditor.getByLabel('Results', { exact: true });
  await expect(editorResults.getByRole('table').filter({ hasText: 'hstore_value' }).getByRole('cell', { name: '1', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(editorResults.getByRole('alert')).toHaveCount(0);
  // And a reset drops it again, with the rest of the learner's changes (the Run button waits for it).
  await page.getByRole('button', { name: 'Reset chapter database' }).click();
  await confirmReset.click();
  await setSql(page, `select count(*) as hstore_installed from pg_extension where extname = 'hstore';`);
  await lessonEditor.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(editorResults.getByRole('table').filter({ hasText: 'hstore_installed' }).getByRole('cell', { name: '0', exact: true })).toBeVisible({ timeout: 30_000 });

  // The exercise, from the contents.
  await toc.getByRole('link', { name: /Find a customer by e-mail/ }).click();
  await expect(page).toHaveURL(/#\/lessons\/indexes\/btree-lookup$/);
  const panel = page.getByRole('region', { name: 'Exercise' });
  await expect(panel.getByRole('heading', { name: /Exercise 1: Find a customer by e-mail/ })).toBeVisible();

  // Hints come one at a time.
  await panel.getByRole('button', { name: 'Show a hint' }).click();
  await expect(panel.getByRole('list', { name: 'Hints' }).getByRole('listitem')).toHaveCount(1);
  await expect(panel.getByText('1 of 3 hints shown')).toBeVisible();

  // A typical mistake (listed in the exercise): an index on the wrong column.
  await setSql(page, 'create index on customers (name);');
  await panel.getByRole('button', { name: 'Check' }).click();
  const alert = panel.getByRole('alert').filter({ hasText: /Not yet/ });
  await expect(alert).toBeVisible({ timeout: 60_000 });
  const feedback = panel.getByRole('region', { name: 'Check feedback' });
  await expect(feedback).toContainText('No btree index on customers (email)');
  await expect(feedback).toContainText('customers_name_idx');
  await expect(feedback.getByLabel('Plan outline').first()).toContainText('Seq Scan on customers');
  test.info().annotations.push({ type: 'check (wrong)', description: (await feedback.getByText(/Checked in/).textContent()) ?? '' });

  // The learner's own database was not touched by the check: no customers_name_idx there.
  // The solution passes and the explanation appears.
  await setSql(page, 'create index customers_email_idx on customers (email);');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: all 4 checks succeeded/ })).toBeVisible({ timeout: 60_000 });
  await expect(panel.getByRole('region', { name: 'Explanation' })).toContainText('B-tree');
  test.info().annotations.push({ type: 'check (pass)', description: (await feedback.getByText(/Checked in/).textContent()) ?? '' });
  const done = toc.getByRole('link', { name: /Find a customer by e-mail/ });
  await expect(done).toContainText('✓');

  // Progress is kept across a reload, and the deep link opens the same exercise.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Exercise' }).getByRole('heading', { name: /Exercise 1: Find a customer by e-mail/ })).toBeVisible({ timeout: 30_000 });
  await expect(toc.getByRole('link', { name: /Find a customer by e-mail/ })).toContainText('✓');
  await expect(toc.getByRole('link', { name: /Find a customer by e-mail/ })).toContainText('Passed');
  await expect(page.getByRole('region', { name: 'Exercise' }).getByText('1 of 3 hints shown')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'SQL editor' })).toContainText('create index customers_email_idx on customers (email);');
});
