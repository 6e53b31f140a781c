// `npm run bench`: builds the app, drives Chromium, prints each figure beside its reference
// measured in the same run (machines are noisy: ratios, not absolute assertions).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { findChromium } from './chromium.mjs';

const PORT = 4399;
const BASE = `http://127.0.0.1:${PORT}/`;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit', env: { ...process.env, PGLAB_BENCH: '1' } }).status !== 0) process.exit(1);
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
const executablePath = findChromium();
const rows = [];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(BASE)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('preview server did not start');
}

async function freshContext() {
  const dir = mkdtempSync(join(tmpdir(), 'pglab-bench-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath, args: ARGS });
  return { ctx, dir };
}

async function runInApp(page, sql) {
  const editor = page.getByRole('textbox', { name: 'SQL editor' });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(sql);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Run' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Run' && !b.disabled));
  return Date.now() - t0;
}

async function firstResult(page, url) {
  const bytes = { js: 0, all: 0 };
  page.on('response', async (r) => {
    const len = (await r.request().sizes().catch(() => ({ responseBodySize: 0 }))).responseBodySize;
    bytes.all += len;
    if (r.url().endsWith('.js')) bytes.js += len;
  });
  const t0 = Date.now();
  await page.goto(url);
  await page.getByRole('status').filter({ hasText: /PostgreSQL 18/ }).waitFor({ timeout: 120_000 });
  await runInApp(page, 'select 1 as bench_one;');
  await page.getByRole('table').filter({ hasText: 'bench_one' }).waitFor();
  return { ms: Date.now() - t0, bytes };
}

try {
  await waitForServer();
  // Reference: a bare page that boots PGlite with initdb.
  let { ctx, dir } = await freshContext();
  let page = await ctx.newPage();
  let t0 = Date.now();
  await page.goto(`${BASE}bench/boot.html`);
  await page.waitForFunction(() => document.getElementById('out')?.textContent?.startsWith('done'), null, { timeout: 120_000 });
  const refCold = Date.now() - t0;
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });

  ({ ctx, dir } = await freshContext());
  page = await ctx.newPage();
  const cold = await firstResult(page, BASE);
  rows.push(['cold start → first result of select 1', `${cold.ms} ms`, `bare PGlite boot ${refCold} ms`, (cold.ms / refCold).toFixed(2)]);
  const warmPage = await ctx.newPage();
  await page.close();
  const warm = await firstResult(warmPage, BASE);
  rows.push(['warm reload → first result', `${warm.ms} ms`, `cold ${cold.ms} ms`, (warm.ms / cold.ms).toFixed(2)]);

  await runInApp(warmPage, 'drop table if exists bench_ins; create table bench_ins (v int);');
  const per = [];
  for (let i = 0; i < 50; i++) per.push(await runInApp(warmPage, `insert into bench_ins values (${i});`));
  const sel = [];
  for (let i = 0; i < 20; i++) sel.push(await runInApp(warmPage, `select ${i} as v;`));
  rows.push(['persisted insert of one row (median of 50, UI round trip)', `${median(per)} ms`, `select (median of 20) ${median(sel)} ms`, (median(per) / median(sel)).toFixed(2)]);

  t0 = Date.now();
  await runInApp(warmPage, 'select g as id, md5(g::text) as hash from generate_series(1, 100000) g;');
  await warmPage.getByText('of 100,000 rows').waitFor();
  const big = Date.now() - t0;
  rows.push(['100,000-row result shown', `${big} ms`, `select 1 ${median(sel)} ms`, (big / median(sel)).toFixed(1)]);
  rows.push(['bytes before first result (cold)', `JS ${(cold.bytes.js / 1024).toFixed(0)} KB`, `all ${(cold.bytes.all / 1024 / 1024).toFixed(1)} MB`, '']);
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });

  console.log('\n| measure | pglab | reference (same run) | ratio |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  process.kill(-server.pid, 'SIGTERM');
}
