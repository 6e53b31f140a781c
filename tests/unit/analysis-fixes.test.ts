// Every fix pglab prints must run: over every finding of the test schemas (the CLI's example
// and tests/fixtures/clinic.sql), the fix is run on a fresh copy of the database, the analyzers
// run again on that copy, and the finding must be gone with nothing new in its place. The same
// body runs on PGlite (copies from a dump of the data directory) and, from
// native-analysis.test.ts, on PostgreSQL 18 (copies with CREATE DATABASE … TEMPLATE).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Engine } from '../../src/db/types.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { analyzeIndexes } from '../../src/analysis/index-analyzer.ts';
import { lintSchema } from '../../src/analysis/schema-linter.ts';
import { splitScript } from '../../src/db/splitter.ts';
import { createEngine } from '../../src/db/engine.ts';
import { LocalEngine } from '../../src/db/local-engine.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

export const FIX_SCRIPTS = [
  readFileSync(new URL('../../src/cli/example.sql', import.meta.url), 'utf8'),
  readFileSync(new URL('../fixtures/clinic.sql', import.meta.url), 'utf8'),
];

/** A database to try fixes on: the source built once, then as many fresh copies as needed. */
export interface CopySource {
  /** A fresh copy of the built source; close() discards it. */
  copy(): Promise<{ db: Engine; close(): Promise<void> }>;
}

/** Usage counters start at zero on a copy, so findings are compared on copies only. */
const HEALTH = { thresholds: { bloatMinBytes: 64 * 1024 } };

export async function allFindings(db: Engine): Promise<Finding[]> {
  const [ix, lint] = [await analyzeIndexes(db, HEALTH), await lintSchema(db)];
  return [...ix.findings, ...lint.findings];
}

export const findingKey = (f: Finding) => `${f.check} ${JSON.stringify(f.object)}`;

/** A finding without where it is: the same finding on a column or extension the fix moved. */
const subject = (f: Finding) => {
  const { schema: _s, table: _t, constraint: _c, ...rest } = f.object;
  return `${f.check} ${JSON.stringify(rest)}`;
};

/**
 * New findings a fix may cause by design, each with its reason. Anything else a fix causes
 * fails the test.
 */
export function expectedConsequence(f: Finding, fix: string, baseline: Finding[]): boolean {
  // An index just created has never been scanned.
  if (f.check === 'unused_index' && /CREATE (UNIQUE )?INDEX/i.test(fix)) return true;
  // Of two indexes serving the same lookups only one is proposed for dropping, and the other's
  // own findings are withheld; once the first is gone they are reported (on a copy every usage
  // counter is zero).
  if ((f.check === 'unused_index' || f.check === 'mostly_null_index') && /DROP (INDEX|CONSTRAINT)/i.test(fix) && fix.includes(f.object.table ?? '\u0000')) return true;
  // The finding moved with its column or extension to where the fix put it.
  if (baseline.some((b) => subject(b) === subject(f)) && (fix.includes(f.object.table ?? '\u0000') || fix.includes(f.object.schema ?? '\u0000'))) return true;
  // The fix removed some of the columns a finding names: the same finding on fewer columns.
  if (baseline.some((b) => b.check === f.check && b.object.schema === f.object.schema && b.object.table === f.object.table &&
      (f.object.columns ?? []).every((c) => b.object.columns?.includes(c)))) return true;
  // A foreign key the fix adds makes its column look required (sample-based, information only).
  if (f.severity === 'info' && f.check === 'missing_not_null' && (f.object.columns ?? []).every((c) => new RegExp(`FOREIGN KEY \\(${c}\\)`).test(fix))) return true;
  return false;
}

async function dbName(db: Engine): Promise<string> {
  return (await db.query<{ n: string }>('select current_database() as n')).rows[0].n;
}

export async function runFix(db: Engine, fix: string): Promise<void> {
  for (const piece of await splitScript(fix)) {
    if (piece.kind !== 'sql') continue;
    const r = await db.run(piece.text);
    if (!r.ok) throw new Error(`${r.error.message}\n--- in: ${piece.text}`);
  }
}

export function describeEveryFixRuns(label: string, source: () => CopySource): void {
  describe(`every printed fix runs (${label})`, () => {
    it('runs each fix on a copy: the finding disappears and nothing else appears', async () => {
      const src = source();
      const base = await src.copy();
      let baseline: Finding[];
      let baseName: string;
      try {
        baseline = await allFindings(base.db);
        baseName = await dbName(base.db);
      } finally {
        await base.close();
      }
      const keys = new Set(baseline.map(findingKey));
      const withFix = baseline.filter((f) => f.fix);
      // The schemas set off the checks whose fixes are hardest to get right.
      const checks = new Set(withFix.map((f) => f.check));
      for (const c of ['invalid_index', 'duplicate_index', 'duplicate_index_collation', 'redundant_index', 'unused_index', 'unindexed_foreign_key',
        'sequence_near_overflow', 'table_bloat', 'index_bloat', 'table_without_primary_key', 'missing_fk_action', 'rls_enabled_no_policy',
        'policy_without_rls', 'multiple_permissive_policies', 'function_search_path_mutable', 'extension_in_public', 'extension_update_available',
        'reg_type_column', 'serial_instead_of_identity', 'functional_dependency', 'delimited_list_column', 'not_valid_constraint']) {
        expect(checks, c).toContain(c);
      }
      const failures: string[] = [];
      for (const f of withFix) {
        const c = await src.copy();
        try {
          try {
            // A fix that names the database names the one it was found in: here, the copy.
            const copyName = await dbName(c.db);
            await runFix(c.db, f.fix!.replaceAll(`ALTER DATABASE ${baseName} `, `ALTER DATABASE ${copyName} `));
          } catch (e) {
            failures.push(`${findingKey(f)}: the fix fails: ${(e as Error).message}`);
            continue;
          }
          const after = await allFindings(c.db);
          if (after.some((a) => findingKey(a) === findingKey(f))) failures.push(`${findingKey(f)}: still reported after its fix`);
          for (const a of after) {
            if (!keys.has(findingKey(a)) && !expectedConsequence(a, f.fix!, baseline)) failures.push(`${findingKey(f)}: its fix caused ${findingKey(a)}`);
          }
        } finally {
          await c.close();
        }
      }
      expect(failures).toEqual([]);
      expect(withFix.length).toBeGreaterThan(40);
    }, 1_500_000);
  });
}

if (expect.getState().testPath === import.meta.filename) {
  let dump: Blob;
  beforeAll(async () => {
    const engine = new LocalEngine(await createEngine(await compiledPglite()));
    for (const s of FIX_SCRIPTS) {
      const r = await engine.run(s);
      if (!r.ok) throw new Error(`fixture failed: ${r.error.message}`);
    }
    dump = (await engine.db.dumpDataDir('none')) as Blob;
    await engine.db.close();
  }, 120_000);
  afterAll(() => undefined);
  describeEveryFixRuns('PGlite', () => ({
    async copy() {
      const e = new LocalEngine(await createEngine({ ...(await compiledPglite()), loadDataDir: dump }));
      return { db: e, close: () => e.db.close() };
    },
  }));
}
