// Checks a learner's SQL against an exercise, on isolated copies of the chapter's database that
// the CheckContext provides (never the learner's own database, and no answer is ever stored in
// a database: the expected result comes from running the reference solution on its own copy).
//
// A run: [setup] → learner's SQL (as the non-superuser role pglab_learner, sandbox.ts) → the
// session is reset to settings the learner cannot influence → result, catalog, plan, intact and
// behavior checks, in that order. `sql` checks read the parse tree and need no database.
// A result check runs a second time on the perturbed copy (the dataset built with another seed),
// so an answer that hard-codes values, or whose wrong filter happens to match, fails.
import { parse, parseSync } from 'libpg-query';
import { Session } from '../db/session.ts';
import { splitScript, type ScriptPiece } from '../db/splitter.ts';
import type { Engine } from '../db/types.ts';
import { CONDITION_NAMES } from './loader.ts';
import { changes, contentDigest, fingerprint, forbiddenChanges, keptColumns, rowCounts, touchedTables, type Change, type Fingerprint } from './intact.ts';
import {
  canonicalExpression, conjuncts, constructCounts, constructWords, containsTokens, definitionTokens, objectChanges, parseScript, roleEscape, tableReads, type ParsedStatement,
} from './sql-shape.ts';
import { LEARNER_ROLE } from './sandbox-role.ts';
import { checkLint } from './lint-check.ts';
import { checkMigration, needsMeasurement, withMeasurement } from './migration-check.ts';
import { measureMigration } from '../migrations/measure.ts';
import type {
  BehaviorCheck, CatalogCheck, Check, CheckOutcome, CheckReport, ColumnAssertion, ConstraintAssertion, Exercise,
  IndexAssertion, MigrationCheck, PlanCheck, ResultCheck, ResultSet, SqlCheck, Variant,
} from './format.ts';
import { canonicalJson, isJsonType } from './json-compare.ts';

export type IsolationMode = 'fresh' | 'shared';

/** Where checks run. ChapterSandbox (sandbox.ts) implements it on PGlite snapshots. */
export interface CheckContext {
  /**
   * Runs fn on a copy of the chapter's starting database built with the variant's seed.
   * `fresh`: a new instance restored from the prepared snapshot, discarded afterwards.
   * `shared`: a warm instance inside a READ ONLY transaction that is rolled back afterwards.
   * Nothing fn does may outlive the call.
   */
  withDatabase<T>(variant: Variant, mode: IsolationMode, fn: (db: Engine) => Promise<T>, prepare?: Prepare): Promise<{ value: T; resetMs: number }>;
}

/**
 * What to run on a fresh copy before fn (an exercise's setup, as the learner's role). A context
 * may run it ahead of time on a spare copy (sandbox.ts); `key` says which copies it fits.
 */
export interface Prepare {
  key: string;
  run: (db: Engine) => Promise<void>;
}

/** The exercise's setup as a Prepare (undefined without one). */
function setupOf(exercise: Exercise): Prepare | undefined {
  const sql = exercise.setup;
  if (!sql) return undefined;
  return { key: sql, run: async (db) => { await runOrThrow(db, sql, `The setup of ${exercise.id}`); } };
}

const MAX_ROWS_SHOWN = 10;

/**
 * psql commands whose SQL is not in the script's text: \gexec runs a query's values, \set and
 * \gset make variables that are interpolated later, \i reads a file. Refused, so what runs is
 * what the parse tree shows.
 */
const GENERATES_SQL = new Set(['gexec', 'gset', 'set', 'setenv', 'prompt', 'i', 'ir', 'include', 'include_relative', 'getenv']);

interface ScriptRun {
  /** The last result set with columns. */
  result?: ResultSet;
  /** Every result set with columns, in order (the last is `result`). */
  results: ResultSet[];
  /** The statement that produced `result`: the plan judged is its plan. */
  resultQuery?: string;
  /** Every statement that can be explained (SELECT, or a DML statement), in order. */
  queries: string[];
  error?: { message: string; code?: string; statement: number; sql: string };
  leftTransactionOpen: boolean;
  broken: boolean;
  /** The script itself (the migration check lints it). */
  sql: string;
}

/** Statement types that only read, so they can run in a rolled-back read-only transaction. */
const READ_ONLY_NODES = new Set(['SelectStmt', 'ExplainStmt', 'VariableShowStmt']);
const EXPLAINABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

function readOnly(pieces: ScriptPiece[]): boolean {
  return pieces.every((p) => p.kind === 'sql' && READ_ONLY_NODES.has(p.node));
}

/**
 * Runs a script statement by statement. `outerTransaction`: the sandbox opened a transaction
 * around it (shared mode), so being in a transaction afterwards is not the script's doing.
 */
async function runScript(db: Engine, sql: string, outerTransaction = false): Promise<ScriptRun> {
  const session = new Session(db);
  const pieces = await splitScript(sql);
  const report = await session.run(sql, { stopOnError: true });
  const out: ScriptRun = { leftTransactionOpen: session.inTransaction && !outerTransaction, broken: report.broken, queries: [], results: [], sql };
  report.results.forEach((r, i) => {
    if (r.error) {
      out.error = { message: r.error.message, code: r.error.code, statement: i + 1, sql: r.sql };
      return;
    }
    if (r.columns.length) {
      out.result = { columns: r.columns.map((c) => c.name), types: r.columns.map((c) => c.type), rows: r.rows as (string | null)[][] };
      out.results.push(out.result);
      out.resultQuery = r.sql;
    }
  });
  for (const p of pieces) if (p.kind === 'sql' && EXPLAINABLE.has(p.node)) out.queries.push(p.text);
  if (out.resultQuery && !pieces.some((p) => p.kind === 'sql' && p.text === out.resultQuery && EXPLAINABLE.has(p.node))) out.resultQuery = undefined;
  return out;
}

async function runOrThrow(db: Engine, sql: string, what: string, outerTransaction = false): Promise<ScriptRun> {
  const r = await runScript(db, sql, outerTransaction);
  if (r.error) throw new Error(`${what} failed at statement ${r.error.statement} (${r.error.sql.slice(0, 80)}): ${r.error.message}`);
  if (r.leftTransactionOpen) await db.run('rollback');
  return r;
}

/**
 * Puts the session in a state the learner cannot influence before the checks read it: their
 * settings undone (enable_seqscan = off would fake a plan; pglab's own settings are server
 * options, engine.ts, which RESET ALL keeps), and a fixed search_path that puts pg_catalog
 * first and the learner's temporary tables last, so no shadow table or schema is read.
 */
async function resetSession(db: Engine) {
  await db.run('reset all');
  await db.run('set search_path = public, pg_temp');
}

/** Whether the learner's SQL left the session as another role than the one it was given. */
async function roleChanged(db: Engine): Promise<string | undefined> {
  const r = await db.query<{ s: string; c: string }>('select session_user::text as s, current_user::text as c');
  const { s, c } = r.rows[0];
  return s === LEARNER_ROLE && c === LEARNER_ROLE ? undefined : c !== LEARNER_ROLE ? c : s;
}

// ------------------------------------------------------------------ reference results

const referenceCache = new WeakMap<CheckContext, Map<string, Promise<unknown>>>();

