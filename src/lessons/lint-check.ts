// The `lint` check: the real schema linter (src/analysis/schema-linter.ts) runs on the learner's
// database, and the listed check ids must report nothing. "Make the linter silent" is then
// judged by the same findings the Analyze view shows, not by a copy of its rules.
import { lintSchema, SCHEMA_LINT_CHECKS } from '../analysis/schema-linter.ts';
import type { Queryable } from '../db/types.ts';
import type { CheckOutcome, LintCheck } from './format.ts';

/** Thrown for a bad `lint:` block; the loader adds the file and line. */
export class LintCheckProblem extends Error {}

/** Reads `{ silent: [ids] | all, tables?: [names] }`. */
export function parseLintCheck(o: Record<string, unknown>): LintCheck {
  for (const k of Object.keys(o)) {
    if (k !== 'silent' && k !== 'tables') throw new LintCheckProblem(`unknown lint option "${k}" (expected silent, tables)`);
  }
  const known = new Set<string>(SCHEMA_LINT_CHECKS);
  let silent: string[] | 'all';
  if (o.silent === 'all') silent = 'all';
  else if (Array.isArray(o.silent) && o.silent.length && o.silent.every((x) => typeof x === 'string')) {
    silent = o.silent as string[];
    const bad = silent.filter((id) => !known.has(id));
    if (bad.length) throw new LintCheckProblem(`unknown linter check id ${bad.map((b) => `"${b}"`).join(', ')} (known: ${SCHEMA_LINT_CHECKS.join(', ')})`);
  } else {
    throw new LintCheckProblem('lint needs silent: a list of the linter\'s check ids, or all');
  }
  const c: LintCheck = { kind: 'lint', silent };
  if (o.tables !== undefined) {
    if (!Array.isArray(o.tables) || !o.tables.length || !o.tables.every((x) => typeof x === 'string')) {
      throw new LintCheckProblem('lint tables is a list of table names');
    }
    c.tables = o.tables as string[];
  }
  return c;
}

/** Runs the linter on `public` and fails with the first findings that the check wants silent. */
export async function checkLint(db: Queryable, check: LintCheck): Promise<CheckOutcome> {
  const report = await lintSchema(db, { schema: 'public' });
  const tables = check.tables ? new Set(check.tables) : undefined;
  const left = report.findings.filter((f) =>
    (check.silent === 'all' || check.silent.includes(f.check)) &&
    (!tables || (f.object.table !== undefined && tables.has(f.object.table))));
  const scope = tables ? ` on ${[...tables].join(', ')}` : '';
  if (!left.length) {
    const what = check.silent === 'all' ? 'any check' : check.silent.join(', ');
    return { kind: 'lint', passed: true, message: `The schema linter reports nothing for ${what}${scope}.`, details: {} };
  }
  const shown = left.slice(0, 3).map((f) => `${f.check}: ${f.message}`);
  const more = left.length > 3 ? ` (and ${left.length - 3} more)` : '';
  return {
    kind: 'lint', passed: false,
    message: `The schema linter still reports ${left.length} finding${left.length === 1 ? '' : 's'}${scope}: ${shown.join('; ')}${more}.`,
    details: { found: left.map((f) => `${f.check} · ${f.message}`) },
  };
}
