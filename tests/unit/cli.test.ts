// The `pglab` command line as a user runs it: `node bin/pglab.js …` in a child process, from
// another directory, against a script loaded into PGlite (--load) and against a real PostgreSQL
// 18 server started on loopback (tests/support/native-pg.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';

const BIN = fileURLToPath(new URL('../../bin/pglab.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../src/cli/example.sql', import.meta.url));
const FINDING_KEYS = ['check', 'fix', 'message', 'object', 'severity', 'why'];

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the CLI from a scratch directory (not the checkout), with a hard deadline. */
function pglab(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, ...env };
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
    execFile(process.execPath, [BIN, ...args], { cwd: scratch, env: childEnv as NodeJS.ProcessEnv, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

interface Finding { check: string; severity: string; object: Record<string, unknown>; message: string; why: string; fix?: string }
const parse = (r: Run) => JSON.parse(r.stdout) as { findings: Finding[]; facts: Record<string, unknown> };
const checks = (findings: Finding[]) => new Set(findings.map((f) => f.check));

/** `check --load example.sql` as JSON, run once and shared by the tests that read it. */
let liteCheck: Promise<Run> | undefined;
const liteCheckRun = () => (liteCheck ??= pglab(['check', '--load', EXAMPLE, '--output', 'json', '--fail-on', 'warning']));

let scratch: string;
let server: NativePg | undefined;
let startError: Error | undefined;
let shopUrl = '';
let bareUrl = '';

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'pglab-cli-'));
  try {
    server = await startNativePg();
  } catch (e) {
    startError = e as Error;
    return;
  }
  const admin = await PgQueryable.connect(server.url);
  try {
    await admin.query('create database shop');
    await admin.query('create database bare');
  } finally {
    await admin.close();
  }
  shopUrl = server.url.replace(/\/postgres$/, '/shop');
  bareUrl = server.url.replace(/\/postgres$/, '/bare');
  const shop = await PgQueryable.connect(shopUrl);
  try {
    await shop.query('create extension pg_stat_statements');
    const r = await shop.run(readFileSync(EXAMPLE, 'utf8'));
    if (!r.ok) throw new Error(`example.sql failed on the server: ${r.error.message}`);
    await shop.query('create table plain (id int primary key, v int)');
    await shop.query('insert into plain select g, g from generate_series(1, 1000) g');
  } finally {
    await shop.close();
  }
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 60_000);

function nativeServer(): NativePg {
  if (startError) throw new Error(`the native PostgreSQL server could not start: ${startError.message}`);
  if (!server) throw new Error('the native PostgreSQL server did not start');
  return server;
}

describe('pglab usage', () => {
  it('--help prints the usage from any directory and exits 0', async () => {
    const r = await pglab(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pglab — /);
    for (const c of ['inspect', 'indexes', 'lint', 'queries', 'explain', 'check', '--load FILE.sql', '--fail-on', '--output']) expect(r.stdout).toContain(c);
    expect(r.stderr).toBe('');
  });

  it('rejects bad arguments with one line and exit status 2, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^pglab: missing command/],
      [['frobnicate', '--load', EXAMPLE], /^pglab: unknown command 'frobnicate'/],
      [['indexes', '--bogus'], /^pglab: Unknown option '--bogus'/],
      [['indexes', '--load', EXAMPLE, '--output', 'yaml'], /^pglab: --output must be text, markdown or json, got 'yaml'/],
      [['indexes', '--load', EXAMPLE, '--fail-on', 'info'], /^pglab: --fail-on must be warning or error/],
      [['indexes'], /^pglab: no target/],
      [['indexes', '--url', 'mysql://x/y'], /^pglab: --url must be a postgresql:\/\/ URL/],
      [['indexes', 'postgresql://a@h/db', '--load', EXAMPLE], /^pglab: give either a URL or --load/],
      [['explain', '--load', EXAMPLE], /^pglab: explain needs the statement/],
      [['lint', '--load', EXAMPLE, '--table', 't'], /^pglab: --table applies to inspect only/],
      [['indexes', '--load', join(tmpdir(), 'no-such-file.sql')], /^pglab: --load: no such file/],
    ];
    const results = await Promise.all(cases.map(([args]) => pglab(args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i][0].join(' ')).toBe(2);
      expect(r.stderr).toMatch(cases[i][1]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    });
    expect(results[2].stderr).toContain('Run pglab --help for usage.');
  });
});

