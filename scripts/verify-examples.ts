// The lesson verification's check of what chapters say their examples show (src/lessons/
// example-claims.ts): every ```sql block of a chapter runs in order on a fresh copy of each
// dataset (the learner's seed and the perturbed seed), and every claim is checked where it
// stands; an exercise's claims run after its setup and solution. Then the same on the native
// PostgreSQL 18 the tests start, so a plan or figure that only PGlite shows is caught.
import pg from 'pg';
import { blockStatements, runChapterClaims, checkOwnSql, type ClaimDb, type ClaimResult, type ClaimSet } from '../src/lessons/example-claims.ts';
import type { Chapter, Exercise, Variant } from '../src/lessons/format.ts';
import { datasetSql } from '../src/lessons/loader.ts';
import { restoreTableCounters } from '../src/lessons/restored-counters.ts';
import type { ChapterSandbox } from '../src/lessons/sandbox.ts';
import type { LocalEngine } from '../src/db/local-engine.ts';
import { startNativePg, type NativePg } from '../tests/support/native-pg.ts';

const VARIANTS: Variant[] = ['main', 'perturbed'];

export interface ExampleReport {
  problems: string[];
  /** Claims checked, summed over the copies. */
  checked: number;
  ms: number;
}

class ClaimFailure extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** PGlite through the session's own statement runner (values as PostgreSQL's text). */
export function pgliteClaimDb(engine: LocalEngine): ClaimDb {
  return {
    async query(sql: string): Promise<ClaimResult> {
      const r = await engine.run(sql);
      if (!r.ok) throw new ClaimFailure(r.error.message, r.error.code);
      return { columns: r.fields.map((f) => f.name), rows: r.rows.map((row) => row.map((v) => (v === null || v === undefined ? null : String(v)))), affected: r.affectedRows };
    },
  };
}

/** node-postgres with every value left as text. */
export function nativeClaimDb(client: pg.Client): ClaimDb {
  const types = { getTypeParser: () => (v: string) => v };
  return {
    async query(sql: string): Promise<ClaimResult> {
      try {
        const r = await client.query({ text: sql, rowMode: 'array', types } as pg.QueryConfig);
        const last = Array.isArray(r) ? r[r.length - 1] : r;
        return { columns: (last.fields ?? []).map((f: { name: string }) => f.name), rows: (last.rows ?? []) as (string | null)[][], affected: typeof last.rowCount === 'number' ? last.rowCount : undefined };
      } catch (e) {
        throw new ClaimFailure((e as Error).message, (e as { code?: string }).code);
      }
    },
  };
}

const chapterFile = (c: Chapter) => `lessons/${c.id}/chapter.md`;
const exerciseFile = (ex: Exercise) => `lessons/${ex.chapter}/exercises/${ex.file}`;

async function exerciseClaims(db: ClaimDb, ex: Exercise, variant: Variant, where: string): Promise<{ problems: string[]; checked: number }> {
  const sets = (ex.claims ?? []).filter((s: ClaimSet) => s.copies === 'both' || variant === 'main');
  const problems: string[] = [];
  let checked = 0;
  for (const sql of [...(await blockStatements(ex.setup)), ...(await blockStatements(ex.solution))]) {
    try {
      await db.query(sql);
    } catch (e) {
      return { problems: [`${exerciseFile(ex)}: the setup or solution fails before its claims can be checked: ${(e as Error).message} (${variant} copy${where})`], checked };
    }
  }
  for (const s of sets) {
    checked += s.claims.length;
    for (const m of await checkOwnSql(db, s)) problems.push(`${exerciseFile(ex)}:${/^line (\d+): /.exec(m)?.[1] ?? s.line}: ${m.replace(/^line \d+: /, '')} (${variant} copy${where})`);
  }
  return { problems, checked };
}

