// CREATE INDEX without CONCURRENTLY blocks every write to the table while it builds; so does DROP INDEX.
import { finding, isNew, rel, relSql, replaceAt, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

export const nonConcurrentIndex: Rule = {
  check: 'non_concurrent_index',
  severity: 'warning',
  title: 'An index built without CONCURRENTLY',
  findings(s, ctx) {
    if (s.node !== 'IndexStmt' || s.body.concurrent) return [];
    const table = rel(s.body.relation);
    if (isNew(ctx, table)) return [];
    const fix = replaceAt(s.text, 0, /create\s+(unique\s+)?index/i, `CREATE ${s.body.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY`);
    return [finding(this, s, ctx, { ...table, ...(s.body.idxname ? { index: s.body.idxname as string } : {}) }, `index ${s.body.idxname ?? '(unnamed)'} on ${relSql(table)} is built without CONCURRENTLY`,
      'CREATE INDEX takes a SHARE lock: every INSERT, UPDATE and DELETE on the table waits until the index is built, which on a large table is minutes. CONCURRENTLY builds it without blocking writes (slower, and it cannot run inside a transaction; pglab runs such statements outside one, as Alembic\'s autocommit_block does). If it fails it leaves an INVALID index to drop and retry.',
      fix ? `${fix};` : undefined)];
  },
};

export const nonConcurrentIndexDrop: Rule = {
  check: 'non_concurrent_index_drop',
  severity: 'warning',
  title: 'An index dropped without CONCURRENTLY',
  findings(s, ctx) {
    if (s.node !== 'DropStmt' || s.body.removeType !== 'OBJECT_INDEX' || s.body.concurrent) return [];
    const objects = (s.body.objects as Node[]).map((o) => ((o.List as Node).items as Node[]).map((i) => (i.String as Node).sval as string).join('.'));
    const single = objects.length === 1 && s.body.behavior !== 'DROP_CASCADE';
    const fix = single ? replaceAt(s.text, 0, /drop\s+index/i, 'DROP INDEX CONCURRENTLY') : undefined;
    return [finding(this, s, ctx, { index: objects.join(', ') }, `index ${objects.join(', ')} is dropped without CONCURRENTLY`,
      'DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: while it waits for a long-running query to finish, every other query on the table queues behind it. DROP INDEX CONCURRENTLY waits without blocking others (one index per statement, no CASCADE, outside a transaction).',
      fix ? `${fix};` : undefined)];
  },
};
