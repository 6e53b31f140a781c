// The migration safety lint: every rule over every statement of a script, on PostgreSQL's own
// parse tree. Findings have the analyzers' shape; the order is the script's.
import type { Finding } from '../../analysis/finding.ts';
import { parseMigration, type MigrationStatement, type Node } from '../statements.ts';
import { rel, relKey, type LintContext, type Rule } from './rule.ts';
import { addingNotNullColumn } from './adding-not-null-column.ts';
import { addingStoredGeneratedColumn, addingVolatileDefault } from './adding-volatile-default.ts';
import { nonConcurrentIndex, nonConcurrentIndexDrop } from './non-concurrent-index.ts';
import { constraintWithoutNotValid } from './constraint-without-not-valid.ts';
import { setNotNull } from './set-not-null.ts';
import { columnTypeChange } from './column-type-change.ts';
import { renameColumn, renameTable } from './renames.ts';
import { dropColumn, dropTable } from './drops.ts';
import { vacuumFull } from './vacuum-full.ts';
import { missingLockTimeout } from './missing-lock-timeout.ts';
import { charType, intPrimaryKey, serialKey, timestampWithoutTimeZone, varcharLimit } from './column-types.ts';
import { uniqueWithoutIndex } from './unique-without-index.ts';
import { enumValueChange } from './enum-value-change.ts';
import { transactionNesting } from './transaction-nesting.ts';

export const RULES: Rule[] = [
  transactionNesting,
  missingLockTimeout,
  addingNotNullColumn,
  addingVolatileDefault,
  addingStoredGeneratedColumn,
  nonConcurrentIndex,
  nonConcurrentIndexDrop,
  constraintWithoutNotValid,
  uniqueWithoutIndex,
  setNotNull,
  columnTypeChange,
  renameColumn,
  renameTable,
  dropColumn,
  dropTable,
  vacuumFull,
  enumValueChange,
  serialKey,
  intPrimaryKey,
  charType,
  varcharLimit,
  timestampWithoutTimeZone,
];

export interface LintOptions {
  /** Check ids to leave out. */
  exclude?: string[];
}

function setsLockTimeout(s: MigrationStatement): boolean {
  if (s.node !== 'VariableSetStmt' || s.body.name !== 'lock_timeout' || s.body.kind !== 'VAR_SET_VALUE') return false;
  const arg = ((s.body.args as Node[] | undefined) ?? [])[0]?.A_Const as Node | undefined;
  const v = arg?.sval ? String((arg.sval as Node).sval) : arg?.ival ? String((arg.ival as Node).ival ?? 0) : '0';
  return !/^\s*0\s*(ms|s|min)?\s*$/i.test(v);
}

/** Lints parsed statements (parse once, lint and measure the same statements). */
export function lintStatements(sql: string, statements: MigrationStatement[], opts: LintOptions = {}): Finding[] {
  const rules = RULES.filter((r) => !opts.exclude?.includes(r.check));
  const createdBefore = new Set<string>();
  let lockTimeoutSet = false;
  const out: Finding[] = [];
  for (const s of statements) {
    const ctx: LintContext = { sql, statements, createdBefore, lockTimeoutSet };
    for (const r of rules) out.push(...r.findings(s, ctx));
    if (s.node === 'CreateStmt' || s.node === 'CreateTableAsStmt') {
      const r = rel(s.node === 'CreateStmt' ? s.body.relation : ((s.body.into as Node)?.rel));
      createdBefore.add(relKey(r));
    }
    if (setsLockTimeout(s)) lockTimeoutSet = true;
  }
  return out;
}

export async function lintMigration(sql: string, opts: LintOptions = {}): Promise<{ statements: MigrationStatement[]; findings: Finding[] }> {
  const statements = await parseMigration(sql);
  return { statements, findings: lintStatements(sql, statements, opts) };
}
