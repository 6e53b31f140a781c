import { expect, type Page } from '@playwright/test';

export async function openApp(page: Page, query = '') {
  await page.goto(`./${query}`);
  await expect(page.getByRole('status').filter({ hasText: /PostgreSQL 18/ })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled();
}

/** Replaces the editor's text (insertText avoids auto-closing brackets and completion). */
export async function setSql(page: Page, sql: string) {
  const editor = page.getByRole('textbox', { name: 'SQL editor' });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(sql);
}

export async function runSql(page: Page, sql: string) {
  await setSql(page, sql);
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
}

export const results = (page: Page) => page.getByLabel('Results').locator('section');

/** Every text shown in role="alert" from now on, in order (messages can be replaced by the next run's). */
export async function recordAlerts(page: import('@playwright/test').Page): Promise<string[]> {
  const said: string[] = [];
  await page.exposeFunction('pglabSawAlert', (t: string) => said.push(t));
  await page.addInitScript(() => {
    new MutationObserver(() => {
      for (const a of document.querySelectorAll('[role="alert"]')) (window as unknown as { pglabSawAlert: (t: string) => void }).pglabSawAlert(a.textContent ?? '');
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  return said;
}
