// DROP DATABASE in a migration: everything in it is gone, and it cannot even run in the migration's transaction.
import { finding, ident, type Rule } from './rule.ts';

export const dropDatabase: Rule = {
  check: 'drop_database',
  severity: 'error',
  title: 'DROP DATABASE in a migration',
  findings(s, ctx) {
    if (s.node !== 'DropdbStmt') return [];
    const name = s.body.dbname as string;
    // No rewrite: removing a database is an operator's decision, made outside the application's migrations.
    return [finding(this, s, ctx, {}, `database ${ident(name)} is dropped${s.body.missing_ok ? ' (IF EXISTS)' : ''}`,
      'Every schema, table and row in that database is lost, and no downgrade can bring them back. DROP DATABASE cannot run inside a transaction block, so it commits on its own however the rest of the revision ends, and it fails while anyone is connected (or, WITH (FORCE), disconnects them). Remove the statement; drop databases by hand, after a backup, never from a revision that runs on every environment.')];
  },
};
