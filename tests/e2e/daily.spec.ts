import { test, expect, type Page } from '@playwright/test';
import { openApp, runSql, setSql, results } from './helpers.ts';

// The playground as a daily tool (issue 20): a phone, a dark screen, the keyboard, the
// transaction you are in, the workbench beside the results, psql's scripts.

/** How far the page scrolls sideways (0 when it fits). */
const pageOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test.describe('at 375 px', () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test('no view scrolls the page sideways, also with a long value, a long NOTICE and History open', async ({ page }) => {
    await openApp(page);
    expect(await pageOverflow(page)).toBe(0);
    await runSql(page, `select repeat('long-value-', 300) as v, 1 as a, 2 as b, 3 as c, 4 as d, 5 as e, 6 as f;\ndo $$ begin raise notice '%', repeat('notice-', 400); end $$;\n\\x\nselect repeat('y', 2000) as wide;\n\\x`);
    await expect(results(page)).toHaveCount(5);
    expect(await pageOverflow(page)).toBe(0);
    // The wide grid scrolls inside its own box.
    const grid = results(page).first().locator('.scroll');
    expect(await grid.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await page.getByRole('button', { name: /^History/ }).click();
    const list = page.getByRole('list', { name: 'Run history' });
    await expect(list).toBeVisible();
    const box = (await list.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    expect(await pageOverflow(page)).toBe(0);
    for (const view of ['#/lessons', '#/analyze']) {
      await page.goto(`./${view}`);
      await page.waitForTimeout(1500);
      expect({ view, overflow: await pageOverflow(page) }).toEqual({ view, overflow: 0 });
    }
    // Migrations with its two wide tables filled: a saved revision and a measured draft.
    await page.goto('./#/migrations');
    await page.getByLabel('Message').fill('a revision with a rather long message to widen its row');
    await page.getByLabel('Upgrade SQL').fill('create table daily_mg_customers_with_a_long_name (id bigint primary key, name text);\ncreate index daily_mg_customers_with_a_long_name_idx on daily_mg_customers_with_a_long_name (name);');
    await page.getByLabel('Downgrade SQL').fill('drop table daily_mg_customers_with_a_long_name;');
    await page.getByRole('button', { name: 'Measure locks (rolled back)' }).click();
    await expect(page.getByRole('table', { name: 'Measured statements' })).toBeVisible();
    await page.getByRole('button', { name: 'Save revision' }).click();
    await expect(page.getByRole('table', { name: 'Revisions' })).toBeVisible();
    expect({ view: '#/migrations', overflow: await pageOverflow(page) }).toEqual({ view: '#/migrations', overflow: 0 });
  });
});

test.describe('in dark mode', () => {
  test.use({ colorScheme: 'dark' });

  test('every token of the editor has WCAG AA contrast (4.5:1) on its background', async ({ page }) => {
    await openApp(page);
    await setSql(page, `-- a comment\nselect count(*) as n, 'text' as s, 42.5, null, true from pg_class where relname <> 'x' and oid > 10;\ncreate table t (a int primary key);`);
    const measured = await page.evaluate(() => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const ratio = (a: number[], b: number[]) => {
        const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05);
      };
      // The colour actually behind a node: the first ancestor with an opaque background.
      const bgOf = (el: Element | null): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const c = getComputedStyle(e).backgroundColor;
          const parts = c.match(/[\d.]+/g)?.map(Number) ?? [];
          if (parts.length === 3 || (parts.length === 4 && parts[3] > 0.5)) return parts.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const out: { text: string; ratio: number }[] = [];
      const nodes = [...document.querySelectorAll('.cm-content .cm-line, .cm-content .cm-line span, .cm-gutters .cm-gutterElement')];
      for (const el of nodes) {
        if (!el.textContent?.trim()) continue;
        out.push({ text: el.textContent.slice(0, 20), ratio: ratio(rgb(getComputedStyle(el).color), bgOf(el)) });
      }
      return { out, editorBg: getComputedStyle(document.querySelector('.cm-editor')!).backgroundColor };
    });
    expect(measured.out.length).toBeGreaterThan(15);
    expect(measured.editorBg).not.toBe('rgb(255, 255, 255)');
    const low = measured.out.filter((m) => m.ratio < 4.5);
    expect(low).toEqual([]);
  });
});

