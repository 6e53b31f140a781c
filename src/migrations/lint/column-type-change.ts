// ALTER COLUMN … TYPE rewrites the table (and its indexes) unless the change is binary-coercible.
import { alterCmds, finding, relSql, typeOf, typeSql, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

export const columnTypeChange: Rule = {
  check: 'column_type_change',
  severity: 'warning',
  title: 'A column type change that may rewrite the table',
  findings(s, ctx) {
    return alterCmds(s, ctx, 'AT_AlterColumnType').map(({ table, cmd }) => {
      const def = (cmd.def as Node).ColumnDef as Node;
      const to = typeOf(def.typeName);
      // varchar(n) → text or a longer varchar, and numeric precision increases, do not rewrite.
      const mayBeCheap = ['text', 'varchar', 'numeric', 'citext'].includes(to.name);
      return finding(this, s, ctx, { ...table, columns: [cmd.name as string] }, `column ${cmd.name} of ${relSql(table)} changes type to ${typeSql(def.typeName)}`,
        `Changing a column's type holds ACCESS EXCLUSIVE and, unless the old and new types are binary-coercible, rewrites the table and rebuilds its indexes: nothing reads or writes it meanwhile, and a USING expression can also fail halfway on bad data.${mayBeCheap ? ' Widening varchar or dropping its limit does not rewrite; narrowing does, and checks every row.' : ''} The safe path is a new column, a trigger or batched backfill, and a swap; measure it (pglab migration measure) to see whether this one rewrites.`);
    });
  },
};