function cached<T>(ctx: CheckContext, key: string, make: () => Promise<T>): Promise<T> {
  let cache = referenceCache.get(ctx);
  if (!cache) referenceCache.set(ctx, (cache = new Map()));
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = make();
    p.catch(() => cache!.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** The reference solution's result on a variant, computed once per context. */
export async function referenceResult(ctx: CheckContext, exercise: Exercise, variant: Variant): Promise<ResultSet> {
  const all = await referenceResults(ctx, exercise, variant);
  return all[all.length - 1];
}

/** Every result set of the reference solution on a variant, in order (the last is referenceResult's). */
export function referenceResults(ctx: CheckContext, exercise: Exercise, variant: Variant): Promise<ResultSet[]> {
  return cached(ctx, `result:${exercise.id}@${variant}`, async () => {
    const pieces = await splitScript(exercise.solution);
    const mode: IsolationMode = exercise.isolation === 'auto' && !exercise.setup && readOnly(pieces) ? 'shared' : 'fresh';
    const { value } = await ctx.withDatabase(variant, mode, async (db) => {
      if (exercise.setup) await runOrThrow(db, exercise.setup, `The setup of ${exercise.id}`);
      return runOrThrow(db, exercise.solution, `The reference solution of ${exercise.id}`, mode === 'shared');
    });
    if (!value.result) throw new Error(`The reference solution of ${exercise.id} returns no rows to compare with (a result check needs a query at its end)`);
    return value.results;
  });
}

/** The starting state of the main copy after the setup: its fingerprint and every table's row count. */
interface Baseline {
  before: Fingerprint;
  counts: Record<string, number>;
}

function baselineOf(ctx: CheckContext, exercise: Exercise): Promise<Baseline> {
  // Shared by the exercises with the same setup (most have none: then the warm copy serves).
  return cached(ctx, `baseline:${exercise.setup}`, async () => {
    const { value } = await ctx.withDatabase('main', exercise.setup ? 'fresh' : 'shared', async (db) => {
      if (exercise.setup) await runOrThrow(db, exercise.setup, `The setup of ${exercise.id}`);
      await resetSession(db);
      const before = await fingerprint(db);
      return { before, counts: await rowCounts(db, Object.keys(before)) };
    });
    return value;
  });
}

/** What the reference solution changes in the database: the changes a learner may make too. */
export function referenceChanges(ctx: CheckContext, exercise: Exercise): Promise<Change[]> {
  return cached(ctx, `changes:${exercise.id}`, async () => {
    const base = await baselineOf(ctx, exercise);
    const { value } = await ctx.withDatabase('main', 'fresh', async (db) => {
      if (exercise.setup) await runOrThrow(db, exercise.setup, `The setup of ${exercise.id}`);
      const before = await fingerprint(db);
      await runOrThrow(db, exercise.solution, `The reference solution of ${exercise.id}`);
      await resetSession(db);
      const after = await fingerprint(db);
      const touched = touchedTables(before, after);
      return changes(before, after, base.counts, await rowCounts(db, touched.filter((t) => t in after)));
    });
    return value;
  });
}


// ------------------------------------------------------------------ the entry point

const noSql = (t0: number): CheckReport => ({
  passed: false, checks: [], notes: [],
  error: { message: 'Nothing to check: the editor holds no SQL yet (only comments, or nothing). Write your answer, then Check.', statement: 0, sql: '' },
  timing: { resetMs: 0, totalMs: performance.now() - t0, mode: 'fresh' },
});

export async function checkExercise(ctx: CheckContext, exercise: Exercise, learnerSql: string): Promise<CheckReport> {
  const t0 = performance.now();
  const pieces = await splitScript(learnerSql);
  const notes: string[] = [];
  if (!pieces.some((p) => p.kind !== 'backslash')) return noSql(t0);
  const parsed = await parseScript(learnerSql);
  const fail = (message: string, resetMs = 0, mode: IsolationMode = 'fresh', sql = ''): CheckReport => ({
    passed: false, checks: [], notes, error: { message, statement: 0, sql }, timing: { resetMs, totalMs: performance.now() - t0, mode },
  });
  const generated = pieces.find((p): p is Extract<ScriptPiece, { kind: 'backslash' }> => p.kind === 'backslash' && GENERATES_SQL.has(p.name.replace(/^\\/, '')));
  if (generated) {
    return fail(`Your SQL uses the psql command \`\\${generated.name.replace(/^\\/, '')}\`, which builds SQL as it runs (from a query's values or a variable): the checker reads every statement before it runs, so write the statements themselves.`, 0, 'fresh', generated.text);
  }
  const escape = parsed && roleEscape(parsed);
  if (escape) {
    const shown = escape.sql.trim().replace(/\s+/g, ' ').slice(0, 80);
    return fail(
      escape.why === 'types in statistics'
        ? `Your SQL sets the planner's statistics by hand (\`${shown}\`): plans would then show what you typed, not what the data is. Remove that statement (ANALYZE gathers real statistics).`
        : escape.why === 'EXECUTE of SQL built at run time'
          ? `Your DO block runs SQL built at run time (EXECUTE of an expression, \`${shown}\`): the checker reads every statement before it runs, and cannot read that one. Write the statement itself, or EXECUTE a string literal.`
          : `Your SQL changes the role it runs as (\`${shown}\`): answers run as an ordinary user that owns the chapter's tables, which is all an exercise needs. Remove that statement.`,
      0, 'fresh', escape.sql);
  }
  const resultCheck = exercise.checks.find((c): c is ResultCheck => c.kind === 'result');
  const needsWrites = exercise.checks.some((c) => c.kind === 'catalog' || c.kind === 'behavior');
  // A read-only answer runs in a read-only transaction on a warm copy (with the exercise's setup
  // already run there, when it has one): no copy is restored for it.
  let mode: IsolationMode =
    exercise.isolation === 'auto' && !needsWrites && readOnly(pieces) ? 'shared' : 'fresh';

  const expected = resultCheck ? await referenceResult(ctx, exercise, 'main') : undefined;
  const orderKeys = resultCheck?.ordered ? resultCheck.orderBy ?? (await orderKeysOf(exercise.solution, expected!.columns)) : undefined;
  // Nothing a read-only transaction runs can change the database: no intact check is needed then.
  const base = mode === 'fresh' ? await baselineOf(ctx, exercise) : undefined;

  // A fresh copy comes with the setup already run (on a spare copy, ahead of time, when the
  // context keeps one); a shared one has no setup (exercises with one run fresh).
  const runMain = (m: IsolationMode) =>
    ctx.withDatabase('main', m, async (db) => {
      const before = m === 'fresh' ? await fingerprint(db) : undefined;
      const run = await runScript(db, learnerSql, m === 'shared');
      if (run.error || run.broken) return { run, outcomes: [] as CheckOutcome[] };
      if (run.leftTransactionOpen) {
        await db.run('rollback');
        notes.push('Your SQL left a transaction open: it was rolled back, as when a session ends without COMMIT.');
      }
      const role = await roleChanged(db);
      if (role) return { run, outcomes: [] as CheckOutcome[], role };
      await resetSession(db);
      const outcomes: CheckOutcome[] = [];
      // The intact check reads the database before the behavior checks write to it; it is
      // listed last.
      let intact: CheckOutcome | undefined;
      for (const check of ordered(exercise.checks)) {
        if (check.kind === 'behavior' && before && base && !intact) intact = await checkIntact(ctx, db, exercise, before, base);
        outcomes.push(await runCheck(db, check, run, parsed, expected, orderKeys));
        if (check.kind === 'behavior') await resetSession(db);
      }
      if (before && base && !intact) intact = await checkIntact(ctx, db, exercise, before, base);
      if (intact) outcomes.push(intact);
      return { run, outcomes };
    }, setupOf(exercise));

  let { value, resetMs } = await runMain(mode);
  // A statement that cannot run in the read-only transaction: run again on a fresh copy.
  if (mode === 'shared' && value.run.error && ['25006', '25001', '25P01', '25P02'].includes(value.run.error.code ?? '')) {
    mode = 'fresh';
    await baselineOf(ctx, exercise);
    ({ value, resetMs } = await runMain(mode));
  }
  const { run } = value;
  let outcomes = value.outcomes;
  if ('role' in value && value.role) {
    return fail(`Your SQL switched the session to the role ${value.role}: answers run as an ordinary user that owns the chapter's tables, and the checks refuse SQL that leaves it.`, resetMs, mode);
  }
  if (run.error || run.broken) {
    const e = run.error ?? { message: 'The database stopped answering while running your SQL (runaway recursion?).', statement: 0, sql: '' };
    const why = explainError(e);
    return {
      passed: false, checks: [], notes: why ? [...notes, why] : notes, error: e,
      timing: { resetMs, totalMs: performance.now() - t0, mode },
    };
  }

  // every: the earlier result sets are the answer too (an exercise that asks for two queries).
  if (resultCheck?.every) {
    const i = outcomes.findIndex((o) => o.kind === 'result');
    if (i >= 0 && outcomes[i].passed) {
      const o = compareEarlier(await referenceResults(ctx, exercise, 'main'), run.results, resultCheck);
      if (o) outcomes[i] = o;
    }
  }

  // The same SQL on the perturbed copy, for the result check.
  const resultOutcome = outcomes.find((o) => o.kind === 'result');
  if (resultCheck && resultOutcome?.passed) {
    const expected2 = await referenceResult(ctx, exercise, 'perturbed');
    const { value: second } = await ctx.withDatabase('perturbed', mode, (db) => runScript(db, learnerSql, mode === 'shared'), setupOf(exercise));
    const o = second.error || !second.result
      ? {
          kind: 'result' as const, passed: false,
          message: second.error
            ? `Your SQL works on this data but fails on a second copy with different values: ${second.error.message}`
            : 'Your SQL returns no rows on a second copy of the data with different values.',
          details: { variant: 'perturbed' as const, error: second.error?.message, sqlstate: second.error?.code },
        }
      : (resultCheck.every && compareEarlier(await referenceResults(ctx, exercise, 'perturbed'), second.results, resultCheck)) ||
        compareResults(expected2, second.result, resultCheck, orderKeys);
    if (!o.passed) {
      o.details.variant = 'perturbed';
      if (second.result) {
        o.message = 'Right on this data, but wrong on a second copy of the dataset built with other random values: ' +
          'does your query hard-code values (ids, counts, dates) instead of computing them, or filter on something that only happens to match? ' + o.message;
      }
      outcomes[outcomes.indexOf(resultOutcome)] = o;
    }
  }
  // Behavior checks that ask for both copies run again on the second one, after the learner's
  // SQL there: an answer that changes rows must compute them, not rebuild the first copy's values.
  const bothCopies = ordered(exercise.checks).filter((c): c is BehaviorCheck => c.kind === 'behavior' && c.copies === 'both');
  const behaviorOutcomes = outcomes.filter((o) => o.kind === 'behavior');
  const behaviorChecks = ordered(exercise.checks).filter((c): c is BehaviorCheck => c.kind === 'behavior');
  if (bothCopies.length && behaviorChecks.every((c, i) => c.copies !== 'both' || behaviorOutcomes[i]?.passed)) {
    const { value: second } = await ctx.withDatabase('perturbed', 'fresh', async (db) => {
      const again = await runScript(db, learnerSql, false);
      if (again.error || again.broken) return { error: again.error?.message ?? 'the database stopped answering', results: [] as CheckOutcome[] };
      if (again.leftTransactionOpen) await db.run('rollback');
      await resetSession(db);
      const results: CheckOutcome[] = [];
      for (const check of bothCopies) {
        results.push(await runCheck(db, check, again, parsed, undefined, undefined));
        await resetSession(db);
      }
      return { results };
    }, setupOf(exercise));
    bothCopies.forEach((check, k) => {
      const o = behaviorOutcomes[behaviorChecks.indexOf(check)];
      const r = second.results[k];
      if (!o) return;
      if (second.error) {
        outcomes[outcomes.indexOf(o)] = { ...o, passed: false, message: `Your SQL works on this data but fails on a second copy with different values: ${second.error}`, details: { ...o.details, variant: 'perturbed' } };
      } else if (r && !r.passed) {
        outcomes[outcomes.indexOf(o)] = { ...r, message: `Right on this data, but wrong on a second copy of the dataset built with other values: does your SQL rebuild values from a pattern instead of computing them? ${r.message}`, details: { ...r.details, variant: 'perturbed' } };
      }
    });
  }
  // Locks and rewrites are measured on a fresh copy: the learner's script again, statement by
  // statement, reading pg_locks before each commits (src/migrations/measure.ts).
  const migrationChecks = ordered(exercise.checks).filter((c): c is MigrationCheck => c.kind === 'migration');
  if (migrationChecks.some(needsMeasurement)) {
    const { value: measured } = await ctx.withDatabase('main', 'fresh', (db) => measureMigration(db, learnerSql), setupOf(exercise));
    const migrationOutcomes = outcomes.filter((o) => o.kind === 'migration');
    migrationChecks.forEach((check, i) => {
      const o = migrationOutcomes[i];
      if (o && needsMeasurement(check)) outcomes[outcomes.indexOf(o)] = withMeasurement(o, check, measured);
    });
  }
  outcomes = mergePlanOutcomes(outcomes);
  return {
    passed: outcomes.every((o) => o.passed),
    checks: outcomes,
    notes,
    timing: { resetMs, totalMs: performance.now() - t0, mode },
  };
}

/** An error PostgreSQL words for experts, explained for a learner (or undefined). */
export function explainError(e: { message: string; code?: string }): string | undefined {
  const m = /data type (\S+(?: \S+)?) has no default operator class for access method "(gist|gin)"/.exec(e.message);
  if (m) {
    return `PostgreSQL has no ${m[2].toUpperCase()} operator class for ${m[1]} until you install one: ` +
      `\`create extension if not exists btree_${m[2]};\` adds them for the plain scalar types, so a ${m[2].toUpperCase()} index or an exclusion constraint can mix ${m[1]} with ranges.`;
  }
  if (e.code === '42501') {
    return 'Answers run as an ordinary user that owns the chapter\'s tables, not as a superuser: system catalogs, server settings (ALTER SYSTEM) and tablespaces are out of reach, and no exercise needs them.';
  }
  return undefined;
}

/** Result, catalog, plan, sql checks first; behavior checks write, so they come last. */
function ordered(checks: Check[]): Check[] {
  const rank = { sql: 0, migration: 0, result: 1, catalog: 2, plan: 3, lint: 3, intact: 4, behavior: 5 };
  return [...checks].sort((a, b) => rank[a.kind] - rank[b.kind]);
}

/**
 * Failed plan checks on the same query say one thing (`has no Index Scan`, `still has Seq
 * Scan`): one message per query.
 */
function mergePlanOutcomes(outcomes: CheckOutcome[]): CheckOutcome[] {
  const out: CheckOutcome[] = [];
  const byQuery = new Map<string, CheckOutcome>();
  for (const o of outcomes) {
    const q = o.kind === 'plan' && !o.passed ? o.details.sql : undefined;
    const first = q ? byQuery.get(q) : undefined;
    if (first) {
      const still = /still has (.+?) on (\S+?),/.exec(o.message);
      if (!(still && first.message.includes(`${still[1]} on ${still[2]}`))) {
        first.message = first.message.replace(/\.$/, '') + '; it ' + o.message.replace(/^The plan of `[^`]*` /, '');
      }
      continue;
    }
    if (q) byQuery.set(q, o);
    out.push(o);
  }
  return out;
}

async function runCheck(
  db: Engine, check: Check, run: ScriptRun, parsed: ParsedStatement[] | undefined, expected: ResultSet | undefined, orderKeys: string[] | undefined,
): Promise<CheckOutcome> {
  switch (check.kind) {
    case 'result':
      if (!run.result) {
        return {
          kind: 'result', passed: false,
          message: 'Your SQL returns no rows to compare: the task asks for a query (SELECT) at the end.',
          details: { expectedColumns: expected!.columns },
        };
      }
      return compareResults(expected!, run.result, check, orderKeys);
    case 'plan':
      return checkPlan(db, check, run);
    case 'catalog':
      return checkCatalog(db, check);
    case 'behavior':
      return checkBehavior(db, check);
    case 'sql':
      return checkSql(check, parsed);
    case 'lint':
      return checkLint(db, check);
    case 'migration':
      return checkMigration(run.sql, check);
  }
}

// ------------------------------------------------------------------ intact

/**
 * Rows written are not a change when the values the table had are still there: a trigger and an
 * UPDATE that fill a new column, the learner's way to do what the reference's ADD COLUMN …
 * STORED did by a rewrite (which the counters do not see), write every row and change none of
 * the old values. Compared by a digest of the kept columns against the starting copy.
 */
async function withoutSameData(ctx: CheckContext, db: Engine, exercise: Exercise, before: Fingerprint, after: Fingerprint, bad: Change[]): Promise<Change[]> {
  const out: Change[] = [];
  for (const c of bad) {
    const t = c.key.startsWith('data:') ? c.key.slice(5) : c.key.startsWith('rewrite:') ? c.key.slice(8) : undefined;
    if (!t || !before[t] || !after[t]) { out.push(c); continue; }
    const columns = keptColumns(before[t], after[t]);
    const was = await cached(ctx, `digest:${exercise.setup}:${t}:${columns.join(',')}`, async () => {
      const { value } = await ctx.withDatabase('main', exercise.setup ? 'fresh' : 'shared', async (fresh) => {
        if (exercise.setup) await runOrThrow(fresh, exercise.setup, `The setup of ${exercise.id}`);
        return contentDigest(fresh, t, columns);
      });
      return value;
    });
    if ((await contentDigest(db, t, columns)) !== was) out.push(c.key.startsWith('rewrite:') ? { ...c, message: `${c.message} with other values` } : c);
  }
  return out;
}

async function checkIntact(ctx: CheckContext, db: Engine, exercise: Exercise, before: Fingerprint, base: Baseline): Promise<CheckOutcome> {
  const after = await fingerprint(db);
  const touched = touchedTables(before, after);
  const mine = changes(before, after, base.counts, await rowCounts(db, touched.filter((t) => t in after)));
  if (!mine.length) return { kind: 'intact', passed: true, message: 'The rest of the database is as it was.', details: {} };
  const bad = await withoutSameData(ctx, db, exercise, before, after, forbiddenChanges(mine, await referenceChanges(ctx, exercise)));
  if (!bad.length) return { kind: 'intact', passed: true, message: 'The rest of the database is as it was.', details: {} };
  const list = bad.map((c) => c.message);
  return {
    kind: 'intact', passed: false,
    message: `Your SQL changed what the task does not ask to change: ${list.slice(0, 4).join('; ')}${list.length > 4 ? `; and ${list.length - 4} more` : ''}.`,
    details: { changes: list },
  };
}

// ------------------------------------------------------------------ sql (the parse tree)

function checkSql(check: SqlCheck, parsed: ParsedStatement[] | undefined): CheckOutcome {
  if (!parsed) return { kind: 'sql', passed: false, message: 'Your SQL does not parse, so its structure cannot be checked.', details: {} };
  const problems: string[] = [];
  if (check.statements !== undefined && parsed.length !== check.statements) {
    problems.push(`the task asks for ${check.statements === 1 ? 'one statement' : `${check.statements} statements`}, your SQL has ${parsed.length}`);
  }
  const counts = constructCounts(parsed);
  for (const c of check.forbids ?? []) {
    const n = counts.get(c) ?? 0;
    if (n) problems.push(`it uses ${constructWords(c)}${n > 1 ? ` (${n} times)` : ''}, which the task rules out`);
  }
  for (const c of check.requires ?? []) if (!counts.get(c)) problems.push(`the task asks for ${constructWords(c)}, your SQL has none`);
  const reads = tableReads(parsed);
  for (const t of check.readsOnce ?? []) {
    const n = reads.get(t) ?? 0;
    if (n > 1) problems.push(`it reads ${t} ${n} times, the task asks to read it once`);
  }
  const { created, dropped } = objectChanges(parsed);
  for (const [what, m, verb] of [[check.creates, created, 'creates'], [check.drops, dropped, 'drops']] as const) {
    for (const [kind, want] of Object.entries(what ?? {})) {
      const n = m.get(kind) ?? 0;
      if (n !== want) problems.push(`it ${verb} ${n} ${kind}${n === 1 ? '' : kind.endsWith('x') ? 'es' : 's'}, the task asks for ${want}`);
    }
  }
  if (problems.length) {
    const msg = problems.join('; ');
    return { kind: 'sql', passed: false, message: msg[0].toUpperCase() + msg.slice(1) + '.', details: {} };
  }
  return { kind: 'sql', passed: true, message: 'Your SQL is built the way the task asks.', details: {} };
}

// ------------------------------------------------------------------ result

/** Output columns that the solution's ORDER BY fixes, or undefined (then whole rows must be in order). */
export async function orderKeysOf(solution: string, columns: string[]): Promise<string[] | undefined> {
  try {
    const { stmts } = (await parse(solution)) as unknown as { stmts: { stmt: Record<string, Record<string, unknown>> }[] };
    const last = stmts[stmts.length - 1]?.stmt?.SelectStmt as { sortClause?: { SortBy: { node: Record<string, unknown> } }[] } | undefined;
    if (!last?.sortClause?.length) return undefined;
    const keys: string[] = [];
    for (const s of last.sortClause) {
      const node = s.SortBy.node;
      const ref = node.ColumnRef as { fields: { String?: { sval: string } }[] } | undefined;
      const konst = node.A_Const as { ival?: { ival?: number } } | undefined;
      if (ref) {
        const name = ref.fields[ref.fields.length - 1]?.String?.sval;
        if (!name || !columns.includes(name)) return undefined;
        keys.push(name);
      } else if (konst?.ival?.ival && columns[konst.ival.ival - 1]) {
        keys.push(columns[konst.ival.ival - 1]);
      } else return undefined;
    }
    return keys;
  } catch {
    return undefined;
  }
}

const NUMERIC_TYPES = /^(smallint|integer|bigint|numeric|real|double precision|money|oid)(\(.*\))?$/;
const isNumericType = (t?: string) => !!t && NUMERIC_TYPES.test(t);

/**
 * The family of a column's type, for the families whose values print alike across them: `16` is
 * the same text as an integer, a numeric, a string and a JSON number, `true` as a boolean and a
 * string. Other types (dates, ranges, tsvector, …) are their own family: undefined, not compared.
 */
export function typeFamily(t?: string): string | undefined {
  if (!t) return undefined;
  const array = t.endsWith('[]');
  const base = array ? t.slice(0, -2) : t;
  const f = isNumericType(base) ? 'number'
    : isJsonType(base) ? 'json'
    : /^(text|character varying|character|name|citext|"char"|unknown)(\(.*\))?$/.test(base) ? 'text'
    : base === 'boolean' ? 'boolean'
    : undefined;
  return f && array ? f + '[]' : f;
}

/**
 * Why a learner's column of another type family than the reference's is not the asked value
 * (a text where the reference has a number, a string where it has JSON), or undefined when it is.
 * Values of different families can print alike, so only the types tell them apart.
 */
function familyMismatch(expected?: string, actual?: string): string | undefined {
  const want = typeFamily(expected);
  const got = typeFamily(actual);
  if (!want || !got || want === got) return undefined;
  const word: Record<string, string> = { number: 'a number', json: 'JSON', text: 'text', boolean: 'a boolean' };
  const say = (f: string) => f.endsWith('[]') ? `an array of ${word[f.slice(0, -2)] ?? f.slice(0, -2)}` : word[f] ?? f;
  return `is ${actual} (${say(got)}), where the expected result has ${expected} (${say(want)})`;
}

/**
 * One spelling per number: 0.00, -0 and 0 are 0; 1.50 is 1.5; floats to 12 significant digits,
 * or, with `float = 'real'`, at the precision of a `real` (rounded to single precision, then 6
 * digits, FLT_DIG): a real widened to double precision (`ts_rank(…)::float8`, `1.0 - real`)
 * prints 0.0607927 as 0.0607927003860474, and it is the same value.
 */
export function canonicalNumber(v: string | null, float: boolean | 'real' = false): string | null {
  if (v === null) return null;
  const t = String(v).trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return t;
  if (float || /e/i.test(t)) {
    const n = Number(t);
    if (Number.isFinite(n)) return String(Number((float === 'real' ? Math.fround(n) : n).toPrecision(float === 'real' ? 6 : 12)));
  }
  let [int, frac = ''] = t.replace(/^\+/, '').split('.');
  const neg = int.startsWith('-');
  int = int.replace(/^-/, '').replace(/^0+(?=\d)/, '') || '0';
  frac = frac.replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  return neg && out !== '0' ? '-' + out : out;
}

const fmtRow = (r: (string | null)[]) => '(' + r.map((v) => (v === null ? 'NULL' : v)).join(', ') + ')';

/**
 * For `every: true`: the answer returns at least as many result sets as the reference, and its
 * last ones, each before the very last, hold the reference's rows (the columns by the reference's names, any row order). The
 * last is compareResults' job. Undefined when they all match.
 */
export function compareEarlier(expected: ResultSet[], given: ResultSet[], check: ResultCheck): CheckOutcome | undefined {
  // The answer's last sets stand for the reference's: a query run first to look around
  // (select … where false) is not one of the answers.
  const actual = given.slice(Math.max(0, given.length - expected.length));
  if (actual.length !== expected.length) {
    return {
      kind: 'result', passed: false,
      message: `Your SQL returns ${actual.length} result set${actual.length === 1 ? '' : 's'}; the task asks for ${expected.length} queries, each compared with its own expected rows.`,
      details: { expectedColumns: expected[expected.length - 1].columns },
    };
  }
  for (let i = 0; i < expected.length - 1; i++) {
    const o = compareResults(expected[i], actual[i], { kind: 'result', columns: expected[i].columns, ...(check.asText ? { asText: true } : {}) });
    if (!o.passed) return { ...o, message: `Query ${i + 1} of ${expected.length}: ${o.message}` };
  }
  return undefined;
}

/** Compares two result sets as multisets, then the order on the keys the ORDER BY fixes. */
export function compareResults(expected: ResultSet, actual: ResultSet, check: ResultCheck, orderKeys?: string[]): CheckOutcome {
  const details: CheckOutcome['details'] = {
    expectedColumns: expected.columns, actualColumns: actual.columns,
    expectedRowCount: expected.rows.length, actualRowCount: actual.rows.length,
  };
  // Which of the learner's columns stand for which expected column.
  let projection: number[];
  if (check.columns) {
    const missing = check.columns.filter((c) => !actual.columns.includes(c));
    const unexpected = actual.columns.filter((c) => !check.columns!.includes(c));
    if (missing.length || unexpected.length) {
      details.wrongColumns = { missing, unexpected };
      const parts = [];
      if (missing.length) parts.push(`missing ${missing.map((c) => `"${c}"`).join(', ')}`);
      if (unexpected.length) parts.push(`not asked for ${unexpected.map((c) => `"${c}"`).join(', ')}`);
      return { kind: 'result', passed: false, message: `The columns are not the ones the task asks for (${check.columns.join(', ')}): ${parts.join('; ')}.`, details };
    }
    // Expected columns are the solution's; when the task names them, they are those names.
    projection = expected.columns.map((c) => actual.columns.indexOf(c));
    // The solution names its columns differently from the task: compare by position.
    if (projection.some((i) => i < 0)) projection = expected.columns.map((_, i) => i);
  } else {
    if (actual.columns.length !== expected.columns.length) {
      details.wrongColumns = { missing: [], unexpected: [] };
      return {
        kind: 'result', passed: false,
        message: `Your query returns ${actual.columns.length} column${actual.columns.length === 1 ? '' : 's'} (${actual.columns.join(', ')}), the expected result has ${expected.columns.length} (${expected.columns.join(', ')}).`,
        details,
      };
    }
    projection = expected.columns.map((_, i) => i);
  }
  const rows = actual.rows.map((r) => projection.map((i) => r[i] ?? null));
  // A column of another family of types than the reference's is another value, even when it
  // prints the same ('16' as text is not the number 16), unless the task compares printed text.
  if (!check.asText) {
    const wrongType = expected.columns
      .map((c, j) => ({ c: actual.columns[projection[j]] ?? c, why: familyMismatch(expected.types?.[j], actual.types?.[projection[j]]) }))
      .filter((x) => x.why);
    if (wrongType.length) {
      details.wrongTypes = wrongType.map((x) => x.c);
      return {
        kind: 'result', passed: false,
        message: `The values are not of the type the task asks for: ${wrongType.map((x) => `"${x.c}" ${x.why}`).join('; ')}. Cast the value, or read it with the operator that returns that type.`,
        details,
      };
    }
  }
  // Values compared by type: 0.00 is 0 in a numeric column (unless the task asks for a format).
  const numeric = expected.columns.map((_, j) =>
    !check.asText && isNumericType(expected.types?.[j]) && isNumericType(actual.types?.[projection[j]]));
  // A real on either side: compared at a real's precision (the other side may be it widened).
  const float = expected.columns.map((_, j): boolean | 'real' => {
    const t = [expected.types?.[j], actual.types?.[projection[j]]];
    return t.includes('real') ? 'real' : t.includes('double precision');
  });
  // json and jsonb compare by meaning (json-compare.ts): key order, spacing and 1.0 against 1 do not matter.
  const json = expected.columns.map((_, j) => !check.asText && isJsonType(expected.types?.[j]) && isJsonType(actual.types?.[projection[j]]));
  const norm = (r: (string | null)[]) => r.map((v, j) =>
    (numeric[j] ? canonicalNumber(v, float[j]) : json[j] && v !== null ? canonicalJson(v) ?? v : v));
  const key = (r: (string | null)[]) => JSON.stringify(norm(r));
  const want = new Map<string, { row: (string | null)[]; n: number }>();
  for (const r of expected.rows) {
    const k = key(r);
    const e = want.get(k);
    if (e) e.n++;
    else want.set(k, { row: r, n: 1 });
  }
  const extra: (string | null)[][] = [];
  for (const r of rows) {
    const e = want.get(key(r));
    if (e && e.n > 0) e.n--;
    else extra.push(r);
  }
  const missing: (string | null)[][] = [];
  for (const e of want.values()) for (let i = 0; i < e.n; i++) missing.push(e.row);
  if (missing.length || extra.length) {
    details.missingCount = missing.length;
    details.extraCount = extra.length;
    // The expected rows travel in the details, for the page to reveal on request: the message
    // names only the learner's own rows, so a first try does not give the answer away.
    details.missingRows = missing.slice(0, MAX_ROWS_SHOWN);
    details.extraRows = extra.slice(0, MAX_ROWS_SHOWN);
    const parts = [];
    if (missing.length) parts.push(`${missing.length} expected row${missing.length === 1 ? ' is' : 's are'} missing`);
    if (extra.length) parts.push(`${extra.length} of your rows ${extra.length === 1 ? 'is' : 'are'} not expected (e.g. ${fmtRow(extra[0])})`);
    return {
      kind: 'result', passed: false,
      message: `Your query returns ${rows.length} row${rows.length === 1 ? '' : 's'}, the expected result has ${expected.rows.length}: ${parts.join(', and ')}.`,
      details,
    };
  }
  if (check.ordered) {
    const idx = orderKeys?.map((k) => expected.columns.indexOf(k)).filter((i) => i >= 0);
    const proj = (r: (string | null)[]) => { const n = norm(r); return JSON.stringify(idx?.length ? idx.map((i) => n[i]) : n); };
    for (let i = 0; i < rows.length; i++) {
      if (proj(rows[i]) !== proj(expected.rows[i])) {
        details.orderMismatchAt = i;
        const by = idx?.length ? ` (ordered by ${idx.map((j) => expected.columns[j]).join(', ')})` : '';
        return {
          kind: 'result', passed: false,
          message: `The rows are right but not in the order the task asks for${by}: your row ${i + 1}, ${fmtRow(rows[i])}, is out of place.`,
          details,
        };
      }
    }
  }
  return { kind: 'result', passed: true, message: `Same ${rows.length} row${rows.length === 1 ? '' : 's'} as the expected result${check.ordered ? ', in the right order' : ''}.`, details };
}

// ------------------------------------------------------------------ plan

interface PlanNode {
  'Node Type': string;
  Strategy?: string;
  Operation?: string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  /** A condition checked on each row the scan returns, after any index. */
  Filter?: string;
  'Total Cost'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** The name the text format shows: HashAggregate, GroupAggregate, Insert... */
function labelOf(n: PlanNode): string {
  if (n['Node Type'] === 'Aggregate' && n.Strategy) {
    return { Hashed: 'HashAggregate', Sorted: 'GroupAggregate', Mixed: 'MixedAggregate', Plain: 'Aggregate' }[n.Strategy] ?? 'Aggregate';
  }
  if (n['Node Type'] === 'SetOp' && n.Strategy === 'Hashed') return 'HashSetOp';
  if (n['Node Type'] === 'ModifyTable' && n.Operation) return n.Operation;
  return n['Node Type'];
}

function nodes(n: PlanNode, depth = 0, out: { node: PlanNode; depth: number }[] = []) {
  out.push({ node: n, depth });
  for (const c of n.Plans ?? []) nodes(c, depth + 1, out);
  return out;
}

export function planOutline(root: PlanNode): string[] {
  return nodes(root).map(({ node: n, depth }) => {
    let s = '  '.repeat(depth) + labelOf(n);
    if (n['Index Name']) s += ` using ${n['Index Name']}`;
    if (n['Relation Name']) s += ` on ${n['Relation Name']}${n.Alias && n.Alias !== n['Relation Name'] ? ` ${n.Alias}` : ''}`;
    if (n['Total Cost'] !== undefined) s += `  (cost ${n['Total Cost']})`;
    return s;
  });
}

const isType = (n: PlanNode, types: string[]) => types.some((t) => t.toLowerCase() === n['Node Type'].toLowerCase() || t.toLowerCase() === labelOf(n).toLowerCase());

function glob(pattern: string, value: string | undefined): boolean {
  if (!value) return false;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*') + '$', 'i');
  return re.test(value);
}

function onRelation(n: PlanNode, relation?: string): boolean {
  if (!relation) return true;
  return n['Relation Name'] === relation || n.Alias === relation;
}

function usesIndex(n: PlanNode, index?: string): boolean {
  if (!index) return true;
  // A Bitmap Heap Scan names no index: its Bitmap Index Scans below do.
  return nodes(n).some(({ node }) => glob(index, node['Index Name']));
}

function describe(types: string[], check: PlanCheck): string {
  return `${types.join(' or ')}${check.relation ? ` on ${check.relation}` : ''}${check.index ? ` using ${check.index}` : ''}`;
}

/**
 * The statements a plan check judges: its declared queries, else the statement that produced the
 * learner's result, else (no result) the costliest explainable statement, so no extra no-op
 * statement (`DELETE … WHERE false`) can stand in for the real one.
 */
async function judgedQueries(db: Engine, check: PlanCheck, run: ScriptRun): Promise<string[]> {
  if (check.query) return [check.query, ...(check.queries ?? [])];
  if (run.resultQuery) return [run.resultQuery];
  let best: { q: string; cost: number } | undefined;
  for (const q of run.queries) {
    try {
      const r = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`explain (format json) ${q.replace(/;\s*$/, '')}`);
      const cost = r.rows[0]['QUERY PLAN'][0].Plan['Total Cost'] ?? 0;
      if (!best || cost >= best.cost) best = { q, cost };
    } catch { /* a statement that cannot be explained now (its table is gone) is not the one */ }
  }
  return best ? [best.q] : [];
}

/** `Index Scan` asked: an Index Only Scan is better and passes, unless the check is `exact`. */
function wanted(check: PlanCheck): string[] {
  const uses = check.uses ?? [];
  if (check.exact || !uses.some((u) => u.toLowerCase() === 'index scan')) return uses;
  return uses.some((u) => u.toLowerCase() === 'index only scan') ? uses : [...uses, 'Index Only Scan'];
}

async function checkPlan(db: Engine, check: PlanCheck, run: ScriptRun): Promise<CheckOutcome> {
  const queries = (await judgedQueries(db, check, run)).map((q) => q.replace(/;\s*$/, ''));
  if (!queries.length) {
    return { kind: 'plan', passed: false, message: 'Your SQL has no query whose plan could be checked: end it with the query the task asks for.', details: {} };
  }
  let last: CheckOutcome | undefined;
  for (const q of queries) {
    last = await planOf(db, check, q);
    if (!last.passed) return last;
  }
  if (queries.length > 1) last!.message = last!.message.replace(/\.$/, '') + ` (and for ${queries.length - 1} more value${queries.length > 2 ? 's' : ''} of the query).`;
  return last!;
}

async function planOf(db: Engine, check: PlanCheck, query: string): Promise<CheckOutcome> {
  const analyze = check.maxBuffers !== undefined;
  let root: PlanNode;
  try {
    const r = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`explain (format json, costs${analyze ? ', analyze, buffers' : ''}) ${query}`);
    root = r.rows[0]['QUERY PLAN'][0].Plan;
  } catch (e) {
    return { kind: 'plan', passed: false, message: `EXPLAIN of the checked query failed: ${(e as Error).message}`, details: { error: (e as Error).message, sql: query } };
  }
  const all = nodes(root).map((x) => x.node);
  const details: CheckOutcome['details'] = { plan: planOutline(root), cost: root['Total Cost'], sql: query };
  const scans = all.filter((n) => n['Relation Name']).map((n) => `${labelOf(n)} on ${n['Relation Name']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`);
  const shown = scans.length ? `it reads with ${[...new Set(scans)].join(', ')}` : `its nodes are ${[...new Set(all.map(labelOf))].join(', ')}`;
  const q = query.length > 90 ? query.slice(0, 87).replace(/\s+/g, ' ') + '…' : query.replace(/\s+/g, ' ');
  const problems: string[] = [];
  const good: string[] = [];
  if (check.uses) {
    const types = wanted(check);
    const hit = all.find((n) => isType(n, types) && onRelation(n, check.relation) && usesIndex(n, check.index));
    if (hit) good.push(`uses ${describe([labelOf(hit)], check)}`);
    else problems.push(`has no ${describe(types, check)}: ${shown}`);
    // The index must serve the query, not a side part of it: with the one table named, a Seq
    // Scan of it anywhere in the plan (the result read from the whole table, an EXISTS beside
    // it read through the index) fails, unless the check asks for one.
    const seq = hit && check.relation && !types.some((t) => t.toLowerCase() === 'seq scan')
      ? all.find((n) => labelOf(n) === 'Seq Scan' && onRelation(n, check.relation)) : undefined;
    if (seq) problems.push(`also reads all of ${seq['Relation Name']} with a Seq Scan: the index serves only a part of the query, not the rows it returns`);
  }
  if (check.avoids) {
    const hit = all.find((n) => isType(n, check.avoids!) && onRelation(n, check.relation));
    if (hit) problems.push(`still has ${labelOf(hit)}${hit['Relation Name'] ? ` on ${hit['Relation Name']}` : ''}, which it should avoid`);
    else good.push(`has no ${describe(check.avoids, check)}`);
  }
  if (check.noFilter) {
    const hit = all.find((n) => n['Relation Name'] && onRelation(n, check.relation) && typeof n.Filter === 'string');
    if (hit) problems.push(`still checks \`${hit.Filter}\` row by row on ${hit['Relation Name']} after the ${labelOf(hit)}: the index does not answer that condition`);
    else good.push(`answers every condition${check.relation ? ` on ${check.relation}` : ''} in the index (no Filter)`);
  }
  if (check.maxCost !== undefined) {
    const cost = root['Total Cost'] ?? Infinity;
    if (cost > check.maxCost) problems.push(`has an estimated cost of ${cost}, above the target of ${check.maxCost}`);
    else good.push(`has an estimated cost of ${cost} (target ≤ ${check.maxCost})`);
  }
  if (check.maxBuffers !== undefined) {
    const buffers = (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0);
    details.buffers = buffers;
    if (buffers > check.maxBuffers) problems.push(`touches ${buffers} buffers (8 kB pages) when it runs, above the target of ${check.maxBuffers}`);
    else good.push(`touches ${buffers} buffers (target ≤ ${check.maxBuffers})`);
  }
  if (problems.length) {
    return { kind: 'plan', passed: false, message: `The plan of \`${q}\` ${problems.join('; it ')}.`, details };
  }
  return { kind: 'plan', passed: true, message: `The plan ${good.join(' and ')}.`, details };
}

// ------------------------------------------------------------------ catalog

/** Runs fn inside a transaction that is rolled back (or a savepoint, inside one). */
async function scratch<T>(db: Engine, fn: () => Promise<T>): Promise<T> {
  const begin = await db.run('begin');
  const nested = begin.ok && begin.notices.some((n) => /already a transaction/.test(n.message));
  if (nested) await db.run('savepoint pglab_scratch');
  try {
    return await fn();
  } finally {
    await db.run(nested ? 'rollback to savepoint pglab_scratch' : 'rollback');
  }
}

const quoteIdent = (s: string) => (/^[a-z_][a-z0-9_]*$/.test(s) ? s : '"' + s.replace(/"/g, '""') + '"');

async function tableOid(db: Engine, table: string): Promise<number | null> {
  const r = await db.query<{ oid: number | null }>('select pg_catalog.to_regclass($1)::oid::int as oid', [table]);
  return r.rows[0]?.oid ?? null;
}

interface IndexRow {
  name: string;
  method: string;
  unique: boolean;
  keys: string[];
  include: string[];
  predicate: string | null;
  def: string;
}

// A key column with everything that changes what the index serves, in fields split by \x1f:
// the expression, its operator class, its collation (when not the column's own), asc/desc and
// nulls first/last.
const INDEX_SQL = `
  select c.relname as name, am.amname as method, i.indisunique as unique,
         array(select pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                      || E'\\x1f' || opc.opcname
                      || E'\\x1f' || case when i.indcollation[k - 1] not in (0, coalesce(a.attcollation, 100))
                              then (select collname from pg_catalog.pg_collation where oid = i.indcollation[k - 1]) else '' end
                      || E'\\x1f' || case when am.amname = 'btree' and (i.indoption[k - 1] & 1) = 1 then 'desc' else 'asc' end
                      || E'\\x1f' || case when am.amname <> 'btree' then '' when (i.indoption[k - 1] & 2) = 2 then 'nulls first' else 'nulls last' end
  from generate_series(1, i.indnkeyatts) k
               join pg_catalog.pg_opclass opc on opc.oid = i.indclass[k - 1]
               left join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[k - 1] and i.indkey[k - 1] <> 0
               order by k) as keys,
         array(select pg_catalog.pg_get_indexdef(i.indexrelid, k, true) from generate_series(i.indnkeyatts + 1, i.indnatts) k) as include,
         pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) as predicate,
         pg_catalog.pg_get_indexdef(i.indexrelid) as def
  from pg_catalog.pg_index i
  join pg_catalog.pg_class c on c.oid = i.indexrelid
  join pg_catalog.pg_am am on am.oid = c.relam
  where i.indrelid = $1 and i.indisvalid
  order by c.relname`;

/** Whether each declared index column states its order (ASC/DESC, NULLS FIRST/LAST), read from the parse tree. */
function statedKeyParts(columns: string[]): { direction: boolean }[] {
  try {
    const tree = parseSync(`create index on t (${columns.join(', ')})`) as unknown as { stmts: { stmt: { IndexStmt: { indexParams: { IndexElem: Record<string, unknown> }[] } } }[] };
    return tree.stmts[0].stmt.IndexStmt.indexParams.map(({ IndexElem: e }) => ({
      direction: (e.ordering !== undefined && e.ordering !== 'SORTBY_DEFAULT') || (e.nulls_ordering !== undefined && e.nulls_ordering !== 'SORTBY_NULLS_DEFAULT'),
    }));
  } catch {
    return columns.map(() => ({ direction: true }));
  }
}

async function checkCatalog(db: Engine, check: CatalogCheck): Promise<CheckOutcome> {
  if (check.index) return checkIndex(db, check.index);
  if (check.indexAnyOf) return checkIndexAnyOf(db, check.indexAnyOf);
  if (check.constraint) return checkConstraint(db, check.constraint);
  return checkColumn(db, check.column!);
}

function describeIndex(a: IndexAssertion): string {
  let s = `${a.unique ? 'unique ' : ''}${a.method ?? ''}${a.method ? ' ' : ''}index`;
  if (a.name) s += ` named ${a.name}`;
  s += ` on ${a.table}`;
  if (a.columns) s += ` (${a.columns.join(', ')})`;
  if (a.include) s += ` INCLUDE (${a.include.join(', ')})`;
  if (a.predicate && a.predicate !== 'none' && a.predicate !== 'any') s += ` WHERE ${a.predicate}`;
  if (a.predicate === 'none') s += ' (not partial)';
  return s;
}

async function checkIndex(db: Engine, a: IndexAssertion): Promise<CheckOutcome> {
  return (await indexVerdict(db, a)).outcome;
}

/**
 * The index check with the two remarks a failure ends with: `near` (an index on the right
 * columns, and what differs) and `existing` (the table's indexes), for a list of accepted forms.
 */
async function indexVerdict(db: Engine, a: IndexAssertion): Promise<{ outcome: CheckOutcome; near?: string; existing?: string }> {
  const only = (outcome: CheckOutcome) => ({ outcome });
  // No predicate asked: the index must not be partial (a WHERE on the one literal a plan check
  // tries would pass it otherwise). `any` opts out.
  const predicate = a.predicate ?? 'none';
  const oid = await tableOid(db, a.table);
  if (oid === null) return only({ kind: 'catalog', passed: false, message: `The table ${a.table} does not exist.`, details: {} });
  // PostgreSQL's own spelling of the declared columns and predicate: build the same index on an
  // empty temporary copy of the table and read it back (then roll it all back). A column the
  // assertion names may be one the learner's SQL was to add and did not (a search column left
  // out for an expression index): then no index of the table can be the one asked for.
  const canon = await scratch(db, async () => {
    await db.query(`create temp table pglab_shape (like ${a.table})`);
    const out: { keys?: string[]; include?: string[]; predicate?: string; unbuildable?: { message: string; code?: string } } = {};
    if (a.columns || a.include) {
      const cols = a.columns ?? [(await db.query<{ n: string }>(`select attname as n from pg_catalog.pg_attribute where attrelid = 'pglab_shape'::regclass and attnum = 1`)).rows[0].n];
      // The learner's database may lack what the asked index is built of (an operator class
      // from an extension not created, such as btree_gin's): then no such index can be there.
      const probe = await db.run(`create index pglab_probe on pglab_shape using ${a.method ?? 'btree'} (${cols.join(', ')})${a.include ? ` include (${a.include.join(', ')})` : ''}`);
      if (!probe.ok) {
        out.unbuildable = { message: probe.error?.message ?? 'the index cannot be built', code: probe.error?.code };
        return out;
      }
      const r = await db.query<IndexRow>(INDEX_SQL, [await tableOid(db, 'pglab_shape')]);
      if (a.columns) out.keys = r.rows[0].keys;
      if (a.include) out.include = r.rows[0].include;
      await db.query('drop index pglab_probe');
    }
    if (predicate !== 'none' && predicate !== 'any') {
      const first = (await db.query<{ n: string }>(`select attname as n from pg_catalog.pg_attribute where attrelid = 'pglab_shape'::regclass and attnum = 1`)).rows[0].n;
      await db.query(`create index pglab_probe on pglab_shape (${quoteIdent(first)}) where ${a.predicate}`);
      out.predicate = (await db.query<IndexRow>(INDEX_SQL, [await tableOid(db, 'pglab_shape')])).rows[0].predicate ?? undefined;
    }
    return out;
  }).catch((e: { code?: string; message?: string }) => {
    if (e?.code === '42703') return { missing: e.message ?? 'a column is missing' };
    throw e;
  });
  if ('missing' in canon) {
    const all = (await db.query<IndexRow>(INDEX_SQL, [oid])).rows;
    const existing = all.length ? ` Indexes on ${a.table}: ${all.map((ix) => ix.def.replace(/^CREATE (UNIQUE )?INDEX /, '').replace(/ ON \S+ USING /, ' ')).join('; ')}.` : ` ${a.table} has no index.`;
    const want = describeIndex(a);
    const near = ` ${canon.missing.charAt(0).toUpperCase()}${canon.missing.slice(1)}.`;
    return a.exists === false
      ? only({ kind: 'catalog', passed: true, message: `No ${want}, as asked.`, details: { found: all.map((ix) => ix.def) } })
      : { outcome: { kind: 'catalog', passed: false, message: `No ${want}.${near}${existing}`, details: { found: all.map((ix) => ix.def) } }, near, existing };
  }
  const all = (await db.query<IndexRow>(INDEX_SQL, [oid])).rows;
  if (canon.unbuildable) {
    const want = describeIndex(a);
    const details = { found: all.map((ix) => ix.def), error: canon.unbuildable.message, sqlstate: canon.unbuildable.code };
    if (a.exists === false) return only({ kind: 'catalog', passed: true, message: `No ${want}, as asked.`, details });
    // 42704 undefined_object: a missing operator class or type, usually an extension's.
    const extension = canon.unbuildable.code === '42704' ? ' (is an extension it needs created?)' : '';
    const existing = all.length ? ` Indexes on ${a.table}: ${all.map((ix) => ix.def.replace(/^CREATE (UNIQUE )?INDEX /, '').replace(/ ON \S+ USING /, ' ')).join('; ')}.` : ` ${a.table} has no index.`;
    const near = ` This database cannot build such an index${extension}: ${canon.unbuildable.message}.`;
    return { outcome: { kind: 'catalog', passed: false, message: `No ${want}.${near}${existing}`, details }, near, existing };
  }
  // Keys compared exactly (DESC, operator class and collation included: PostgreSQL spelled both);
  // predicates by meaning (`'pending' = status` is `status = 'pending'`, `'Pending'` is not).
  // Each key's expression, operator class and collation always (another one serves other
  // operators); its direction and nulls order when the assertion states them (`created_at` is
  // served as well by `created_at desc`, scanned backwards: a plan check judges the order).
  const stated = a.columns ? statedKeyParts(a.columns) : [];
  const sameKeys = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => {
    const [xe, xo, xc, xd, xn] = v.split('\x1f');
    const [ye, yo, yc, yd, yn] = y[i].split('\x1f');
    const st = stated[i] ?? { direction: true };
    return xe === ye && xo === yo && xc === yc && (!st.direction || (xd === yd && xn === yn));
  });
  // INCLUDE: the columns asked for must be there; more do no harm.
  const includes = (x: string[], want: string[]) => want.every((c) => x.includes(c));
  const integers = canon.predicate === undefined ? new Set<string>() : await integerColumns(db, oid);
  const wantPred = canon.predicate === undefined ? undefined : await canonicalExpression(canon.predicate, integers);
  const preds = await Promise.all(all.map((ix) => (ix.predicate === null ? undefined : canonicalExpression(ix.predicate, integers))));
  const predicateOk = (i: number) =>
    predicate === 'any' || (predicate === 'none' ? all[i].predicate === null : all[i].predicate !== null && preds[i] !== undefined && preds[i] === wantPred);
  const matches = all.filter((ix, i) =>
    (!a.method || ix.method === a.method) &&
    (!canon.keys || sameKeys(ix.keys, canon.keys)) &&
    (!canon.include || includes(ix.include, canon.include)) &&
    predicateOk(i) &&
    (a.unique === undefined || ix.unique === a.unique) &&
    (!a.name || ix.name === a.name));
  const details = { found: all.map((ix) => ix.def) };
  const want = describeIndex(a);
  const existing = all.length ? ` Indexes on ${a.table}: ${all.map((ix) => ix.def.replace(/^CREATE (UNIQUE )?INDEX /, '').replace(/ ON \S+ USING /, ' ')).join('; ')}.` : ` ${a.table} has no index.`;
  if (a.exists === false) {
    return only(matches.length
      ? { kind: 'catalog', passed: false, message: `There should be no ${want}, but ${matches.map((m) => m.name).join(', ')} ${matches.length === 1 ? 'is' : 'are'} still there.`, details }
      : { kind: 'catalog', passed: true, message: `No ${want}, as asked.`, details });
  }
  if (a.count !== undefined && matches.length !== a.count) {
    return only({ kind: 'catalog', passed: false, message: `Expected exactly ${a.count} ${want}, found ${matches.length}${matches.length ? ` (${matches.map((m) => m.name).join(', ')})` : ''}.`, details });
  }
  if (!matches.length) {
    // Say what is closest: right columns, wrong method or predicate.
    // The closest one: right columns, and partial when a predicate is asked (else not partial).
    const near = canon.keys ? all.filter((ix) => sameKeys(ix.keys, canon.keys!))
      .sort((x, y) => Number((y.predicate !== null) === (predicate !== 'none')) - Number((x.predicate !== null) === (predicate !== 'none'))) : [];
    let why = '';
    if (near.length) {
      const n = near[0];
      const diffs = [];
      if (a.method && n.method !== a.method) diffs.push(`it is ${n.method}, not ${a.method}`);
      if (predicate === 'none' && n.predicate) diffs.push(`it is partial (WHERE ${n.predicate}), so it serves only the rows of that condition`);
      else if (predicate !== 'none' && predicate !== 'any' && !predicateOk(all.indexOf(n))) diffs.push(n.predicate ? `its predicate is ${n.predicate}` : 'it is not partial');
      if (a.unique !== undefined && n.unique !== a.unique) diffs.push(n.unique ? 'it is unique' : 'it is not unique');
      if (canon.include && !includes(n.include, canon.include)) diffs.push(n.include.length ? `it includes (${n.include.join(', ')})` : 'it has no INCLUDE columns');
      if (diffs.length) why = ` ${n.name} is on the right columns, but ${diffs.join(', ')}.`;
    }
    return { outcome: { kind: 'catalog', passed: false, message: `No ${want}.${why || existing}`, details }, near: why || undefined, existing };
  }
  return only({ kind: 'catalog', passed: true, message: `Found ${matches.map((m) => m.name).join(', ')}: ${want}.`, details });
}

/** Passes with the first accepted form found; a failure names every accepted form once, then what the table has. */
async function checkIndexAnyOf(db: Engine, forms: IndexAssertion[]): Promise<CheckOutcome> {
  const verdicts = [];
  for (const form of forms) {
    const v = await indexVerdict(db, form);
    if (v.outcome.passed) return v.outcome;
    verdicts.push(v);
  }
  // The first form's table problem (no such table) is every form's.
  if (verdicts[0].existing === undefined) return verdicts[0].outcome;
  // A "right columns, but …" remark of one form says more than the list of the table's indexes.
  const remark = verdicts.find((v) => v.near)?.near ?? verdicts[0].existing;
  return { kind: 'catalog', passed: false, message: `No ${forms.map(describeIndex).join(', nor ')}.${remark}`, details: verdicts[0].outcome.details };
}

const CONTYPE: Record<ConstraintAssertion['type'], string[]> = {
  check: ['c'], unique: ['u'], 'primary key': ['p'], 'foreign key': ['f'], exclusion: ['x'], 'not null': ['n'],
  // A key: the primary key, or a unique constraint whose columns are all NOT NULL (a surrogate
  // primary key beside it is as good a design; a nullable "key" lets rows without a value in).
  key: ['p', 'u'],
};

/** A constraint as the checks read it: a table's own, or (for `check`) one of a column's domain. */
interface ConstraintRow {
  name: string;
  def: string;
  cols: string[];
  /** The key columns that may be null (a "key" on them lets rows without a value in). */
  nullable: string[];
  /** pg_constraint.convalidated: false for a constraint added NOT VALID and never validated. */
  validated: boolean;
  /** pg_constraint.conenforced: false for a CHECK or foreign key declared NOT ENFORCED (PostgreSQL 18), which checks nothing. */
  enforced: boolean;
  /** A CHECK's expression as PostgreSQL deparses it (null for other kinds). */
  expr: string | null;
  /** An exclusion constraint with a WHERE: it checks only the rows of that condition. */
  partial?: boolean;
  domain?: string;
}

/** `VALUE` in a domain's CHECK spelled as the column it types (outside string literals). */
const valueAsColumn = (text: string, col: string) =>
  text.split(/('(?:[^']|'')*')/).map((part, i) => (i % 2 ? part : part.replace(/\bVALUE\b/g, quoteIdent(col)))).join('');

/**
 * The CHECK constraints of the domains that type the table's columns (and of the domains under
 * them): a rule a column's type enforces on every write, as a table CHECK does. Their VALUE is
 * spelled as the column, so `contains: "quantity >= 1"` reads both alike.
 */
async function domainChecks(db: Engine, oid: number): Promise<ConstraintRow[]> {
  const { rows } = await db.query<{ name: string; def: string; expr: string; col: string; domain: string; validated: boolean; enforced: boolean }>(
    `with recursive typed(col, typ) as (
       select a.attname::text, a.atttypid from pg_catalog.pg_attribute a where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
       union all
       select typed.col, t.typbasetype from typed join pg_catalog.pg_type t on t.oid = typed.typ where t.typtype = 'd')
     select con.conname as name, pg_catalog.pg_get_constraintdef(con.oid, true) as def, pg_catalog.pg_get_expr(con.conbin, 0, true) as expr,
            typed.col, pg_catalog.format_type(con.contypid, null) as domain, con.convalidated as validated, true as enforced
     from typed join pg_catalog.pg_constraint con on con.contypid = typed.typ and con.contype = 'c' order by 1`, [oid]);
  return rows.map((r) => ({
    name: r.name, def: valueAsColumn(r.def, r.col), expr: valueAsColumn(r.expr, r.col), cols: [r.col], nullable: [], validated: r.validated, enforced: r.enforced, domain: r.domain,
  }));
}

/**
 * The terms of a CHECK rule the assertion's `contains` asks for, as PostgreSQL spells them on
 * this table (a CHECK with it is added to an empty copy of the table and read back, so casts,
 * `IN (…)` and `BETWEEN` come out as in the learner's constraint), split at its top-level ANDs.
 * Undefined when `contains` is no expression on the table (a fragment such as `NOT VALID`).
 */
async function wantedTerms(db: Engine, table: string, contains: string, integers: ReadonlySet<string>): Promise<string[] | undefined> {
  const expr = await scratch(db, async () => {
    await db.query(`create temp table pglab_shape (like ${table})`);
    await db.query(`alter table pglab_shape add constraint pglab_probe check (${contains}) not valid`);
    return (await db.query<{ e: string }>(
      `select pg_catalog.pg_get_expr(conbin, conrelid, true) as e from pg_catalog.pg_constraint where conrelid = 'pglab_shape'::regclass and conname = 'pglab_probe'`)).rows[0]?.e;
  }).catch(() => undefined);
  return expr === undefined ? undefined : conjuncts(expr, integers);
}

/** A table's integer columns (domains over integers too): on them `qty > 0` and `qty >= 1` are one rule. */
async function integerColumns(db: Engine, oid: number): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>(
    `select a.attname as name from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.oid = a.atttypid
     where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
       and (case when t.typtype = 'd' then t.typbasetype else t.oid end) in ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype)`,
    [oid]);
  return new Set(rows.map((r) => r.name));
}

/** The statement that replaces a table's constraint by another definition, under the same name. */
const redeclare = (table: string, name: string, def: string) =>
  `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(name)}, ADD CONSTRAINT ${quoteIdent(name)} ${def};`;

async function checkConstraint(db: Engine, a: ConstraintAssertion): Promise<CheckOutcome> {
  const oid = await tableOid(db, a.table);
  if (oid === null) return { kind: 'catalog', passed: false, message: `The table ${a.table} does not exist.`, details: {} };
  const { rows } = await db.query<ConstraintRow>(
    `select con.conname as name, pg_catalog.pg_get_constraintdef(con.oid, true) as def, con.convalidated as validated, con.conenforced as enforced,
            case when con.contype = 'c' then pg_catalog.pg_get_expr(con.conbin, con.conrelid, true) end as expr,
            con.contype = 'x' and exists (select from pg_catalog.pg_index i where i.indexrelid = con.conindid and i.indpred is not null) as partial,
            array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
                  join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.o) as cols,
            array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
                  join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n
                  where not a.attnotnull order by k.o) as nullable
     from pg_catalog.pg_constraint con where con.conrelid = $1 and con.contype = any($2) order by 1`,
    [oid, CONTYPE[a.type]],
  );
  const domains = a.type === 'check' ? await domainChecks(db, oid) : [];
  // `contains` by meaning: a CHECK holds the wanted rule when each of the rule's AND-ed terms is
  // one of its own (parse trees compared, operands in a fixed order); anything else (a foreign
  // key's `references orders(id)`) when its tokens come in a row in the definition. Never a
  // substring: `quantity >= 1` is not in `quantity >= 10`, `status = 'a'` not in `status = 'ab'`.
  const integers = a.contains && a.type === 'check' ? await integerColumns(db, oid) : new Set<string>();
  const terms = a.contains && a.type === 'check' ? await wantedTerms(db, a.table, a.contains, integers) : undefined;
  const holds = new Map<ConstraintRow, boolean>();
  for (const r of [...rows, ...domains]) {
    if (!a.contains) holds.set(r, true);
    else if (terms && r.expr !== null) {
      // A domain's rule is spelled on VALUE, of the base type: spelled again on the table's
      // column, as the wanted rule is (a column of the domain's type may print a cast).
      const have = r.domain ? (await wantedTerms(db, a.table, r.expr, integers)) ?? (await conjuncts(r.expr, integers)) : await conjuncts(r.expr, integers);
      holds.set(r, !!have && terms.every((t) => have.includes(t)));
    } else holds.set(r, await containsTokens(r.def, a.contains));
  }
  // Validated unless the assertion says otherwise: a constraint added NOT VALID never proved the
  // rows already there, so the rule does not hold "for every row". `exists: false` counts any.
  const validity = a.validated ?? true;
  const validOk = (r: ConstraintRow) => a.exists === false || validity === 'any' || r.validated === validity;
  // NOT ENFORCED (PostgreSQL 18) is a constraint in name only: no write is ever checked.
  const enforcedOk = (r: ConstraintRow) => a.exists === false || r.enforced;
  // A partial exclusion constraint leaves the rows outside its WHERE unchecked: it is the one
  // asked for only when `contains` states a WHERE (as a partial index needs its predicate).
  const wantsWhere = !!a.contains && !!(await definitionTokens(a.contains))?.includes('where');
  const shapeFits = (r: ConstraintRow, name = r.name) =>
    (!a.columns || (r.cols.length === a.columns.length && a.columns.every((c) => r.cols.includes(c)))) &&
    (!a.name || name === a.name) && holds.get(r)! && (!r.partial || wantsWhere || a.exists === false);
  const fits = (r: ConstraintRow, name = r.name) => shapeFits(r, name) && validOk(r) && enforcedOk(r);
  const shaped = rows.filter((r) => fits(r));
  // A rule on a column's values may live in the column's domain. Not when the task names the
  // constraint (it asks for that table constraint), nor for `exists: false` (a domain is not a
  // helper constraint left on the table).
  const byDomain = a.name || a.exists === false ? [] : domains.filter((r) => fits(r));
  const matches = a.type === 'key' ? shaped.filter((r) => !r.nullable.length) : [...shaped, ...byDomain];
  const what = a.type === 'key' ? 'key (a primary key, or a unique constraint on NOT NULL columns)' : `${a.type} constraint`;
  const state = validity === false ? 'NOT VALID ' : '';
  const want = `${state}${what}${a.name ? ` named ${a.name}` : ''} on ${a.table}${a.columns ? ` (${a.columns.join(', ')})` : ''}${a.contains ? ` with ${a.contains}` : ''}`;
  const details = { found: [...rows.map((r) => `${r.name}: ${r.def}`), ...domains.map((d) => `${d.name} (domain ${d.domain} of ${d.cols[0]}): ${d.def}`)] };
  if (a.exists === false) {
    return matches.length
      ? { kind: 'catalog', passed: false, message: `There should be no ${want}, but ${matches[0].name} is there.`, details }
      : { kind: 'catalog', passed: true, message: `No ${want}, as asked.`, details };
  }
  if (!matches.length) {
    const ok = (r: ConstraintRow) => a.type !== 'key' || !r.nullable.length;
    const idle = rows.find((r) => shapeFits(r) && !enforcedOk(r) && ok(r));
    if (idle) {
      return {
        kind: 'catalog', passed: false,
        message: `No ${want} that is enforced: ${idle.name} (${idle.def}) is declared NOT ENFORCED, so PostgreSQL checks no row against it. Declare it again without that: ${redeclare(a.table, idle.name, idle.def.replace(/\s+NOT ENFORCED\b/, '').replace(/\s+NOT VALID$/, ''))}`,
        details,
      };
    }
    // The right constraint, in the wrong state: added NOT VALID and never validated (or the other way round).
    const unproven = [...rows, ...(a.name ? [] : domains)].find((r) => shapeFits(r) && !validOk(r) && ok(r));
    if (unproven) {
      const on = unproven.domain ? `DOMAIN ${unproven.domain}` : `TABLE ${a.table}`;
      return {
        kind: 'catalog', passed: false,
        message: validity === true
          ? `No ${want} that holds for every row: ${unproven.name} (${unproven.def}) was added NOT VALID and never validated, so the rows already there were never checked against it. Prove them: ALTER ${on} VALIDATE CONSTRAINT ${quoteIdent(unproven.name)};`
          : `${unproven.name} (${unproven.def}) is validated, and the task asks for it NOT VALID: added that way, it checks new rows only and leaves the existing ones unread.`,
        details,
      };
    }
    // A unique constraint of the right shape on a nullable column: say which column lets rows without a value in.
    const near = shaped.find((r) => r.nullable.length);
    if (near) return { kind: 'catalog', passed: false, message: `No ${want}: ${near.name} (${near.def}) is on ${near.nullable.join(', ')}, which may be null, and a key's columns never are.`, details };
    // The task names a table constraint: a domain's CHECK enforces a rule, but it is not that constraint.
    const inDomain = a.name ? domains.find((d) => fits(d, a.name)) : undefined;
    if (inDomain) {
      return {
        kind: 'catalog', passed: false,
        message: `No ${want}: the task asks for a CHECK constraint of the table ${a.table} named ${a.name}. The rule is enforced by the domain ${inDomain.domain} of ${inDomain.cols[0]} (${inDomain.name}: ${inDomain.def}), which is not a table constraint: add it to the table with ALTER TABLE ${a.table} ADD CONSTRAINT ${a.name} CHECK (…).`,
        details,
      };
    }
    const partial = rows.find((r) => r.partial && holds.get(r) && (!a.name || r.name === a.name));
    if (partial) {
      return {
        kind: 'catalog', passed: false,
        message: `No ${want}: ${partial.name} (${partial.def}) is partial, so the rows outside its WHERE are never checked against each other. Declare it again without the WHERE: ${redeclare(a.table, partial.name, partial.def.replace(/\s+WHERE\s+\(.*\)$/s, ''))}`,
        details,
      };
    }
    const kinds = a.type === 'key' ? 'primary key and unique' : a.type;
    const list = rows.length ? ` The ${kinds} constraints on ${a.table}: ${rows.map((r) => `${r.name} ${r.def}`).join('; ')}.` : '';
    return { kind: 'catalog', passed: false, message: `No ${want}.${list}`, details };
  }
  const m = matches[0];
  const by = m.domain ? ` (the domain ${m.domain} of ${m.cols[0]})` : '';
  return { kind: 'catalog', passed: true, message: `Found ${m.name}${by}: ${m.def}.`, details };
}

/**
 * A type as format_type prints it, with the spellings that store the same values made one: a
 * precision of 6 on timestamp, time and interval is the microseconds they keep without one.
 */
export function canonicalType(t: string): string {
  return t.replace(/^(timestamp|time)\(6\)( with(?:out)? time zone)$/, '$1$2').replace(/^interval\(6\)$/, 'interval');
}

interface DefaultRow { expr: string | null; tree: string | null }

/** The column's DEFAULT as PostgreSQL deparses it, and its stored tree (to find the functions it calls). */
async function defaultOf(db: Engine, oid: number, column: string): Promise<DefaultRow> {
  const r = await db.query<DefaultRow>(
    `select pg_catalog.pg_get_expr(d.adbin, d.adrelid) as expr, d.adbin::text as tree
     from pg_catalog.pg_attribute a join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = $1 and a.attname = $2 and a.attgenerated = ''`, [oid, column]);
  return r.rows[0] ?? { expr: null, tree: null };
}

/** Whether an expression's stored tree calls a volatile function (its value differs per call: clock_timestamp, random, nextval). */
async function callsVolatile(db: Engine, tree: string): Promise<boolean> {
  const oids = [...tree.matchAll(/:(?:op)?funcid (\d+)/g)].map((m) => m[1]);
  if (!oids.length) return false;
  const r = await db.query<{ v: boolean }>(`select coalesce(bool_or(provolatile = 'v'), false) as v from pg_catalog.pg_proc where oid = any($1::oid[])`, [oids]);
  return r.rows[0].v;
}

/**
 * Whether the column's default means `want`. The same deparsed text is the same default. Else both
 * are evaluated, cast to the column's type, in one transaction, twice, statements apart: equal
 * each time means the same value (`now()`, `current_timestamp` and `transaction_timestamp()` are
 * the transaction's start; `statement_timestamp()` moves on with each statement, so it differs).
 * A volatile default is compared by its text alone: two calls of it differ anyway, and
 * evaluating nextval() would use up a sequence value.
 */
async function sameDefault(db: Engine, have: DefaultRow, want: string, type: string): Promise<{ same: boolean; wantText: string; why?: string }> {
  const wanted = await scratch(db, async () => {
    await db.query(`create temp table pglab_default (c ${type} default ${want})`);
    return (await db.query<DefaultRow>(
      `select pg_catalog.pg_get_expr(adbin, adrelid) as expr, adbin::text as tree from pg_catalog.pg_attrdef where adrelid = 'pglab_default'::regclass`)).rows[0];
  }).catch(() => undefined);
  if (!wanted?.expr) return { same: false, wantText: want };
  if (have.expr === null || have.tree === null) return { same: false, wantText: wanted.expr };
  if (have.expr === wanted.expr) return { same: true, wantText: wanted.expr };
  if (await callsVolatile(db, have.tree)) return { same: false, wantText: wanted.expr, why: 'it is volatile: each row gets a value of its own call' };
  if (await callsVolatile(db, wanted.tree!)) return { same: false, wantText: wanted.expr };
  const same = await scratch(db, async () => {
    const probe = `select ((${have.expr})::${type} is not distinct from (${wanted.expr})::${type}) as same`;
    for (let i = 0; i < 2; i++) {
      await db.query('select pg_catalog.pg_sleep(0.002)');
      if (!(await db.query<{ same: boolean }>(probe)).rows[0].same) return false;
    }
    return true;
  }).catch(() => false);
  return { same, wantText: wanted.expr, why: same ? undefined : 'the two give different values in the same transaction' };
}

async function checkColumn(db: Engine, a: ColumnAssertion): Promise<CheckOutcome> {
  const oid = await tableOid(db, a.table);
  if (oid === null) return { kind: 'catalog', passed: false, message: `The table ${a.table} does not exist.`, details: {} };
  // A NOT NULL added NOT VALID (PostgreSQL 18) sets attnotnull but never read the rows already
  // there: its constraint's name is kept, to say so.
  const { rows } = await db.query<{ type: string; notnull: boolean; unproven: string | null }>(
    `select pg_catalog.format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
            (select con.conname from pg_catalog.pg_constraint con
             where con.conrelid = a.attrelid and con.contype = 'n' and con.conkey[1] = a.attnum and not con.convalidated limit 1) as unproven
     from pg_catalog.pg_attribute a where a.attrelid = $1 and a.attname = $2 and a.attnum > 0 and not a.attisdropped`,
    [oid, a.column],
  );
  const col = rows[0];
  if (a.exists === false) {
    return col
      ? { kind: 'catalog', passed: false, message: `${a.table}.${a.column} should not exist any more.`, details: {} }
      : { kind: 'catalog', passed: true, message: `${a.table}.${a.column} is gone, as asked.`, details: {} };
  }
  if (!col) return { kind: 'catalog', passed: false, message: `${a.table} has no column ${a.column}.`, details: {} };
  const problems: string[] = [];
  if (a.type) {
    // A type the learner never created (an enum the task asks for) cannot be the column's type.
    const want = await scratch(db, async () => {
      await db.query(`create temp table pglab_type (c ${a.type})`);
      return (await db.query<{ t: string }>(`select pg_catalog.format_type(atttypid, atttypmod) as t from pg_catalog.pg_attribute where attrelid = 'pglab_type'::regclass and attname = 'c'`)).rows[0].t;
    }).catch(() => null);
    if (want === null) problems.push(`its type is ${col.type}, not ${a.type} (there is no type ${a.type})`);
    else if (canonicalType(want) !== canonicalType(col.type)) problems.push(`its type is ${col.type}, not ${want}`);
  }
  if (a.notNull !== undefined && col.notnull !== a.notNull) problems.push(col.notnull ? 'it is NOT NULL' : 'it accepts NULL');
  else if (a.notNull === true && col.unproven) {
    problems.push(`its NOT NULL constraint ${col.unproven} was added NOT VALID and never validated, so the rows already there may hold NULL (ALTER TABLE ${a.table} VALIDATE CONSTRAINT ${quoteIdent(col.unproven)}; proves them)`);
  }
  const have = a.default !== undefined ? await defaultOf(db, oid, a.column) : undefined;
  if (have && a.default === 'none') {
    // No default asked: a new row gets NULL there unless its writer says otherwise.
    if (have.expr !== null) problems.push(`it has the default ${have.expr}, the task gives it none (ALTER TABLE ${a.table} ALTER COLUMN ${quoteIdent(a.column)} DROP DEFAULT;)`);
  } else if (have && a.default !== undefined) {
    const { same, wantText, why } = await sameDefault(db, have, a.default, col.type);
    if (!same) problems.push(have.expr === null ? `it has no default, the task asks for DEFAULT ${wantText}` : `its default is ${have.expr}, not ${wantText}${why ? ` (${why})` : ''}`);
  }
  const details = { found: [`${a.column} ${col.type}${col.notnull ? ' not null' : ''}${have?.expr ? ` default ${have.expr}` : ''}`] };
  if (problems.length) return { kind: 'catalog', passed: false, message: `${a.table}.${a.column}: ${problems.join(', ')}.`, details };
  return { kind: 'catalog', passed: true, message: `${a.table}.${a.column} is ${col.type}${col.notnull ? ' not null' : ''}${have?.expr ? ` default ${have.expr}` : ''}.`, details };
}

// ------------------------------------------------------------------ behavior

async function checkBehavior(db: Engine, check: BehaviorCheck): Promise<CheckOutcome> {
  // The accepted SQLSTATEs (none: it must succeed). A list: any of these refusals will do.
  const expected = check.expect === 'ok' ? [] : Array.isArray(check.expect) ? check.expect : [check.expect];
  const wantCodes = expected.map((e) => CONDITION_NAMES[e] ?? e);
  const label = !expected.length
    ? 'succeed'
    : `fail with ${expected.map((e, i) => `${e}${wantCodes[i] !== e ? ` (SQLSTATE ${wantCodes[i]})` : ''}`).join(' or ')}`;
  // What failed, not the whole DO block before it: the statement is named only when it is short
  // (it travels in the details for the page to show on request).
  const flat = check.sql.trim().replace(/\s+/g, ' ');
  const subject = check.description ?? (flat.length <= 100 ? `\`${flat}\`` : 'The check');
  const details: CheckOutcome['details'] = { sql: check.sql };
  const run = await runScript(db, check.sql);
  if (run.leftTransactionOpen) await db.run('rollback');
  if (!run.error) {
    return !wantCodes.length
      ? { kind: 'behavior', passed: true, message: `${subject}: succeeds, as it should.`, details }
      : { kind: 'behavior', passed: false, message: `${subject}: should ${label}, but it succeeded.`, details };
  }
  details.sqlstate = run.error.code;
  details.error = run.error.message;
  const nameOf = (code?: string) => Object.entries(CONDITION_NAMES).find(([, c]) => c === code)?.[0];
  const got = `${nameOf(run.error.code) ?? run.error.code ?? 'an error'}: ${run.error.message}`;
  if (run.error.code !== undefined && wantCodes.includes(run.error.code)) {
    return { kind: 'behavior', passed: true, message: `${subject}: rejected with ${got}, as it should be.`, details };
  }
  if (!wantCodes.length) return { kind: 'behavior', passed: false, message: `${subject}: ${run.error.message}`, details };
  return { kind: 'behavior', passed: false, message: `${subject}: should ${label}, but it failed with ${got}.`, details };
}