/** On PGlite: fresh copies restored from the sandbox's snapshots. */
export async function verifyExamplesPglite(box: ChapterSandbox, chapter: Chapter): Promise<ExampleReport> {
  const t0 = performance.now();
  const out: ExampleReport = { problems: [], checked: 0, ms: 0 };
  for (const variant of VARIANTS) {
    if (!box.has(variant)) continue;
    if (chapter.claims?.length) {
      const { engine } = await box.restore(variant);
      try {
        const r = await runChapterClaims(pgliteClaimDb(engine), chapter.blocks, chapter.claims, { variant, file: chapterFile(chapter) });
        out.problems.push(...r.problems);
        out.checked += r.checked;
      } finally {
        await engine.db.close();
      }
    }
    for (const ex of chapter.exercises) {
      if (!ex.claims?.length) continue;
      const { engine } = await box.restore(variant);
      try {
        const r = await exerciseClaims(pgliteClaimDb(engine), ex, variant, '');
        out.problems.push(...r.problems);
        out.checked += r.checked;
      } finally {
        await engine.db.close();
      }
    }
  }
  out.ms = performance.now() - t0;
  return out;
}

/**
 * The settings PGlite runs with that change plans (src/db/settings.ts, PGlite's single backend),
 * so that the native server is asked the same question.
 */
export const NATIVE_AS_PGLITE: Record<string, string> = {
  max_parallel_workers_per_gather: '0',
  TimeZone: 'GMT',
  jit: 'off',
  temp_file_limit: '256MB',
  // The test server's default is off (speed); with it, VACUUM cannot mark a page all-visible
  // until the inserting commit's WAL is flushed, which a stock server does at commit.
  synchronous_commit: 'on',
};

let native: Promise<NativePg> | undefined;

export function nativeServer(): Promise<NativePg> {
  native ??= startNativePg({ settings: NATIVE_AS_PGLITE });
  return native;
}

export async function stopNativeServer() {
  if (native) await (await native).stop().catch(() => undefined);
  native = undefined;
}

async function connect(server: NativePg, database: string): Promise<pg.Client> {
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** On the native PostgreSQL 18: each dataset built once per copy, then a template copy per run. */
export async function verifyExamplesNative(chapter: Chapter): Promise<ExampleReport & { buildMs: number }> {
  const t0 = performance.now();
  const out = { problems: [] as string[], checked: 0, ms: 0, buildMs: 0 };
  const needed = (chapter.claims?.length ?? 0) + chapter.exercises.reduce((n, e) => n + (e.claims?.length ?? 0), 0);
  if (!needed) return out;
  const server = await nativeServer();
  const admin = await connect(server, 'postgres');
  const name = (s: string) => `"${s}"`;
  try {
    for (const variant of VARIANTS) {
      const base = `${chapter.id}_${variant}`.replace(/[^a-z0-9_]/gi, '_');
      const b0 = performance.now();
      await admin.query(`drop database if exists ${name(base)}`);
      await admin.query(`create database ${name(base)}`);
      const c = await connect(server, base);
      try {
        for (const sql of await blockStatements(datasetSql(chapter, variant))) await c.query(sql);
      } catch (e) {
        out.problems.push(`lessons/${chapter.id}/${chapter.datasetFile}: the dataset does not build on the native server: ${(e as Error).message}`);
        await c.end();
        continue;
      }
      await c.end();
      out.buildMs += performance.now() - b0;
      const copy = async (label: string, fn: (db: ClaimDb) => Promise<{ problems: string[]; checked: number }>) => {
        const db = `${base}_${label}`;
        await admin.query(`drop database if exists ${name(db)}`);
        await admin.query(`create database ${name(db)} template ${name(base)}`);
        const client = await connect(server, db);
        try {
          // A template copy's counters start at zero, as on a restored PGlite copy: the same mend.
          await restoreTableCounters({ exec: (sql) => client.query(sql) });
          const r = await fn(nativeClaimDb(client));
          out.problems.push(...r.problems);
          out.checked += r.checked;
        } finally {
          await client.end();
          await admin.query(`drop database if exists ${name(db)}`);
        }
      };
      if (chapter.claims?.length) {
        await copy('text', async (db) => {
          const r = await runChapterClaims(db, chapter.blocks, chapter.claims!, { variant, file: chapterFile(chapter) });
          return { problems: r.problems.map((p) => p.replace(/ copy\)$/, ' copy, native PostgreSQL)')), checked: r.checked };
        });
      }
      for (const ex of chapter.exercises) {
        if (ex.claims?.length) await copy(`ex${ex.number}`, (db) => exerciseClaims(db, ex, variant, ', native PostgreSQL'));
      }
      await admin.query(`drop database if exists ${name(base)}`);
    }
  } finally {
    await admin.end();
  }
  out.ms = performance.now() - t0;
  return out;
}
