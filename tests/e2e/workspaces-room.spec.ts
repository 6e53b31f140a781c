// The browser's room, checked before anything is written (an archive, a \copy file, a .sql file
// opened in the editor or run by \i), and the progress of long exports and imports.
import { test, expect, type Page, type Browser } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { openApp, results, runSql, setSql } from './helpers.ts';

const panel = (page: Page) => page.getByRole('region', { name: 'Workspaces' });

async function openPanel(page: Page) {
  const toggle = page.getByRole('button', { name: /^Workspace: / });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await expect(panel(page)).toBeVisible();
}

async function choose(page: Page, button: string | RegExp, file: { name: string; mimeType: string; buffer: Buffer }) {
  const chooser = page.waitForEvent('filechooser');
  await panel(page).getByRole('button', { name: button }).click();
  await (await chooser).setFiles(file);
}

/**
 * A browser whose site gets `quotaSize` bytes. Chromium applies a quota override only to an origin
 * that has not used its storage yet (a new context), and enforces it (a write past it fails with
 * QuotaExceededError), but navigator.storage.estimate() in Playwright's contexts (off the record)
 * keeps reporting the default quota (measured: 10.7 GB reported while writes failed at 50 MB). The
 * estimate is made to report the quota the browser enforces, as a normal profile's does.
 */
async function contextWithQuota(browser: Browser, baseURL: string, quotaSize: number) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL).origin, quotaSize });
  await page.addInitScript((quota) => {
    const reported = navigator.storage.estimate.bind(navigator.storage);
    navigator.storage.estimate = async () => ({ ...(await reported()), quota });
  }, quotaSize);
  return { context, page };
}

/** A packed data directory (datadir-snapshot.ts's layout) declaring `bigBytes` of zeros, gzip'd: tiny on disk. */
function fakeArchive(bigBytes: number, trailer?: number): Buffer {
  const header = Buffer.from(JSON.stringify({ extensions: [], entries: [{ path: '/PG_VERSION', size: 3 }, { path: '/base' }, { path: '/base/big', size: bigBytes }] }));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const gz = gzipSync(Buffer.concat([length, header, Buffer.from('18\n'), Buffer.alloc(bigBytes)]));
  if (trailer !== undefined) gz.writeUInt32LE(trailer, gz.length - 4);
  return gz;
}