test.describe('by keyboard', () => {
  test('focus stays on Run after a run; the skip link reaches the content; History closes on Escape and outside', async ({ page }) => {
    await openApp(page);
    await setSql(page, 'select pg_sleep(0.2), 1 as one;');
    const run = page.getByRole('button', { name: 'Run' });
    await run.focus();
    await page.keyboard.press('Enter');
    await expect(results(page)).toHaveCount(1);
    await expect(run).toBeEnabled();
    await expect(run).toBeFocused();

    // The skip link is the first stop of the tab order, shown when focused.
    const skip = page.getByRole('link', { name: 'Skip to the content' });
    expect(await page.evaluate(() => document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')?.textContent)).toBe('Skip to the content');
    await skip.focus();
    await expect(skip).toBeInViewport();
    await page.keyboard.press('Enter');
    await expect(page.locator('main')).toBeFocused();
    expect(new URL(page.url()).hash).toBe('');

    const history = page.getByRole('button', { name: /^History/ });
    await history.click();
    await expect(page.getByRole('list', { name: 'Run history' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('list', { name: 'Run history' })).toHaveCount(0);
    await expect(history).toBeFocused();
    await history.click();
    await expect(page.getByRole('list', { name: 'Run history' })).toBeVisible();
    await page.getByLabel('Results').click({ position: { x: 5, y: 5 }, force: true });
    await expect(page.getByRole('list', { name: 'Run history' })).toHaveCount(0);
  });
});

test('the transaction indicator shows an open and a failed transaction, and Roll back ends it', async ({ page }) => {
  await openApp(page);
  await runSql(page, 'begin;\nselect 1;');
  const tx = page.getByRole('status', { name: 'Transaction state' });
  await expect(tx).toContainText('=*');
  await expect(tx).toContainText('A transaction is open');
  await runSql(page, 'select 1/0;');
  await expect(tx).toContainText('=!');
  await expect(tx).toContainText('25P02');
  await runSql(page, 'select 2;');
  await expect(results(page).first().getByRole('alert')).toContainText('current transaction is aborted');
  await tx.getByRole('button', { name: 'Roll back' }).click();
  await expect(tx).toHaveCount(0);
  await expect(results(page).last()).toContainText('ROLLBACK');
  await runSql(page, 'select 3 as three;');
  await expect(results(page).first().getByRole('table')).toContainText('three');
});

test('closing the page with a transaction open asks first; once it ends, the page closes without a question', async ({ page }) => {
  await openApp(page);
  await runSql(page, 'begin;\ncreate table draft (id int);');
  await expect(page.getByRole('status', { name: 'Transaction state' })).toContainText('A transaction is open');
  const asked: string[] = [];
  page.on('dialog', (d) => { asked.push(d.type()); void d.dismiss(); });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked).toEqual(['beforeunload']);
  expect(page.isClosed()).toBe(false);
  await runSql(page, 'commit;');
  await expect(page.getByRole('status', { name: 'Transaction state' })).toHaveCount(0);
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(asked).toEqual(['beforeunload']);
});

test.describe('on a wide screen', () => {
  test.use({ viewport: { width: 1500, height: 900 } });

  test('the EXPLAIN workbench sits beside the results and never pushes them down', async ({ page }) => {
    await openApp(page);
    await runSql(page, 'drop table if exists wb_t; create table wb_t as select g as id from generate_series(1, 1000) g; analyze wb_t;\nselect count(*) from wb_t;');
    const firstTop = async () => (await results(page).first().boundingBox())!.y;
    const before = await firstTop();
    await page.getByRole('button', { name: 'Explain this' }).click();
    const panel = page.getByRole('region', { name: 'Explain workbench' });
    await expect(panel).toBeVisible();
    await expect(panel).toContainText('wb_t');
    expect(Math.abs((await firstTop()) - before)).toBeLessThan(2);
    const [res, wb] = [(await page.getByLabel('Results').boundingBox())!, (await panel.boundingBox())!];
    expect(wb.x).toBeGreaterThanOrEqual(res.x + res.width - 1);
    // Hidden and shown again, with its plans kept.
    await page.getByRole('button', { name: 'Hide the workbench' }).click();
    await expect(panel).toHaveCount(0);
    await page.getByRole('button', { name: /Show the EXPLAIN workbench/ }).click();
    await expect(panel).toBeVisible();
    // DDL cannot be explained: said in words, not as a syntax error.
    await setSql(page, 'create table nope (a int);');
    await page.getByRole('button', { name: 'Explain this' }).click();
    await expect(panel.getByRole('alert')).toContainText('Only queries and data changes can be explained');
  });
});

test('psql scripts: variables, \\if, \\gset and COPY … FROM STDIN with its rows run as in psql', async ({ page }) => {
  await openApp(page);
  await runSql(page, [
    'drop table if exists copied;',
    'create table copied (id int, name text);',
    'copy copied from stdin;',
    '1\tone',
    '2\t\\N',
    '\\.',
    'select count(*) as n, count(*) = 2 as two from copied \\gset',
    '\\if :two',
    '\\echo rows: :n',
    '\\else',
    '\\echo never',
    '\\endif',
    'select "";',
    "select :'n' as quoted;",
  ].join('\n'));
  // "Stop at first error" is on: the run stops at select "" as psql with ON_ERROR_STOP would; off, it goes on.
  const blocks = results(page);
  await expect(blocks.filter({ hasText: 'COPY 2' })).toHaveCount(1);
  await expect(blocks.filter({ hasText: 'rows: 2' })).toHaveCount(1);
  await expect(blocks.filter({ hasText: 'zero-length delimited identifier' })).toHaveCount(1);
  await expect(blocks.last()).toContainText('zero-length delimited identifier');
  await page.getByLabel('Stop at first error').uncheck();
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(blocks.last().getByRole('table')).toContainText('quoted');
  await expect(blocks.last().getByRole('table')).toContainText("2");
});

test('\\watch repeats its query until "Stop \\watch", without restarting the database', async ({ page }) => {
  await openApp(page);
  await runSql(page, 'drop table if exists watched; create table watched (v int); begin; insert into watched values (1);');
  await setSql(page, 'select count(*) as n from watched \\watch 0.2');
  await page.getByRole('button', { name: 'Run' }).click();
  const stop = page.getByRole('button', { name: 'Stop \\watch' });
  await expect(stop).toBeEnabled();
  await expect(results(page).filter({ hasText: 'run 3,' })).toHaveCount(1);
  await stop.click();
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled();
  const count = await results(page).count();
  await page.waitForTimeout(800);
  expect(await results(page).count()).toBe(count);
  // No restart: the open transaction (and its uncommitted row) is still there.
  await expect(page.getByRole('status', { name: 'Transaction state' })).toContainText('=*');
  await runSql(page, 'select count(*) as still from watched;');
  await expect(results(page).first().getByRole('table')).toContainText('1');
  await runSql(page, 'rollback;');
});

test('\\copy with a file: to FILE downloads COPY\'s output, from FILE loads the file the user picks; the schema browser exports a table', async ({ page }) => {
  await openApp(page);
  await runSql(page, "drop table if exists filed; create table filed (a int, b text); insert into filed values (1, 'one');");
  await runSql(page, "\\copy filed to 'filed.csv' with (format csv)");
  const downloading = page.waitForEvent('download');
  await results(page).first().getByRole('link', { name: 'Download filed.csv' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('filed.csv');
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(path, 'utf8')).toBe('1,one\n');

  await runSql(page, "\\copy filed from 'more.csv' with (format csv)");
  await results(page).first().getByLabel('Choose more.csv').setInputFiles({ name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from('2,two\n3,"th,ree"\n') });
  await expect(results(page).filter({ hasText: 'COPY 2' })).toHaveCount(1);
  await runSql(page, 'select string_agg(b, \'|\' order by a) as bs from filed;');
  await expect(results(page).first().getByRole('table')).toContainText('one|two|th,ree');

  // The schema browser exports a table with the same command, shown with its result.
  const schema = page.getByRole('navigation', { name: 'Schema browser' });
  await schema.locator('summary', { hasText: /^filed/ }).click();
  await schema.getByRole('button', { name: 'Export filed as CSV' }).click();
  await expect(results(page).first()).toContainText(`\\copy "public"."filed" to 'filed.csv' with (format csv, header)`);
  const exporting = page.waitForEvent('download');
  await results(page).first().getByRole('link', { name: 'Download filed.csv' }).click();
  expect(readFileSync(await (await exporting).path(), 'utf8')).toBe('a,b\n1,one\n2,two\n3,"th,ree"\n');
});
