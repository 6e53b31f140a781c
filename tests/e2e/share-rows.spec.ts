// Rows loaded with \copy from a file are not made by the script: Share carries them (and says so),
// and a fresh profile opening the link gets the same rows and the same plan.
import { test, expect } from '@playwright/test';
import { openApp, results, runSql, setSql } from './helpers.ts';

const CSV = Array.from({ length: 300 }, (_, i) => `${i + 1},${i % 100}`).join('\n') + '\n';
const SCRIPT = `create table loaded (id int primary key, grp int not null);
\\copy loaded from 'loaded.csv' csv
create index loaded_grp_idx on loaded (grp);
analyze loaded;
select * from loaded where grp = 7;`;

test('rows loaded by \\copy travel in the share link: the dialog says so, and the receiver gets the same rows and plan', async ({ page, browser }) => {
  test.setTimeout(180_000);
  await openApp(page);
  await runSql(page, SCRIPT.slice(0, SCRIPT.indexOf('create index')));
  await results(page).last().getByLabel('Choose loaded.csv').setInputFiles({ name: 'loaded.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await expect(results(page).last()).toContainText('COPY 300');
  await runSql(page, SCRIPT.slice(SCRIPT.indexOf('create index'), SCRIPT.indexOf('select * from loaded')));
  await setSql(page, SCRIPT);
  await page.getByRole('button', { name: 'Share' }).click();
  const panel = page.getByRole('region', { name: 'Share this repro' });
  await expect(panel.getByRole('list', { name: 'What this repro carries and what it does not' })).toContainText("Rows the script does not make, carried from the sender's database: public.loaded (300 rows).");
  const link = await panel.getByRole('textbox', { name: 'Share link' }).inputValue();

  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(link);
  const view = other.getByRole('region', { name: 'Shared repro' });
  await expect(view.getByLabel('Set-up script')).toContainText('insert into public.loaded ("id", "grp") values');
  await view.getByRole('button', { name: 'Run' }).click();
  await expect(view.getByRole('status').filter({ hasText: /plan shapes/ })).toHaveText(/The plan shapes match/, { timeout: 60_000 });
  // The estimate comes from the carried rows (an empty table would be estimated at 1 row or none).
  await expect(view.getByRole('region', { name: 'The plan here' })).toContainText('3 rows est.');
  // Kept as a workspace, the scratch database holds the very rows.
  const keepForm = view.getByRole('form', { name: 'Keep this repro' });
  await keepForm.getByLabel('Name').fill('with rows');
  await keepForm.getByRole('button', { name: 'Keep as workspace' }).click();
  await expect(other.getByRole('button', { name: 'Workspace: with rows' })).toBeVisible({ timeout: 60_000 });
  await expect(other.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  await runSql(other, "select count(*) as n, sum(id * 1000 + grp) as s from loaded;");
  await expect(results(other).last().getByRole('table')).toContainText(`300${(300 * 301 / 2) * 1000 + 3 * 4950}`);
  await context.close();
});
