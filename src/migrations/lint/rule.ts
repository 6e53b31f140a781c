// What a migration lint rule sees and returns. One rule per file, each with a stable check id.
import type { Finding, FindingObject, Severity } from '../../analysis/finding.ts';
import { cmds, lineOf, type MigrationStatement, type Node } from '../statements.ts';

export interface LintContext {
  /** The whole migration script (positions in statements point into it). */
  sql: string;
  statements: MigrationStatement[];
  /** Tables (schema-less names and schema.name) created by earlier statements of this migration. */
  createdBefore: Set<string>;
  /** A `SET lock_timeout` ran before this statement. */
  lockTimeoutSet: boolean;
  /** A `SET statement_timeout` (non-zero) ran before this statement. */
  statementTimeoutSet: boolean;
}

export interface Rule {
  check: string;
  severity: Severity;
  /** One line for docs and the workbench legend. */
  title: string;
  findings(s: MigrationStatement, ctx: LintContext): Finding[];
}

export function finding(rule: Rule, s: MigrationStatement, ctx: LintContext, object: FindingObject, message: string, why: string, fix?: string): Finding {
  return {
    check: rule.check,
    severity: rule.severity,
    object: { ...object, query: s.text.length > 300 ? `${s.text.slice(0, 297)}…` : s.text },
    message: `line ${lineOf(ctx.sql, s.from)}: ${message}`,
    why,
    ...(fix ? { fix } : {}),
  };
}

export interface Rel {
  schema?: string;
  table: string;
}

export function rel(rv: unknown): Rel {
  const r = (rv ?? {}) as Node;
  return { ...(r.schemaname ? { schema: r.schemaname as string } : {}), table: (r.relname as string) ?? '?' };
}

export const relKey = (r: Rel) => (r.schema ? `${r.schema}.${r.table}` : r.table);

/** schema.table as it would be written in SQL (quoted when needed). */
export function relSql(r: Rel): string {
  return r.schema ? `${ident(r.schema)}.${ident(r.table)}` : ident(r.table);
}

export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** The table was created earlier in this migration: locks on it block nobody yet. */
export function isNew(ctx: LintContext, r: Rel): boolean {
  return ctx.createdBefore.has(relKey(r)) || (!r.schema && ctx.createdBefore.has(`public.${r.table}`)) || (r.schema === 'public' && ctx.createdBefore.has(r.table));
}

export { cmds };

/** The type's last name (`int4`, `varchar`, `serial`, …) and its modifiers. */
export function typeOf(tn: unknown): { name: string; mods: number[]; array: boolean; location: number } {
  const t = (tn ?? {}) as Node;
  const names = ((t.names as Node[] | undefined) ?? []).map((n) => (n.String as Node)?.sval as string);
  const mods = ((t.typmods as Node[] | undefined) ?? []).map((m) => Number((((m.A_Const as Node)?.ival as Node)?.ival as number) ?? NaN));
  return { name: names[names.length - 1] ?? '', mods, array: Array.isArray(t.arrayBounds), location: (t.location as number) ?? -1 };
}

export const constraintsOf = (col: Node): Node[] => ((col.constraints as Node[] | undefined) ?? []).map((c) => c.Constraint as Node);

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The character index of a parse-tree byte offset (libpg-query locations are UTF-8 bytes). */
export function charIndex(text: string, byteLocation: number): number {
  return dec.decode(enc.encode(text).slice(0, byteLocation)).length;
}

/** Replaces `length` characters of the statement at a parse-tree byte offset (libpg-query locations are UTF-8 bytes). */
export function replaceAt(text: string, byteLocation: number, match: RegExp, replacement: string): string | undefined {
  const bytes = enc.encode(text);
  const at = dec.decode(bytes.slice(0, byteLocation)).length;
  const m = match.exec(text.slice(at));
  if (!m || m.index !== 0) return undefined;
  return text.slice(0, at) + replacement + text.slice(at + m[0].length);
}

/** Columns, when the statement is `CREATE TABLE` or `ALTER TABLE … ADD COLUMN`. */
export function columnDefs(s: MigrationStatement): { table: Rel; col: Node }[] {
  if (s.node === 'CreateStmt') {
    const table = rel(s.body.relation);
    return ((s.body.tableElts as Node[] | undefined) ?? []).filter((e) => e.ColumnDef).map((e) => ({ table, col: e.ColumnDef as Node }));
  }
  if (s.node === 'AlterTableStmt') {
    const table = rel(s.body.relation);
    return cmds(s.body).filter((c) => c.subtype === 'AT_AddColumn' && (c.def as Node)?.ColumnDef).map((c) => ({ table, col: (c.def as Node).ColumnDef as Node }));
  }
  return [];
}

/** ALTER TABLE commands of one subtype on a table that existed before this migration. */
export function alterCmds(s: MigrationStatement, ctx: LintContext, subtype: string): { table: Rel; cmd: Node }[] {
  if (s.node !== 'AlterTableStmt' || s.body.objtype !== 'OBJECT_TABLE') return [];
  const table = rel(s.body.relation);
  if (isNew(ctx, table)) return [];
  return cmds(s.body).filter((c) => c.subtype === subtype).map((cmd) => ({ table, cmd }));
}

const BUILTIN: Record<string, string> = { int2: 'smallint', int4: 'integer', int8: 'bigint', bool: 'boolean', float4: 'real', float8: 'double precision', bpchar: 'char', varchar: 'varchar', timestamptz: 'timestamptz', timestamp: 'timestamp', numeric: 'numeric', interval: 'interval', timetz: 'timetz', time: 'time' };

/** A type name as SQL, from its parse tree (enough for the types migrations add). */
export function typeSql(tn: unknown): string {
  const t = (tn ?? {}) as Node;
  const names = ((t.names as Node[] | undefined) ?? []).map((n) => (n.String as Node)?.sval as string);
  const last = names[names.length - 1] ?? '';
  const base = names[0] === 'pg_catalog' && BUILTIN[last] ? BUILTIN[last] : names.map(ident).join('.');
  const { mods, array } = typeOf(tn);
  return `${base}${mods.length && mods.every(Number.isFinite) ? `(${mods.join(', ')})` : ''}${array ? '[]' : ''}`;
}
