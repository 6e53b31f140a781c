// `npm run bench [playground|lessons|wire|analysis|plans|migrations]`: builds the app, drives Chromium, prints each
// figure beside a reference measured in the same run (the machines are noisy: ratios, never
// absolute assertions in tests). With no argument, every part runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { findChromium } from './chromium.mjs';
import { benchWire } from './bench-wire.mjs';

// PGLAB_BENCH_PORT / PGLAB_BENCH_DIST: another port and build folder, so two benches can run on one machine.
const PORT = Number(process.env.PGLAB_BENCH_PORT ?? 4399);
const DIST = process.env.PGLAB_BENCH_DIST ?? 'dist-bench';
const BASE = `http://127.0.0.1:${PORT}/`;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (spawnSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', DIST], { stdio: 'inherit', env: { ...process.env, PGLAB_BENCH: '1' } }).status !== 0) process.exit(1);
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort', '--outDir', DIST], { stdio: 'ignore', detached: true });
const executablePath = findChromium();
const rows = [];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const parts = process.argv.slice(2);
const want = (part) => parts.length === 0 || parts.includes(part);

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(BASE)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('preview server did not start');
}

/** A fresh browser profile: nothing cached, no saved database. */
async function freshContext() {
  const dir = mkdtempSync(join(tmpdir(), 'pglab-bench-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath, args: ARGS });
  return { ctx, close: async () => { await ctx.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const runButtonEnabled = () => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Run' && !b.disabled);

/**
 * Types the SQL and runs it with Ctrl+Enter, as a keyboard user does (a mouse click waits for
 * Playwright's actionability checks, ~0.1 s that is not the app's). Returns the time from the
 * key press to the Run button being enabled again.
 */
async function runInApp(page, sql) {
  await page.getByRole('textbox', { name: 'SQL editor' }).focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(sql);
  const t0 = performance.now();
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(runButtonEnabled, null, { polling: 5 });
  return performance.now() - t0;
}

/** Navigation to the first result of `select 1`, with the bytes the page fetched on the way. */
async function firstResult(page, url) {
  const bytes = { js: 0, jsGzip: 0, all: 0 };
  // requestfinished also sees the worker's requests (wasm, data, extension bundles).
  page.on('requestfinished', async (req) => {
    const size = (await req.sizes().catch(() => ({ responseBodySize: 0 }))).responseBodySize;
    bytes.all += size;
    if (req.url().endsWith('.js')) {
      const body = await (await req.response())?.body().catch(() => null);
      if (body) { bytes.js += body.length; bytes.jsGzip += gzipSync(body).length; }
    }
  });
  const t0 = performance.now();
  await page.goto(url);
  // Polled every 5 ms: a locator's waitFor backs off to 500 ms between looks, which would be
  // measured as start-up time.
  await page.waitForFunction(() => [...document.querySelectorAll('[role="status"]')].some((e) => /PostgreSQL 18/.test(e.textContent ?? '')), null, { polling: 5, timeout: 120_000 });
  await runInApp(page, 'select 1 as bench_one;');
  await page.getByRole('table').filter({ hasText: 'bench_one' }).waitFor();
  return { ms: performance.now() - t0, bytes };
}

async function perStatement(page) {
  await runInApp(page, 'drop table if exists bench_ins; create table bench_ins (v int);');
  const ins = [];
  for (let i = 0; i < 50; i++) ins.push(await runInApp(page, `insert into bench_ins values (${i});`));
  return median(ins);
}

/**
 * Lessons: the chapter database is built from its dataset once, then "Reset chapter database"
 * restores it from the snapshot (into the chapter's saved store); measured from the click that
 * confirms it to the status saying it is done.
 */
async function lessonReset() {
  const s = await freshContext();
  const page = await s.ctx.newPage();
  await page.goto(`${BASE}#/lessons/indexes`);
  const status = page.getByRole('article').getByRole('status').first();
  const t0 = performance.now();
  await status.filter({ hasText: /Chapter database ready \(built in/ }).waitFor({ timeout: 180_000 });
  const build = performance.now() - t0;
  const resets = [];
  for (let i = 0; i < 7; i++) {
    await page.getByRole('group', { name: 'Example 1', exact: true }).getByRole('button', { name: 'Run' }).click();
    await page.getByLabel('Results of Example 1', { exact: true }).getByRole('cell', { name: 'orders', exact: true }).waitFor();
    await page.waitForTimeout(300);
    // The example ran: Reset asks first (an alertdialog); the clock starts at the confirmation.
    await page.getByRole('button', { name: 'Reset chapter database' }).click();
    const confirm = page.getByRole('alertdialog').getByRole('button', { name: 'Reset and lose my changes' });
    await confirm.waitFor();
    // Watch the status from inside the page: "Restoring…" first, then "reset … in N s".
    const done = page.evaluate(() => new Promise((resolve) => {
      const el = [...document.querySelectorAll('article [role="status"]')][0];
      let restoring = false;
      const t = performance.now();
      const look = () => {
        const text = el.textContent ?? '';
        if (text.includes('Restoring')) restoring = true;
        else if (restoring && /reset to its starting state/.test(text)) { obs.disconnect(); resolve(performance.now() - t); }
      };
      const obs = new MutationObserver(look);
      obs.observe(el, { childList: true, characterData: true, subtree: true });
    }));
    await confirm.click();
    resets.push(await done);
  }
  await s.close();
  return { build, reset: median(resets), all: resets };
}

/**
 * Lessons: a check of an exercise, from the click on Check to the feedback (median of 7), beside
 * the same SQL run with Run on the learner's copy. Two exercises: an index (a fresh copy for every
 * check) and a query with a result check (read-only: the warm copies, both of them).
 */
// PGLAB_BENCH_CHECK_PAUSE_MS: the pause between two checks (reading the feedback), 3 s unless set.
const CHECK_PAUSE_MS = Number(process.env.PGLAB_BENCH_CHECK_PAUSE_MS ?? 3000);

/**
 * Clicks a button that is disabled while its work runs, timed in the page from the click event to
 * the button being enabled again: the work can end before a poll from here would see the button
 * disabled at all, and Playwright's own click takes ~0.1 s that is not the app's.
 */
async function clickTimed(page, locator, css) {
  const done = page.evaluate((sel) => new Promise((resolve) => {
    const button = document.querySelector(sel);
    let t0 = 0;
    button.addEventListener('click', () => { t0 = performance.now(); }, { capture: true, once: true });
    const seen = new MutationObserver((records) => {
      // A record whose old value is not null: the disabled attribute was there and is gone.
      if (t0 && records.some((r) => r.oldValue !== null) && !button.disabled) {
        seen.disconnect();
        resolve(performance.now() - t0);
      }
    });
    seen.observe(button, { attributes: true, attributeFilter: ['disabled'], attributeOldValue: true });
  }), css);
  await locator.click();
  return done;
}

async function lessonChecks() {
  const s = await freshContext();
  const page = await s.ctx.newPage();
  page.on('dialog', (d) => d.accept());
  const out = [];
  await page.goto(`${BASE}#/lessons/indexes`);
  await page.getByRole('article').getByRole('status').first().filter({ hasText: /Chapter database ready \(built in/ }).waitFor({ timeout: 240_000 });
  for (const [slug, title, sql] of [
    ['btree-lookup', /Find a customer by e-mail/, 'create index customers_email_idx on customers (email);'],
    ['function-on-column', /Keep the column bare/, "select count(*) as orders, sum(total) as revenue from orders where created_at >= '2024-03-15' and created_at < '2024-03-16';"],
  ]) {
    await page.getByRole('navigation', { name: 'Lessons contents' }).getByRole('link', { name: title }).click();
    await page.getByRole('region', { name: 'Exercise', exact: true }).waitFor();
    const editor = page.getByRole('textbox', { name: 'SQL editor' });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(sql);
    const panel = page.getByRole('region', { name: 'Exercise', exact: true });
    const checks = [];
    const runs = [];
    for (let i = 0; i < 8; i++) {
      const ms = await clickTimed(page, panel.getByRole('button', { name: 'Check' }), 'button.check');
      await panel.getByRole('status').filter({ hasText: /Passed/ }).waitFor({ timeout: 10_000 }).catch(async (e) => {
        console.log(`check ${i} of ${slug} did not pass: ${await panel.getByRole('region', { name: 'Check feedback' }).textContent().catch(() => '(no feedback)')}`);
        throw e;
      });
      if (i > 0) checks.push(ms); // the first one also builds the second copy and the reference result
      runs.push(await clickTimed(page, page.locator('.lesson-editor').getByRole('button', { name: 'Run', exact: true }), '.lesson-editor button.run'));
      if (slug === 'btree-lookup') {
        await page.getByRole('button', { name: 'Reset chapter database' }).click();
        // Asked only when something ran since the last reset (the Run above did).
        await page.getByRole('alertdialog').getByRole('button', { name: 'Reset and lose my changes' }).click();
        await page.getByRole('article').getByRole('status').first().filter({ hasText: /reset to its starting state/ }).waitFor({ timeout: 60_000 });
      }
      // A learner reads the feedback before checking again: the checker uses the pause.
      await page.waitForTimeout(CHECK_PAUSE_MS);
    }
    out.push({ slug, check: median(checks), run: median(runs), all: checks });
  }
  await s.close();
  return out;
}

/** Each chapter's first exercise: its slug, title and reference solution, read from its file. */
function firstExercises() {
  return readdirSync('lessons', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort().map((id) => {
    const file = readdirSync(join('lessons', id, 'exercises')).filter((f) => f.endsWith('.md')).sort()[0];
    const text = readFileSync(join('lessons', id, 'exercises', file), 'utf8');
    const title = /^title:\s*(.+)$/m.exec(text)[1].trim().replace(/^["']|["']$/g, '');
    const solution = /## Solution\s+```sql\n([\s\S]*?)```/.exec(text)[1];
    return { id, slug: file.replace(/^\d+-|\.md$/g, ''), title, solution };
  });
}

/**
 * Every chapter as a learner meets it (#13, #14: new chapters stay within the Indexes chapter's
 * figures): opening it in a fresh profile until its database is ready, then Check of its first
 * exercise's reference (median of the 2nd to 4th checks; the first also builds the second copy).
 */
async function lessonChapters() {
  const out = [];
  for (const ex of firstExercises()) {
    const s = await freshContext();
    const page = await s.ctx.newPage();
    page.on('dialog', (d) => d.accept());
    const t0 = performance.now();
    await page.goto(`${BASE}#/lessons/${ex.id}`);
    await page.waitForFunction(() => [...document.querySelectorAll('article [role="status"]')].some((e) => /Chapter database ready \(built in/.test(e.textContent ?? '')), null, { polling: 20, timeout: 300_000 });
    const open = performance.now() - t0;
    await page.getByRole('navigation', { name: 'Lessons contents' }).getByRole('link', { name: ex.title.replace(/`/g, '') }).click();
    const panel = page.getByRole('region', { name: 'Exercise', exact: true });
    await panel.waitFor();
    await page.getByRole('textbox', { name: 'SQL editor' }).click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(ex.solution);
    const checks = [];
    for (let i = 0; i < 4; i++) {
      const ms = await clickTimed(page, panel.getByRole('button', { name: 'Check' }), 'button.check');
      await panel.getByRole('status').filter({ hasText: /Passed/ }).waitFor({ timeout: 10_000 }).catch(async (e) => {
        console.log(`check ${i} of ${ex.id}/${ex.slug} did not pass: ${await panel.getByRole('region', { name: 'Check feedback' }).textContent().catch(() => '(no feedback)')}`);
        throw e;
      });
      if (i > 0) checks.push(ms);
      await page.waitForTimeout(CHECK_PAUSE_MS);
    }
    out.push({ ...ex, open, check: median(checks), all: checks });
    await s.close();
  }
  return out;
}

try {
  await waitForServer();

  if (want('lessons')) {
    const l = await lessonReset();
    console.log(`lesson resets (ms): ${l.all.map((x) => x.toFixed(0)).join(', ')}`);
    for (const c of await lessonChecks()) {
      console.log(`lesson checks of ${c.slug} (ms): ${c.all.map((x) => x.toFixed(0)).join(', ')}`);
      rows.push([`lessons: Check of ${c.slug}, click → feedback (median of 7, ${CHECK_PAUSE_MS / 1000} s between checks)`, `${c.check.toFixed(0)} ms`, `the same SQL with Run ${c.run.toFixed(0)} ms`, (c.check / c.run).toFixed(2)]);
    }
    rows.push(['lessons: Reset chapter database (indexes, median of 7)', `${l.reset.toFixed(0)} ms`, `building it from the dataset ${l.build.toFixed(0)} ms`, (l.reset / l.build).toFixed(2)]);
    const chapters = await lessonChapters();
    const ref = chapters.find((c) => c.id === 'indexes');
    for (const c of chapters) {
      console.log(`chapter ${c.id}: open ${c.open.toFixed(0)} ms, checks of ${c.slug} (ms): ${c.all.map((x) => x.toFixed(0)).join(', ')}`);
      rows.push([`lessons: open ${c.id} in a fresh profile → its database ready`, `${c.open.toFixed(0)} ms`, `indexes ${ref.open.toFixed(0)} ms`, (c.open / ref.open).toFixed(2)]);
      rows.push([`lessons: Check of ${c.id}/${c.slug}, its reference (median of 3)`, `${c.check.toFixed(0)} ms`, `indexes/${ref.slug} ${ref.check.toFixed(0)} ms`, (c.check / ref.check).toFixed(2)]);
    }
  }
  if (want('playground')) {
  // Start-up figures are medians of ROUNDS runs, each reference interleaved with its measure.
  const ROUNDS = 3;
  const refColds = [], colds = [], warms = [], offlineMs = [];
  let cold, s, warmPage;
  for (let round = 0; round < ROUNDS; round++) {
    // Reference: a bare page that only boots PGlite (initdb, in memory) in a worker.
    const r = await freshContext();
    const refPage = await r.ctx.newPage();
    const t0 = performance.now();
    await refPage.goto(`${BASE}bench/boot.html`);
    await refPage.waitForFunction(() => document.getElementById('out')?.textContent?.startsWith('done'), null, { timeout: 120_000 });
    refColds.push(performance.now() - t0);
    await r.close();

    if (s) await s.close();
    s = await freshContext();
    const page = await s.ctx.newPage();
    cold = await firstResult(page, BASE);
    colds.push(cold.ms);
    // The service worker stores the offline copy (~22 MB) after the first start; a return visit
    // is one after it has (reloads during that download compete with it).
    const t1 = performance.now();
    // The controller is set once the service worker has stored everything and taken the page
    // (clientsClaim). A synchronous predicate: an async one returns a promise, which is truthy at once.
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 180_000, polling: 50 });
    offlineMs.push(performance.now() - t1);
    // Warm: the same profile, a new page (the first one's worker ends with it).
    for (let i = 0; i < 2; i++) {
      const next = await s.ctx.newPage();
      await (warmPage ?? page).close();
      warms.push((await firstResult(next, BASE)).ms);
      warmPage = next;
    }
    if (round < ROUNDS - 1) warmPage = undefined;
  }
  const noSeedCtx = await freshContext();
  const noSeed = await firstResult(await noSeedCtx.ctx.newPage(), `${BASE}?seed=0`);
  await noSeedCtx.close();
  const refCold = median(refColds), coldMs = median(colds), warmMs = median(warms);
  const spread = (a) => `${Math.round(Math.min(...a))}–${Math.round(Math.max(...a))}`;
  console.log(`cold ${colds.map(Math.round).join(', ')} ms; bare boot ${refColds.map(Math.round).join(', ')} ms; warm ${warms.map(Math.round).join(', ')} ms`);
  rows.push([`cold start → first result of \`select 1\` (median of ${ROUNDS})`, `${coldMs.toFixed(0)} ms (${spread(colds)})`, `bare PGlite boot ${refCold.toFixed(0)} ms (${spread(refColds)})`, (coldMs / refCold).toFixed(2)]);
  rows.push(['  same, with initdb instead of the prepared data directory', `${noSeed.ms.toFixed(0)} ms`, `prepared ${coldMs.toFixed(0)} ms`, (noSeed.ms / coldMs).toFixed(2)]);
  rows.push([`offline copy stored after the first start (median of ${ROUNDS})`, `${median(offlineMs).toFixed(0)} ms`, `cold start ${coldMs.toFixed(0)} ms`, (median(offlineMs) / coldMs).toFixed(2)]);
  rows.push([`warm reload → first result (median of ${warms.length})`, `${warmMs.toFixed(0)} ms (${spread(warms)})`, `cold ${coldMs.toFixed(0)} ms`, (warmMs / coldMs).toFixed(2)]);

  const persisted = await perStatement(warmPage);
  const mem = await s.ctx.newPage();
  await firstResult(mem, `${BASE}?storage=memory`);
  const inMemory = await perStatement(mem);
  await mem.close();
  await warmPage.bringToFront();
  rows.push(['insert of one row, UI round trip (median of 50), saved to IndexedDB', `${persisted.toFixed(0)} ms`, `in memory, not saved ${inMemory.toFixed(0)} ms`, `${persisted >= inMemory ? '+' : '−'}${Math.abs(persisted - inMemory).toFixed(0)} ms`]);

  const sel = [];
  for (let i = 0; i < 20; i++) sel.push(await runInApp(warmPage, `select ${i} as v;`));
  const big = await runInApp(warmPage, 'select g as id, md5(g::text) as hash from generate_series(1, 100000) g;');
  await warmPage.locator('table[aria-rowcount="100001"] tbody tr:not(.spacer)').first().waitFor();
  rows.push(['100,000-row result shown', `${big.toFixed(0)} ms`, `select 1 ${median(sel).toFixed(0)} ms`, (big / median(sel)).toFixed(1)]);

  await runInApp(warmPage, 'create table if not exists bench_kept (v int);');
  await warmPage.getByRole('textbox', { name: 'SQL editor' }).click();
  await warmPage.keyboard.press('Control+A');
  await warmPage.keyboard.insertText('select pg_sleep(600);');
  await warmPage.getByRole('button', { name: 'Run' }).click();
  await warmPage.getByRole('button', { name: 'Stop' }).and(warmPage.locator(':enabled')).waitFor();
  await warmPage.waitForTimeout(300);
  const stopAt = performance.now();
  await warmPage.getByRole('button', { name: 'Stop' }).click();
  await warmPage.waitForFunction(runButtonEnabled, null, { polling: 5 });
  const stop = performance.now() - stopAt;
  rows.push(['Stop of `pg_sleep(600)` → usable again', `${stop.toFixed(0)} ms`, `warm reload ${warmMs.toFixed(0)} ms`, (stop / warmMs).toFixed(2)]);

  // A plain EXPLAIN of about 300 nodes (each branch a Bitmap Heap Scan over a Bitmap Index Scan) opens collapsed; Expand all draws every node (target ≤ 2 s),
  // beside the time to show the collapsed plan in the first place.
  await runInApp(warmPage, 'drop table if exists bench_plan; create table bench_plan (id int primary key, customer_id int); insert into bench_plan select g, g % 5000 from generate_series(1, 120000) g; create index on bench_plan (customer_id); analyze bench_plan;');
  const branches = Array.from({ length: 100 }, (_, i) => `select id from bench_plan where customer_id = ${i} and id > 0`).join(' union all ');
  const shownMs = await runInApp(warmPage, `EXPLAIN select * from (${branches}) u join bench_plan o using (id);`);
  const planGroup = warmPage.getByLabel('Results').locator('section').first().getByRole('group', { name: 'Query plan' });
  const planNodes = planGroup.getByRole('list', { name: 'Plan nodes' }).locator(':scope > li');
  await planGroup.getByText(/\d{3} nodes/).first().waitFor();
  const totalNodes = Number((await planGroup.textContent()).match(/(\d{3}) nodes/)[1]);
  // The plan's statistics-based findings arrive after it; let them, so the expand is measured alone.
  await warmPage.waitForTimeout(1000);
  const expandAt = performance.now();
  await planGroup.getByRole('button', { name: 'Expand all' }).click();
  await warmPage.waitForFunction(([n]) => document.querySelectorAll('[aria-label="Plan nodes"] > li').length >= n, [totalNodes], { polling: 5 });
  const expandMs = performance.now() - expandAt;
  if ((await planNodes.count()) < totalNodes) throw new Error('Expand all did not show every node');
  rows.push([`Expand all of a ${totalNodes}-node plan`, `${expandMs.toFixed(0)} ms`, `EXPLAIN shown collapsed ${shownMs.toFixed(0)} ms`, (expandMs / shownMs).toFixed(2)]);

  // A day's work leaves WAL behind: 300,000 rows made and rewritten (~75 MB of WAL), then a
  // pause (pglab checkpoints when idle: PGlite has no checkpointer), then a reload.
  await runInApp(warmPage, `drop table if exists bench_heavy; create table bench_heavy as select g, md5(g::text) as h from generate_series(1, 300000) g; update bench_heavy set h = h || 'x';`);
  await warmPage.waitForTimeout(2500);
  const afterWork = await s.ctx.newPage();
  await warmPage.close();
  const heavy = await firstResult(afterWork, BASE);
  rows.push(['warm reload after 300,000 rows made and rewritten, and a pause', `${heavy.ms.toFixed(0)} ms`, `warm reload ${warmMs.toFixed(0)} ms`, (heavy.ms / warmMs).toFixed(2)]);

  rows.push(['JavaScript before the first result (cold)', `${kb(cold.bytes.jsGzip)} gzip (${kb(cold.bytes.js)} raw)`, `everything ${(cold.bytes.all / 1048576).toFixed(1)} MB raw`, '']);
  await s.close();
  }

  if (want('wire')) rows.push(...(await benchWire({ executablePath, args: ARGS, dist: DIST, firstResult })));

  console.log('\n| measure | pglab | reference (same run) | ratio |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (want('analysis')) {
    // The analysis modules on a 300-table schema, in Node (scripts/bench-analysis.ts).
    const analysis = spawnSync('npx', ['tsx', 'scripts/bench-analysis.ts'], { encoding: 'utf8' });
    process.stdout.write(analysis.stdout.split('\n').filter((l) => l.startsWith('|')).join('\n') + '\n');
    if (analysis.status !== 0) console.error(analysis.stderr);
  }
  if (want('plans')) {
    // Parsing pasted plans: linear time as ratios (scripts/bench-plans.ts).
    const plans = spawnSync('npx', ['tsx', 'scripts/bench-plans.ts'], { encoding: 'utf8' });
    process.stdout.write(plans.stdout.split('\n').filter((l) => l.startsWith('|')).join('\n') + '\n');
    if (plans.status !== 0) console.error(plans.stderr);
  }
  if (want('migrations')) {
    // Schema diff, migration lint and a measured run, in Node (scripts/bench-migrations.ts).
    const migrations = spawnSync('npx', ['tsx', 'scripts/bench-migrations.ts'], { encoding: 'utf8' });
    process.stdout.write(migrations.stdout.split('\n').filter((l) => l.startsWith('|')).join('\n') + '\n');
    if (migrations.status !== 0) console.error(migrations.stderr);
  }
} finally {
  process.kill(-server.pid, 'SIGTERM');
  rmSync(DIST, { recursive: true, force: true });
}
