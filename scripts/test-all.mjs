// `npm test`: the type check, the unit tests (vitest, real PGlite) and the end-to-end tests
// (Playwright driving Debian's Chromium), ending with one "N passed, N failed" line that CI reads.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdirSync } from 'node:fs';
import { findChromium } from './chromium.mjs';

let passed = 0;
let failed = 0;
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status;

rmSync('test-results', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });

console.log('\n== Type check (svelte-check) ==');
if (run('npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--threshold', 'error']) === 0) passed++;
else failed++;

console.log('\n== Unit tests (vitest, real PGlite) ==');
run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile=test-results/unit.json']);
try {
  const u = JSON.parse(readFileSync('test-results/unit.json', 'utf8'));
  passed += u.numPassedTests;
  failed += u.numFailedTests + (u.numTotalTestSuites && u.testResults.some((t) => t.status === 'failed' && !t.assertionResults.length) ? 1 : 0);
} catch {
  console.error('vitest wrote no report');
  failed++;
}

console.log('\n== Lessons (every dataset built, every solution passes, every listed wrong answer fails) ==');
{
  // One process per chapter, two at a time: a verification keeps one core busy (PGlite is
  // single-threaded), and CI has two. Each prints its own "lessons: N passed, N failed".
  const { readdirSync } = await import('node:fs');
  const chapters = readdirSync('lessons', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const verifyOne = (id) => new Promise((resolve) => {
    const child = spawn('npx', ['tsx', 'scripts/verify-lessons.ts', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => resolve({ id, status, out }));
  });
  const queue = [...chapters];
  const results = [];
  await Promise.all([0, 1].map(async () => {
    while (queue.length) {
      const r = await verifyOne(queue.shift());
      process.stdout.write(r.out);
      results.push(r);
    }
  }));
  for (const r of results) {
    const m = /lessons: (\d+) passed, (\d+) failed/.exec(r.out);
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    }
    if (!m || (r.status !== 0 && Number(m[2]) === 0)) {
      console.error(`the verification of ${r.id} ended without its summary (status ${r.status})`);
      failed++;
    }
  }
}

console.log('\n== End-to-end tests (Playwright + Chromium) ==');
let chromium;
try {
  chromium = findChromium();
} catch (e) {
  console.error(e.message);
  failed++;
}
if (chromium) {
  if (run('npx', ['vite', 'build', '--logLevel', 'warn']) !== 0) failed++;
  else {
    run('npx', ['playwright', 'test'], { CHROMIUM_PATH: chromium });
    try {
      const e = JSON.parse(readFileSync('test-results/e2e.json', 'utf8'));
      passed += e.stats.expected;
      failed += e.stats.unexpected + e.stats.flaky + (e.errors?.length ?? 0);
    } catch {
      console.error('Playwright wrote no report');
      failed++;
    }
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
