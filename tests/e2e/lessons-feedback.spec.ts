import { test, expect } from '@playwright/test';
import { setSql } from './helpers.ts';

// The lesson view's feedback and keyboard slips (issues 12 and 20): nothing is timed for an empty
// answer, expected rows show once a hint is open, exercise numbers are not clipped, and the editor
// is one key away.
test('lessons: an empty answer, expected rows after a hint, whole exercise numbers, a skip to the editor', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('./#/lessons/indexes/function-on-column');
  const panel = page.getByRole('region', { name: 'Exercise', exact: true });
  await expect(panel.getByRole('heading', { name: /Exercise 11:/ })).toBeVisible({ timeout: 30_000 });
  const dbStatus = page.getByRole('article').getByRole('status').first();
  await expect(dbStatus).toHaveText(/Chapter database ready|set up for/, { timeout: 120_000 });

  // Exercise numbers 10 and 11 are whole, and inside the chapter's box (not clipped at its left edge).
  const article = page.getByRole('article');
  const box = (await article.boundingBox())!;
  for (const n of [1, 10, 11]) {
    const link = article.getByRole('link', { name: new RegExp(`^${n}\\. `) });
    await expect(link).toBeVisible();
    const num = (await link.locator('.num').boundingBox())!;
    expect(num.x, `exercise ${n}`).toBeGreaterThanOrEqual(box.x);
  }

  // Keyboard: from the top of the page, a few Tabs reach "Skip to the exercise editor"; Enter puts the focus in the editor.
  await page.locator('body').focus();
  const skip = page.getByRole('button', { name: 'Skip to the exercise editor' });
  let tabs = 0;
  while (tabs < 15 && !(await skip.evaluate((el) => el === document.activeElement))) {
    await page.keyboard.press('Tab');
    tabs++;
  }
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'SQL editor' })).toBeFocused();

  // An empty answer: the learner is told there is nothing to check, and no time is given.
  await setSql(page, '-- nothing yet\n');
  await panel.getByRole('button', { name: 'Check' }).click();
  const feedback = panel.getByRole('region', { name: 'Check feedback' });
  await expect(feedback.getByRole('alert')).toHaveText(/Nothing to check/, { timeout: 30_000 });
  await expect(feedback).not.toContainText('Checked in');

  // A wrong result: the expected rows wait behind a button on the first try…
  await setSql(page, "select count(*) as orders, sum(total) as revenue from orders where created_at >= '2024-03-15' and created_at < '2024-03-17';");
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(feedback.getByRole('alert')).toHaveText(/Not yet/, { timeout: 90_000 });
  await expect(feedback).toContainText('Checked in');
  await expect(feedback.getByRole('button', { name: 'Show the expected rows that are missing' })).toBeVisible();
  await expect(feedback.getByRole('table').filter({ hasText: 'Missing rows' })).toHaveCount(0);
  await expect(feedback.getByRole('table').filter({ hasText: 'Rows not expected' })).toBeVisible();
  // …and show at once after a hint was opened.
  await panel.getByRole('button', { name: 'Show a hint' }).click();
  await expect(feedback.getByRole('table').filter({ hasText: 'Missing rows' })).toBeVisible();
  await expect(feedback.getByRole('button', { name: 'Show the expected rows that are missing' })).toHaveCount(0);

  // The right answer passes: its plan uses the index the exercise's setup creates on the checker's copy.
  // It reads only, so it runs in a read-only transaction and needs no intact check: a result and a plan check.
  await setSql(page, "select count(*) as orders, sum(total) as revenue from orders where created_at >= '2024-03-15' and created_at < '2024-03-16';");
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed: all 2 checks succeeded/ })).toBeVisible({ timeout: 90_000 });
  await expect(feedback).toContainText("read-only, rolled back");
});
