// Showing and copying values. The session asks PostgreSQL for every value as its own text output
// (as psql shows it), so numeric, bigint, timestamps and bytea are exact; these helpers only format.

export const isNull = (v: unknown): v is null | undefined => v === null || v === undefined;

/** Display text of one value. Non-string values only arrive from other engines (tests, the CLI). */
export function formatCell(v: unknown): string {
  if (isNull(v)) return 'NULL';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return '\\x' + [...v].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

/**
 * Re-indents JSON text without parsing it into numbers, so 12345678901234567890 or 1.10
 * are shown exactly as PostgreSQL stored them. Text that is not JSON is returned unchanged.
 */
export function formatJsonPretty(v: unknown, indent = 2): string {
  const text = formatCell(v);
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return text;
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = () => '\n' + ' '.repeat(depth * indent);
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (inString) {
      out += ch;
      if (ch === '\\') out += t[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') { inString = true; out += ch; }
    else if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      let j = i + 1;
      while (t[j] === ' ' || t[j] === '\n') j++;
      if (t[j] === close) { out += ch + close; i = j; continue; }
      depth++;
      out += ch + newline();
    } else if (ch === '}' || ch === ']') { depth--; out += newline() + ch; }
    else if (ch === ',') out += ',' + newline();
    else if (ch === ':') out += ': ';
    else if (ch !== ' ' && ch !== '\n' && ch !== '\t' && ch !== '\r') out += ch;
  }
  return depth === 0 && !inString ? out : text;
}

type Rows = readonly (readonly unknown[])[];

/** RFC 4180 CSV; NULL is an empty field and the empty string a quoted "" (as COPY … CSV does). */
export function toCsv(names: string[], rows: Rows): string {
  const field = (v: unknown) => {
    if (isNull(v)) return '';
    const s = formatCell(v);
    return s === '' || /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [names, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Tab-separated like COPY's text format: NULL is \N and tabs, newlines and backslashes are escaped. */
export function toTsv(names: string[], rows: Rows): string {
  const field = (v: unknown) =>
    isNull(v) ? '\\N' : formatCell(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return [names.map(field), ...rows.map((r) => r.map(field))].map((r) => r.join('\t')).join('\n') + '\n';
}

/** A GitHub-flavoured Markdown table; NULL in italics, pipes escaped, newlines as <br>. */
export function toMarkdown(names: string[], rows: Rows): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
  const field = (v: unknown) => (isNull(v) ? '*NULL*' : esc(formatCell(v)) || '``');
  const lines = [
    `| ${names.map(esc).join(' | ')} |`,
    `| ${names.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(field).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}
