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
import { missingStatementTimeout } from './missing-statement-timeout.ts';
import { dropNotNull } from './drop-not-null.ts';
import { truncateCascade, truncateTable } from './truncate.ts';
import { dropDatabase } from './drop-database.ts';
import { alterDomainAddConstraint, createDomainWithConstraint } from './domain-constraints.ts';
import { nonRobustStatement } from './non-robust-statement.ts';
import { addingExclusionConstraint } from './exclusion-constraint.ts';
import { jsonColumn } from './json-column.ts';
import { backfillWithSchemaChange } from './backfill-with-schema-change.ts';

export const RULES: Rule[] = [
  transactionNesting,
  missingLockTimeout,
  missingStatementTimeout,
  nonRobustStatement,
  addingNotNullColumn,
  addingVolatileDefault,
  addingStoredGeneratedColumn,
  nonConcurrentIndex,
  nonConcurrentIndexDrop,
  constraintWithoutNotValid,
  uniqueWithoutIndex,
  addingExclusionConstraint,
  setNotNull,
  dropNotNull,
  columnTypeChange,
  renameColumn,
  renameTable,
  dropColumn,
  dropTable,
  truncateTable,
  truncateCascade,
  dropDatabase,
  backfillWithSchemaChange,
  vacuumFull,
  enumValueChange,
  createDomainWithConstraint,
  alterDomainAddConstraint,
  serialKey,
  intPrimaryKey,
  charType,
  varcharLimit,
  timestampWithoutTimeZone,
  jsonColumn,
];

export interface LintOptions {
  /** Check ids to leave out. */
  exclude?: string[];
}

// A time setting's units (milliseconds without one), as PostgreSQL reads lock_timeout and statement_timeout.
const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A lock_timeout (or statement_timeout) value in milliseconds as PostgreSQL rounds it ('0.0', '00', '0h' are all 0), or undefined when it cannot be read. */
export function lockTimeoutMs(value: string): number | undefined {
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const factor = m[2] ? TIME_UNITS[m[2]] : 1;
  if (factor === undefined) return undefined;
  return Math.round(Number(m[1]) * factor);
}

const constText = (n: Node | undefined): string | undefined => {
  const c = n?.A_Const as Node | undefined;
  if (!c) return undefined;
  if (c.sval) return String((c.sval as Node).sval ?? '');
  if (c.ival) return String((c.ival as Node).ival ?? 0);
  if (c.fval) return String((c.fval as Node).fval ?? '0');
  return undefined;
};

/**
 * What the statement does to a timeout setting (lock_timeout, statement_timeout): 'on' when it
 * sets a timeout, 'off' when it sets none (0, RESET, DEFAULT, RESET ALL), undefined when it
 * leaves it alone. set_config(name, …) counts like SET.
 */
export function timeoutChange(s: MigrationStatement, setting: string): 'on' | 'off' | undefined {
  const b = s.body;
  if (s.node === 'VariableSetStmt') {
    if (b.kind === 'VAR_RESET_ALL') return 'off';
    if (b.name !== setting) return undefined;
    if (b.kind !== 'VAR_SET_VALUE') return b.kind === 'VAR_SET_DEFAULT' || b.kind === 'VAR_RESET' ? 'off' : undefined;
    const v = constText(((b.args as Node[] | undefined) ?? [])[0]);
    const ms = v === undefined ? undefined : lockTimeoutMs(v);
    return ms !== undefined && ms > 0 ? 'on' : 'off';
  }
  if (s.node === 'SelectStmt') {
    let found: 'on' | 'off' | undefined;
    for (const t of (b.targetList as Node[] | undefined) ?? []) {
      const f = ((t.ResTarget as Node | undefined)?.val as Node | undefined)?.FuncCall as Node | undefined;
      const name = ((f?.funcname as Node[] | undefined) ?? []).map((n) => (n.String as Node)?.sval).pop();
      const args = (f?.args as Node[] | undefined) ?? [];
      if (name !== 'set_config' || constText(args[0])?.trim().toLowerCase() !== setting) continue;
      const v = constText(args[1]);
      const ms = v === undefined ? undefined : lockTimeoutMs(v);
      found = ms !== undefined && ms > 0 ? 'on' : 'off';
    }
    return found;
  }
  return undefined;
}

/** What the statement does to lock_timeout (see timeoutChange). */
export const lockTimeoutChange = (s: MigrationStatement) => timeoutChange(s, 'lock_timeout');

/** Lints parsed statements (parse once, lint and measure the same statements). */
export function lintStatements(sql: string, statements: MigrationStatement[], opts: LintOptions = {}): Finding[] {
  const rules = RULES.filter((r) => !opts.exclude?.includes(r.check));
  const createdBefore = new Set<string>();
  let lockTimeoutSet = false;
  let statementTimeoutSet = false;
  const out: Finding[] = [];
  for (const s of statements) {
    const ctx: LintContext = { sql, statements, createdBefore, lockTimeoutSet, statementTimeoutSet };
    for (const r of rules) out.push(...r.findings(s, ctx));
    if (s.node === 'CreateStmt' || s.node === 'CreateTableAsStmt') {
      const r = rel(s.node === 'CreateStmt' ? s.body.relation : ((s.body.into as Node)?.rel));
      createdBefore.add(relKey(r));
    }
    const t = lockTimeoutChange(s);
    if (t) lockTimeoutSet = t === 'on';
    const st = timeoutChange(s, 'statement_timeout');
    if (st) statementTimeoutSet = st === 'on';
  }
  return out;
}

export async function lintMigration(sql: string, opts: LintOptions = {}): Promise<{ statements: MigrationStatement[]; findings: Finding[] }> {
  const statements = await parseMigration(sql);
  return { statements, findings: lintStatements(sql, statements, opts) };
}