/** Every text a named role=status element showed, as it appeared: `name: text`. */
async function recordStatus(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('pglabSawStatus', (t: string) => seen.push(t));
  await page.addInitScript(() => {
    new MutationObserver(() => {
      for (const s of document.querySelectorAll('[role="status"][aria-label]')) (window as unknown as { pglabSawStatus: (t: string) => void }).pglabSawStatus(`${s.getAttribute('aria-label')}: ${(s.textContent ?? '').replace(/\s+/g, ' ').trim()}`);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  return seen;
}

const storeNames = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('pglab-ws-')));

test('with a 50 MB quota, an archive, a \\copy file, a .sql file and an \\i script too big for the room are refused before anything is written; the workspace is intact', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { context, page } = await contextWithQuota(browser, baseURL!, 50_000_000);
  page.on('dialog', (d) => void d.accept());
  await openApp(page);
  await runSql(page, 'create table kept (id int); insert into kept select generate_series(1, 42);');
  const used = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  // Room is left (the app's files and database take 15–30 MB of it): what is refused is each file's need.
  expect(used).toBeLessThan(40_000_000);
  await openPanel(page);

  // 1. An archive whose gzip trailer declares 60 MB: refused before decompressing (60 KB on disk).
  await choose(page, 'Import a dump or archive as a new workspace', { name: 'big.pgdata.gz', mimeType: 'application/gzip', buffer: fakeArchive(60_000_000) });
  const alert = panel(page).getByRole('alert');
  await expect(alert).toContainText(/This archive needs about 66\.0 MB \(its unpacked size, as the file declares it, plus a tenth for saving\), but only \d+\.\d MB is free: the browser gives this site 50\.0 MB/);
  await expect(alert).toContainText(/about \d+\.\d MB is missing\. Nothing was written\./);

  // 2. A trailer that lies small: the packed header's sizes stop it before its files are decompressed.
  await choose(page, 'Import a dump or archive as a new workspace', { name: 'liar.pgdata.gz', mimeType: 'application/gzip', buffer: fakeArchive(60_000_000, 200_000) });
  await expect(alert).toContainText(/This archive needs about 66\.0 MB \(its data directory, as the archive’s header declares it/);
  await expect(alert).toContainText('Nothing was written.');
  expect(await storeNames(page)).toEqual([]);
  await expect(panel(page).getByRole('row')).toHaveCount(2); // the header row and the playground

  // 3. Open a .sql file in the editor: 25 MB would write about 50 MB when run.
  const editor = page.getByRole('textbox', { name: 'SQL editor' });
  const before = await editor.innerText();
  await choose(page, 'Open a .sql file in the editor', { name: 'huge.sql', mimeType: 'application/sql', buffer: Buffer.alloc(25_000_000, 'select 1;\n') });
  await expect(alert).toContainText(/^huge\.sql needs about 55\.0 MB \(twice the file's size: what running it writes, plus a tenth for saving\).*Nothing was opened\./);
  expect(await editor.innerText()).toBe(before);

  // 4. \copy … from a file of 15 MB: its rows inline and the table, three times that.
  await runSql(page, "\\copy kept from 'rows.csv' csv");
  const chooser = results(page).last().getByLabel('Choose rows.csv');
  await chooser.setInputFiles({ name: 'rows.csv', mimeType: 'text/csv', buffer: Buffer.alloc(15_000_000, '7\n') });
  await expect(page.getByRole('alert').filter({ hasText: 'rows.csv needs about' })).toContainText(/rows\.csv needs about 49\.5 MB \(three times the file's size.*Nothing was read or loaded\./);

  // 5. \i of a 25 MB script: refused before it is read, an error on the \i line; none of its inserts ran.
  await setSql(page, "\\i huge-inserts.sql");
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('group', { name: 'File for \\i' }).getByLabel('Choose huge-inserts.sql').setInputFiles({ name: 'huge-inserts.sql', mimeType: 'application/sql', buffer: Buffer.alloc(25_000_000, 'insert into kept values (99);\n') });
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  await expect(results(page).last()).toContainText(/huge-inserts\.sql needs about 55\.0 MB \(twice the file's size: what running it writes.*Its statements did not run\./);

  // A small file fits: the same \copy loads it.
  await runSql(page, "\\copy kept from 'few.csv' csv");
  await results(page).last().getByLabel('Choose few.csv').setInputFiles({ name: 'few.csv', mimeType: 'text/csv', buffer: Buffer.from('43\n44\n45\n') });
  await expect(results(page).last()).toContainText('COPY 3');

  // The workspace is as it was (with the three rows), now and after a reload.
  await runSql(page, 'select count(*) as n from kept;');
  await expect(results(page).last().getByRole('table')).toContainText('45');
  await page.reload();
  await openApp(page);
  await expect(page.getByRole('button', { name: 'Workspace: playground' })).toBeVisible();
  await runSql(page, 'select count(*) as n from kept;');
  await expect(results(page).last().getByRole('table')).toContainText('45');
  expect(await storeNames(page)).toEqual([]);
  await context.close();
});

test('exports and an archive import show their progress, a dump export can be cancelled without losing a row, and the imported workspace holds the same rows', async ({ page }, info) => {
  test.setTimeout(240_000);
  page.on('dialog', (d) => void d.accept());
  const seen = await recordStatus(page);
  await openApp(page);
  await runSql(page, "create table big (id int primary key, body text); insert into big select g, md5(g::text) || md5((g * 7)::text) from generate_series(1, 100000) g;");
  await openPanel(page);

  // Cancel while pg_dump reads the table (nothing open, everything saved): the worker restarts
  // from the saved database, nothing is downloaded, every row is there.
  let downloads = 0;
  page.on('download', () => void downloads++);
  await panel(page).getByRole('button', { name: 'Export as SQL dump' }).click();
  const progress = panel(page).getByRole('status', { name: 'Export progress' });
  await expect(progress).toContainText('Reading table 1 of 1 (public.big)');
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel(page).getByRole('status').filter({ hasText: 'was cancelled' })).toHaveText('Exporting a SQL dump was cancelled. Nothing was written: your workspaces are as they were.', { timeout: 60_000 });
  await expect(page.getByRole('alert').filter({ hasText: 'The SQL dump was cancelled' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  await runSql(page, 'select count(*) as n from big;');
  await expect(results(page).last().getByRole('table')).toContainText('100000');
  expect(downloads).toBe(0);

  // SQL dump: pg_dump reports the table it reads.
  let download = page.waitForEvent('download');
  await panel(page).getByRole('button', { name: 'Export as SQL dump' }).click();
  const dumpPath = info.outputPath('playground.sql');
  await (await download).saveAs(dumpPath);
  expect(readFileSync(dumpPath, 'utf8')).toContain('INSERT INTO "public"."big"');
  expect(seen.some((t) => /^Export progress: Exporting a SQL dump: Reading table 1 of 1 \(public\.big\)/.test(t))).toBe(true);
  await expect(panel(page).getByRole('status', { name: 'Export progress' })).toHaveCount(0);

  // Archive: the compression's bytes.
  download = page.waitForEvent('download');
  await panel(page).getByRole('button', { name: 'Export as archive' }).click();
  const archivePath = info.outputPath('playground.pgdata.gz');
  await (await download).saveAs(archivePath);
  expect(seen.some((t) => /^Export progress: Exporting an archive: Compressing the data directory: \d+\.\d MB of \d+\.\d MB \(\d+ %\)/.test(t))).toBe(true);

  // Import it as a new workspace: its reading, then its saving, are shown.
  await panel(page).getByLabel("New workspace's name").fill('from archive');
  const chooser = page.waitForEvent('filechooser');
  await panel(page).getByRole('button', { name: 'Import a dump or archive as a new workspace' }).click();
  await (await chooser).setFiles(archivePath);
  await expect(page.getByRole('button', { name: 'Workspace: from archive' })).toBeVisible({ timeout: 90_000 });
  expect(seen.some((t) => /^Import progress: Importing playground\.pgdata\.gz: (Reading the archive|Saving \d+\.\d MB into the browser)/.test(t))).toBe(true);
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  await runSql(page, "select count(*) as n, case when md5(string_agg(body, ',' order by id)) = (select md5(string_agg(md5(g::text) || md5((g * 7)::text), ',' order by g)) from generate_series(1, 100000) g) then 'identical' else 'different' end as rows from big;");
  await expect(results(page).last().getByRole('table')).toContainText('100000');
  await expect(results(page).last().getByRole('table')).toContainText('identical');
});
