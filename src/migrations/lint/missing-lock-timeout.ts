// A migration that takes strong locks without lock_timeout can stall every query on the table.
import { cmds, finding, isNew, rel, relSql, type LintContext, type Rule } from './rule.ts';
import type { MigrationStatement } from '../statements.ts';

/** Statements that take a lock which blocks reads or writes of an existing table. */
export function locksExisting(s: MigrationStatement, ctx: LintContext): ReturnType<typeof rel> | undefined {
  const r = s.body.relation ? rel(s.body.relation) : undefined;
  switch (s.node) {
    case 'AlterTableStmt':
      return r && !isNew(ctx, r) && cmds(s.body).length ? r : undefined;
    case 'IndexStmt':
      return r && !isNew(ctx, r) && !s.body.concurrent ? r : undefined;
    case 'RenameStmt':
    case 'CreateTrigStmt':
    case 'RuleStmt':
      return r && !isNew(ctx, r) ? r : undefined;
    case 'DropStmt':
      return ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_TRIGGER'].includes(s.body.removeType as string) && !s.body.concurrent ? { table: '(dropped objects)' } : undefined;
    case 'TruncateStmt':
      return { table: '(truncated tables)' };
  }
  return undefined;
}

/**
 * A rule for a timeout a migration should set before its first strong lock on an existing table:
 * one finding per migration, at the first statement that needs it.
 */
export function firstStrongLockWithout(o: { check: string; title: string; setting: string; isSet: (ctx: LintContext) => boolean; why: string; fix: string }): Rule {
  return {
    check: o.check,
    severity: 'warning',
    title: o.title,
    findings(s, ctx) {
      if (o.isSet(ctx)) return [];
      const r = locksExisting(s, ctx);
      if (!r) return [];
      if (ctx.statements.slice(0, s.index).some((e) => locksExisting(e, ctx))) return [];
      const named = !r.table.startsWith('(');
      return [finding(this, s, ctx, named ? r : {}, `${named ? relSql(r) : 'this statement'} is locked with no ${o.setting} set`, o.why, o.fix)];
    },
  };
}

export const missingLockTimeout = firstStrongLockWithout({
  check: 'missing_lock_timeout',
  title: 'Strong locks taken without lock_timeout',
  setting: 'lock_timeout',
  isSet: (ctx) => ctx.lockTimeoutSet,
  why: 'A statement that needs a strong lock waits behind any long query on the table, and while it waits every other query on that table queues behind it: a one-millisecond ALTER can stall the application for as long as the slowest transaction runs. Set a short lock_timeout first so the migration fails fast and can be retried.',
  fix: "SET lock_timeout = '5s';",
});
