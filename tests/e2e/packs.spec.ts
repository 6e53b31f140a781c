import { test, expect, type Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { setSql } from './helpers.ts';

// Lesson packs as a workshop uses them: the instructor packs the fixture chapter with the CLI,
// learners load it from a file or a URL (verified in the browser before it shows), solve an
// exercise, export their progress, and the instructor grades the file with the CLI.
const BIN = fileURLToPath(new URL('../../bin/pglab.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/packs/orchard', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'pglab-packs-e2e-'));
const PACK = join(scratch, 'orchard.zip');

function pglab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: scratch, timeout: 240_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The fixture pack with one entry changed (written past writePack's checks, as a hand-made zip would be). */
function altered(name: string, text: string): Buffer {
  const entries = unzipSync(new Uint8Array(readFileSync(PACK)));
  entries[name] = strToU8(text);
  return Buffer.from(zipSync(entries));
}

// Service workers would answer the pack's URL before page.route could.
test.use({ serviceWorkers: 'block' });

test.beforeAll(async () => {
  const r = await pglab(['lessons', 'pack', FIXTURE, '-o', PACK]);
  expect(r.code, r.stderr).toBe(0);
});

const added = (page: Page) => expect(page.getByRole('status').filter({ hasText: /Added "Orchard \(test fixture\)": 1 chapter, 2 exercises, every one verified/ })).toBeVisible({ timeout: 240_000 });

test('a pack from a file is verified, kept across a reload, solved, exported and graded by the CLI (a tampered file does not count)', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('./#/lessons');
  await page.getByLabel('Lesson pack file').setInputFiles(PACK);
  await expect(page.getByRole('progressbar', { name: 'Verification progress' })).toBeVisible({ timeout: 60_000 });
  await added(page);
  const toc = page.getByRole('navigation', { name: 'Lessons contents' });
  await expect(toc.getByRole('link', { name: 'Orchard basics' })).toBeVisible();

  // Kept for offline use: a reload shows it from IndexedDB, with a way to remove it.
  await page.reload();
  await expect(toc.getByRole('link', { name: 'Orchard basics' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Remove pack Orchard (test fixture)' })).toBeVisible();

  await toc.getByRole('link', { name: /Fruit under five/ }).click();
  const panel = page.getByRole('region', { name: 'Exercise' });
  await expect(page.getByRole('article').getByRole('status').first()).toContainText('Chapter database ready', { timeout: 90_000 });
  const answer = 'SELECT id, name FROM fruit WHERE price < 5.00 ORDER BY 1;';
  await setSql(page, answer);
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(panel.getByRole('status').filter({ hasText: /Passed/ })).toBeVisible({ timeout: 90_000 });
  // The learner's answer beside the reference solution.
  const compare = panel.getByRole('region', { name: 'Your answer and the reference solution' });
  await expect(compare.getByLabel('Your answer')).toHaveText(answer);
  await expect(compare.getByLabel('Reference solution')).toHaveText('select id, name from fruit where price < 5 order by id;');

  await toc.getByLabel('Your name (for your instructor)').fill('Ada');
  const [download] = await Promise.all([page.waitForEvent('download'), toc.getByRole('button', { name: 'Export progress' }).click()]);
  const progressFile = join(scratch, 'ada.json');
  await download.saveAs(progressFile);
  const progress = JSON.parse(readFileSync(progressFile, 'utf8'));
  expect(progress.version).toBe(2);
  expect(progress.exercises['orchard-basics/cheap-fruit'].answer).toMatchObject({ sql: answer, pack: { id: 'orchard' } });

  // A copy edited by hand: it claims the second exercise with a wrong answer, and the first with no answer.
  const tampered = structuredClone(progress);
  tampered.learner = 'Mallory';
  tampered.exercises['orchard-basics/stock-value'] = { passed: true, hintsUsed: 0, solutionSeen: false, attempts: 1, answer: { sql: 'select sum(price) * sum(stock) as value from fruit;', hash: null, pack: { id: 'orchard', hash: null } } };
  delete tampered.exercises['orchard-basics/cheap-fruit'].answer;
  const tamperedFile = join(scratch, 'mallory.json');
  writeFileSync(tamperedFile, JSON.stringify(tampered));

  const graded = await pglab(['lessons', 'grade', progressFile, tamperedFile, '--pack', PACK, '-o', 'json']);
  expect(graded.code, graded.stderr).toBe(1); // a claim that does not stand
  const table = JSON.parse(graded.stdout);
  const row = (name: string) => table.rows.find((r: { learner: string }) => r.learner === name);
  expect(row('Ada').cells['orchard-basics/cheap-fruit'].status).toBe('passed');
  expect(row('Ada').cells['orchard-basics/stock-value'].status).toBe('not-passed');
  expect(row('Ada').solved).toBe(1);
  expect(row('Mallory').cells['orchard-basics/cheap-fruit'].status).toBe('unproven');
  expect(row('Mallory').cells['orchard-basics/stock-value'].status).toBe('failed');
  expect(row('Mallory').solved).toBe(0);
});

test('a pack from a URL (#/lessons?pack=…) is fetched only on the learner\'s word, then verified and shown', async ({ page, baseURL }) => {
  test.setTimeout(400_000);
  let fetched = 0;
  await page.route('**/workshop/orchard.zip', (route) => {
    fetched++;
    return route.fulfill({ status: 200, contentType: 'application/zip', body: readFileSync(PACK) });
  });
  const url = `${baseURL}workshop/orchard.zip`;
  await page.goto(`./#/lessons?pack=${url}`);
  await expect(page.getByRole('status').filter({ hasText: 'This link offers the lesson pack at' })).toContainText(url);
  await expect(page.getByLabel('Pack URL')).toHaveValue(url);
  expect(fetched).toBe(0);
  await page.getByRole('button', { name: 'Load pack from URL' }).click();
  await added(page);
  expect(fetched).toBe(1);
  await expect(page.getByRole('navigation', { name: 'Lessons contents' }).getByRole('link', { name: 'Orchard basics' })).toBeVisible();
});

test('malformed packs are refused with their file:line, and nothing is added', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('./#/lessons');
  const input = page.getByLabel('Lesson pack file');
  const alert = page.getByRole('alert').filter({ hasText: 'The pack was not added' });

  const chapter = readFileSync(join(FIXTURE, 'orchard-basics/chapter.md'), 'utf8').replace('order: 900', 'order: 900\nlevel: easy');
  await input.setInputFiles({ name: 'bad-front-matter.zip', mimeType: 'application/zip', buffer: altered('orchard-basics/chapter.md', chapter) });
  await expect(alert).toContainText('orchard-basics/chapter.md:2: unknown front matter key "level"');

  await input.setInputFiles({ name: 'traversal.zip', mimeType: 'application/zip', buffer: altered('../outside.sql', 'select 1;') });
  await expect(alert).toContainText('../outside.sql: the name leaves the pack');

  await input.setInputFiles({ name: 'not-a-pack.zip', mimeType: 'application/zip', buffer: Buffer.from('just text') });
  await expect(alert).toContainText('it is not a zip file');

  const ex = readFileSync(join(FIXTURE, 'orchard-basics/exercises/01-cheap-fruit.md'), 'utf8').replace('## Checks', '## Checks\n\n## Checks');
  await input.setInputFiles({ name: 'twice.zip', mimeType: 'application/zip', buffer: altered('orchard-basics/exercises/01-cheap-fruit.md', ex) });
  await expect(alert).toContainText(/orchard-basics\/exercises\/01-cheap-fruit\.md:\d+: the section "## Checks" appears twice/);

  await expect(page.getByRole('navigation', { name: 'Lessons contents' }).getByRole('link', { name: 'Orchard basics' })).toHaveCount(0);
});
