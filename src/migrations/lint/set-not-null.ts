// ALTER COLUMN … SET NOT NULL scans the table under ACCESS EXCLUSIVE unless a valid check proves it.
import { alterCmds, cmds, finding, ident, rel, relKey, relSql, type LintContext, type Rel, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

/** An earlier statement added and validated CHECK (col IS NOT NULL): PostgreSQL then skips the scan. */
function provenNotNull(ctx: LintContext, table: Rel, column: string, before: number): boolean {
  const added = new Set<string>();
  for (const e of ctx.statements.slice(0, before)) {
    if (e.node !== 'AlterTableStmt' || relKey(rel(e.body.relation)) !== relKey(table)) continue;
    for (const c of cmds(e.body)) {
      const con = (c.def as Node | undefined)?.Constraint as Node | undefined;
      const test = (con?.raw_expr as Node | undefined)?.NullTest as Node | undefined;
      const col = ((test?.arg as Node | undefined)?.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
      if (c.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_CHECK' && test?.nulltesttype === 'IS_NOT_NULL' && col?.length === 1 && (col[0].String as Node)?.sval === column) {
        if (!con.skip_validation) return true;
        if (con.conname) added.add(con.conname as string);
      }
      if (c.subtype === 'AT_ValidateConstraint' && added.has(c.name as string)) return true;
    }
  }
  return false;
}

export const setNotNull: Rule = {
  check: 'set_not_null',
  severity: 'warning',
  title: 'SET NOT NULL on an existing column',
  findings(s, ctx) {
    return alterCmds(s, ctx, 'AT_SetNotNull').filter(({ table, cmd }) => !provenNotNull(ctx, table, cmd.name as string, s.index)).map(({ table, cmd }) => {
      const t = relSql(table);
      const c = ident(cmd.name as string);
      const check = ident(`${table.table}_${cmd.name}_not_null`);
      return finding(this, s, ctx, { ...table, columns: [cmd.name as string] }, `column ${cmd.name} of ${t} is set NOT NULL`,
        'SET NOT NULL reads the whole table to prove there is no NULL, holding ACCESS EXCLUSIVE: reads and writes wait. When a validated CHECK (col IS NOT NULL) already exists PostgreSQL skips the scan, and that check can be added NOT VALID and validated under a lighter lock.',
        `ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID;\nALTER TABLE ${t} VALIDATE CONSTRAINT ${check};\nALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;\nALTER TABLE ${t} DROP CONSTRAINT ${check};`);
    });
  },
};
