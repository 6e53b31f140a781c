// A psql-style lexer: one linear pass over a script that finds where psql would send each
// statement, as psql's psqlscan.l does. It knows only what decides that (strings, quoted
// identifiers, dollar quotes, comments, parentheses, BEGIN ATOMIC bodies, backslash commands,
// COPY … FROM STDIN data); what a statement means is left to the parser and the server, so a
// statement the server will reject never swallows the ones after it.

/** A psql variable reference (`:name`, `:'name'`, `:"name"`) outside any string, by offsets into the script. */
export interface VarRef { from: number; to: number; name: string; quote: '' | "'" | '"' }

/** Text of one part of a query buffer, with the script offset it came from. */
export interface Segment { from: number; text: string }

export type LexEvent =
  /** The query buffer is complete: at `;` (`end` = 'semicolon'), at a backslash command, or at the end of the script. */
  | {
      type: 'query'; segments: Segment[]; vars: VarRef[]; end: 'semicolon' | 'backslash' | 'eof';
      /** COPY … FROM STDIN: the data lines that follow in the script, up to `\.` (psql feeds them to COPY). */
      copyData?: { from: number; to: number; text: string };
    }
  /** A backslash command: `name` without the backslash, `args` the raw rest (variables not yet substituted). */
  | {
      type: 'backslash'; from: number; to: number; name: string; args: string; argsFrom: number;
      /** `\copy … from stdin`: its inline data, as for COPY. */
      copyData?: { from: number; to: number; text: string };
      /** `\p`, `\e`: the unfinished query buffer they show (psql's query_buf), when it holds something. */
      buffer?: string;
    };

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isIdentStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isIdentCont = (c: string) => /[A-Za-z_0-9$\u0080-\uffff]/.test(c);
const isVarChar = (c: string) => /[A-Za-z_0-9\u0080-\uffff]/.test(c);

/** psql commands that show the query buffer without sending it. */
const SHOWS_BUFFER = new Set(['p', 'print', 'e', 'edit']);

/** psql commands whose argument is the whole rest of the line (OT_WHOLE_LINE in psql's command.c). */
const WHOLE_LINE = new Set(['!', 'copy', 'ef', 'ev', 'sf', 'sf+', 'sv', 'sv+', 'h', 'help']);

/** psql commands that send the query buffer (or the previous query when it is empty). */
export const SENDS_BUFFER = new Set(['g', 'gx', 'gset', 'gexec', 'gdesc', 'crosstabview', 'watch']);

/**
 * Lexes `text` as psql reads a script, calling `emit` for each query and backslash command in the
 * order psql would act on them. Linear in the length of the text.
 */
