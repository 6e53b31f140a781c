// lock_timeout bounds the wait for a lock; statement_timeout bounds how long the lock is then held.
import { finding, relSql, type Rule } from './rule.ts';
import { locksExisting } from './missing-lock-timeout.ts';

export const missingStatementTimeout: Rule = {
  check: 'missing_statement_timeout',
  severity: 'warning',
  title: 'Strong locks taken without statement_timeout',
  findings(s, ctx) {
    if (ctx.statementTimeoutSet) return [];
    const r = locksExisting(s, ctx);
    if (!r) return [];
    // One finding per migration, at the first statement that needs it (as missing_lock_timeout).
    if (ctx.statements.slice(0, s.index).some((e) => locksExisting(e, ctx))) return [];
    const named = !r.table.startsWith('(');
    return [finding(this, s, ctx, named ? r : {}, `${named ? relSql(r) : 'this statement'} is locked with no statement_timeout set`,
      'lock_timeout only limits the wait for the lock. Once granted, a statement that turns out slow on production data (a rewrite, a scan, a backfill) keeps its lock, and the queries queued behind it wait, for as long as it runs. A statement_timeout makes it fail and roll back instead. A CONCURRENTLY build that may legitimately run longer needs the timeout raised (or 0) just before it.',
      "SET statement_timeout = '30s';")];
  },
};
