// lock_timeout bounds the wait for a lock; statement_timeout bounds how long the lock is then held.
import { firstStrongLockWithout } from './missing-lock-timeout.ts';

export const missingStatementTimeout = firstStrongLockWithout({
  check: 'missing_statement_timeout',
  title: 'Strong locks taken without statement_timeout',
  setting: 'statement_timeout',
  isSet: (ctx) => ctx.statementTimeoutSet,
  why: 'lock_timeout only limits the wait for the lock. Once granted, a statement that turns out slow on production data (a rewrite, a scan, a backfill) keeps its lock, and the queries queued behind it wait, for as long as it runs. A statement_timeout makes it fail and roll back instead. A CONCURRENTLY build that may legitimately run longer needs the timeout raised (or 0) just before it.',
  fix: "SET statement_timeout = '30s';",
});
