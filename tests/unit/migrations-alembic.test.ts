// The exported Alembic project run by the real Alembic (Debian's python3-alembic, SQLAlchemy,
// psycopg2 — nothing installed by the test) against the native PostgreSQL 18: upgrade head,
// downgrade base, upgrade head, and the schema must equal the one pglab's own runner produced.
// Skipped, saying why, only when python3 cannot import alembic.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';
import { localEngine } from '../support/pglite.ts';
import { alembicProject, alembicRevisionFile, plainSql } from '../../src/migrations/export/alembic.ts';
import { makeRevision, type Revision } from '../../src/migrations/revision.ts';
import { Migrator } from '../../src/migrations/runner.ts';
import { canonicalModel, inspectSchema } from '../../src/migrations/diff/index.ts';

/** Debian's python first: a pyenv shim earlier on PATH may not see the apt packages. */
function findPython(): string | null {
  for (const p of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(p, ['-c', 'import alembic, sqlalchemy, psycopg2; print(alembic.__version__, sqlalchemy.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return p;
  }
  return null;
}
const python = findPython();

const at = (m: number) => `2026-12-01T10:0${m}:00.000Z`;
const REVISIONS: Revision[] = [
  makeRevision({
    id: '1a2b3c4d5e6f', message: 'customers and orders', createdAt: at(0),
    upgrade: `create type order_status as enum ('new', 'paid');
create table customers (id bigint generated always as identity primary key, email text not null unique, created timestamptz not null default now());
create table orders (id bigint generated always as identity primary key, customer_id bigint not null references customers, status order_status not null default 'new', note text);
comment on table orders is 'what customers buy: 10:30 is a time, not a bind parameter';`,
    downgrade: 'drop table orders;\ndrop table customers;\ndrop type order_status;',
  }),
  makeRevision({
    id: '2b3c4d5e6f70', message: 'index orders concurrently, add a status', downRevision: ['1a2b3c4d5e6f'], createdAt: at(1),
    upgrade: `create index concurrently orders_customer on orders (customer_id);
alter type order_status add value 'shipped';
alter table orders alter column status set default 'shipped';
create function order_count(c bigint) returns bigint language sql stable as $$ select count(*) from orders where customer_id = c and note like '%:x%' $$;`,
    downgrade: `drop function order_count(bigint);
alter table orders alter column status set default 'new';
drop index concurrently orders_customer;`,
  }),
  makeRevision({
    id: '3c4d5e6f7081', message: 'audit log (a branch)', downRevision: ['1a2b3c4d5e6f'], createdAt: at(2),
    upgrade: `create table audit (id bigint generated always as identity primary key, at timestamptz not null default now(), what jsonb);`,
    downgrade: 'drop table audit;',
  }),
  makeRevision({ id: '4d5e6f708192', message: 'merge', downRevision: ['2b3c4d5e6f70', '3c4d5e6f7081'], createdAt: at(3), upgrade: '', downgrade: '' }),
];

describe('Alembic revision files', () => {
  it('writes revision, down_revision (a tuple for a merge), branch_labels, depends_on and op.execute', async () => {
    const merge = await alembicRevisionFile(REVISIONS[3]);
    expect(merge).toContain('revision = "4d5e6f708192"\ndown_revision = ("2b3c4d5e6f70", "3c4d5e6f7081")\nbranch_labels = None\ndepends_on = None');
    expect(merge).toMatch(/def upgrade\(\) -> None:\n    pass\n/);
    const second = await alembicRevisionFile(REVISIONS[1]);
    expect(second).toContain('with op.get_context().autocommit_block():\n        op.execute("create index concurrently orders_customer on orders (customer_id)")');
    expect(second).toContain(`op.execute("alter type order_status add value 'shipped'")`);
    const first = await alembicRevisionFile(REVISIONS[0]);
    expect(first).toContain('down_revision = None');
    expect(first).toContain('10\\\\:30');
  });

  it('exports plain SQL in order with the version bookkeeping', () => {
    const sql = plainSql(REVISIONS);
    expect(sql.indexOf('create table audit')).toBeGreaterThan(sql.indexOf('create table customers'));
    expect(sql).toContain("DELETE FROM alembic_version WHERE version_num IN ('2b3c4d5e6f70', '3c4d5e6f7081');\nINSERT INTO alembic_version (version_num) VALUES ('4d5e6f708192');");
  });
});

describe('the project as a zip (the app\'s download)', () => {
  it.skipIf(!python)('is a valid archive Python\'s zipfile reads back file for file', async () => {
    const { zipFiles } = await import('../../src/migrations/export/zip.ts');
    const files = await alembicProject(REVISIONS, { modelsPath: 'app/models.py' });
    const zdir = mkdtempSync(join(tmpdir(), 'pglab-zip-'));
    try {
      writeFileSync(join(zdir, 'p.zip'), zipFiles(files));
      const listing = execFileSync(python!, ['-c', 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({n: z.read(n).decode() for n in z.namelist()}))', join(zdir, 'p.zip')], { encoding: 'utf8' });
      expect(JSON.parse(listing)).toEqual(Object.fromEntries(files));
    } finally {
      rmSync(zdir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!python)('the exported project under the real Alembic (python3-alembic) on native PostgreSQL 18', () => {
  let server: NativePg;
  let dir: string;
  const conns: PgQueryable[] = [];
  let workbench: PgQueryable, viaAlembic: PgQueryable;
  let alembicUrl: string;
  beforeAll(async () => {
    server = await startNativePg();
    const admin = await PgQueryable.connect(server.url);
    await admin.query('create database workbench');
    await admin.query('create database via_alembic');
    await admin.close();
    workbench = await PgQueryable.connect(server.url.replace(/\/postgres$/, '/workbench'));
    alembicUrl = server.url.replace(/\/postgres$/, '/via_alembic');
    viaAlembic = await PgQueryable.connect(alembicUrl);
    conns.push(workbench, viaAlembic);
    dir = mkdtempSync(join(tmpdir(), 'pglab-alembic-'));
    for (const [path, content] of await alembicProject(REVISIONS)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  });
  afterAll(async () => {
    for (const c of conns) await c.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const alembic = (...args: string[]) =>
    execFileSync(python!, ['-m', 'alembic', '-c', join(dir, 'alembic.ini'), ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: alembicUrl }, stdio: ['ignore', 'pipe', 'pipe'] });

  it('upgrade head, downgrade base, upgrade head: the schema equals the workbench\'s', async () => {
    const empty = canonicalModel(await inspectSchema(viaAlembic));
    await new Migrator(workbench, REVISIONS).upgrade('heads');
    const wanted = canonicalModel(await inspectSchema(workbench));
    const versions = async (db: PgQueryable) => (await db.query<{ v: string }>('select version_num as v from alembic_version order by 1')).rows.map((r) => r.v);

    alembic('upgrade', 'head');
    expect(canonicalModel(await inspectSchema(viaAlembic))).toBe(wanted);
    expect(await versions(viaAlembic)).toEqual(await versions(workbench));
    expect(await versions(viaAlembic)).toEqual(['4d5e6f708192']);
    expect(alembic('current')).toContain('4d5e6f708192 (head)');
    // The workbench's runner reads what Alembic wrote.
    expect(await new Migrator(viaAlembic, REVISIONS).current()).toEqual(['4d5e6f708192']);

    alembic('downgrade', 'base');
    expect(canonicalModel(await inspectSchema(viaAlembic))).toBe(empty);
    expect(await versions(viaAlembic)).toEqual([]);

    alembic('upgrade', 'head');
    expect(canonicalModel(await inspectSchema(viaAlembic))).toBe(wanted);
    const history = alembic('history');
    expect(history).toContain('2b3c4d5e6f70, 3c4d5e6f7081 -> 4d5e6f708192 (head) (mergepoint), merge');
  });

  it('every migration runs with a lock_timeout and a statement_timeout (the offline script shows the session settings)', () => {
    const sql = alembic('upgrade', 'head', '--sql');
    expect(sql).toContain("SET lock_timeout = '5s'");
    expect(sql).toContain("SET statement_timeout = '30s'");
    const env = readFileSync(join(dir, 'migrations/env.py'), 'utf8');
    expect(env).toContain('-c lock_timeout={LOCK_TIMEOUT} -c statement_timeout={STATEMENT_TIMEOUT}');
  });

  it('env.py reads DATABASE_URL and says so when it is missing', () => {
    const r = spawnSync(python!, ['-m', 'alembic', '-c', join(dir, 'alembic.ini'), 'current'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).toContain('DATABASE_URL is not set');
    expect(readFileSync(join(dir, 'migrations/env.py'), 'utf8')).toMatch(/compare_type=True,\n\s+compare_server_default=True/);
  });
});

describe.runIf(!python)('the real Alembic', () => {
  it.skip('is skipped: python3 cannot import alembic, sqlalchemy and psycopg2 (apt-get install python3-alembic python3-sqlalchemy python3-psycopg2)', () => undefined);
});

// Keep the PGlite import honest: the same revisions also run on PGlite.
describe('the same revisions on PGlite', () => {
  it('upgrade heads and downgrade base', async () => {
    const db = await localEngine();
    const m = new Migrator(db, REVISIONS);
    await m.upgrade('heads');
    expect(await m.current()).toEqual(['4d5e6f708192']);
    await m.downgrade('base');
    expect(await m.current()).toEqual([]);
  });
});
