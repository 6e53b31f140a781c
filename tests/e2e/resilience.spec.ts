// A real user's browser: little storage, a dropped download, a mangled address, an older pglab's database.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { openApp, runSql, results, recordAlerts } from './helpers.ts';

/** Chromium applies a quota override only to an origin that has not used its storage yet: a new context. */
async function contextWithQuota(browser: import('@playwright/test').Browser, baseURL: string, quotaSize: number) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const origin = new URL(baseURL).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize });
  return { context, page, raise: () => cdp.send('Storage.overrideQuotaForOrigin', { origin }) };
}

const notSaving = (page: import('@playwright/test').Page) => page.getByRole('alert').filter({ hasText: 'Your work is not being saved' });

test('a tiny quota: the database starts in memory, says it is not saving and why, and saves once there is room', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const { context, page, raise } = await contextWithQuota(browser, baseURL!, 1_000_000);
  const said = await recordAlerts(page);
  await openApp(page);
  await expect(notSaving(page)).toContainText('too small for the database');
  await expect(notSaving(page)).toContainText(/the database is \d+\.\d MB/);
  await runSql(page, `create table small_room as select g from generate_series(1, 1000) g;`);
  await expect(results(page).last().getByRole('alert')).toContainText('would not save its changes');
  await runSql(page, `select count(*) as n from small_room;`);
  await expect(results(page).last().getByRole('table')).toContainText('1000');
  await raise();
  await runSql(page, `select count(*) as n from small_room;`);
  await expect(notSaving(page)).toHaveCount(0);
  // Chromium may lift an override before raise() takes it away: what matters is that the page
  // said so when saving resumed, and that the work is there after a reload.
  expect(said.some((t) => t.includes('everything you did is saved now'))).toBe(true);
  await page.reload();
  await openApp(page);
  await expect(notSaving(page)).toHaveCount(0);
  await runSql(page, `select count(*) as n from small_room;`);
  await expect(results(page).last().getByRole('table')).toContainText('1000');
  await context.close();
});

test('storage that fills up mid-session: results still show, the page says what is not saved, and a later run saves it all', async ({ browser, baseURL }) => {
  test.setTimeout(150_000);
  // Room for the new database (~4.5 MB in Chromium's IndexedDB), not for a table of ~60 MB.
  const { context, page, raise } = await contextWithQuota(browser, baseURL!, 30_000_000);
  await openApp(page);
  await expect(notSaving(page)).toHaveCount(0);
  await runSql(page, `create table roomy as select g, md5(random()::text) || md5(random()::text) as h from generate_series(1, 400000) g; select count(*) as n from roomy;`);
  await expect(results(page).last().getByRole('table')).toContainText('400000');
  await expect(results(page).last().getByRole('alert')).toContainText('would not save its changes');
  await expect(notSaving(page)).toContainText('too small for the database');
  await raise();
  await runSql(page, `select 1 as after_room;`);
  await expect(notSaving(page)).toHaveCount(0);
  await page.reload();
  await openApp(page);
  await runSql(page, `select count(*) as n from roomy;`);
  await expect(results(page).last().getByRole('table')).toContainText('400000');
  await context.close();
});

test('a dropped download: the page names the file, offers Retry, and Retry starts the database without a reload', async ({ page, context }) => {
  test.setTimeout(120_000);
  let failing = true;
  // The worker's fetch of PostgreSQL's wasm fails until the network is "back".
  await context.route(/\/pglite-[^/]*\.wasm$/, (route) => (failing ? route.abort('internetdisconnected') : route.continue()));
  await page.goto('./');
  const failure = page.getByRole('alert').filter({ hasText: 'The database could not start' });
  await expect(failure).toContainText(/Could not download pglite-[^ ]*\.wasm/);
  await expect(page.getByRole('status').filter({ hasText: 'Database unavailable' })).toBeVisible();
  failing = false;
  await failure.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('status').filter({ hasText: /PostgreSQL 18/ })).toBeVisible({ timeout: 60_000 });
  await expect(failure).toHaveCount(0);
  await runSql(page, 'select 40 + 2 as answer;');
  await expect(results(page).first().getByRole('table')).toContainText('42');
});

