// A migration script as statements with their parse trees (PostgreSQL 18's parser, libpg-query),
// and which of them cannot run inside a transaction block: decided on the tree, never on text.
import { parse } from 'libpg-query';
import { splitScript } from '../db/splitter.ts';

export type Node = Record<string, unknown>;

export interface MigrationStatement {
  /** 0-based position in the script. */
  index: number;
  text: string;
  /** Offset of the statement in the script (for line numbers). */
  from: number;
  /** Top-level node name, e.g. `AlterTableStmt`. */
  node: string;
  /** The statement's node body (`tree[node]`). */
  body: Node;
  /** Why it must run outside a transaction block, when it must. */
  autocommit?: string;
}

export class ScriptError extends Error {
  override name = 'ScriptError';
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Splits and parses; a syntax error or a psql backslash line is refused with its line. */
export async function parseMigration(sql: string): Promise<MigrationStatement[]> {
  const out: MigrationStatement[] = [];
  for (const piece of await splitScript(sql)) {
    if (piece.kind === 'backslash') throw new ScriptError(`line ${lineOf(sql, piece.from)}: psql command ${piece.text.split(/\s/)[0]} cannot run in a migration (only SQL)`, lineOf(sql, piece.from));
    if (piece.kind === 'invalid') throw new ScriptError(`line ${lineOf(sql, piece.position)}: ${piece.message}`, lineOf(sql, piece.position));
    const tree = (await parse(piece.text)).stmts?.[0]?.stmt as Node | undefined;
    if (!tree) continue;
    const node = Object.keys(tree)[0];
    out.push({ index: out.length, text: piece.text, from: piece.from, node, body: tree[node] as Node });
  }
  markAutocommit(out);
  return out;
}

/** Reasons a statement cannot run in a transaction block (PostgreSQL refuses it with 25001). */
function ownReason(node: string, b: Node): string | undefined {
  switch (node) {
    case 'IndexStmt':
      return b.concurrent ? 'CREATE INDEX CONCURRENTLY' : undefined;
    case 'ReindexStmt':
      return hasDefElem(b.params, 'concurrently') ? 'REINDEX CONCURRENTLY' : b.kind === 'REINDEX_OBJECT_SYSTEM' || b.kind === 'REINDEX_OBJECT_DATABASE' ? 'REINDEX DATABASE/SYSTEM' : undefined;
    case 'DropStmt':
      return b.concurrent ? 'DROP INDEX CONCURRENTLY' : undefined;
    case 'VacuumStmt':
      return b.is_vacuumcmd ? 'VACUUM' : undefined;
    case 'AlterTableStmt':
      return cmds(b).some((c) => c.subtype === 'AT_DetachPartition' && (c.def as Node | undefined)?.PartitionCmd && ((c.def as Node).PartitionCmd as Node).concurrent)
        ? 'DETACH PARTITION CONCURRENTLY'
        : undefined;
    case 'CreatedbStmt':
      return 'CREATE DATABASE';
    case 'DropdbStmt':
      return 'DROP DATABASE';
    case 'AlterSystemStmt':
      return 'ALTER SYSTEM';
    case 'CreateTableSpaceStmt':
      return 'CREATE TABLESPACE';
    case 'DropTableSpaceStmt':
      return 'DROP TABLESPACE';
    case 'CreateSubscriptionStmt':
      return 'CREATE SUBSCRIPTION';
  }
  return undefined;
}

export function cmds(b: Node): Node[] {
  return ((b.cmds as Node[] | undefined) ?? []).map((c) => c.AlterTableCmd as Node).filter(Boolean);
}

function hasDefElem(list: unknown, name: string): boolean {
  return Array.isArray(list) && list.some((d) => (d as Node).DefElem && ((d as Node).DefElem as Node).defname === name);
}

/** Every string constant in a tree (A_Const sval), to see whether a new enum value is used. */
export function stringConstants(tree: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(tree)) for (const x of tree) stringConstants(x, out);
  else if (tree && typeof tree === 'object') {
    const o = tree as Node;
    const c = o.A_Const as Node | undefined;
    if (c && c.sval && typeof (c.sval as Node).sval === 'string') out.add((c.sval as Node).sval as string);
    for (const v of Object.values(o)) if (v && typeof v === 'object') stringConstants(v, out);
  }
  return out;
}

function markAutocommit(stmts: MigrationStatement[]): void {
  const added = new Map<string, number>();
  for (const s of stmts) {
    const own = ownReason(s.node, s.body);
    if (own) s.autocommit = own;
    if (s.node === 'AlterEnumStmt' && s.body.newVal && !s.body.oldVal) added.set(s.body.newVal as string, s.index);
  }
  // An enum value added in a transaction cannot be used before that transaction commits (55P04).
  for (const s of stmts) {
    for (const v of stringConstants(s.body)) {
      const at = added.get(v);
      if (at !== undefined && at < s.index && !stmts[at].autocommit) stmts[at].autocommit = `enum value '${v}' added and used (statement ${s.index + 1}) in the same revision`;
    }
  }
}

export const isTransactionControl = (s: MigrationStatement) => s.node === 'TransactionStmt';
