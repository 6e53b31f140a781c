// The small subset of YAML that lesson files use (front matter and the ```yaml checks block):
// block mappings and sequences by indentation, `- key: value` items, flow lists `[a, b]` and
// maps `{a: 1}`, quoted and plain scalars, numbers, booleans, null, `|` and `>` block text,
// and `#` comments. No anchors, tags or multi-document streams. Errors name the line.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
  }
}

interface Line {
  indent: number;
  text: string;
  /** 1-based, in the parsed text. */
  no: number;
}

export function parseYaml(source: string, firstLine = 1): YamlValue {
  const raw = source.replace(/\t/g, '  ').split(/\r?\n/);
  const lines: Line[] = raw.map((l, i) => ({ indent: l.length - l.trimStart().length, text: l.trim(), no: i + firstLine }));
  const p = new Parser(lines, raw);
  p.skipBlank();
  if (p.i >= lines.length) return null;
  const value = p.block(lines[p.i].indent);
  p.skipBlank();
  if (p.i < lines.length) throw new YamlError(`unexpected indentation: "${lines[p.i].text}"`, lines[p.i].no);
  return value;
}

class Parser {
  i = 0;
  constructor(private lines: Line[], private raw: string[]) {}

  skipBlank() {
    while (this.i < this.lines.length && (this.lines[this.i].text === '' || this.lines[this.i].text.startsWith('#'))) this.i++;
  }

  block(indent: number): YamlValue {
    const line = this.lines[this.i];
    if (isSeqItem(line.text)) return this.sequence(indent);
    return this.mapping(indent);
  }

  private sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    for (;;) {
      this.skipBlank();
      const line = this.lines[this.i];
      if (!line || line.indent !== indent || !isSeqItem(line.text)) break;
      const rest = line.text.slice(1).trimStart();
      if (rest === '' || rest.startsWith('#')) {
        this.i++;
        this.skipBlank();
        const next = this.lines[this.i];
        if (!next || next.indent <= indent) out.push(null);
        else out.push(this.block(next.indent));
      } else if (isMappingLine(rest)) {
        // `- key: value` opens a mapping whose keys line up with `key`.
        const col = indent + (line.text.length - rest.length);
        this.lines[this.i] = { indent: col, text: rest, no: line.no };
        out.push(this.mapping(col));
      } else {
        this.i++;
        out.push(this.scalarOrFlow(rest, line.no, indent));
      }
    }
    return out;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {};
    for (;;) {
      this.skipBlank();
      const line = this.lines[this.i];
      if (!line || line.indent < indent) break;
      if (line.indent > indent) throw new YamlError(`unexpected indentation: "${line.text}"`, line.no);
      if (isSeqItem(line.text)) break;
      const m = /^("[^"]*"|'[^']*'|[^:#]+?)\s*:(?:\s+(.*))?$/.exec(line.text) ?? /^([^:#]+?)\s*:$/.exec(line.text);
      if (!m) throw new YamlError(`expected "key: value", found "${line.text}"`, line.no);
      const key = unquote(m[1]);
      if (key in out) throw new YamlError(`key "${key}" appears twice`, line.no);
      const rest = stripComment(m[2] ?? '');
      this.i++;
      if (rest === '') {
        this.skipBlank();
        const next = this.lines[this.i];
        if (next && (next.indent > indent || (next.indent === indent && isSeqItem(next.text)))) out[key] = this.block(next.indent);
        else out[key] = null;
      } else if (/^[|>][+-]?$/.test(rest)) {
        out[key] = this.blockScalar(indent, rest[0] === '>');
      } else {
        out[key] = this.scalarOrFlow(rest, line.no, indent);
      }
    }
    return out;
  }

  private blockScalar(parentIndent: number, folded: boolean): string {
    const start = this.i;
    let end = start;
    while (end < this.lines.length && (this.lines[end].text === '' || this.lines[end].indent > parentIndent)) end++;
    // Trailing blank lines belong to what follows.
    while (end > start && this.lines[end - 1].text === '') end--;
    const body = this.raw.slice(start, end).map((l) => l.replace(/\t/g, '  '));
    const min = Math.min(...body.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
    this.i = end;
    const text = body.map((l) => l.slice(Number.isFinite(min) ? min : 0)).join('\n');
    return (folded ? text.replace(/([^\n])\n(?=[^\n])/g, '$1 ') : text) + '\n';
  }

  /** A scalar, or a flow collection that may continue on more-indented lines. */
  private scalarOrFlow(text: string, no: number, indent: number): YamlValue {
    if (text.startsWith('[') || text.startsWith('{')) {
      let src = text;
      while (!balanced(src) && this.i < this.lines.length && this.lines[this.i].indent > indent) {
        src += ' ' + this.lines[this.i].text;
        this.i++;
      }
      const f = new Flow(src, no);
      const v = f.value();
      f.end();
      return v;
    }
    return scalar(stripComment(text), no);
  }
}

function isSeqItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function isMappingLine(text: string): boolean {
  if (text.startsWith('"') || text.startsWith("'") || text.startsWith('[') || text.startsWith('{')) return /^("[^"]*"|'[^']*')\s*:(\s|$)/.test(text);
  return /^[^:#\s][^:#]*?\s*:(\s|$)/.test(text);
}

function stripComment(text: string): string {
  if (text.startsWith('"') || text.startsWith("'")) return text.trim();
  const m = /\s#/.exec(text);
  return (m ? text.slice(0, m.index) : text).trim();
}

function unquote(s: string): string {
  s = s.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return JSON.parse(s);
  if (s.length >= 2 && s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

function scalar(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t.startsWith('"') || t.startsWith("'")) {
    const q = t[0];
    if (!t.endsWith(q) || t.length < 2) throw new YamlError(`unterminated quoted string: ${t}`, no);
    return unquote(t);
  }
  if (t === '' || t === '~' || t === 'null') return null;
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}

function balanced(src: string): boolean {
  let depth = 0;
  let quote = '';
  for (const ch of src) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
  }
  return depth <= 0;
}

class Flow {
  pos = 0;
  constructor(private src: string, private no: number) {}

  private ws() {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  value(): YamlValue {
    this.ws();
    const ch = this.src[this.pos];
    if (ch === '[') {
      this.pos++;
      const out: YamlValue[] = [];
      this.ws();
      if (this.src[this.pos] === ']') { this.pos++; return out; }
      for (;;) {
        out.push(this.value());
        this.ws();
        const c = this.src[this.pos++];
        if (c === ']') return out;
        if (c !== ',') throw new YamlError(`expected "," or "]" in ${this.src}`, this.no);
      }
    }
    if (ch === '{') {
      this.pos++;
      const out: { [key: string]: YamlValue } = {};
      this.ws();
      if (this.src[this.pos] === '}') { this.pos++; return out; }
      for (;;) {
        this.ws();
        const key = this.token(':');
        if (this.src[this.pos++] !== ':') throw new YamlError(`expected "key: value" in ${this.src}`, this.no);
        out[unquote(key)] = this.value();
        this.ws();
        const c = this.src[this.pos++];
        if (c === '}') return out;
        if (c !== ',') throw new YamlError(`expected "," or "}" in ${this.src}`, this.no);
      }
    }
    return scalar(this.token(''), this.no);
  }

  /** A plain or quoted token up to `,`, `]`, `}` (or `stop`). */
  private token(stop: string): string {
    this.ws();
    const start = this.pos;
    const q = this.src[this.pos];
    if (q === '"' || q === "'") {
      this.pos++;
      while (this.pos < this.src.length && this.src[this.pos] !== q) this.pos++;
      if (this.pos >= this.src.length) throw new YamlError(`unterminated quoted string in ${this.src}`, this.no);
      this.pos++;
      return this.src.slice(start, this.pos);
    }
    while (this.pos < this.src.length && !',]}'.includes(this.src[this.pos]) && this.src[this.pos] !== stop) this.pos++;
    return this.src.slice(start, this.pos).trim();
  }

  end() {
    this.ws();
    if (this.pos < this.src.length && !this.src.slice(this.pos).trim().startsWith('#')) {
      throw new YamlError(`unexpected text after the closing bracket: ${this.src.slice(this.pos)}`, this.no);
    }
  }
}
