// Renaming a table or column breaks every running client that still uses the old name.
import { finding, rel, relSql, type Rule } from './rule.ts';

export const renameColumn: Rule = {
  check: 'rename_column',
  severity: 'warning',
  title: 'A column renamed',
  findings(s, ctx) {
    if (s.node !== 'RenameStmt' || s.body.renameType !== 'OBJECT_COLUMN') return [];
    const table = rel(s.body.relation);
    return [finding(this, s, ctx, { ...table, columns: [s.body.subname as string] }, `column ${s.body.subname} of ${relSql(table)} is renamed to ${s.body.newname}`,
      'The rename itself is instant, but application code deployed before it still queries the old name and fails from that moment until every instance runs new code. Deploy in steps: add the new column and write both, backfill, switch reads, then drop the old one — or keep a view with the old name during the switch.')];
  },
};

export const renameTable: Rule = {
  check: 'rename_table',
  severity: 'warning',
  title: 'A table renamed',
  findings(s, ctx) {
    if (s.node !== 'RenameStmt' || s.body.renameType !== 'OBJECT_TABLE') return [];
    const table = rel(s.body.relation);
    return [finding(this, s, ctx, table, `table ${relSql(table)} is renamed to ${s.body.newname}`,
      'Running code that still uses the old name fails from the moment the rename commits. Rename, then create a view with the old name (simple views are updatable) so old and new code both work, and drop the view once nothing uses it.',
      `ALTER TABLE ${relSql(table)} RENAME TO ${s.body.newname};\nCREATE VIEW ${relSql(table)} AS SELECT * FROM ${table.schema ? `${relSql({ schema: table.schema, table: s.body.newname as string })}` : s.body.newname};`)];
  },
};
