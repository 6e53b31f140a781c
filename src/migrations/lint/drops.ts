// Dropping a column or a table loses its data for good and breaks code that still uses it.
import { alterCmds, finding, isNew, relSql, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

export const dropColumn: Rule = {
  check: 'drop_column',
  severity: 'warning',
  title: 'A column dropped',
  findings(s, ctx) {
    return alterCmds(s, ctx, 'AT_DropColumn').map(({ table, cmd }) => finding(this, s, ctx, { ...table, columns: [cmd.name as string] }, `column ${cmd.name} is dropped from ${relSql(table)}`,
      'Its data is gone once this commits (a downgrade can bring the column back, not the values), and code deployed before the change still selects it and fails. Stop using the column in the application first (and in ORMs, tell them to ignore it), then drop it in a later migration; keep a backup of the values if they may be wanted.'));
  },
};

export const dropTable: Rule = {
  check: 'drop_table',
  severity: 'warning',
  title: 'A table dropped',
  findings(s, ctx) {
    if (s.node !== 'DropStmt' || s.body.removeType !== 'OBJECT_TABLE') return [];
    const names = (s.body.objects as Node[]).map((o) => ((o.List as Node).items as Node[]).map((i) => (i.String as Node).sval as string));
    return names.filter((n) => !isNew(ctx, n.length > 1 ? { schema: n[0], table: n[n.length - 1] } : { table: n[0] })).map((n) => finding(this, s, ctx, n.length > 1 ? { schema: n[0], table: n[n.length - 1] } : { table: n[0] }, `table ${n.join('.')} is dropped`,
      'All its rows are lost for good (the downgrade can recreate the table, not its data), and it takes ACCESS EXCLUSIVE, queuing behind running queries. Make sure nothing reads it any more, keep a copy if the data may matter, and drop it in a migration of its own.'));
  },
};
