// `npm test`: the type check, the unit tests (vitest, real PGlite), the lessons' verification and
// the end-to-end tests (Playwright driving Debian's Chromium), ending with one "N passed, N failed"
// line that CI reads. Each stage prints how long it took; short single-threaded steps (the type
// check, the site's build) run beside a stage that leaves a core idle.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { findChromium } from './chromium.mjs';

let passed = 0;
let failed = 0;
// What failed, by name, printed again just above the last line: CI keeps only the end of the
// output, and a failure far up in the unit stage was otherwise invisible there.
const failures = [];
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status;
/** A command in the background, its output kept to be printed whole when it ends. */
const runQuietly = (cmd, args) => new Promise((resolve) => {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.on('close', (status) => resolve({ status, out }));
});
const started = Date.now();
const stageStart = { at: Date.now() };
const took = () => {
  const s = Math.round((Date.now() - stageStart.at) / 1000);
  stageStart.at = Date.now();
  return `${s} s (${Math.round((Date.now() - started) / 1000)} s in all)`;
};

rmSync('test-results', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });
// Chapter builds are shared within one run (scripts/chapter-builds.ts); each run builds afresh.
const builds = process.env.PGLAB_BUILDS_DIR ?? 'node_modules/.cache/pglab-chapter-builds';
rmSync(builds, { recursive: true, force: true });

// The type check is single-threaded and short: it runs beside the unit tests, whose two workers
// leave a core idle at their start and end, and prints when they are done.
const typeCheck = runQuietly('npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--threshold', 'error']);

console.log('\n== Unit tests (vitest, real PGlite) ==');
run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile=test-results/unit.json']);
try {
  const u = JSON.parse(readFileSync('test-results/unit.json', 'utf8'));
  passed += u.numPassedTests;
  failed += u.numFailedTests + (u.numTotalTestSuites && u.testResults.some((t) => t.status === 'failed' && !t.assertionResults.length) ? 1 : 0);
  for (const file of u.testResults) {
    const where = file.name.replace(process.cwd() + '/', '');
    if (file.status === 'failed' && !file.assertionResults.length) failures.push(`unit ${where}: ${(file.message ?? '').split('\n')[0]}`);
    for (const t of file.assertionResults) {
      if (t.status === 'failed') failures.push(`unit ${where} › ${t.fullName}: ${(t.failureMessages?.[0] ?? '').split('\n')[0]}`);
    }
  }
} catch {
  console.error('vitest wrote no report');
  failed++;
  failures.push('unit: vitest wrote no report');
}

console.log(`unit stage: ${took()}`);

console.log('\n== Type check (svelte-check, run beside the unit tests) ==');
{
  const tc = await typeCheck;
  process.stdout.write(tc.out);
  if (tc.status === 0) passed++;
  else {
    failed++;
    failures.push('type check (svelte-check)');
  }
}

let chromium;
try {
  chromium = findChromium();
} catch (e) {
  console.error(e.message);
  failed++;
  failures.push(`e2e: ${e.message}`);
}
let build;

console.log('\n== Lessons (every dataset built, every solution passes, every listed wrong answer fails) ==');
{
  // One process per chapter, two at a time: a verification keeps one core busy (PGlite is
  // single-threaded), and CI has two. Each prints its own "lessons: N passed, N failed".
  // Largest chapter first (its files' bytes, a fair proxy for its exercises and claims), so the
  // two queues end close together.
  const bytes = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((n, d) => n + (d.isDirectory() ? bytes(`${dir}/${d.name}`) : statSync(`${dir}/${d.name}`).size), 0);
  const chapters = readdirSync('lessons', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
    .map((id) => ({ id, size: bytes(`lessons/${id}`) })).sort((a, b) => b.size - a.size || a.id.localeCompare(b.id)).map((c) => c.id);
  const verifyOne = async (id) => {
    const t0 = Date.now();
    const { status, out } = await runQuietly('npx', ['tsx', 'scripts/verify-lessons.ts', id]);
    return { id, status, out: `${out}   (${id}: ${Math.round((Date.now() - t0) / 1000)} s)\n` };
  };
  const queue = [...chapters];
  const results = [];
  await Promise.all([0, 1].map(async () => {
    while (queue.length) {
      const r = await verifyOne(queue.shift());
      process.stdout.write(r.out);
      results.push(r);
    }
    // The first queue to run dry builds the site for the end-to-end tests while the other
    // finishes its last chapter.
    build ??= chromium ? runQuietly('npx', ['vite', 'build', '--logLevel', 'warn']) : Promise.resolve({ status: 0, out: '' });
  }));
  for (const r of results) {
    const m = /lessons: (\d+) passed, (\d+) failed/.exec(r.out);
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    }
    for (const line of r.out.split('\n')) if (/^\s+✗ /.test(line)) failures.push(`lessons ${r.id}: ${line.trim().slice(2)}`);
    if (!m || (r.status !== 0 && Number(m[2]) === 0)) {
      console.error(`the verification of ${r.id} ended without its summary (status ${r.status})`);
      failed++;
      failures.push(`lessons ${r.id}: ended without its summary (status ${r.status})`);
    }
  }
}

console.log(`lessons stage: ${took()}`);

console.log('\n== End-to-end tests (Playwright + Chromium) ==');
if (chromium) {
  const built = await build;
  process.stdout.write(built.out);
  if (built.status !== 0) {
    failed++;
    failures.push('e2e: the build failed');
  }
  else {
    run('npx', ['playwright', 'test'], { CHROMIUM_PATH: chromium });
    try {
      const e = JSON.parse(readFileSync('test-results/e2e.json', 'utf8'));
      passed += e.stats.expected;
      failed += e.stats.unexpected + e.stats.flaky + (e.errors?.length ?? 0);
      const walk = (suite) => {
        for (const spec of suite.specs ?? []) {
          for (const t of spec.tests ?? []) {
            if (t.status === 'unexpected' || t.status === 'flaky') failures.push(`e2e ${spec.file}:${spec.line} › ${spec.title} (${t.status})`);
          }
        }
        for (const s of suite.suites ?? []) walk(s);
      };
      for (const s of e.suites ?? []) walk(s);
      for (const err of e.errors ?? []) failures.push(`e2e: ${(err.message ?? '').split('\n')[0]}`);
    } catch {
      console.error('Playwright wrote no report');
      failed++;
      failures.push('e2e: Playwright wrote no report');
    }
  }
}

console.log(`e2e stage: ${took()}`);
if (failures.length) {
  console.log('\n== What failed ==');
  for (const f of failures) console.log(`  ✗ ${f.slice(0, 400)}`);
}
rmSync(builds, { recursive: true, force: true }); // a few hundred MB: not kept past the run
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
