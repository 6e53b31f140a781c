// Splits a script into statements and psql backslash lines with PostgreSQL's own lexer and parser
// (libpg-query), so dollar quotes, E'' strings, comments and quoted identifiers are always right.
import { loadModule, parse, scan, type ScanToken } from 'libpg-query';

export type ScriptPiece =
  /** `readsStdin`: COPY … FROM STDIN, which waits for rows the client sends after it. */
  | { kind: 'sql'; from: number; to: number; text: string; node: string; readsStdin?: boolean }
  | { kind: 'backslash'; from: number; to: number; text: string }
  /** Text the parser rejects; it is still sent to the server, whose error is the authoritative one. */
  | { kind: 'invalid'; from: number; to: number; text: string; message: string; position: number };

/** A line whose first non-blank character is a backslash is a psql command, when outside any string. */
const BACKSLASH_LINE = /^[ \t]*\\/gm;

export async function splitScript(text: string): Promise<ScriptPiece[]> {
  const pieces: ScriptPiece[] = [];
  const candidates = [...text.matchAll(BACKSLASH_LINE)].map((m) => m.index! + m[0].length - 1);
  let pos = 0;
  while (pos < text.length) {
    // Try the SQL up to each candidate backslash line: if that region lexes cleanly, the candidate
    // is outside any string or comment and really is a backslash command.
    const next = candidates.filter((c) => c >= pos);
    let done = false;
    for (const bs of next) {
      const tokens = await scanRegion(text, pos, bs);
      if (!tokens) continue;
      pieces.push(...(await statementsOf(text, tokens)));
      const eol = text.indexOf('\n', bs);
      const end = eol === -1 ? text.length : eol;
      pieces.push({ kind: 'backslash', from: bs, to: end, text: text.slice(bs, end).trimEnd() });
      pos = end;
      done = true;
      break;
    }
    if (done) continue;
    pieces.push(...(await scanTail(text, pos)));
    break;
  }
  return pieces;
}

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

/** Tokens of text[from, to) with offsets into `text`, or null when the region does not lex (open string). */
async function scanRegion(text: string, from: number, to: number): Promise<ScanToken[] | null> {
  const region = text.slice(from, to);
  if (!region.trim()) return [];
  try {
    const { tokens } = await scan(region);
    const toChar = byteToCharMap(region);
    return tokens.map((t) => ({ ...t, start: from + toChar(t.start), end: from + toChar(t.end) }));
  } catch {
    return null;
  }
}

/** The rest of the script: the longest prefix that lexes gives statements; what follows is invalid. */
async function scanTail(text: string, from: number): Promise<ScriptPiece[]> {
  const whole = await scanRegion(text, from, text.length);
  if (whole) return statementsOf(text, whole);
  for (let cut = text.lastIndexOf(';', text.length - 1); cut >= from; cut = text.lastIndexOf(';', cut - 1)) {
    const tokens = await scanRegion(text, from, cut + 1);
    if (!tokens) continue;
    const good = await statementsOf(text, tokens);
    return [...good, await invalidPiece(text, cut + 1, text.length)];
  }
  return [await invalidPiece(text, from, text.length)];
}

const isComment = (t: ScanToken) => t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT';
const isSemicolon = (t: ScanToken) => t.text === ';' && t.tokenName === 'ASCII_59';

/** Groups tokens into statements at top-level semicolons and asks the parser what each one is. */
async function statementsOf(text: string, tokens: ScanToken[]): Promise<ScriptPiece[]> {
  const chunks: ScanToken[][] = [[]];
  for (const t of tokens) {
    if (isSemicolon(t)) chunks.push([]);
    else if (!isComment(t)) chunks[chunks.length - 1].push(t);
  }
  const pieces: ScriptPiece[] = [];
  for (let i = 0; i < chunks.length; i++) {
    let chunk = chunks[i];
    if (chunk.length === 0) continue;
    let piece = await classify(text, chunk);
    // `BEGIN ATOMIC … END` bodies and rule actions hold semicolons of their own: grow until it parses.
    if (piece.kind === 'invalid' && mayContainSemicolons(chunk)) {
      for (let j = i + 1; j < chunks.length; j++) {
        chunk = [...chunk, ...chunks[j]];
        const grown = await classify(text, chunk);
        if (grown.kind === 'sql') {
          piece = grown;
          i = j;
          break;
        }
      }
    }
    pieces.push(piece);
  }
  return pieces;
}

function mayContainSemicolons(chunk: ScanToken[]): boolean {
  let depth = 0;
  for (const t of chunk) depth += t.text === '(' ? 1 : t.text === ')' ? -1 : 0;
  const words = chunk.map((t) => t.text.toLowerCase());
  return depth > 0 || words.some((w, k) => w === 'begin' && words[k + 1] === 'atomic');
}

async function classify(text: string, chunk: ScanToken[]): Promise<ScriptPiece> {
  const from = chunk[0].start;
  const to = chunk[chunk.length - 1].end;
  const sql = text.slice(from, to);
  try {
    const result = await parse(sql);
    const stmt = result.stmts?.[0]?.stmt as Record<string, unknown> | undefined;
    const node = stmt ? Object.keys(stmt)[0] : '';
    const copy = node === 'CopyStmt' ? (stmt!.CopyStmt as { is_from?: boolean; filename?: string; is_program?: boolean }) : undefined;
    const readsStdin = !!copy?.is_from && !copy.filename && !copy.is_program;
    return { kind: 'sql', from, to, text: sql, node, ...(readsStdin ? { readsStdin } : {}) };
  } catch (e) {
    return invalidPiece(text, from, to, e);
  }
}

async function invalidPiece(text: string, from: number, to: number, cause?: unknown): Promise<ScriptPiece> {
  const raw = text.slice(from, to);
  const start = from + (raw.length - raw.trimStart().length);
  const sql = text.slice(start, to).trimEnd();
  let error = cause;
  if (error === undefined) {
    try {
      await parse(sql);
    } catch (e) {
      error = e;
    }
  }
  const details = (error as { sqlDetails?: { message: string; cursorPosition: number } } | undefined)?.sqlDetails;
  const message = details?.message ?? 'unterminated string, comment or quoted identifier';
  const position = start + (details ? byteToCharMap(sql)(details.cursorPosition) : 0);
  return { kind: 'invalid', from: start, to: start + sql.length, text: sql, message, position };
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
