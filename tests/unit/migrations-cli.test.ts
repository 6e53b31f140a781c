// The migrations commands of the CLI: diff, migration lint / measure, init-alembic; on files,
// an in-memory PGlite, and the native PostgreSQL 18.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIo } from '../../src/cli/main.ts';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { out: async (t) => void (out += t), err: async (t) => void (err += t), env: {} };
  const status = await main(argv, io);
  return { status, out, err };
}

let dir: string;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pglab-mig-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pglab diff', () => {
  it('prints the DDL from one .sql file to another, with the data loss as comments', async () => {
    const a = file('a.sql', 'create table a (id int primary key, old text);');
    const b = file('b.sql', 'create table a (id bigint primary key, email text);\ncreate index a_email on a (email);');
    const r = await cli('diff', a, b, '--downgrade');
    expect(r.status).toBe(0);
    expect(r.out).toContain('ALTER TABLE public.a ADD COLUMN email text;');
    expect(r.out).toContain('CREATE INDEX a_email ON public.a USING btree (email);');
    expect(r.out).toMatch(/-- WARNING diff_drop_column: column old is dropped from public\.a/);
    expect(r.out).toMatch(/-- INFO diff_rename_candidate: column old of public\.a is dropped and email added/);
    expect(r.out).toContain('-- downgrade');
    expect((await cli('diff', a, b, '--fail-on', 'warning')).status).toBe(1);
    const json = JSON.parse((await cli('diff', a, b, '-o', 'json', '--rename', 'public.a.old=email')).out);
    expect(json.upgrade[0]).toBe('ALTER TABLE public.a RENAME COLUMN old TO email');
    expect(json.findings.map((f: { check: string }) => f.check)).not.toContain('diff_drop_column');
    expect(Object.keys(json.findings[0] ?? { check: 1, severity: 1, object: 1, message: 1, why: 1 })).toEqual(expect.arrayContaining(['check', 'severity', 'object', 'message', 'why']));
  });

  it('refuses bad input clearly', async () => {
    const r = await cli('diff', 'nope.txt', 'empty');
    expect(r.status).toBe(2);
    expect(r.err).toContain("'nope.txt' is neither a postgresql:// URL nor a .sql file");
    const bad = file('bad.sql', 'create table x (id int);\ncreate tabel y ();');
    const r2 = await cli('diff', 'empty', bad);
    expect(r2.status).toBe(2);
    expect(r2.err).toMatch(/bad\.sql: line 2: syntax error at or near "tabel"/);
    expect((await cli('diff', 'empty')).err).toContain('diff needs FROM and TO');
  });
});

describe('pglab migration lint', () => {
  it('reports findings per file, in text, markdown and json, with --fail-on', async () => {
    const m = file('m1.sql', "set lock_timeout = '2s'; set statement_timeout = '30s';\nalter table orders add column note text not null;\ncreate index orders_note on orders (note);");
    const text = await cli('migration', 'lint', m);
    expect(text.status).toBe(0);
    expect(text.out.replace(/\s+/g, ' ')).toMatch(/m1\.sql:2: column note is added to orders as NOT NULL with no default/);
    expect(text.out).toContain('2 findings (1 error, 1 warning, 0 info)');
    expect((await cli('migration', 'lint', m, '--fail-on', 'error')).status).toBe(1);
    const md = await cli('migration', 'lint', m, '-o', 'markdown');
    expect(md.out).toMatch(/^# pglab migration lint/);
    const json = JSON.parse((await cli('migration', 'lint', m, '-o', 'json')).out);
    expect(json.findings.map((f: { check: string }) => f.check)).toEqual(['adding_not_null_column', 'non_concurrent_index']);
    const missing = await cli('migration', 'lint', join(dir, 'none.sql'));
    expect(missing.status).toBe(2);
    expect(missing.err).toContain('no such file');
  });
});

describe('pglab migration measure and init-alembic', () => {
  let server: NativePg;
  beforeAll(async () => {
    server = await startNativePg();
    const c = await PgQueryable.connect(server.url);
    await c.query('create database shop');
    await c.close();
    const shop = await PgQueryable.connect(server.url.replace(/\/postgres$/, '/shop'));
    await shop.query('create table orders (id bigint primary key, qty int); insert into orders select g, g from generate_series(1, 1000) g;');
    await shop.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('measures on a throwaway copy of a server database, never the original', async () => {
    const m = file('m2.sql', 'alter table orders alter column qty type bigint;\ncreate index concurrently orders_qty on orders (qty);');
    const url = server.url.replace(/\/postgres$/, '/shop');
    const r = await cli('migration', 'measure', m, '--url', url);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/AccessExclusiveLock\s+orders/);
    expect(r.out).toMatch(/rewrote orders/);
    expect(r.out).toMatch(/ShareUpdateExclusiveLock\s+orders \(documented: ran outside a transaction\)/);
    const shop = await PgQueryable.connect(url);
    const t = await shop.query<{ t: string }>("select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'orders'::regclass and attname = 'qty'");
    expect(t.rows[0].t).toBe('integer');
    await shop.close();
    const admin = await PgQueryable.connect(server.url);
    const dbs = await admin.query<{ n: string }>("select datname as n from pg_database where datname like 'pglab_measure_%'");
    expect(dbs.rows).toEqual([]);
    await admin.close();
    const json = JSON.parse((await cli('migration', 'measure', m, '--url', url, '-o', 'json')).out);
    expect(json.facts.statements[0].rewritten).toContain('orders');
  });

  it('measures on PGlite built from a set-up script', async () => {
    const setup = file('setup.sql', 'create table t (id int primary key, v text); insert into t select g, g::text from generate_series(1, 100) g;');
    const m = file('m3.sql', 'create index t_v on t (v);');
    const r = await cli('migration', 'measure', m, '--load', setup);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/ShareLock\s+t\b/);
    expect(r.out).toContain('blocks writes (INSERT, UPDATE, DELETE); reads go on');
    expect((await cli('migration', 'measure', m)).err).toContain('needs --url URL');
  });

  it('init-alembic writes a project with an initial revision from a schema, and refuses a non-empty directory', async () => {
    const schema = file('schema.sql', 'create table notes (id bigint generated always as identity primary key, body text not null);');
    const target = join(dir, 'alembic-project');
    const r = await cli('init-alembic', target, '--schema', schema, '--models-path', 'app/models.py');
    expect(r.status).toBe(0);
    for (const p of ['alembic.ini', 'migrations/env.py', 'migrations/script.py.mako', 'README.md']) expect(existsSync(join(target, p))).toBe(true);
    const env = readFileSync(join(target, 'migrations/env.py'), 'utf8');
    expect(env).toContain('os.environ.get("DATABASE_URL")');
    expect(env).toContain('MODELS_PATH = "app/models.py"');
    expect(env).toContain('-c lock_timeout=');
    expect(readFileSync(join(target, 'migrations/script.py.mako'), 'utf8')).toContain('NAMING_CONVENTION');
    const again = await cli('init-alembic', target);
    expect(again.status).toBe(2);
    expect(again.err).toContain('exists and is not empty');
  });
});
