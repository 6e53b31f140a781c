// ALTER COLUMN … SET NOT NULL scans the table under ACCESS EXCLUSIVE unless a valid check proves it.
import { alterCmds, cmds, finding, ident, rel, relKey, relSql, type LintContext, type Rel, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

/**
 * An earlier statement added and validated CHECK (col IS NOT NULL), still there when the column is
 * verified: PostgreSQL then skips the scan. A DROP CONSTRAINT of it, before or in the same ALTER
 * (its drop runs before SET NOT NULL's check of the rows), takes the proof away.
 */
function provenNotNull(ctx: LintContext, table: Rel, column: string, before: number): boolean {
  const added = new Set<string>();
  const proven = new Set<string>();
  for (const e of ctx.statements.slice(0, before + 1)) {
    if (e.node !== 'AlterTableStmt' || relKey(rel(e.body.relation)) !== relKey(table)) continue;
    for (const c of cmds(e.body)) {
      if (c.subtype === 'AT_DropConstraint') proven.delete(c.name as string);
      if (e.index === before) continue;
      const con = (c.def as Node | undefined)?.Constraint as Node | undefined;
      const test = (con?.raw_expr as Node | undefined)?.NullTest as Node | undefined;
      const col = ((test?.arg as Node | undefined)?.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
      if (c.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_CHECK' && test?.nulltesttype === 'IS_NOT_NULL' && col?.length === 1 && (col[0].String as Node)?.sval === column) {
        // Unnamed, PostgreSQL calls it <table>_<column>_check: VALIDATE CONSTRAINT names it so.
        const name = (con.conname as string | undefined) ?? `${table.table}_${column}_check`;
        if (con.skip_validation) added.add(name);
        else proven.add(name);
      }
      if (c.subtype === 'AT_ValidateConstraint' && added.has(c.name as string)) proven.add(c.name as string);
    }
  }
  return proven.size > 0;
}

export const setNotNull: Rule = {
  check: 'set_not_null',
  severity: 'warning',
  title: 'SET NOT NULL on an existing column',
  findings(s, ctx) {
    // SET NOT NULL, and PostgreSQL 18's ADD CONSTRAINT … NOT NULL col without NOT VALID: the same scan.
    const targets = [
      ...alterCmds(s, ctx, 'AT_SetNotNull').map(({ table, cmd }) => ({ table, column: cmd.name as string })),
      ...alterCmds(s, ctx, 'AT_AddConstraint').flatMap(({ table, cmd }) => {
        const con = (cmd.def as Node | undefined)?.Constraint as Node | undefined;
        if (con?.contype !== 'CONSTR_NOTNULL' || con.skip_validation) return [];
        return ((con.keys as Node[] | undefined) ?? []).map((k) => ({ table, column: (k.String as Node).sval as string }));
      }),
    ];
    return targets.filter(({ table, column }) => !provenNotNull(ctx, table, column, s.index)).map(({ table, column }) => {
      const t = relSql(table);
      const c = ident(column);
      const check = ident(`${table.table}_${column}_not_null`);
      return finding(this, s, ctx, { ...table, columns: [column] }, `column ${column} of ${t} is set NOT NULL`,
        'SET NOT NULL reads the whole table to prove there is no NULL, holding ACCESS EXCLUSIVE: reads and writes wait. When a validated CHECK (col IS NOT NULL) already exists PostgreSQL skips the scan, and that check can be added NOT VALID and validated under a lighter lock.',
        `ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID;\nALTER TABLE ${t} VALIDATE CONSTRAINT ${check};\nALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;\nALTER TABLE ${t} DROP CONSTRAINT ${check};`);
    });
  },
};
