// TRUNCATE empties tables under ACCESS EXCLUSIVE; with CASCADE it also empties every table that
// references them, which the statement does not name.
import { finding, isNew, rel, relSql, type Rel, type Rule } from './rule.ts';
import type { MigrationStatement, Node } from '../statements.ts';

const truncated = (s: MigrationStatement): Rel[] => ((s.body.relations as Node[] | undefined) ?? []).map((r) => rel(r.RangeVar));

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export const truncateTable: Rule = {
  check: 'truncate_table',
  severity: 'warning',
  title: 'TRUNCATE of an existing table',
  findings(s, ctx) {
    if (s.node !== 'TruncateStmt') return [];
    return truncated(s).filter((r) => !isNew(ctx, r)).map((r) => {
      const t = relSql(r);
      return finding(this, s, ctx, r, `table ${t} is truncated`,
        'TRUNCATE removes every row for good (a downgrade cannot bring them back) and takes ACCESS EXCLUSIVE: it queues behind every running query on the table and blocks all reads and writes until the migration commits. Deleting in batches takes only row locks (ROW EXCLUSIVE on the table), so reads and other writes go on; repeat the statement until it deletes nothing.',
        `DELETE FROM ${t} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${t} LIMIT 10000));`);
    });
  },
};

export const truncateCascade: Rule = {
  check: 'truncate_cascade',
  severity: 'error',
  title: 'TRUNCATE … CASCADE',
  findings(s, ctx) {
    if (s.node !== 'TruncateStmt' || s.body.behavior !== 'DROP_CASCADE') return [];
    const rels = truncated(s);
    const names = rels.map(relSql);
    // The fix lists what CASCADE would empty, following foreign keys as PostgreSQL does, so the
    // author can name exactly the tables meant (and see the ones not meant).
    const fix = `WITH RECURSIVE emptied(oid) AS (\n  SELECT unnest(ARRAY[${names.map((n) => `${literal(n)}::regclass`).join(', ')}])::oid\n  UNION\n  SELECT c.conrelid FROM pg_constraint c JOIN emptied e ON c.confrelid = e.oid WHERE c.contype = 'f'\n)\nSELECT oid::regclass AS also_emptied FROM emptied;`;
    return [finding(this, s, ctx, rels.length === 1 ? rels[0] : {}, `TRUNCATE … CASCADE on ${names.join(', ')}`,
      'CASCADE also truncates every table with a foreign key to these, and the tables referencing those, recursively: rows of tables the statement never names are lost, and each of them is locked ACCESS EXCLUSIVE too. Without CASCADE PostgreSQL refuses when another table references one of them, which is the check you want; list the tables to empty explicitly (this query shows what CASCADE would take).',
      fix)];
  },
};
