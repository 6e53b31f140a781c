// A json column: no equality operator (DISTINCT, UNION, GROUP BY fail), reparsed on every read; jsonb is what is meant.
import { alterCmds, columnDefs, finding, relSql, replaceAt, typeOf, type LintContext, type Rel, type Rule } from './rule.ts';
import type { MigrationStatement, Node } from '../statements.ts';

/** Columns given the json type: created, added, or changed to it. */
function jsonColumns(s: MigrationStatement, ctx: LintContext): { table: Rel; column: string; typeName: unknown }[] {
  const out = columnDefs(s).map(({ table, col }) => ({ table, column: col.colname as string, typeName: col.typeName }));
  for (const { table, cmd } of alterCmds(s, ctx, 'AT_AlterColumnType')) out.push({ table, column: cmd.name as string, typeName: ((cmd.def as Node).ColumnDef as Node).typeName });
  return out.filter((c) => typeOf(c.typeName).name === 'json');
}

export const jsonColumn: Rule = {
  check: 'json_column',
  severity: 'warning',
  title: 'A json column (jsonb meant)',
  findings(s, ctx) {
    const cols = jsonColumns(s, ctx);
    let fix: string | undefined = s.text;
    // Replace from the last type to the first so earlier byte offsets stay right.
    for (const c of [...cols].sort((a, b) => typeOf(b.typeName).location - typeOf(a.typeName).location)) {
      fix = fix === undefined ? undefined : replaceAt(fix, typeOf(c.typeName).location, /(pg_catalog\s*\.\s*)?json\b/i, 'jsonb');
    }
    return cols.map((c) => finding(this, s, ctx, { ...c.table, columns: [c.column] }, `column ${c.column} of ${relSql(c.table)} is json`,
      'json keeps the text as sent and has no equality operator: SELECT DISTINCT, UNION, GROUP BY and = on the column fail (error 42883), and every access parses the text again. jsonb stores the parsed value, compares, and can be indexed with GIN. Keep json only when the exact text matters (key order, duplicate keys, whitespace).',
      fix ? `${fix.replace(/\s*$/, '')};` : undefined));
  },
};
