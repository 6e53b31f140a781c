// ALTER COLUMN … DROP NOT NULL: instant, but it takes back a promise every reader relied on.
import { alterCmds, finding, relSql, type Rule } from './rule.ts';

export const dropNotNull: Rule = {
  check: 'drop_not_null',
  severity: 'warning',
  title: 'NOT NULL dropped from an existing column',
  findings(s, ctx) {
    // No SQL rewrite: whether NULL may appear is the application's decision, not the lock's.
    return alterCmds(s, ctx, 'AT_DropNotNull').map(({ table, cmd }) => finding(this, s, ctx, { ...table, columns: [cmd.name as string] }, `NOT NULL is dropped from column ${cmd.name} of ${relSql(table)}`,
      'The change is only a catalog update under a brief ACCESS EXCLUSIVE lock, but code already deployed (and reports, exports, other services) was written knowing the column is never NULL: the first NULL written breaks it, and putting NOT NULL back later means scanning the table again and failing once NULLs have arrived. Deploy readers that cope with NULL first; if writers only need to stop sending a value, a column DEFAULT keeps the constraint.'));
  },
};
