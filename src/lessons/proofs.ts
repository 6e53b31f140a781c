// What the lesson verification proves about an exercise (docs/lesson-format.md, "What the
// verification proves"), shared by scripts/verify-lessons.ts, `pglab lessons verify` and the
// browser's check of a lesson pack. The core proofs need only a way to check SQL (the lesson
// worker's checker in the page, a ChapterSandbox in Node); the proofs that read the reference's
// own result and changes need the CheckContext itself.
import { checkExercise, referenceChanges, referenceResult, referenceResults, type CheckContext } from './checker.ts';
import { parseScript, walk } from './sql-shape.ts';
import type { Chapter, CheckKind, CheckReport, Exercise, ResultSet } from './format.ts';

/** Checks SQL against an exercise with the real checker, wherever it runs. */
export type CheckSql = (ex: Exercise, sql: string) => Promise<CheckReport>;

export interface Proof {
  ok: boolean;
  exercise: Exercise;
  /** One line: what was proved, or what failed and why. */
  text: string;
}

const ms = (n: number) => `${Math.round(n)} ms`;
export const failedKinds = (r: CheckReport) => new Set<CheckKind>(r.checks.filter((c) => !c.passed).map((c) => c.kind));

const lit = (v: string | null, type?: string) =>
  v === null ? `null${type ? `::${type}` : ''}` : `'${String(v).replace(/'/g, "''")}'${type ? `::${type}` : ''}`;
const ident = (s: string) => '"' + s.replace(/"/g, '""') + '"';

/** An answer that returns the reference's rows on the main copy, typed in as constants. */
export function hardCodedAnswer(result: ResultSet): string | undefined {
  if (!result.rows.length) return undefined;
  const rows = result.rows.map((r) => '(' + r.map((v, j) => lit(v, result.types?.[j])).join(', ') + ')');
  return `select * from (values ${rows.join(',\n  ')}) as v(${result.columns.map(ident).join(', ')});`;
}

/** Statements that change nothing, around an answer: they must not change its verdict. */
export function withNoOps(chapter: Chapter, sql: string): string {
  const table = /create table (?:if not exists )?([a-z_][a-z0-9_]*)/i.exec(chapter.dataset)?.[1] ?? 'pg_class';
  return `select 1 where false;\n${sql.trim().replace(/;?\s*$/, ';')}\ndelete from ${table} where false;\n`;
}

export const verdict = (r: CheckReport) => (r.error ? 'error' : [...failedKinds(r)].filter((k) => k !== 'sql').sort().join(',') || 'pass');

/** The tables a script writes to, by its parse tree. */
async function writtenTables(sql: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const s of (await parseScript(sql)) ?? []) {
    walk({ [s.type]: s.body }, (t, b) => {
      if (['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'].includes(t)) {
        const rel = (b.relation as { relname?: string } | undefined)?.relname;
        if (rel) out.add(rel);
      }
      if (t === 'TruncateStmt') for (const r of (b.relations as { RangeVar: { relname: string } }[]) ?? []) out.add(r.RangeVar.relname);
    });
  }
  return out;
}

/**
 * What the reference solution breaks outside its task: a table, column or constraint lost, an
 * index dropped that no catalog check asks to drop, rows changed in a table it does not write.
 */
async function referenceDamage(ctx: CheckContext, ex: Exercise): Promise<string[]> {
  const written = await writtenTables(ex.solution);
  const dropsAsked = new Set(ex.checks.flatMap((c) => (c.kind === 'catalog' && c.index && (c.index.exists === false || c.index.count !== undefined) ? [c.index.table] : [])));
  // A constraint a catalog check is about may be redefined (an ON DELETE action changed).
  const constraintsAsked = new Set(ex.checks.flatMap((c) => (c.kind === 'catalog' && c.constraint ? [c.constraint.table] : [])));
  // A column the task asks to be gone (a catalog column check with exists: false: a rename, a
  // downgrade) may go on that table, with its constraints; a column a catalog column check names
  // may change (its type, SET NOT NULL).
  const columnsGone = new Set(ex.checks.flatMap((c) => (c.kind === 'catalog' && c.column && c.column.exists === false ? [c.column.table] : [])));
  const columnsAsked = new Set(ex.checks.flatMap((c) => (c.kind === 'catalog' && c.column && c.column.exists !== false ? [c.column.table] : [])));
  return (await referenceChanges(ctx, ex)).filter((c) => {
    const [kind, table] = c.key.split(':');
    if (kind === 'column') return !(columnsGone.has(table) || (/was .*, it is now/.test(c.message) && columnsAsked.has(table)));
    if (kind === 'index') return !dropsAsked.has(table);
    if (kind === 'constraint') return !(constraintsAsked.has(table) || columnsGone.has(table));
    if (kind === 'rows' || kind === 'data') return !written.has(table);
    // A reference that changes an enum's values (adds one: enum-add) does what its task asks (08-enum-add-value).
    if (kind === 'enum' || kind === 'enum-add') return false;
    // A rewrite the counters do not see (ADD COLUMN … STORED, ALTER … TYPE): a learner's is
    // compared by its values; the reference's is the rewrite its task asks for.
    if (kind === 'rewrite') return false;
    return true;
  }).map((c) => c.message);
}