test('a first start shows its download in bytes of the total', async ({ page }) => {
  const seen: string[] = [];
  await page.exposeFunction('pglabSawStatus', (t: string) => seen.push(t));
  await page.addInitScript(() => {
    new MutationObserver(() => {
      const s = document.querySelector('[role="status"]');
      if (s?.textContent) (window as unknown as { pglabSawStatus: (t: string) => void }).pglabSawStatus(s.textContent);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await openApp(page);
  const progress = seen.filter((t) => /downloading [\d.]+ [KM]B of [\d.]+ MB/.test(t));
  expect(progress.length).toBeGreaterThan(2);
  // The total is what a first start downloads: PostgreSQL, its files, the prepared cluster.
  const total = Number(/of ([\d.]+) MB/.exec(progress[0])![1]);
  expect(total).toBeGreaterThan(15);
});

test('a view whose code cannot be fetched says so, and Retry loads it once the network is back', async ({ page, context }) => {
  await openApp(page);
  let failing = true;
  await context.route(/\/AnalyzeView-[^/]*\.js$/, (route) => (failing ? route.abort('internetdisconnected') : route.continue()));
  await page.getByRole('link', { name: 'Analyze' }).click();
  const failure = page.getByRole('alert').filter({ hasText: 'The analyzer could not be loaded' });
  await expect(failure).toBeVisible();
  failing = false;
  await failure.getByRole('button', { name: 'Retry' }).click();
  await expect(failure).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Analyze', level: 2 })).toBeVisible();
});

test('a malformed address opens the playground with a short message', async ({ page }) => {
  await page.goto('./#/lessons/%E0%A4%A');
  await expect(page.getByRole('alert').filter({ hasText: 'This address could not be read' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /PostgreSQL 18/ })).toBeVisible({ timeout: 60_000 });
  await runSql(page, 'select 1 as still_works;');
  await expect(results(page).first().getByRole('table')).toContainText('still_works');
});

test('a database saved by pglab on PGlite 0.5.16 (PostgreSQL 18.6) opens under this release with its rows', async ({ page }) => {
  test.setTimeout(120_000);
  // Every record of the store as that release saved it in Chromium (tests/fixtures/stores/capture.mjs).
  const dump = brotliDecompressSync(readFileSync('tests/fixtures/stores/pglite-0.5.16.json.br')).toString();
  await page.goto('./favicon.svg'); // the origin, before any pglab code runs
  await page.evaluate(async (json) => {
    const { version, meta, pages, extensions } = JSON.parse(json);
    const dec = (v: unknown): unknown => {
      if (v && typeof v === 'object' && '$bytes' in v) return Uint8Array.from(atob((v as { $bytes: string }).$bytes), (c) => c.charCodeAt(0));
      if (Array.isArray(v)) return v.map(dec);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)]));
      return v;
    };
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('pglab-db', version);
      r.onupgradeneeded = () => { r.result.createObjectStore('meta'); r.result.createObjectStore('pages'); };
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const tx = db.transaction(['meta', 'pages'], 'readwrite');
    for (const [k, v] of meta) tx.objectStore('meta').put(dec(v), k);
    for (const [k, v] of pages) tx.objectStore('pages').put(dec(v), k);
    await new Promise((res, rej) => { tx.oncomplete = res; tx.onerror = () => rej(tx.error); });
    db.close();
    if (extensions) localStorage.setItem('pglab.extensions.v1', extensions);
  }, dump);
  await openApp(page);
  await expect(page.getByRole('status').filter({ hasText: /PostgreSQL/ })).toHaveText(/PostgreSQL 18\.7/);
  await runSql(page, `select count(*) as n, max(id) as top, (select count(*) from with_citext where name = 'ALICE') as citext_match from kept_across_upgrade;`);
  await expect(results(page).first().getByRole('row').nth(1)).toHaveText(/^\s*5000\s*5000\s*1\s*$/);
  // The index and the data are consistent after the upgrade (amcheck would say otherwise).
  await runSql(page, `set enable_seqscan = off; select label from kept_across_upgrade where label = 'row 4242';`);
  await expect(results(page).last().getByRole('table')).toContainText('row 4242');
  // And it keeps saving under the new release.
  await runSql(page, `insert into kept_across_upgrade (id, label) values (5001, 'after the upgrade');`);
  await page.reload();
  await openApp(page);
  await runSql(page, `select count(*) as n from kept_across_upgrade;`);
  await expect(results(page).first().getByRole('table')).toContainText('5001');
});
