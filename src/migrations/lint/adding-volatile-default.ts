// ADD COLUMN with a volatile default (or a stored generated column) rewrites the whole table.
import { columnDefs, constraintsOf, finding, ident, isNew, relSql, typeSql, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

/** Functions PostgreSQL marks volatile that people use as defaults. */
const VOLATILE = new Set(['random', 'clock_timestamp', 'timeofday', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7', 'nextval', 'txid_current', 'setseed']);

function volatileCall(expr: unknown): string | undefined {
  if (Array.isArray(expr)) {
    for (const x of expr) {
      const v = volatileCall(x);
      if (v) return v;
    }
  } else if (expr && typeof expr === 'object') {
    const f = (expr as Node).FuncCall as Node | undefined;
    if (f) {
      const names = (f.funcname as Node[]).map((n) => (n.String as Node).sval as string);
      if (VOLATILE.has(names[names.length - 1])) return names[names.length - 1];
    }
    for (const v of Object.values(expr as Node)) {
      const found = volatileCall(v);
      if (found) return found;
    }
  }
  return undefined;
}

export const addingVolatileDefault: Rule = {
  check: 'adding_volatile_default',
  severity: 'warning',
  title: 'A column added with a volatile default rewrites the table',
  findings(s, ctx) {
    if (s.node !== 'AlterTableStmt') return [];
    const out = [];
    for (const { table, col } of columnDefs(s)) {
      if (isNew(ctx, table)) continue;
      const def = constraintsOf(col).find((c) => c.contype === 'CONSTR_DEFAULT');
      const fn = def && volatileCall(def.raw_expr);
      if (!fn) continue;
      const t = relSql(table);
      const c = ident(col.colname as string);
      const noArgs = !((def!.raw_expr as Node).FuncCall as Node | undefined)?.args;
      out.push(finding(this, s, ctx, { ...table, columns: [col.colname as string] }, `column ${col.colname} is added to ${t} with the volatile default ${fn}()`,
        'A constant default is stored once in the catalog, but a volatile one must be computed for every existing row: the table is rewritten under an ACCESS EXCLUSIVE lock that blocks reads and writes for as long as the rewrite takes. Add the column without a default, set the default for new rows, and backfill old rows in batches.',
        noArgs ? `ALTER TABLE ${t} ADD COLUMN ${c} ${typeSql(col.typeName)};\nALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${fn}();\n-- backfill in batches: UPDATE ${t} SET ${c} = ${fn}() WHERE ${c} IS NULL AND … ;` : undefined));
    }
    return out;
  },
};

export const addingStoredGeneratedColumn: Rule = {
  check: 'adding_stored_generated_column',
  severity: 'warning',
  title: 'A stored generated column added to an existing table rewrites it',
  findings(s, ctx) {
    if (s.node !== 'AlterTableStmt') return [];
    return columnDefs(s)
      .filter(({ table, col }) => !isNew(ctx, table) && constraintsOf(col).some((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind === 's'))
      .map(({ table, col }) => finding(this, s, ctx, { ...table, columns: [col.colname as string] }, `stored generated column ${col.colname} is added to ${relSql(table)}`,
        'A stored generated column is computed and written for every existing row while the table is held under ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite. PostgreSQL 18 can add a VIRTUAL generated column instead, which is computed on read and needs no rewrite; or add a plain column and fill it in batches.'));
  },
};
