// BEGIN / COMMIT inside a migration: the runner (and Alembic) already wrap each revision in a transaction.
import { finding, type Rule } from './rule.ts';

export const transactionNesting: Rule = {
  check: 'transaction_nesting',
  severity: 'error',
  title: 'Transaction control inside a migration',
  findings(s, ctx) {
    if (s.node !== 'TransactionStmt') return [];
    const kind = String(s.body.kind).replace('TRANS_STMT_', '');
    return [finding(this, s, ctx, {}, `${kind} inside the migration`,
      'Each revision already runs in a transaction (Alembic\'s, or pglab\'s): a BEGIN there only warns, and a COMMIT ends the migration\'s transaction early, so a later failure can no longer roll back what came before and the version table no longer matches the schema. Remove it; statements that must run outside a transaction (CREATE INDEX CONCURRENTLY) are run outside by pglab, and by op.get_context().autocommit_block() in Alembic.')];
  },
};
