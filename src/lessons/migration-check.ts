// The `migration` check: pglab's migration safety lint (src/migrations/lint) runs on the learner's
// SQL, and the listed rule ids must find nothing. "Build the index without blocking writes" is then
// judged by the same findings the migrations workbench shows, not by a copy of its rules.
import { lintMigration, RULES } from '../migrations/lint/index.ts';
import type { CheckOutcome, MigrationCheck } from './format.ts';

/** Thrown for a bad `migration:` block; the loader adds the file and line. */
export class MigrationCheckProblem extends Error {}

export const MIGRATION_LINT_IDS: string[] = RULES.map((r) => r.check);

/** Reads `{ lintSilent: [rule ids] }`. */
export function parseMigrationCheck(o: Record<string, unknown>): MigrationCheck {
  for (const k of Object.keys(o)) {
    if (k !== 'lintSilent') throw new MigrationCheckProblem(`unknown migration option "${k}" (expected lintSilent)`);
  }
  const ids = o.lintSilent;
  if (!Array.isArray(ids) || !ids.length || !ids.every((x) => typeof x === 'string')) {
    throw new MigrationCheckProblem('migration needs lintSilent: a list of the migration lint\'s check ids');
  }
  const bad = (ids as string[]).filter((id) => !MIGRATION_LINT_IDS.includes(id));
  if (bad.length) throw new MigrationCheckProblem(`unknown migration lint id ${bad.map((b) => `"${b}"`).join(', ')} (known: ${MIGRATION_LINT_IDS.join(', ')})`);
  return { kind: 'migration', lintSilent: ids as string[] };
}

/** Lints the learner's script; fails with the findings of the listed rules, their fixes shown. */
export async function checkMigration(learnerSql: string, check: MigrationCheck): Promise<CheckOutcome> {
  let findings;
  try {
    ({ findings } = await lintMigration(learnerSql));
  } catch (e) {
    return { kind: 'migration', passed: false, message: `The migration lint could not read your SQL: ${(e as Error).message}`, details: {} };
  }
  const left = findings.filter((f) => check.lintSilent.includes(f.check));
  if (!left.length) {
    return { kind: 'migration', passed: true, message: `The migration lint finds nothing for ${check.lintSilent.join(', ')}.`, details: {} };
  }
  const shown = left.slice(0, 3).map((f) => `${f.check}: ${f.message}`);
  const more = left.length > 3 ? ` (and ${left.length - 3} more)` : '';
  return {
    kind: 'migration', passed: false,
    message: `The migration lint reports ${left.length} finding${left.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}.`,
    details: { found: left.map((f) => `${f.check} · ${f.message}${f.fix ? ` — fix: ${f.fix}` : ''}`) },
  };
}
