// ADD CONSTRAINT … EXCLUDE on an existing table builds its index under ACCESS EXCLUSIVE, with no online alternative.
import { alterCmds, finding, relSql, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

export const addingExclusionConstraint: Rule = {
  check: 'adding_exclusion_constraint',
  severity: 'warning',
  title: 'An exclusion constraint added to an existing table',
  findings(s, ctx) {
    return alterCmds(s, ctx, 'AT_AddConstraint')
      .filter(({ cmd }) => ((cmd.def as Node).Constraint as Node).contype === 'CONSTR_EXCLUSION')
      .map(({ table, cmd }) => {
        const c = (cmd.def as Node).Constraint as Node;
        // No rewrite to offer: PostgreSQL has no NOT VALID and no USING INDEX for exclusion constraints.
        return finding(this, s, ctx, { ...table, ...(c.conname ? { constraint: c.conname as string } : {}) }, `exclusion constraint ${c.conname ?? '(unnamed)'} is added to ${relSql(table)}`,
          'The constraint\'s index is built, and every existing row checked against the others, while the ALTER holds ACCESS EXCLUSIVE: no query reads or writes the table until it finishes. Unlike a foreign key or check it cannot be added NOT VALID, and unlike a unique constraint it cannot adopt an index built CONCURRENTLY. Measure how long it takes on a copy of production data, run it when the table is quiet, with lock_timeout and statement_timeout set; or create it with the table, before the table has rows.');
      });
  },
};
