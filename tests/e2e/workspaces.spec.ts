import { test, expect, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { openApp, results, runSql, setSql } from './helpers.ts';

const panel = (page: Page) => page.getByRole('region', { name: 'Workspaces' });

async function openPanel(page: Page) {
  const toggle = page.getByRole('button', { name: /^Workspace: / });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await expect(panel(page)).toBeVisible();
}

/** Creates a workspace by name (the page reloads onto it) and waits until it is open. */
async function createWorkspace(page: Page, name: string) {
  await openPanel(page);
  await panel(page).getByLabel("New workspace's name").fill(name);
  await panel(page).getByRole('button', { name: 'Create an empty workspace' }).click();
  await expect(page.getByRole('button', { name: `Workspace: ${name}` })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
}

async function firstCell(page: Page, sql: string) {
  await runSql(page, sql);
  return (await results(page).last().getByRole('row').nth(1).innerText()).trim();
}

test.beforeEach(({ page }) => {
  page.on('dialog', (d) => void d.accept());
});

test('the saved playground becomes the first workspace; workspaces are created, switched, renamed, deleted and kept across reloads', async ({ page }) => {
  test.setTimeout(240_000);
  // A database as pglab saved it before workspaces (tests/fixtures/stores/capture.mjs).
  const dump = brotliDecompressSync(readFileSync('tests/fixtures/stores/pglite-0.5.16.json.br')).toString();
  await page.goto('./favicon.svg');
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
    localStorage.setItem('pglab.draft.v1', 'select 1 as the_old_draft;');
  }, dump);
  await openApp(page);
  await expect(page.getByRole('button', { name: 'Workspace: playground' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'SQL editor' })).toContainText('the_old_draft');
  expect(await firstCell(page, 'select count(*) from kept_across_upgrade;')).toBe('5000');
  await openPanel(page);
  await expect(panel(page).getByRole('row', { name: /playground ?\(open\)/ })).toContainText(/\d+\.\d MB/);

  await createWorkspace(page, 'second');
  await runSql(page, 'select count(*) from kept_across_upgrade;');
  await expect(results(page).last()).toContainText('relation "kept_across_upgrade" does not exist');
  await runSql(page, "create table only_here (id int); insert into only_here select generate_series(1, 42);");
  await setSql(page, '-- the draft of second');
  await page.reload();
  await openApp(page);
  await expect(page.getByRole('button', { name: 'Workspace: second' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'SQL editor' })).toContainText('the draft of second');
  expect(await firstCell(page, 'select count(*) from only_here;')).toBe('42');

  // Back to the playground: its rows, its own draft.
  await openPanel(page);
  await panel(page).getByRole('button', { name: 'Open playground' }).click();
  await expect(page.getByRole('button', { name: 'Workspace: playground' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  // The playground's draft is what was last typed there, not second's.
  await expect(page.getByRole('textbox', { name: 'SQL editor' })).toHaveText('select count(*) from kept_across_upgrade;');
  expect(await firstCell(page, 'select count(*) from kept_across_upgrade;')).toBe('5000');

  await openPanel(page);
  await panel(page).getByRole('button', { name: 'Rename second' }).click();
  await panel(page).getByLabel('New name for second').fill('playground');
  await panel(page).getByRole('button', { name: 'Save name' }).click();
  await expect(panel(page).getByRole('alert')).toHaveText('There is already a workspace named “playground”.');
  await panel(page).getByLabel('New name for second').fill('renamed');
  await panel(page).getByRole('button', { name: 'Save name' }).click();
  await expect(panel(page).getByRole('button', { name: 'Delete renamed' })).toBeVisible();
  await panel(page).getByRole('button', { name: 'Delete renamed' }).click();
  await expect(panel(page).getByRole('row', { name: /renamed/ })).toHaveCount(0);
  const stores = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  expect(stores.filter((n) => n?.startsWith('pglab-ws-'))).toEqual([]);
  await page.reload();
  await openApp(page);
  await openPanel(page);
  await expect(panel(page).getByRole('row')).toHaveCount(2); // header + playground
});

test('a workspace exported as a pg_dump script and as an archive imports into new workspaces with identical data', async ({ page }, info) => {
  test.setTimeout(300_000);
  await openApp(page);
  const setup = `create table items (id int primary key, name text, price numeric(8,2), doc jsonb);
insert into items select g, 'item ' || g || E'\\t"quoted"', g * 1.25, jsonb_build_object('g', g) from generate_series(1, 300) g;
create index items_name_idx on items (name);`;
  await runSql(page, setup);
  const check = `select count(*) || ' ' || md5(string_agg(i::text, '|' order by id)) as fp from items i;`;
  const before = await firstCell(page, check);
  expect(before).toMatch(/^300 [0-9a-f]{32}$/);

  await openPanel(page);
  const [sqlDownload] = await Promise.all([page.waitForEvent('download'), panel(page).getByRole('button', { name: 'Export as SQL dump' }).click()]);
  const sqlPath = info.outputPath('playground.sql');
  await sqlDownload.saveAs(sqlPath);
  expect(readFileSync(sqlPath, 'utf8')).toContain('PostgreSQL database dump');
  const [archiveDownload] = await Promise.all([page.waitForEvent('download'), panel(page).getByRole('button', { name: 'Export as archive' }).click()]);
  const archivePath = info.outputPath('playground.pgdata.gz');
  await archiveDownload.saveAs(archivePath);

  // The dump, into a new workspace: it opens and runs there.
  await panel(page).getByLabel("New workspace's name").fill('from dump');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), panel(page).getByRole('button', { name: 'Import a dump or archive as a new workspace' }).click()]);
  await chooser.setFiles(sqlPath);
  await expect(page.getByRole('button', { name: 'Workspace: from dump' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 120_000 });
  // The dump's 300 rows arrive as one multi-row INSERT (--rows-per-insert).
  await expect(results(page).filter({ hasText: 'INSERT 0 300' }).first()).toBeVisible();
  expect(await firstCell(page, check)).toBe(before);

  // The archive, into another: the exact data directory.
  await openPanel(page);
  await panel(page).getByLabel("New workspace's name").fill('from archive');
  const [chooser2] = await Promise.all([page.waitForEvent('filechooser'), panel(page).getByRole('button', { name: 'Import a dump or archive as a new workspace' }).click()]);
  await chooser2.setFiles(archivePath);
  await expect(page.getByRole('button', { name: 'Workspace: from archive' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  expect(await firstCell(page, check)).toBe(before);
  expect(await firstCell(page, `select indexname from pg_indexes where tablename = 'items' and indexname like '%name%';`)).toBe('items_name_idx');

  // A damaged archive is refused whole: no workspace is added.
  const bad = info.outputPath('bad.pgdata.gz');
  writeFileSync(bad, readFileSync(archivePath).subarray(0, 2000));
  await openPanel(page);
  const [chooser3] = await Promise.all([page.waitForEvent('filechooser'), panel(page).getByRole('button', { name: 'Import a dump or archive as a new workspace' }).click()]);
  await chooser3.setFiles(bad);
  await expect(panel(page).getByRole('alert')).toContainText('Nothing was written');
  await expect(panel(page).getByRole('row')).toHaveCount(4); // header + three workspaces
});

test('a shared link runs in a scratch database, never in a workspace, and can be kept as one', async ({ page, browser }) => {
  test.setTimeout(240_000);
  await openApp(page);
  await runSql(page, `create table shared_t (id int primary key, v text);
insert into shared_t select g, 'v' || g from generate_series(1, 1000) g;
select * from shared_t where id = 7;`);
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('region', { name: 'Share this repro' }).getByRole('textbox', { name: 'Share link' }).inputValue();

  const context = await browser.newContext();
  const other = await context.newPage();
  other.on('dialog', (d) => void d.accept());
  await openApp(other);
  await runSql(other, 'create table mine (x int);');
  await other.goto(link);
  const view = other.getByRole('region', { name: 'Shared repro' });
  await view.getByRole('button', { name: 'Run' }).click();
  const keepForm = view.getByRole('form', { name: 'Keep this repro' });
  await expect(keepForm).toBeVisible({ timeout: 60_000 });
  await keepForm.getByLabel('Name').fill('kept repro');
  await keepForm.getByRole('button', { name: 'Keep as workspace' }).click();
  await expect(other.getByRole('button', { name: 'Workspace: kept repro' })).toBeVisible({ timeout: 60_000 });
  await expect(other.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  expect(await firstCell(other, 'select count(*) from shared_t;')).toBe('1000');
  // The receiver's own workspace was never touched: its table, and not the shared one.
  await openPanel(other);
  await panel(other).getByRole('button', { name: 'Open playground' }).click();
  await expect(other.getByRole('button', { name: 'Workspace: playground' })).toBeVisible({ timeout: 60_000 });
  await expect(other.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  expect(await firstCell(other, "select string_agg(relname, ',' order by relname) from pg_class where relname in ('mine', 'shared_t');")).toBe('mine');
  await context.close();
});

test('a CSV file is previewed with its guessed types, then loaded into a new table', async ({ page }, info) => {
  test.setTimeout(180_000);
  await openApp(page);
  const file = info.outputPath('people.csv');
  writeFileSync(file, 'id;name;born;score\n1;"Ada; Countess";1815-12-10;9.5\n2;Grace;1906-12-09;\n3;"Line\nbreak";1912-06-23;7\n');
  await openPanel(page);
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), panel(page).getByRole('button', { name: 'Import a CSV file into a table' }).click()]);
  await chooser.setFiles(file);
  const preview = panel(page).getByRole('region', { name: 'CSV import' });
  await expect(preview).toContainText('3 rows, 4 columns, delimiter “;”');
  await expect(preview.getByRole('table', { name: 'CSV preview' }).getByRole('row').nth(1)).toHaveText(/integer\s*text\s*date\s*numeric/);
  await preview.getByRole('button', { name: 'Load into the table' }).click();
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled({ timeout: 60_000 });
  await expect(results(page).filter({ hasText: 'COPY 3' })).toHaveCount(1);
  expect(await firstCell(page, "select string_agg(name || '/' || born || '/' || coalesce(score::text, 'null'), ',' order by id) from people;")).toBe('Ada; Countess/1815-12-10/9.5,Grace/1906-12-09/null,Line\nbreak/1912-06-23/7');
});

test("each workspace has its own migration revisions, as its database has its own alembic_version", async ({ page }) => {
  test.setTimeout(240_000);
  await openApp(page);
  const saveRevision = async (message: string) => {
    await page.getByRole('link', { name: 'Migrations' }).click();
    await page.getByLabel('Message').fill(message);
    await page.getByLabel('Upgrade SQL').fill(`create table ${message} (id int);`);
    await page.getByLabel('Downgrade SQL').fill(`drop table ${message};`);
    await page.getByRole('button', { name: 'Save revision' }).click();
    await expect(page.getByText(/^Saved revision [0-9a-f]{12}\.$/)).toBeVisible();
  };
  const revisions = (page: Page) => page.getByRole('table', { name: 'Revisions' }).getByRole('row');
  await saveRevision('ws_first_rev');
  await expect(revisions(page).filter({ hasText: 'ws_first_rev' })).toHaveCount(1);

  await page.getByRole('link', { name: 'Playground' }).click();
  await createWorkspace(page, 'other');
  await page.getByRole('link', { name: 'Migrations' }).click();
  await expect(page.getByText('No revisions yet: write the first one below.')).toBeVisible();
  await saveRevision('ws_other_rev');
  await expect(revisions(page).filter({ hasText: 'ws_first_rev' })).toHaveCount(0);

  await page.getByRole('link', { name: 'Playground' }).click();
  await openPanel(page);
  await panel(page).getByRole('button', { name: 'Open playground' }).click();
  await expect(page.getByRole('button', { name: 'Workspace: playground' })).toBeVisible({ timeout: 60_000 });
  await page.getByRole('link', { name: 'Migrations' }).click();
  await expect(revisions(page).filter({ hasText: 'ws_first_rev' })).toHaveCount(1);
  await expect(revisions(page).filter({ hasText: 'ws_other_rev' })).toHaveCount(0);
});