/**
 * Proves one exercise; every proof is reported as it is decided. With `ctx` (Node: the sandbox)
 * the reference's intactness and the hard-coded-rows proof run too. Throws only when the checker
 * itself fails (the caller reports that as a problem of the exercise).
 */
export async function proveExercise(chapter: Chapter, ex: Exercise, check: CheckSql, report: (p: Proof) => void, ctx?: CheckContext): Promise<void> {
  const label = ex.id;
  const proof = (ok: boolean, text: string) => report({ ok, exercise: ex, text });
  const r = await check(ex, ex.solution);
  if (r.passed) proof(true, `${label}: solution passes (${r.checks.length} checks, ${r.timing.mode}, ${ms(r.timing.totalMs)})`);
  else {
    const why = r.error ? `error: ${r.error.message}` : r.checks.filter((c) => !c.passed).map((c) => `${c.kind}: ${c.message}`).join(' | ');
    proof(false, `${label}: the reference solution fails: ${why}`);
  }
  const named = (what: string, ok: boolean, detail: string) => proof(ok, ok ? `${label}: ${what}` : `${label}: ${what}: ${detail}`);
  if (ctx) {
    const damage = await referenceDamage(ctx, ex);
    named('the reference leaves the rest of the database intact', !damage.length, damage.join('; '));
  }
  const withExtra = await check(ex, withNoOps(chapter, ex.solution));
  named('extra no-op statements do not change the reference\'s verdict', verdict(withExtra) === verdict(r), `with them: ${verdict(withExtra)}${withExtra.error ? ` (${withExtra.error.message})` : ''}`);
  if (ctx && ex.checks.some((c) => c.kind === 'result')) {
    // With every: true each result set counts: the copy types in all of them.
    const every = ex.checks.some((c) => c.kind === 'result' && c.every);
    const sets = every ? await referenceResults(ctx, ex, 'main') : [await referenceResult(ctx, ex, 'main')];
    const parts = sets.map(hardCodedAnswer);
    const answer = parts.every((x) => x) ? parts.join('\n') : undefined;
    const what = 'a hard-coded copy of the reference rows fails on the second copy';
    if (!answer) named(what, false, 'the reference returns no rows: nothing tells a copied answer from a computed one');
    else {
      const h = await check(ex, answer);
      const o = h.checks.find((c) => c.kind === 'result');
      named(what, !!o && !o.passed && o.details.variant === 'perturbed',
        o ? (o.passed ? 'it passes the result check' : `it fails on the ${o.details.variant ?? 'main'} copy: ${o.message.slice(0, 120)}`) : `no result check ran${h.error ? `: ${h.error.message}` : ''}`);
    }
  }
  for (const wrong of ex.wrongAnswers) {
    const padded = await check(ex, withNoOps(chapter, wrong.sql));
    const plain = await check(ex, wrong.sql);
    if (verdict(padded) !== verdict(plain) && !(padded.error && plain.error)) {
      proof(false, `${label}: the wrong answer "${wrong.title}" with extra no-op statements: ${verdict(padded)} instead of ${verdict(plain)}`);
    }
    const kinds = failedKinds(plain);
    const missing = wrong.fails.filter((k) => !kinds.has(k));
    if (plain.error) proof(false, `${label}: the wrong answer "${wrong.title}" is an SQL error, not a typical mistake: ${plain.error.message}`);
    else if (plain.passed || missing.length) proof(false, `${label}: the wrong answer "${wrong.title}" ${plain.passed ? 'passes every check' : `does not fail ${missing.join(', ')}`}`);
    else {
      const first = plain.checks.find((c) => !c.passed)!;
      proof(true, `${label} / "${wrong.title}": fails ${[...kinds].join(', ')}${first.details.variant === 'perturbed' ? ' (on the perturbed copy)' : ''} — ${first.message.slice(0, 140)}`);
    }
  }
}

/** The number of checker runs proveExercise makes without a context: for a progress bar. */
export function proofSteps(ex: Exercise): number {
  return 2 + 2 * ex.wrongAnswers.length;
}

/** proveExercise over a CheckContext (Node): every proof. */
export function proveWithSandbox(ctx: CheckContext, chapter: Chapter, ex: Exercise, report: (p: Proof) => void): Promise<void> {
  return proveExercise(chapter, ex, (e, sql) => checkExercise(ctx, e, sql), report, ctx);
}
