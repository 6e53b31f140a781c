// The autogenerate round trip over a corpus of schema-diff pairs (tests/fixtures/diff-pairs):
// for each pair, on a real PGlite, `from` is loaded, the migration to `to` is generated and
// applied through the Migrator, and the catalog model must then equal `to`'s loaded on a fresh
// database. What the diff cannot do it must say (a diff_unsupported finding naming the object):
// a pair that neither round-trips nor says so is a silent wrong result, and fails the test.
import { describe, it, expect, beforeAll } from 'vitest';
import { localEngine } from '../support/pglite.ts';
import type { Engine } from '../../src/db/types.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { autogenerateFromModels, canonicalModel, inspectSchema, toScript } from '../../src/migrations/diff/index.ts';
import { Migrator } from '../../src/migrations/runner.ts';
import { makeRevision } from '../../src/migrations/revision.ts';
import { parseMigration } from '../../src/migrations/statements.ts';
import { PAIRS, type DiffPair } from '../fixtures/diff-pairs/pairs.ts';

/**
 * Share of the corpus that must round-trip (the rest must be reported as unsupported): the level
 * reached (553/560 on 4 Dec 2026; 436/464 on 3 Dec), raised as classes are fixed, never lowered.
 */
const FLOOR = 0.987;

type Outcome = 'round-trip' | 'apply-failed' | 'mismatch';
interface Result { pair: DiffPair; outcome: Outcome; findings: Finding[]; detail: string; again: number; upgrade: string }

async function reset(db: Engine) {
  const r = await db.query<{ s: string }>("select nspname as s from pg_namespace where nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'public') and nspname not like 'pg_temp%' and nspname not like 'pg_toast_temp%'");
  for (const { s } of r.rows) await db.run(`drop schema "${s}" cascade`);
  await db.run('drop schema public cascade');
  await db.run('create schema public');
  await db.run('grant all on schema public to public');
  for (const x of (await db.query<{ e: string }>("select extname as e from pg_extension where extname not in ('plpgsql', 'pg_stat_statements')")).rows) await db.run(`drop extension "${x.e}" cascade`);
}

async function load(db: Engine, sql: string, what: string) {
  await reset(db);
  for (const s of await parseMigration(sql)) {
    const r = await db.run(s.text);
    if (!r.ok) throw new Error(`the corpus's ${what} does not load: ${s.text}: ${r.error.message}`);
  }
}

/** The first line where two canonical models differ, for the report. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n'), y = b.split('\n');
  const i = x.findIndex((l, k) => l !== y[k]);
  return `got ${x[i]?.trim()} / want ${y[i]?.trim()}`;
}

// Plans kept per connection: PGlite spends most of an inspection planning the catalog queries.
const cached = { cachePlans: true };

const unsupported = (r: Result) => r.findings.filter((f) => f.check === 'diff_unsupported' && Object.keys(f.object).length > 0 && f.message.length > 0);
/** Warnings that say the upgrade may fail on the rows there are (it then fails loudly, changing nothing). */
const DATA_DEPENDENT = new Set(['diff_set_not_null', 'diff_type_change', 'diff_enum_value_removed', 'diff_domain_rebuild']);
/** Said before it runs: unsupported, or a migration that failed on the data after a warning that it could. */
const reported = (r: Result) => unsupported(r).length > 0 || (r.outcome === 'apply-failed' && r.findings.some((f) => DATA_DEPENDENT.has(f.check) && f.severity !== 'info'));

describe(`autogenerate round trips over ${PAIRS.length} schema-diff pairs`, () => {
  const results: Result[] = [];
  let ms = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    const [a, b] = [await localEngine(), await localEngine()];
    for (const pair of PAIRS) {
      await load(a, pair.from, `"${pair.name}" from`);
      await load(b, pair.to, `"${pair.name}" to`);
      const [from, to] = [await inspectSchema(a, cached), await inspectSchema(b, cached)];
      const target = canonicalModel(to);
      const gen = autogenerateFromModels(from, to);
      const upgrade = toScript(gen.upgrade);
      const res: Result = { pair, outcome: 'round-trip', findings: gen.findings, detail: '', again: 0, upgrade };
      try {
        await new Migrator(a, [makeRevision({ id: 'c0c0c0c0c0c0', message: pair.name, upgrade, downgrade: toScript(gen.downgrade) })]).upgrade('head');
        const after = await inspectSchema(a, cached);
        const got = canonicalModel(after);
        if (got !== target) Object.assign(res, { outcome: 'mismatch', detail: firstDifference(got, target) });
        else res.again = autogenerateFromModels(after, to).upgrade.length;
      } catch (e) {
        Object.assign(res, { outcome: 'apply-failed', detail: (e as Error).message.split('\n')[0] });
      }
      results.push(res);
    }
    ms = performance.now() - t0;
    const ok = results.filter((r) => r.outcome === 'round-trip').length;
    const lines = results.filter((r) => r.outcome !== 'round-trip').map((r) => `  ${r.outcome} ${reported(r) ? '(reported)' : '(SILENT)'} ${r.pair.name}: ${r.detail}`);
    console.log(`diff corpus: ${ok}/${results.length} round-trip (${((100 * ok) / results.length).toFixed(1)}%) in ${(ms / 1000).toFixed(1)} s\n${lines.join('\n')}`);
  }, 600_000);

  it(`at least ${FLOOR * 100}% of the pairs round-trip`, () => {
    const ok = results.filter((r) => r.outcome === 'round-trip').length;
    expect(results.length).toBe(PAIRS.length);
    expect(ok / results.length).toBeGreaterThanOrEqual(FLOOR);
  });

  it('a pair that does not round-trip says so: a diff_unsupported finding naming the object, or a failed run it warned of', () => {
    const silent = results.filter((r) => r.outcome !== 'round-trip' && !reported(r)).map((r) => `${r.pair.name} (${r.outcome}: ${r.detail})`);
    expect(silent).toEqual([]);
  });

  it('a migration that round-trips leaves nothing to diff', () => {
    expect(results.filter((r) => r.outcome === 'round-trip' && r.again > 0).map((r) => r.pair.name)).toEqual([]);
  });

  it('data loss and NOT NULL over existing rows are flagged before anything runs', () => {
    const missing = results.flatMap((r) => (r.pair.expect ?? []).filter((c) => !r.findings.some((f) => f.check === c)).map((c) => `${r.pair.name}: ${c}`));
    expect(missing).toEqual([]);
    // Every finding has the analyzers' shape.
    for (const r of results) for (const f of r.findings) expect(f.message && f.why && f.severity && f.object, `${r.pair.name} ${f.check}`).toBeTruthy();
  });

});
