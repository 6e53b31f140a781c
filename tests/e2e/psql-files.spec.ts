import { test, expect } from '@playwright/test';
import { openApp, runSql, setSql, results } from './helpers.ts';

// psql's \i (a file chosen by the user runs where the command stands), \e (the query buffer into
// the editor), \gdesc and \crosstabview, in the playground (issue 20).

test('\\i waits for the file the user picks, runs it there, then the rest of the script; Skip goes on without it', async ({ page }) => {
  await openApp(page);
  await setSql(page, 'drop table if exists included;\n\\i setup.sql\nselect count(*) as n from included;');
  await page.getByRole('button', { name: 'Run' }).click();
  const ask = page.getByRole('group', { name: 'File for \\i' });
  await expect(ask).toContainText('setup.sql');
  await ask.getByLabel('Choose setup.sql').setInputFiles({ name: 'setup.sql', mimeType: 'text/plain', buffer: Buffer.from("create table included (a int);\ninsert into included values (1), (2), (3);\n") });
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  await expect(ask).toHaveCount(0);
  await expect(results(page).filter({ hasText: 'INSERT 0 3' })).toHaveCount(1);
  await expect(results(page).last().getByRole('table')).toContainText('3');

  await setSql(page, '\\i other.sql\nselect 42 as after_skip;');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('button', { name: 'Skip the file' }).click();
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  await expect(results(page).first()).toContainText('other.sql was skipped');
  await expect(results(page).last().getByRole('table')).toContainText('42');
});

test('\\e puts the query buffer in the editor; \\gdesc and \\crosstabview show their grids', async ({ page }) => {
  await openApp(page);
  await runSql(page, "select 'x'::varchar(5) as v, 2.5::numeric(4,1) as n \\gdesc");
  const desc = results(page).first().getByRole('table');
  await expect(desc).toContainText('character varying(5)');
  await expect(desc).toContainText('numeric(4,1)');
  await runSql(page, "select * from (values ('a', 'x', 1), ('a', 'y', 2), ('b', 'x', 3)) v(k, h, n) \\crosstabview");
  const pivot = results(page).first().getByRole('table');
  await expect(pivot.getByRole('columnheader')).toHaveText([/k/, /x/, /y/]);
  await runSql(page, 'select 40 + 2 as answer;\n\\e');
  await results(page).last().getByRole('button', { name: 'Open the query in the editor' }).click();
  await expect(page.getByRole('textbox').first()).toContainText('select 40 + 2 as answer');
});
