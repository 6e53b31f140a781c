// `npm run bench wire`: the bytes a visit puts on the wire, counted by a proxy in front of the
// preview server (so the service worker's own downloads count too), for two hosts: `npm start`
// (precompressed brotli/gzip copies, scripts/precompress.ts) and a host that compresses on the
// fly as common static hosts do (text and JavaScript gzip'd, wasm and data sent as they are).
// Also the chapter open times and the memory of the browser's processes with chapters open.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { chromium } from '@playwright/test';

const mb = (n) => `${(n / 1048576).toFixed(2)} MB`;

/** A proxy that counts the response bytes it passes on (as sent: compressed when the server compressed). */
function countingProxy(port, upstream) {
  const counter = { bytes: 0, byUrl: new Map() };
  const server = createServer((req, res) => {
    const up = request({ host: '127.0.0.1', port: upstream, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.on('data', (chunk) => {
        counter.bytes += chunk.length;
        const path = (req.url ?? '').split('?')[0];
        counter.byUrl.set(path, (counter.byUrl.get(path) ?? 0) + chunk.length);
      });
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ counter, close: () => new Promise((r) => server.close(r)) })));
}

async function waitFor(url) {
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(url)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** The browser Playwright launched from this process (it talks to it over a pipe). */
function browserPid() {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--remote-debugging-pipe')) return Number(pid);
    } catch { /* gone */ }
  }
  throw new Error('the browser process was not found');
}

/** Memory of every process of this browser (the tab's renderer with its workers, GPU, network), in bytes. */
function browserRss(rootPid) {
  const children = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(pid)]);
    } catch { /* gone */ }
  }
  let total = 0;
  const visit = (pid) => {
    try {
      // Proportional set size: a page shared by several processes counts once in all (RSS would count it in each).
      const rss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (rss) total += Number(rss[1]) * 1024;
    } catch { /* gone */ }
    for (const c of children.get(pid) ?? []) visit(c);
  };
  visit(rootPid);
  return total;
}

async function chapterReady(page, id) {
  const t0 = performance.now();
  await page.goto(`${page.url().split('#')[0]}#/lessons/${id}`);
  await page.getByRole('article').getByRole('status').first().filter({ hasText: /Chapter database ready/ }).waitFor({ timeout: 240_000 });
  return performance.now() - t0;
}

/**
 * One host: a fresh profile's first visit (to the first result, then until the offline copy is
 * stored), a chapter opened after it, and a return visit.
 */
async function visits({ executablePath, args, base, counter, firstResult, measureMemory }) {
  const browser = await chromium.launch({ executablePath, args });
  const ctx = await browser.newContext();
  const out = {};
  try {
    const page = await ctx.newPage();
    counter.bytes = 0;
    counter.byUrl.clear();
    await firstResult(page, base);
    out.firstResult = counter.bytes;
    // The controller is set once the service worker has stored everything and taken the page
    // (clientsClaim). A synchronous predicate: an async one returns a promise, which is truthy at once.
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 180_000, polling: 50 });
    // Let the last precache responses finish arriving.
    await page.waitForTimeout(1500);
    out.firstVisit = counter.bytes;
    out.top = [...counter.byUrl].sort((a, b) => b[1] - a[1]).slice(0, 6);
    if (measureMemory) out.memPlayground = browserRss(browserPid());
    const before = counter.bytes;
    counter.byUrl.clear();
    out.chapterColdMs = await chapterReady(page, 'indexes');
    out.chapter = counter.bytes - before;
    out.chapterTop = [...counter.byUrl].sort((a, b) => b[1] - a[1]).slice(0, 4);
    if (measureMemory) {
      out.memOneChapter = browserRss(browserPid());
      out.chapter2Ms = await chapterReady(page, 'query-optimization');
      out.memTwoChapters = browserRss(browserPid());
    }
    // A return visit: a new page in the same profile.
    const again = await ctx.newPage();
    await page.close();
    counter.bytes = 0;
    counter.byUrl.clear();
    await firstResult(again, base);
    out.chapterWarmMs = await chapterReady(again, 'indexes');
    await again.waitForTimeout(500);
    out.returnVisit = counter.bytes;
    out.returnTop = [...counter.byUrl].sort((a, b) => b[1] - a[1]).slice(0, 4);
  } finally {
    await browser.close();
  }
  return out;
}

export async function benchWire({ executablePath, args, dist, firstResult, portBase = 4380 }) {
  const hosts = [
    { name: 'npm start (precompressed brotli)', env: {} },
    { name: 'a host compressing on the fly (gzip for text and JS only)', env: { PGLAB_PRECOMPRESSED: 'off' } },
  ];
  const results = [];
  for (const [i, host] of hosts.entries()) {
    const upstream = portBase + 2 * i;
    const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(upstream), '--strictPort', '--outDir', dist], { stdio: 'ignore', detached: true, env: { ...process.env, ...host.env } });
    const proxy = await countingProxy(upstream + 1, upstream);
    try {
      await waitFor(`http://127.0.0.1:${upstream}/`);
      const r = await visits({ executablePath, args, base: `http://127.0.0.1:${upstream + 1}/`, counter: proxy.counter, firstResult, measureMemory: i === 0 });
      results.push({ host: host.name, ...r });
    } finally {
      await proxy.close();
      process.kill(-server.pid, 'SIGTERM');
    }
  }
  const rows = [];
  for (const r of results) {
    console.log(`${r.host}: first visit's largest downloads: ${r.top.map(([u, b]) => `${u} ${mb(b)}`).join(', ')}; chapter: ${r.chapterTop.map(([u, b]) => `${u} ${mb(b)}`).join(', ')}; return visit: ${r.returnTop.map(([u, b]) => `${u} ${(b / 1024).toFixed(1)} KB`).join(', ') || 'nothing'}`);
    rows.push([`wire, ${r.host}: first visit to the first result`, mb(r.firstResult), 'target ≤ 5 MB', '']);
    rows.push([`  then the offline copy stored (whole first visit)`, mb(r.firstVisit), `first result ${mb(r.firstResult)}`, (r.firstVisit / r.firstResult).toFixed(2)]);
    rows.push([`  a chapter opened after it (Indexes)`, mb(r.chapter), 'target ≤ 1 MB more', '']);
    rows.push([`  a return visit, playground and the chapter`, `${(r.returnVisit / 1024).toFixed(1)} KB`, 'target 0 bytes of the app', '']);
  }
  const p = results[0];
  rows.push(['chapter open, first time (Indexes, database built from its dataset)', `${p.chapterColdMs.toFixed(0)} ms`, 'target ≤ 2.5 s cold', '']);
  rows.push(['chapter open, return visit (Indexes)', `${p.chapterWarmMs.toFixed(0)} ms`, 'target ≤ 1 s warm', '']);
  rows.push(['browser memory (all its processes), playground', mb(p.memPlayground), '', '']);
  rows.push(['  with a chapter open (Indexes)', mb(p.memOneChapter), `playground ${mb(p.memPlayground)}; target ≤ 700 MB`, (p.memOneChapter / p.memPlayground).toFixed(2)]);
  rows.push(['  with two chapters opened (then Query optimization)', mb(p.memTwoChapters), 'target ≤ 900 MB', (p.memTwoChapters / p.memPlayground).toFixed(2)]);
  return rows;
}