describe('pglab --load FILE.sql (in-memory PGlite)', () => {
  it('check: the JSON findings have the app shape, the checks fire, and --fail-on sets exit status 1', async () => {
    const [json, errorsOnly] = await Promise.all([liteCheckRun(), pglab(['lint', '--load', EXAMPLE, '--fail-on', 'error'])]);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(1);
    const report = parse(json);
    expect(Object.keys(report.facts).sort()).toEqual(['indexes', 'lint', 'queries']);
    for (const f of report.findings) {
      expect(FINDING_KEYS).toEqual(expect.arrayContaining(Object.keys(f)));
      expect(['info', 'warning', 'error']).toContain(f.severity);
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.why.length).toBeGreaterThan(20);
    }
    const found = checks(report.findings);
    for (const c of ['duplicate_index', 'redundant_index', 'unused_index', 'unindexed_foreign_key', 'sequence_near_overflow', 'table_without_primary_key', 'json_instead_of_jsonb', 'eav_table', 'functional_dependency']) {
      expect(found).toContain(c);
    }
    const dup = report.findings.find((f) => f.check === 'duplicate_index')!;
    expect(dup.object).toMatchObject({ schema: 'public', table: 'events', index: 'events_rare_idx2' });
    expect(dup.fix).toBe('DROP INDEX CONCURRENTLY events_rare_idx2;');
    expect(report.findings.find((f) => f.check === 'sequence_near_overflow')!.severity).toBe('error');
    // The query analyzer saw the script's own statements.
    const q = report.facts.queries as { available: boolean; topByCalls: { query: string; calls: number }[] };
    expect(q.available).toBe(true);
    expect(q.topByCalls[0]).toMatchObject({ query: 'select count(*) from events where kind = $1', calls: 12 });

    // The linter finds no error-level problem in the example: --fail-on error passes.
    expect(errorsOnly.code).toBe(0);
    expect(errorsOnly.stdout).toMatch(/^pglab lint on .*example\.sql \(PGlite\)/);
    expect(errorsOnly.stdout).toMatch(/\d+ findings \(0 errors, \d+ warnings, \d+ info\)/);
    expect(errorsOnly.stdout).toContain('WARNING json_instead_of_jsonb  public.products (specs)');
    expect(errorsOnly.stdout).toContain('ALTER TABLE products ALTER COLUMN specs TYPE jsonb USING specs::jsonb;');
  });

  it('a pg_dump-style script loads: COPY … FROM STDIN takes the rows that follow it, and the script goes on', async () => {
    const dump = join(scratch, 'dump.sql');
    writeFileSync(dump, 'create table t (id int primary key, name text);\ncopy t (id, name) from stdin;\n1\talpha\n2\t\\N\n3\ttab\\there\n\\.\ncreate index t_name_a on t (name);\ncreate index t_name_b on t (name);\n');
    const r = await pglab(['indexes', '--load', dump, '--output', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parse(r).findings.map((f) => f.check)).toContain('duplicate_index');
    const bad = join(scratch, 'bad-dump.sql');
    writeFileSync(bad, 'create table n (v int);\ncopy n (v) from stdin;\n1\nnot a number\n\\.\n');
    const broken = await pglab(['indexes', '--load', bad]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^pglab: .*bad-dump\.sql:2: invalid input syntax for type integer: "not a number"/);
  });

  it('a failing script names its file and line', async () => {
    const bad = join(scratch, 'bad.sql');
    writeFileSync(bad, 'create table a (id int primary key);\n\ninsert into a values (1);\ninsert into nowhere values (2);\n');
    const broken = await pglab(['indexes', '--load', bad]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(`pglab: ${bad}:4: relation "nowhere" does not exist\n`);
    expect(broken.stdout).toBe('');
  });
});

describe('pglab postgresql://… (native PostgreSQL 18)', () => {
  it('indexes and lint give the same findings as on PGlite; the URL can come from DATABASE_URL', async () => {
    nativeServer();
    const [viaUrl, viaEnv, lintNative, lite] = await Promise.all([
      pglab(['indexes', shopUrl, '-o', 'json']),
      pglab(['indexes', '-o', 'json'], { DATABASE_URL: shopUrl }),
      pglab(['lint', '--url', shopUrl, '-o', 'json']),
      liteCheckRun(),
    ]);
    for (const r of [viaUrl, viaEnv, lintNative, lite]) expect(r.stderr).toBe('');
    type Essence = [string, string, Record<string, unknown>];
    const essence = (findings: Finding[]): Essence[] => findings.map((f) => [f.check, f.severity, f.object]);
    const liteFacts = parse(lite).facts as { lint: { counts: Record<string, number> } };
    const lintChecks = new Set(Object.keys(liteFacts.lint.counts));
    const liteFindings = parse(lite).findings;
    expect(essence(parse(viaUrl).findings)).toEqual(essence(parse(viaEnv).findings));
    // Usage counters differ (the server ran example.sql as one batch, and more statements since),
    // so compare the structural index checks, and the linter as a whole.
    const structural = (list: Essence[]) => list.filter(([c]) => ['duplicate_index', 'redundant_index', 'unindexed_foreign_key', 'sequence_near_overflow', 'mostly_null_index'].includes(c));
    expect(structural(essence(parse(viaUrl).findings))).toEqual(structural(essence(liteFindings)));
    expect(structural(essence(parse(viaUrl).findings)).length).toBeGreaterThanOrEqual(5);
    const sorted = (list: Essence[]) => list.map((e) => JSON.stringify(e)).sort();
    expect(sorted(essence(parse(lintNative).findings))).toEqual(sorted(essence(liteFindings.filter((f) => lintChecks.has(f.check)))));
    expect(parse(lintNative).findings.length).toBeGreaterThanOrEqual(10);
    expect((parse(viaUrl).facts as { statsSince: { source: string } }).statsSince.source).toBe('server_start');
  });

  it('inspect renders Markdown documentation, or the facts as JSON', async () => {
    nativeServer();
    const [md, json] = await Promise.all([pglab(['inspect', shopUrl, '--table', 'orders']), pglab(['inspect', shopUrl, '--schema', 'public', '-o', 'json'])]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Database `shop` — table orders/);
    expect(md.stdout).toContain('| `customer_id` | integer | not null |');
    expect(md.stdout).toContain('→ customers.id');
    expect(json.code).toBe(0);
    const r = parse(json) as unknown as { findings: unknown[]; facts: { tables: { name: string }[] } };
    expect(r.findings).toEqual([]);
    expect(r.facts.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['customers', 'orders', 'events', 'plain']));
  });

  it('explain diagnoses the plan, and --analyze of a write is rolled back', async () => {
    const s = nativeServer();
    const [plain, analyzed, markdown] = await Promise.all([
      pglab(['explain', 'select * from events where kind = 3 and id % 1000 = 0', shopUrl, '-o', 'json']),
      pglab(['explain', 'delete from plain where v > 10', shopUrl, '--analyze', '-o', 'json']),
      pglab(['explain', 'select count(*) from plain', shopUrl, '-o', 'markdown']),
    ]);
    expect(plain.code).toBe(0);
    const p = parse(plain) as unknown as { findings: Finding[]; facts: { statementType: string; plan: { analyzed: boolean; root: { nodeType: string } } } };
    expect(p.facts.statementType).toBe('SelectStmt');
    expect(p.facts.plan.analyzed).toBe(false);
    expect(p.facts.plan.root.nodeType).toMatch(/Seq Scan|Gather/);
    expect(checks(p.findings)).toContain('seq_scan_selective_filter');

    expect(analyzed.code).toBe(0);
    expect(analyzed.stderr).toContain('rolled back');
    const a = parse(analyzed) as unknown as { facts: { writes: boolean; rolledBack: boolean; plan: { analyzed: boolean } } };
    expect(a.facts).toMatchObject({ writes: true, rolledBack: true, plan: { analyzed: true } });
    const db = await PgQueryable.connect(shopUrl);
    try {
      expect((await db.query<{ n: number }>('select count(*)::int as n from plain')).rows[0].n).toBe(1000);
    } finally {
      await db.close();
    }

    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain(`# pglab explain — postgresql://postgres@127.0.0.1:${s.port}/shop`);
    expect(markdown.stdout).toMatch(/```\nEXPLAIN select count\(\*\) from plain\n(Aggregate|Finalize Aggregate)/);
  });

  it('queries reads pg_stat_statements, and says how to enable it where it is missing', async () => {
    nativeServer();
    const [ok, missing, check] = await Promise.all([
      pglab(['queries', shopUrl, '-o', 'json', '--limit', '3']),
      pglab(['queries', bareUrl]),
      pglab(['check', bareUrl, '-o', 'json']),
    ]);
    expect(ok.code).toBe(0);
    const facts = parse(ok).facts as { available: boolean; topByCalls: unknown[]; statementCount: number };
    expect(facts.available).toBe(true);
    expect(facts.topByCalls).toHaveLength(3);

    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('pg_stat_statements_missing');
    expect(missing.stderr).toMatch(/^pglab: pg_stat_statements is not available: the pg_stat_statements library is loaded but the extension is not created in this database\.\n/);
    expect(missing.stderr).toContain("shared_preload_libraries = 'pg_stat_statements'");
    expect(missing.stderr).toContain('CREATE EXTENSION pg_stat_statements');

    // check still runs the other analyzers and reports the missing extension as a finding.
    expect(check.code).toBe(0);
    expect(parse(check).findings.map((f) => f.check)).toContain('pg_stat_statements_missing');
    expect(check.stderr).toMatch(/^pglab: note: query checks skipped/);
  });

  it('an unreachable server or a missing database is one clear line with exit status 2', async () => {
    const s = nativeServer();
    const [refused, noDb, badUrl] = await Promise.all([
      pglab(['indexes', `postgresql://postgres@127.0.0.1:1/postgres`]),
      pglab(['lint', `postgresql://postgres@127.0.0.1:${s.port}/nosuchdb`]),
      pglab(['lint', 'postgresql://user:secret@host:notaport/db']),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('pglab: cannot connect to 127.0.0.1:1: connection refused\n  Is the server running and accepting TCP connections on that host and port?\n');
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toBe(`pglab: cannot connect to 127.0.0.1:${s.port}: database "nosuchdb" does not exist\n`);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^pglab: malformed URL: postgresql:\/\/user:\*\*\*@host:notaport\/db\n/);
    expect(badUrl.stderr).not.toContain('secret');
    for (const r of [refused, noDb, badUrl]) expect(r.stdout).toBe('');
  });
});
