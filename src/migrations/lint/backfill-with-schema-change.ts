// A data backfill in the same transaction as a schema change: the schema change's lock is held
// until the transaction commits, so for the whole backfill.
import { finding, isNew, rel, relSql, type LintContext, type Rule } from './rule.ts';
import { lineOf, type MigrationStatement, type Node } from '../statements.ts';
import { locksExisting } from './missing-lock-timeout.ts';

/** The table an UPDATE, DELETE, MERGE or INSERT … SELECT … FROM writes; undefined for other statements (INSERT … VALUES is a seed, not a backfill). */
function backfillTarget(s: MigrationStatement): ReturnType<typeof rel> | undefined {
  if (s.node === 'UpdateStmt' || s.node === 'DeleteStmt' || s.node === 'MergeStmt') return rel(s.body.relation);
  if (s.node === 'InsertStmt') {
    const sel = (s.body.selectStmt as Node | undefined)?.SelectStmt as Node | undefined;
    const reads = sel && (Array.isArray(sel.fromClause) || sel.op !== 'SETOP_NONE');
    return reads ? rel(s.body.relation) : undefined;
  }
  return undefined;
}

/**
 * The earlier statement of the same transaction that locked an existing table. A revision is one
 * transaction, except that a statement which cannot run in one commits what came before it
 * (pglab's runner and Alembic's autocommit_block both do), and a script's own COMMIT ends one.
 */
function lockedEarlier(s: MigrationStatement, ctx: LintContext): { stmt: MigrationStatement; table: string } | undefined {
  for (let i = s.index - 1; i >= 0; i--) {
    const e = ctx.statements[i];
    if (e.autocommit || e.node === 'TransactionStmt') return undefined;
    const r = locksExisting(e, ctx);
    if (r) return { stmt: e, table: r.table.startsWith('(') ? '' : relSql(r) };
  }
  return undefined;
}

export const backfillWithSchemaChange: Rule = {
  check: 'backfill_with_schema_change',
  severity: 'warning',
  title: 'A data backfill in the same transaction as a schema change',
  findings(s, ctx) {
    const target = backfillTarget(s);
    if (!target) return [];
    const earlier = lockedEarlier(s, ctx);
    if (!earlier) return [];
    const what = s.node === 'UpdateStmt' ? 'UPDATE' : s.node === 'DeleteStmt' ? 'DELETE' : s.node === 'MergeStmt' ? 'MERGE' : 'INSERT … SELECT';
    // No rewrite: the fix is moving the statement to a revision of its own, which SQL cannot say.
    return [finding(this, s, ctx, isNew(ctx, target) ? {} : target, `${what} on ${relSql(target)} runs in the same transaction as the schema change at line ${lineOf(ctx.sql, earlier.stmt.from)}: ${earlier.table ? `its lock on ${earlier.table} is` : 'its locks are'} held for the whole backfill`,
      'Locks are held until the transaction ends, so the strong lock the schema change took is held for as long as the backfill runs: a change that alone is instant blocks the table for minutes on a large one. Put the schema change in one revision and the backfill in the next (pglab and Alembic run each revision in its own transaction), and fill in batches so each transaction holds its row locks briefly.')];
  },
};
