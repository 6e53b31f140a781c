// Finds the EXPLAIN output in what a person pasted: strips what psql (aligned, border 2, unicode,
// \x, `+`/`↵` wrap marks), pgAdmin and DBeaver (quoted lines, CSV), auto_explain (log prefix,
// Query Text) and chat (comments, the EXPLAIN line, tabs) add around it, and refuses, saying what
// was expected, what holds no plan. Every step is a single pass over the input: linear time.

export class PlanParseError extends Error {
  override name = 'PlanParseError';
}

export type Extracted = { format: 'json'; json: string } | { format: 'text'; lines: string[] };

const EXPECTED = 'Expected the output of EXPLAIN: TEXT lines such as `Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4)`, or the JSON of EXPLAIN (FORMAT JSON).';

export function extractPlan(input: string): Extracted {
  let text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').replace(/\u00a0/g, ' ');
  if (!text.trim()) throw new PlanParseError(`There is nothing to read. ${EXPECTED}`);
  const csv = quotedCells(text);
  if (csv) text = csv;
  text = fromServerLog(text);
  let raw = text.split('\n');
  // A mail quote (`> ` before every line) and Markdown code fences around the plan.
  if (raw.filter((l) => l.trim()).every((l) => /^\s*>/.test(l))) raw = raw.map((l) => l.replace(/^\s*> ?/, ''));
  raw = raw.filter((l) => !/^\s*(```|~~~)/.test(l));
  const lines = unframe(raw.map((l) => expandTabs(l).trimEnd()));

  const jsonAt = lines.findIndex((l) => /^\s*[[{]/.test(l));
  const rootAt = lines.findIndex((l) => isNodeLine(l.trim()));
  if (jsonAt !== -1 && (rootAt === -1 || jsonAt < rootAt)) return { format: 'json', json: jsonValue(lines.slice(jsonAt).join('\n')) };
  if (rootAt === -1) throw refusal(lines);
  return { format: 'text', lines: lines.slice(rootAt) };
}

/**
 * auto_explain's message in a server log: `… LOG:  duration: 1.2 ms  plan:`, then the message's
 * further lines, each after a tab (Query Text, then the plan). Lines without the tab are other log entries.
 */
function fromServerLog(text: string): string {
  const m = /^.*\b(?:LOG|INFO|NOTICE|DEBUG\d?):\s+duration: [\d.]+ ms\s+plan:[ \t]*$/m.exec(text);
  if (!m) return text;
  const rest = text.slice(m.index + m[0].length + 1).split('\n');
  // A log viewer may have dropped the tabs: then everything after the line is the message.
  if (!rest.find((l) => l.trim())?.startsWith('\t')) return rest.join('\n');
  const out: string[] = [];
  for (const line of rest) {
    if (!line.startsWith('\t') && line.trim()) break;
    out.push(line.slice(1));
  }
  return out.join('\n');
}

/** Why there is no plan, told from what is there. */
function refusal(lines: string[]): PlanParseError {
  const first = lines.map((l) => l.trim()).find((l) => l && !/^(--|#|\/\/)/.test(l)) ?? '';
  if (!first) return new PlanParseError(`There is nothing to read but comments and decoration. ${EXPECTED}`);
  if (/^(- Plan:|<explain\b|<\?xml)/.test(first)) {
    return new PlanParseError('EXPLAIN\'s YAML and XML formats are not read: run EXPLAIN (FORMAT JSON) or the default TEXT format and paste that.');
  }
  if (/^(\w+[=#]>\s*)?(explain|select|with|insert|update|delete|merge|table|values)\b/i.test(first)) {
    return new PlanParseError(`This is an SQL statement, not its plan. Run EXPLAIN (ANALYZE, BUFFERS) followed by the statement and paste what it prints. ${EXPECTED}`);
  }
  const shown = first.length > 60 ? first.slice(0, 57) + '…' : first;
  return new PlanParseError(`No plan node found: "${shown}" is not a line of EXPLAIN output. ${EXPECTED}`);
}

/** Tabs to spaces at 8-column stops, as a terminal shows them. */
function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return out;
}

// ---------------------------------------------------------------------------------------------
// pgAdmin / DBeaver: one quoted CSV cell a row (the QUERY PLAN column), quotes doubled inside.

function quotedCells(text: string): string | undefined {
  // DBeaver quotes only the cells that need it, pgAdmin all of them: some line starts with a quote.
  const quoted = text.search(/^"/m);
  if (quoted === -1) return undefined;
  // JSON whose lines start with a key (unindented, or hard-wrapped) is not CSV.
  const json = text.search(/^\s*[[{]/m);
  if (json !== -1 && json < quoted) return undefined;
  const start = text.search(/\S/);
  const cells: string[] = [];
  let i = start;
  const n = text.length;
  while (i < n) {
    // One record: its first field, quoted or not; the other fields are dropped.
    let cell = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      let from = i;
      while (i < n) {
        const q = text.indexOf('"', i);
        if (q === -1) break;
        if (text[q + 1] === '"') {
          cell += text.slice(from, q + 1);
          i = from = q + 2;
          continue;
        }
        cell += text.slice(from, q);
        i = q + 1;
        closed = true;
        break;
      }
      if (!closed) return undefined;
    } else {
      // Unquoted: the whole line (a tool quotes a cell holding its separator).
      const end = text.indexOf('\n', i);
      cell = end === -1 ? text.slice(i) : text.slice(i, end);
      i = end === -1 ? n : end;
    }
    const eol = text.indexOf('\n', i);
    i = eol === -1 ? n : eol + 1;
    cells.push(cell);
  }
  while (cells.length && /^\s*QUERY PLAN\s*$/.test(cells[0])) cells.shift();
  return cells.join('\n');
}

// ---------------------------------------------------------------------------------------------
// psql: header, rules, `(N rows)`, border-2 frames, \x records, wrap marks.

const RULE_CHARS = /^[\s\-=+|─━═┌┐└┘├┤┬┴┼╭╮╰╯│]+$/;

function unframe(lines: string[]): string[] {
  const content = lines.filter((l) => l.trim() && !isRule(l));
  const framed = content.length > 0 && content.filter((l) => /^\s*[|│]/.test(l) && /[|│]$/.test(l)).length * 2 >= content.length;
  const expanded = lines.some((l) => /^\s*(?:[|│]\s*)?QUERY PLAN\s*[|│]/.test(l));
  const out: string[] = [];
  for (let line of lines) {
    if (isRule(line) || /^\s*\(\d+ rows?\)$/.test(line)) continue;
    if (framed && /^\s*[|│]/.test(line)) {
      line = line.replace(/^\s*[|│] ?/, '');
      if (/[|│]$/.test(line)) line = line.slice(0, -1);
    }
    // \x: `QUERY PLAN | value`, and the value's further lines under it.
    const x = /^QUERY PLAN\s*[|│] ?/.exec(line) ?? (expanded ? /^ {10}\s*[|│] ?/.exec(line) : null);
    if (x) line = line.slice(x[0].length);
    line = line.trimEnd();
    if (line.trim() === 'QUERY PLAN') continue;
    // psql's wrap marks: `+` (ASCII) or `↵` (unicode) at the end of a value that goes on.
    if (line.endsWith('↵') || line.endsWith('+')) line = line.slice(0, -1).trimEnd();
    // \pset format wrapped: a line cut at the screen's width ends with `.` (`…`), and its rest
    // starts with the same mark in the left margin.
    const prev = out[out.length - 1];
    const mark = line[0];
    if ((mark === '.' || mark === '…') && prev !== undefined && prev.endsWith(mark)) {
      out[out.length - 1] = prev.slice(0, -1) + line.slice(1);
      continue;
    }
    out.push(line);
  }
  return out;
}

function isRule(line: string): boolean {
  const t = line.trim();
  if (!t) return false;
  if (/^[-─═+┌├└|│]*\[ RECORD \d+ \][-─═+┐┤┘|│]*$/.test(t)) return true;
  return RULE_CHARS.test(t) && /[-─═━]{3}/.test(t);
}

// ---------------------------------------------------------------------------------------------
// JSON: the first complete value, however the lines around it look.

function jsonValue(text: string): string {
  const start = text.search(/[[{]/);
  const stack: string[] = [];
  let inString = false;
  let out = '';
  let from = start;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      else if (ch === '\n') {
        // JSON strings hold no raw newline: this one is a hard wrap of a long line.
        out += text.slice(from, i) + ' ';
        from = i + 1;
      }
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') stack.push(ch === '[' ? ']' : '}');
    else if (ch === ']' || ch === '}') {
      if (stack.pop() !== ch) throw new PlanParseError(`The JSON plan does not parse: an unexpected "${ch}" at character ${i + 1}. Expected the whole output of EXPLAIN (FORMAT JSON).`);
      if (!stack.length) return out + text.slice(from, i + 1);
    }
  }
  throw new PlanParseError(`The JSON plan is cut off: it ends before its closing "${stack[stack.length - 1] ?? ']'}". Copy the whole output of EXPLAIN (FORMAT JSON).`);
}

// ---------------------------------------------------------------------------------------------
// What a plan node's line looks like.

/** Node names as EXPLAIN's text format starts a node line (before "on", "using", a join type ...). */
const NODE_NAMES = [
  'Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Bitmap Index Scan', 'BitmapAnd', 'BitmapOr',
  'Tid Scan', 'Tid Range Scan', 'Sample Scan', 'Foreign Scan', 'Custom Scan', 'Subquery Scan', 'CTE Scan',
  'WorkTable Scan', 'Function Scan', 'Table Function Scan', 'Values Scan', 'Named Tuplestore Scan', 'Result',
  'ProjectSet', 'Append', 'Merge Append', 'Recursive Union', 'Nested Loop', 'Hash Join', 'Merge Join', 'Hash',
  'Hash (Left|Right|Full|Semi|Anti|Right Semi|Right Anti) Join', 'Merge (Left|Right|Full|Semi|Anti|Right Semi|Right Anti) Join',
  'Sort', 'Incremental Sort', 'Group', 'Aggregate', 'HashAggregate', 'GroupAggregate', 'MixedAggregate',
  'WindowAgg', 'Unique', 'SetOp', 'HashSetOp', 'LockRows', 'Limit', 'Materialize', 'Memoize', 'Gather',
  'Gather Merge', 'Insert', 'Update', 'Delete', 'Merge', 'Foreign Insert', 'Foreign Update', 'Foreign Delete', 'Unknown',
];
const NAME = `(?:->\\s*)?(?:(?:Parallel|Async|Partial|Finalize)\\s+)*(?:${NODE_NAMES.join('|')})`;
const LABEL = new RegExp(`^${NAME}(?=$|\\s)`);
/** A label with no figures (COSTS OFF) must be a whole node label, not a sentence that starts like one. */
const BARE_LABEL = new RegExp(`^${NAME}(?:(?:\\s+Backward)?\\s+(?:on|using)(?:\\s+\\S+){1,5}|\\s+(?:Left|Right|Full|Semi|Anti|Right Semi|Right Anti)\\s+Join|\\s+(?:Intersect|Except)(?:\\s+All)?|\\s+\\([^()]{1,40}\\)(?:\\s+on(?:\\s+\\S+){1,3})?)?$`);

const FIGURES = /\((?:cost=\d+(?:\.\d+)?\.\.\d+(?:\.\d+)? rows=\d+ width=\d+|actual (?:time=\d+(?:\.\d+)?\.\.\d+(?:\.\d+)? )?rows=\d+(?:\.\d+)? loops=\d+|never executed)\)/;

/** `(cost=1.00..2.00 rows=3 width=4)`, `(actual time=… rows=… loops=…)` or `(never executed)` in the line. */
export function hasFigures(content: string): boolean {
  return (content.includes('(cost=') || content.includes('(actual ') || content.includes('(never executed)')) && FIGURES.test(content);
}

/** A plan node's line: a known node name first, then figures or nothing (COSTS OFF). */
export function isNodeLine(content: string): boolean {
  // EXPLAIN's figures are evidence enough, whatever the node (an extension's, a newer version's).
  if (hasFigures(content) && !/^(--|#|\/\/)/.test(content)) return true;
  if (!LABEL.exec(content)) return false;
  // COSTS OFF prints the label alone.
  return content.length < 300 && !content.includes(': ') && !/[.:;!?,]$/.test(content) && BARE_LABEL.test(content);
}
