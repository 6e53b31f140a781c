// Result checks compare json and jsonb values by meaning, as jsonb's `=` does: keys in any order,
// the last of duplicate keys wins, 1.0 = 1, whitespace ignored; arrays keep their order. Values
// arrive as PostgreSQL's text (a json column keeps the text it was given, so two equal values can
// print differently), and numbers are kept as text: JSON.parse would round 12345678901234567890.

const JSON_TYPES = new Set(['json', 'jsonb']);
export const isJsonType = (t?: string) => !!t && JSON_TYPES.has(t);

/** One spelling per JSON value (sorted keys, canonical numbers), or undefined when `text` is not JSON. */
export function canonicalJson(text: string): string | undefined {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const fail = (): never => { throw new SyntaxError('not json'); };
  const str = (): string => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
    return JSON.parse(m![0]) as string;
  };
  const value = (): string => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const members = new Map<string, string>();
      ws();
      if (text[i] === '}') { i++; return '{}'; }
      for (;;) {
        ws();
        const k = str();
        ws();
        if (text[i++] !== ':') fail();
        members.set(k, value()); // a later duplicate replaces the earlier one, as in jsonb
        ws();
        const d = text[i++];
        if (d === '}') break;
        if (d !== ',') fail();
      }
      const keys = [...members.keys()].sort();
      return '{' + keys.map((k) => `${JSON.stringify(k)}:${members.get(k)}`).join(',') + '}';
    }
    if (c === '[') {
      i++;
      const items: string[] = [];
      ws();
      if (text[i] === ']') { i++; return '[]'; }
      for (;;) {
        items.push(value());
        ws();
        const d = text[i++];
        if (d === ']') break;
        if (d !== ',') fail();
      }
      return '[' + items.join(',') + ']';
    }
    if (c === '"') return JSON.stringify(str());
    for (const lit of ['true', 'false', 'null']) if (text.startsWith(lit, i)) { i += lit.length; return lit; }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
    return exactNumber(m![0]);
  };
  try {
    const out = value();
    ws();
    return i === text.length ? out : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON number as an exact decimal without exponent or redundant zeros: 1.50, 15e-1 and 1.5 are 1.5. */
export function exactNumber(t: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(t);
  if (!m) return t;
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = int + frac;
  let point = int.length + Number(exp); // position of the decimal point in digits
  if (point > digits.length) digits = digits.padEnd(point, '0');
  if (point < 0) { digits = '0'.repeat(-point) + digits; point = 0; }
  const whole = digits.slice(0, point).replace(/^0+/, '') || '0';
  const rest = digits.slice(point).replace(/0+$/, '');
  const out = rest ? `${whole}.${rest}` : whole;
  return sign && out !== '0' ? '-' + out : out;
}
