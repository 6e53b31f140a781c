// Splits a script into what psql would send and do, in order: statements where psql's lexer ends
// them (psql-lexer.ts), and backslash commands. PostgreSQL's own parser (libpg-query) then says
// what each statement is, once per statement, so splitting stays linear in the script's length.
import { loadModule, parse } from 'libpg-query';
import { lexScript, type Segment, type VarRef } from './psql-lexer.ts';

export interface CopyData { from: number; to: number; text: string }

interface QueryPiece {
  from: number;
  to: number;
  /** What would be sent (a backslash line inside an unfinished statement is left out, as psql does). */
  text: string;
  /** Parts of `text` with the script offsets they came from, when `text` is not one slice of the script. */
  segments?: Segment[];
  /** psql variables in the statement, substituted when it runs. */
  vars?: VarRef[];
  /** What ended it: `;`, a backslash command that sends it (`\g`, `\gset`…), or the end of the script. */
  end?: 'semicolon' | 'backslash' | 'eof';
  /** The rows COPY … FROM STDIN reads: the lines after it in the script, up to `\.`. */
  copyData?: CopyData;
}

export type ScriptPiece =
  /** `readsStdin`: COPY … FROM STDIN, which waits for rows the client sends after it. */
  | (QueryPiece & { kind: 'sql'; node: string; readsStdin?: boolean })
  | { kind: 'backslash'; from: number; to: number; text: string; name: string; args: string; argsFrom: number; copyData?: CopyData; buffer?: string }
  /**
   * Text the parser rejects; it is still sent to the server, whose error is the authoritative one,
   * unless `unsendable` (a NUL byte, which no query can carry).
   */
  | (QueryPiece & { kind: 'invalid'; message: string; position: number; unsendable?: boolean });

export async function splitScript(text: string): Promise<ScriptPiece[]> {
  await loadModule();
  const events: Parameters<Parameters<typeof lexScript>[1]>[0][] = [];
  lexScript(text, (e) => events.push(e));
  const pieces: ScriptPiece[] = [];
  for (const e of events) {
    if (e.type === 'backslash') {
      pieces.push({
        kind: 'backslash', from: e.from, to: e.to, text: text.slice(e.from, e.to).trimEnd(), name: e.name, args: e.args, argsFrom: e.argsFrom,
        ...(e.copyData ? { copyData: e.copyData } : {}),
        ...(e.buffer !== undefined ? { buffer: e.buffer } : {}),
      });
      continue;
    }
    if (e.segments.length === 0) continue;
    const first = e.segments[0];
    const lastSeg = e.segments[e.segments.length - 1];
    const joined = e.segments.map((g) => g.text).join('');
    const q: QueryPiece = {
      from: first.from, to: lastSeg.from + lastSeg.text.length, text: joined,
      ...(e.segments.length > 1 ? { segments: e.segments } : {}),
      ...(e.vars.length ? { vars: e.vars } : {}),
      ...(e.copyData ? { copyData: e.copyData } : {}),
      end: e.end,
    };
    // A backslash command ends the buffer with the whitespace before it: not part of the statement.
    const trimmed = q.text.trimEnd();
    if (trimmed.length < q.text.length) {
      q.to -= q.text.length - trimmed.length;
      q.text = trimmed;
      if (q.segments) q.segments = trimSegments(q.segments, trimmed.length);
    }
    pieces.push(await classifyPiece(q));
  }
  return pieces;
}

function trimSegments(segments: Segment[], length: number): Segment[] {
  const out: Segment[] = [];
  let left = length;
  for (const g of segments) {
    if (left <= 0) break;
    out.push(g.text.length <= left ? g : { from: g.from, text: g.text.slice(0, left) });
    left -= g.text.length;
  }
  return out;
}

/** The script offset of index `at` of a piece's text. */
export function sourceOffset(piece: { from: number; segments?: Segment[] }, at: number): number {
  if (!piece.segments) return piece.from + at;
  let left = at;
  for (const g of piece.segments) {
    if (left < g.text.length) return g.from + left;
    left -= g.text.length;
  }
  const g = piece.segments[piece.segments.length - 1];
  return g.from + g.text.length;
}

/** What the parser says a statement is: its node, COPY FROM STDIN, or its syntax error. */
export async function classifySql<Q extends QueryPiece>(q: Q): Promise<(Q & { kind: 'sql'; node: string; readsStdin?: boolean }) | (Q & { kind: 'invalid'; message: string; position: number; unsendable?: boolean })> {
  await loadModule();
  const nul = q.text.indexOf('\0');
  if (nul >= 0) {
    return {
      ...q, kind: 'invalid', unsendable: true, position: sourceOffset(q, nul),
      message: 'This statement holds a NUL byte (character code 0), which PostgreSQL cannot receive in a query: it was not sent. Remove the character (it often comes from a binary file or a bad copy).',
    };
  }
  try {
    const result = await parse(q.text);
    const stmt = result.stmts?.[0]?.stmt as Record<string, unknown> | undefined;
    const node = stmt ? Object.keys(stmt)[0] : '';
    const copy = node === 'CopyStmt' ? (stmt!.CopyStmt as { is_from?: boolean; filename?: string; is_program?: boolean }) : undefined;
    const readsStdin = !!copy?.is_from && !copy.filename && !copy.is_program;
    return { ...q, kind: 'sql', node, ...(readsStdin ? { readsStdin } : {}) };
  } catch (e) {
    const details = (e as { sqlDetails?: { message: string; cursorPosition: number } } | undefined)?.sqlDetails;
    const message = details?.message ?? (e instanceof Error ? e.message : String(e));
    const position = sourceOffset(q, details ? byteToCharMap(q.text)(details.cursorPosition) : 0);
    return { ...q, kind: 'invalid', message, position };
  }
}

const classifyPiece = (q: QueryPiece): Promise<ScriptPiece> => classifySql(q);

/** Loads the parser's wasm ahead of the first split. */
export const prepareSplitter = (): Promise<void> => loadModule();

/** The piece the cursor is in; between pieces, the one just before it (the cursor sits after its `;`). */
export function statementAt<P extends { from: number; to: number }>(pieces: P[], offset: number): P | undefined {
  let before: P | undefined;
  for (const p of pieces) {
    if (offset >= p.from && offset <= p.to) return p;
    if (p.to < offset) before = p;
  }
  return before ?? pieces[0];
}

/** libpg-query reports UTF-8 byte offsets; the editor works in UTF-16 string offsets. */
function byteToCharMap(s: string): (byte: number) => number {
  if (!/[^\x00-\x7f]/.test(s)) return (b) => b;
  const map: number[] = [];
  const encoder = new TextEncoder();
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i)!;
    const len = encoder.encode(String.fromCodePoint(cp)).length;
    for (let k = 0; k < len; k++) map[bytes + k] = i;
    bytes += len;
    if (cp > 0xffff) i++;
  }
  map[bytes] = s.length;
  return (b) => map[b] ?? s.length;
}
