// `pglab repro` as a user runs it: node bin/pglab.js in a child process, against the native
// PostgreSQL 18 the tests start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { decodePack } from '../../src/share/codec.ts';

const BIN = fileURLToPath(new URL('../../bin/pglab.js', import.meta.url));
const SHOP = readFileSync(new URL('../fixtures/share/shop.sql', import.meta.url), 'utf8');

interface Run { code: number | null; stdout: string; stderr: string }

let scratch: string;
let server: NativePg;

function pglab(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    delete env.PGLAB_APP_URL;
    execFile(process.execPath, [BIN, ...args], { cwd: scratch, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'pglab-repro-'));
  server = await startNativePg();
  const c = new pg.Client(server.url);
  await c.connect();
  await c.query(SHOP);
  // Wide, random text: statistics that do not compress, so the pack is too long for a link.
  await c.query(`create table wide as select g as id, ${Array.from({ length: 30 }, (_, i) => `md5(g::text || '${i}') as c${i}`).join(', ')} from generate_series(1, 3000) g`);
  await c.query('vacuum analyze');
  await c.end();
}, 180_000);

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('pglab repro', () => {
  it('prints a link to the app holding the schema, statistics, settings and the server plan', async () => {
    const r = await pglab(['repro', server.url, 'select * from orders where customer_id = 15000', '--app', 'https://pglab.example/app/']);
    expect(r.stderr).toMatch(/captured 1 relation \(public\.orders\), \d+ column statistics, \d+ settings from PostgreSQL 18/);
    expect(r.code).toBe(0);
    const link = r.stdout.trim();
    expect(link).toMatch(/^https:\/\/pglab\.example\/app\/#\/share\/1\.[A-Za-z0-9_-]+$/);
    const pack = decodePack(link);
    expect(pack.kind).toBe('server');
    expect(pack.query).toBe('select * from orders where customer_id = 15000');
    expect(pack.stats!.relations.map((x) => x.name)).toEqual(expect.arrayContaining(['orders', 'orders_pkey', 'orders_customer_id_idx']));
    expect(JSON.stringify(pack.plan)).toContain('orders_customer_id_idx');
  });

  it('writes a .pglab file, redacts, and --check finds the same shape in PGlite', async () => {
    const r = await pglab(['repro', server.url, "select * from customers c join orders o on o.customer_id = c.id where c.country = 'NL'", '-o', 'nl.pglab', '--redact', 'customers.email', '--check']);
    expect(r.stderr).toMatch(/sample values redacted for public\.customers\.email, public\.customers_lower_email_idx\.lower/);
    expect(r.stderr).toMatch(/--check: PGlite plans the same shape as the server/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('nl.pglab');
    const pack = decodePack(readFileSync(join(scratch, 'nl.pglab'), 'utf8'));
    const email = pack.stats!.attributes.find((a) => a.relation === 'customers' && a.attname === 'email')!;
    expect(email.histogram_bounds).toBeNull();
    expect(JSON.stringify(pack)).not.toMatch(/user\d+@mail\.test/);
  });

  it('writes repro.pglab instead of a link that would be too long', async () => {
    const r = await pglab(['repro', server.url, 'select * from wide where c3 = \'x\'']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the link would be [\d,]+ characters \(over 8,000\): wrote repro\.pglab instead/);
    expect(r.stdout.trim()).toBe('repro.pglab');
    expect(decodePack(readFileSync(join(scratch, 'repro.pglab'), 'utf8')).stats!.attributes.length).toBe(31);
  });

  it('refuses bad usage and bad queries with one line and exit 2, writing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['repro', server.url], /repro needs the query/],
      [['repro', 'select 1'], /repro needs a server/],
      [['repro', server.url, 'select 1', 'select 2'], /one query/],
      [['repro', server.url, 'select 1', '-o', 'x.txt'], /--output must name a \.pglab file/],
      [['repro', server.url, 'select * from nosuchtable'], /EXPLAIN failed: relation "nosuchtable" does not exist/],
      [['repro', server.url, 'select * from customers', '--redact', 'customers.emial'], /cannot redact public\.customers\.emial: .*no such column/],
      [['repro', 'postgresql://nobody@127.0.0.1:1/x', 'select 1', '--connect-timeout', '2'], /cannot connect to 127\.0\.0\.1:1/],
    ];
    for (const [args, message] of cases) {
      const r = await pglab(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(scratch, 'x.txt'))).toBe(false);
  });

  it('has its own help, and the main help names it', async () => {
    const r = await pglab(['repro', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--redact T\.COL/);
    expect((await pglab(['--help'])).stdout).toMatch(/repro\s+a link or \.pglab file/);
  });
});
