// COPY … FROM STDIN with its rows in the script, as psql (and every pg_dump file) feeds them.
// The Engine speaks only the simple Query protocol, and PGlite's single backend cannot wait for
// CopyData that a client sends later; so the rows are written to a file of the database's own
// (in-memory) file system with a large object, and COPY reads that file. Same parser, same
// options, same errors ("COPY t, line 3, column a: …") as reading from the client.
import type { Engine, RunOutcome } from './types.ts';
import { ownStatement } from './own-statements.ts';

/** One file, overwritten each time and emptied after, so nothing piles up in memory. */
const COPY_FILE = '/tmp/pglab-copy-from-stdin';

export async function copyFromScript(engine: Engine, sql: string, data: string, transactionFailed: boolean): Promise<RunOutcome> {
  const at = stdinAt(sql);
  // In a failed transaction the server refuses COPY anyway: send it as written for its own error.
  if (at < 0 || transactionFailed) return engine.run(sql);
  const staged = await writeFile(engine, data);
  if (!staged.ok) return staged;
  const fromFile = `${sql.slice(0, at)}'${COPY_FILE}'${sql.slice(at + 'stdin'.length)}`;
  const out = await engine.run(fromFile);
  if (out.ok || !out.broken) await writeFile(engine, '').catch(() => undefined);
  if (!out.ok && out.error.position) delete out.error.position; // it points into the rewritten text
  return out;
}

async function writeFile(engine: Engine, data: string): Promise<RunOutcome> {
  const hex = Array.from(new TextEncoder().encode(data), (b) => b.toString(16).padStart(2, '0')).join('');
  // Two statements: a large object made by a statement is not visible to that same statement.
  const made = await engine.run(ownStatement(`select pg_catalog.lo_from_bytea(0, '\\x${hex}'::bytea)`));
  if (!made.ok) return made;
  const id = Number(made.rows[0]?.[0]);
  return engine.run(ownStatement(`select pg_catalog.lo_unlink(${id}) where pg_catalog.lo_export(${id}, '${COPY_FILE}') = 1`));
}

/** Where the word STDIN of `… FROM STDIN` starts, outside strings and quoted names; -1 if absent. */
export function stdinAt(sql: string): number {
  const re = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\bfrom\s+(stdin)\b/giy;
  for (let i = 0; i < sql.length;) {
    re.lastIndex = i;
    const m = re.exec(sql);
    if (!m) { i++; continue; }
    if (m[1]) return m.index + m[0].length - m[1].length;
    i = m.index + m[0].length;
  }
  return -1;
}

/**
 * Where `\copy`'s FROM or TO keyword starts: after the table (quoted, qualified, with a column
 * list) or the parenthesized query, whose own FROMs are not it. -1 if there is none.
 */
export function copyDirectionAt(args: string): number {
  const token = /\s+|'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|[()]|[^\s'"()]+/y;
  let depth = 0;
  for (let i = 0; i < args.length;) {
    token.lastIndex = i;
    const m = token.exec(args);
    if (!m) return -1;
    const t = m[0];
    if (t === '(') depth++;
    else if (t === ')') depth--;
    else if (depth === 0 && /^(from|to)$/i.test(t)) return m.index;
    i = m.index + t.length;
  }
  return -1;
}

/** psql's `\copy ARGS` as the COPY the server runs, or what is wrong with it. */
export type CopyCommand =
  | { ok: true; sql: string; from: boolean; std: boolean; file: string }
  | { ok: false; message: string };

export function copyCommand(rawArgs: string): CopyCommand {
  const args = rawArgs.replace(/;\s*$/, '');
  // The keyword after the table or the (query), whose own FROMs are not it.
  const at = copyDirectionAt(args);
  const m = at < 0 ? null : /(from|to)\s+(p?stdin|p?stdout|'(?:[^']|'')*'|\S+)/iy.exec(args.slice(at));
  if (!m) return { ok: false, message: '\\copy: parse error at end of line' };
  if (/^program$/i.test(m[2])) return { ok: false, message: '\\copy … program cannot run in pglab: there is no shell in the page.' };
  const std = ['stdin', 'pstdin', 'stdout', 'pstdout'].includes(m[2].toLowerCase());
  const from = m[1].toLowerCase() === 'from';
  const sql = `copy ${args.slice(0, at)}${m[1]} ${from ? 'stdin' : 'stdout'}${args.slice(at + m[0].length)}`;
  const file = std ? '' : m[2].replace(/^'(.*)'$/s, '$1').replace(/''/g, "'");
  return { ok: true, sql, from, std, file };
}
