// ADD COLUMN … NOT NULL with no default: fails on any table that has rows.
import { columnDefs, constraintsOf, finding, ident, isNew, relSql, typeSql, type Rule } from './rule.ts';

export const addingNotNullColumn: Rule = {
  check: 'adding_not_null_column',
  severity: 'error',
  title: 'A NOT NULL column added without a default',
  findings(s, ctx) {
    if (s.node !== 'AlterTableStmt') return [];
    return columnDefs(s)
      .filter(({ table, col }) => !isNew(ctx, table) && constraintsOf(col).some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY') && !constraintsOf(col).some((c) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(c.contype as string)))
      .map(({ table, col }) => {
        const c = ident(col.colname as string);
        const t = relSql(table);
        const check = ident(`${table.table}_${col.colname}_not_null`);
        return finding(this, s, ctx, { ...table, columns: [col.colname as string] }, `column ${col.colname} is added to ${t} as NOT NULL with no default`,
          'Every existing row would get NULL, so the statement fails as soon as the table has rows (error 23502), in production if not in development. Add the column nullable, fill it, then enforce NOT NULL through a validated check so the table is not scanned under an exclusive lock.',
          // The backfill needs a value only the author knows: the steps after it are left as comments to run once it is done.
          `ALTER TABLE ${t} ADD COLUMN ${c} ${typeSql(col.typeName)};\nALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID;\n-- Then fill old rows in batches (UPDATE ${t} SET ${c} = … WHERE ${c} IS NULL), and after that:\n-- ALTER TABLE ${t} VALIDATE CONSTRAINT ${check};\n-- ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;\n-- ALTER TABLE ${t} DROP CONSTRAINT ${check};`);
      });
  },
};
