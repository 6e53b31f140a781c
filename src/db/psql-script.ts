// psql's scripting state, pure: variables and their substitution, backslash-command arguments,
// the boolean rule and the \if / \elif / \else / \endif stack. The messages are psql 18's.
import type { VarRef } from './psql-lexer.ts';

/** psql's valid variable names: letters, digits and underscores (and any non-ASCII letter). */
export const validVariableName = (name: string) => /^[A-Za-z0-9_\u0080-\uffff]+$/.test(name);

/** psql's ParseVariableBool: case-insensitive on/off, and prefixes of true/false/yes/no; 1/0. */
export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  if ('true'.startsWith(v) || 'yes'.startsWith(v) || v === 'on' || v === '1') return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v) || (v.length >= 2 && 'off'.startsWith(v)) || v === '0') return false;
  return undefined;
}

/** PQescapeLiteral: quotes doubled; with a backslash, an E'' string with backslashes doubled. */
export function escapeLiteral(value: string): string {
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** PQescapeIdentifier. */
export const escapeIdentifier = (value: string) => `"${value.replace(/"/g, '""')}"`;

export class PsqlVariables {
  private values = new Map<string, string>();

  get(name: string): string | undefined {
    return this.values.get(name);
  }
  set(name: string, value: string) {
    this.values.set(name, value);
  }
  unset(name: string) {
    this.values.delete(name);
  }
  /** `\set` without arguments: every variable, sorted, as `name = 'value'`. */
  list(): string {
    return [...this.values.keys()].sort().map((k) => `${k} = '${this.values.get(k)}'`).join('\n');
  }
  /** A variable read as a boolean (ON_ERROR_STOP): undefined when unset. */
  bool(name: string): boolean | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : parseBool(v) ?? false;
  }
}

/**
 * A statement's text with its variables substituted, as psql does: a variable that is not set is
 * left as written. `refs` are offsets into the script; `textOffset(i)` maps them into `text`.
 */
export function substituteVariables(
  text: string, refs: VarRef[], toTextIndex: (scriptOffset: number) => number, vars: PsqlVariables,
): string {
  let out = '';
  let at = 0;
  for (const r of refs) {
    const value = vars.get(r.name);
    if (value === undefined) continue;
    const from = toTextIndex(r.from);
    const to = toTextIndex(r.to - 1) + 1;
    if (from < at) continue;
    out += text.slice(at, from) + (r.quote === "'" ? escapeLiteral(value) : r.quote === '"' ? escapeIdentifier(value) : value);
    at = to;
  }
  return out + text.slice(at);
}

/**
 * A backslash command's arguments, as psql's OT_NORMAL option scanner reads them: words split at
 * blanks; '…' quoted with backslash escapes and '' for a quote; "…" kept with its quotes;
 * `:name`, `:'name'`, `:"name"` substituted outside quotes.
 */
export function parseArguments(args: string, vars: PsqlVariables): { words: string[]; error?: string } {
  const words: string[] = [];
  let i = 0;
  const n = args.length;
  while (i < n) {
    while (i < n && /\s/.test(args[i])) i++;
    if (i >= n) break;
    let word = '';
    while (i < n && !/\s/.test(args[i])) {
      const c = args[i];
      if (c === "'") {
        i++;
        let closed = false;
        while (i < n) {
          const ch = args[i];
          if (ch === "'") {
            if (args[i + 1] === "'") { word += "'"; i += 2; continue; }
            i++;
            closed = true;
            break;
          }
          if (ch === '\\' && i + 1 < n) {
            const e = args[i + 1];
            const simple: Record<string, string> = { n: '\n', t: '\t', b: '\b', r: '\r', f: '\f' };
            if (e in simple) { word += simple[e]; i += 2; continue; }
            const oct = /^[0-7]{1,3}/.exec(args.slice(i + 1));
            if (oct) { word += String.fromCharCode(parseInt(oct[0], 8)); i += 1 + oct[0].length; continue; }
            const hex = /^x([0-9A-Fa-f]{1,2})/.exec(args.slice(i + 1));
            if (hex) { word += String.fromCharCode(parseInt(hex[1], 16)); i += 1 + hex[0].length; continue; }
            word += e;
            i += 2;
            continue;
          }
          word += ch;
          i++;
        }
        if (!closed) return { words, error: 'unterminated quoted string' };
        continue;
      }
      if (c === '"') {
        const close = args.indexOf('"', i + 1);
        if (close < 0) return { words, error: 'unterminated quoted string' };
        word += args.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      if (c === '`') return { words, error: 'backquoted shell commands (`…`) cannot run in pglab: there is no shell in the page' };
      if (c === ':' && i + 1 < n) {
        const q = args[i + 1];
        const m = q === "'" || q === '"' ? /^([A-Za-z0-9_\u0080-\uffff]+)(['"])/.exec(args.slice(i + 2)) : /^[A-Za-z0-9_\u0080-\uffff]+/.exec(args.slice(i + 1));
        if (m && (q !== "'" && q !== '"' ? true : m[2] === q)) {
          const name = q === "'" || q === '"' ? m[1] : m[0];
          const value = vars.get(name);
          if (value !== undefined) {
            word += q === "'" ? escapeLiteral(value) : q === '"' ? escapeIdentifier(value) : value;
            i += q === "'" || q === '"' ? 3 + name.length : 1 + name.length;
            continue;
          }
        }
      }
      word += c;
      i++;
    }
    words.push(word);
  }
  return { words };
}

type IfState = 'true' | 'false' | 'ignored' | 'else-true' | 'else-false';

/** psql's conditional stack: whether commands and queries are being executed, across \if blocks. */
export class ConditionalStack {
  private stack: IfState[] = [];

  get depth() {
    return this.stack.length;
  }
  /** Commands run only when every enclosing branch is taken. */
  get active(): boolean {
    const top = this.stack[this.stack.length - 1];
    return top === undefined || top === 'true' || top === 'else-true';
  }

  /** `\if`: `evaluate` is called only when the \if is reached in an active branch. */
  if(evaluate: () => boolean) {
    this.stack.push(this.active ? (evaluate() ? 'true' : 'false') : 'ignored');
  }
  elif(evaluate: () => boolean): string | undefined {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return '\\elif: no matching \\if';
    if (top === 'else-true' || top === 'else-false') return '\\elif: cannot occur after \\else';
    if (top === 'true') this.stack[this.stack.length - 1] = 'ignored';
    else if (top === 'false' && evaluate()) this.stack[this.stack.length - 1] = 'true';
    return undefined;
  }
  else(): string | undefined {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return '\\else: no matching \\if';
    if (top === 'else-true' || top === 'else-false') return '\\else: cannot occur after \\else';
    this.stack[this.stack.length - 1] = top === 'false' ? 'else-true' : 'else-false';
    return undefined;
  }
  endif(): string | undefined {
    if (!this.stack.length) return '\\endif: no matching \\if';
    this.stack.pop();
    return undefined;
  }
  clear() {
    this.stack = [];
  }
}