export function lexScript(text: string, emit: (e: LexEvent) => void): void {
  const n = text.length;
  let i = 0;
  // The query buffer being collected.
  let segments: Segment[] = [];
  let segFrom = -1; // start of the open segment, -1 when none
  let vars: VarRef[] = [];
  let hasContent = false;
  let parenDepth = 0;
  let beginDepth = 0;
  // psql's BEGIN ATOMIC heuristic: the first words of the statement, if CREATE [OR REPLACE] FUNCTION|PROCEDURE.
  let words: string[] = [];
  let wordCount = 0;
  // COPY … FROM STDIN, told from the top-level words (strings and subqueries are not words here).
  let firstWord = '';
  let prevWord = '';
  let fromStdin = false;
  let copyTo = false;

  let contentEnd = -1; // end of the last token that is not a comment
  const openSegment = (at: number) => { if (segFrom < 0) segFrom = at; };
  const closeSegment = (at: number) => {
    if (segFrom >= 0 && at > segFrom) segments.push({ from: segFrom, text: text.slice(segFrom, at) });
    segFrom = -1;
  };
  const resetStatement = () => {
    segments = []; segFrom = -1; vars = []; hasContent = false; parenDepth = 0; beginDepth = 0; contentEnd = -1;
    words = []; wordCount = 0; firstWord = ''; prevWord = ''; fromStdin = false; copyTo = false;
  };
  const readsStdin = () => firstWord === 'copy' && fromStdin && !copyTo;
  /** The query event of the buffer (its last segment ends at its last token), or undefined when it holds nothing. */
  const takeQuery = (end: 'semicolon' | 'backslash' | 'eof', at: number): Extract<LexEvent, { type: 'query' }> | undefined => {
    closeSegment(end === 'backslash' ? at : Math.max(contentEnd, segFrom));
    const ev = hasContent ? { type: 'query' as const, segments, vars: vars.filter((v) => v.to <= Math.max(contentEnd, at)), end } : undefined;
    resetStatement();
    return ev;
  };
  // COPY … FROM STDIN: psql reads its data from the next line on, up to a line `\.`; the rest of
  // the COPY's own line is read after the data.
  const copyDataAfter = (from: number): { data: { from: number; to: number; text: string }; resume: number } => {
    const eol0 = text.indexOf('\n', from);
    const start = eol0 < 0 ? n : eol0 + 1;
    let p = start;
    while (p < n) {
      const eol = text.indexOf('\n', p);
      const lineStop = eol < 0 ? n : eol;
      if (text.slice(p, lineStop).replace(/\r$/, '') === '\\.') {
        return { data: { from: start, to: p, text: text.slice(start, p) }, resume: eol < 0 ? n : eol + 1 };
      }
      p = eol < 0 ? n : eol + 1;
    }
    return { data: { from: start, to: n, text: text.slice(start, n) }, resume: n };
  };

  const word = (w: string) => {
    const lw = w.toLowerCase();
    if (wordCount < 4 && ['create', 'function', 'procedure', 'or', 'replace'].includes(lw)) words[wordCount] = lw[0];
    wordCount++;
    const routine = words[0] === 'c' && (words[1] === 'f' || words[1] === 'p' || (words[1] === 'o' && words[2] === 'r' && (words[3] === 'f' || words[3] === 'p')));
    if (routine && parenDepth === 0) {
      if (lw === 'begin') beginDepth++;
      else if (lw === 'case' && beginDepth >= 1) beginDepth++;
      else if (lw === 'end' && beginDepth > 0) beginDepth--;
    }
    if (parenDepth === 0) {
      if (!firstWord) firstWord = lw;
      if (prevWord === 'from' && lw === 'stdin') fromStdin = true;
      if (prevWord === 'to' && (lw === 'stdout' || lw === 'program')) copyTo = true;
      prevWord = lw;
    }
  };

  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    // Whitespace and -- comments before anything else are not part of the buffer (psql drops them).
    if (isSpace(c)) { i++; continue; }
    if (c === '-' && d === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c === '\\') {
      if (d === ';' || d === ':') {
        // `\;` puts a semicolon in the buffer without sending; `\:` a colon that is not a variable.
        closeSegment(i);
        segments.push({ from: i + 1, text: d });
        hasContent = true;
        i += 2;
        continue;
      }
      closeSegment(i);
      i = backslash(i);
      continue;
    }
    if (c === '/' && d === '*') { i = blockComment(i); continue; }
    openSegment(i);
    if (c === ';') {
      if (parenDepth === 0 && beginDepth === 0) {
        const copy = readsStdin();
        const ev = takeQuery('semicolon', i);
        i++;
        if (ev && copy) {
          const { data, resume } = copyDataAfter(i);
          ev.copyData = data;
          i = resume;
        }
        if (ev) emit(ev);
        continue;
      }
      hasContent = true;
      contentEnd = ++i;
      continue;
    }
    hasContent = true;
    i = token(i, c, d);
    contentEnd = i;
  }
  const last = takeQuery('eof', n);
  if (last) emit(last);

  /** Past the token that starts at `at` (not a comment, `;` or backslash). */
  function token(at: number, c: string, d: string): number {
    const i = at;
    if (c === "'") return quoted(i + 1, "'", false);
    if (c === '"') return quoted(i + 1, '"', false);
    if (c === '(') { parenDepth++; return i + 1; }
    if (c === ')') { if (parenDepth > 0) parenDepth--; return i + 1; }
    if (c === '$') {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
      if (m) {
        const close = text.indexOf(m[0], i + m[0].length);
        return close < 0 ? n : close + m[0].length;
      }
      let j = i + 1;
      while (j < n && /[0-9]/.test(text[j])) j++;
      return j;
    }
    if (c === ':') {
      if (d === ':') return i + 2;
      const v = variable(i);
      if (v) { vars.push(v); return v.to; }
      return i + 1;
    }
    if (isIdentStart(c)) {
      // E'', B'', X'', N'', U&'' / U&"" start strings only at the start of a word.
      const lc = c.toLowerCase();
      if (d === "'" && (lc === 'e' || lc === 'b' || lc === 'x' || lc === 'n')) return quoted(i + 2, "'", lc === 'e');
      if (lc === 'u' && d === '&' && (text[i + 2] === "'" || text[i + 2] === '"')) return quoted(i + 3, text[i + 2], false);
      let j = i + 1;
      while (j < n && isIdentCont(text[j])) j++;
      word(text.slice(i, j));
      return j;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(text[j])) j++;
      return j;
    }
    return i + 1;
  }


  /** Past the end of a string or quoted identifier that starts at `from` (after its quote); to the end when open. */
  function quoted(from: number, q: string, backslashEscapes: boolean): number {
    let p = from;
    while (p < n) {
      const ch = text[p];
      if (backslashEscapes && ch === '\\') { p += 2; continue; }
      if (ch === q) {
        if (text[p + 1] === q) { p += 2; continue; }
        return p + 1;
      }
      p++;
    }
    return n;
  }

  function blockComment(from: number): number {
    let depth = 0;
    let p = from;
    while (p < n) {
      if (text[p] === '/' && text[p + 1] === '*') { depth++; p += 2; continue; }
      if (text[p] === '*' && text[p + 1] === '/') { depth--; p += 2; if (depth === 0) return p; continue; }
      p++;
    }
    return n;
  }

  function variable(at: number): VarRef | undefined {
    const q = text[at + 1];
    if (q === "'" || q === '"') {
      let p = at + 2;
      while (p < n && isVarChar(text[p])) p++;
      if (p > at + 2 && text[p] === q) return { from: at, to: p + 1, name: text.slice(at + 2, p), quote: q };
      return undefined;
    }
    let p = at + 1;
    while (p < n && isVarChar(text[p])) p++;
    return p > at + 1 ? { from: at, to: p, name: text.slice(at + 1, p), quote: '' } : undefined;
  }

  /** A backslash command at `at`: emits it (after sending the buffer if it sends it) and returns where SQL resumes. */
  function backslash(at: number): number {
    let p = at + 1;
    while (p < n && !isSpace(text[p]) && text[p] !== '\\') p++;
    const name = text.slice(at + 1, p);
    const eol = text.indexOf('\n', p);
    const lineEnd = eol < 0 ? n : eol;
    let argsEnd = lineEnd;
    let resume = lineEnd;
    if (!WHOLE_LINE.has(name)) {
      // Arguments end at the end of the line, at `\\` (SQL follows) or at another backslash command.
      let quote = '';
      for (let k = p; k < lineEnd; k++) {
        const ch = text[k];
        if (quote) {
          if (ch === '\\' && quote === "'") k++;
          else if (ch === quote) quote = '';
          continue;
        }
        if (ch === "'" || ch === '"' || ch === '`') { quote = ch; continue; }
        if (ch === '\\') {
          argsEnd = k;
          resume = text[k + 1] === '\\' ? k + 2 : k;
          break;
        }
      }
    }
    const args = text.slice(p, argsEnd);
    const cmd: Extract<LexEvent, { type: 'backslash' }> = { type: 'backslash', from: at, to: argsEnd, name, args: args.trim(), argsFrom: p + (args.length - args.trimStart().length) };
    if (SENDS_BUFFER.has(name)) {
      // The buffer goes with the command (`select 1 \gset`), which then acts on its result.
      const ev = takeQuery('backslash', at);
      if (ev) emit(ev);
      emit(cmd);
      return resume;
    }
    if (name === 'copy' && /\bfrom\s+stdin\b/i.test(args)) {
      const { data, resume: after } = copyDataAfter(lineEnd);
      emit({ ...cmd, copyData: data });
      return after;
    }
    // `\p` and `\e` show the buffer as it stands (psql's query_buf; the previous query when it is empty).
    if (SHOWS_BUFFER.has(name) && hasContent) {
      const upTo = Math.max(contentEnd, segFrom);
      const open = segFrom >= 0 && upTo > segFrom ? [text.slice(segFrom, upTo)] : [];
      cmd.buffer = [...segments.map((g) => g.text), ...open].join('').trimEnd();
    }
    emit(cmd);
    // `\r` empties the buffer; every other command leaves an unfinished statement as it was.
    if (name === 'r' || name === 'reset') resetStatement();
    return resume;
  }
}
