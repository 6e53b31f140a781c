// Turns lesson files into Chapters. Input is a map of path → text, so the app can pass Vite's
// `import.meta.glob('/lessons/**/*.{md,sql}', { query: '?raw', import: 'default', eager: true })`
// and Node can read the folder (readLessonFiles in scripts/verify-lessons.ts).
//
// Layout: lessons/<chapter>/chapter.md, lessons/<chapter>/<dataset>.sql,
//         lessons/<chapter>/exercises/NN-slug.md. Other files are ignored.
// Every problem found is collected and thrown together in one LessonError.
import { Lexer, type Token, type Tokens } from 'marked';
import { parseYaml, YamlError, type YamlValue } from './yaml.ts';
import { shippedExtensions } from '../db/extensions.ts';
import { ClaimSyntaxError, parseClaims, stripClaims } from './example-claims.ts';
import type {
  BehaviorCheck, CatalogCheck, Chapter, Check, CheckKind, ColumnAssertion, ConstraintAssertion, Exercise,
  IndexAssertion, PlanCheck, ResultCheck, SqlBlock, SqlCheck, Variant, WrongAnswer,
} from './format.ts';
import { CALL_CONSTRUCT, CONSTRUCTS } from './sql-shape.ts';
import { LintCheckProblem, parseLintCheck } from './lint-check.ts';
import { MigrationCheckProblem, parseMigrationCheck } from './migration-check.ts';

export interface LessonProblem {
  file: string;
  message: string;
}

export class LessonError extends Error {
  constructor(readonly problems: LessonProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the lessons:\n` + problems.map((p) => `  ${p.file}: ${p.message}`).join('\n'));
  }
}

/** A problem in one file; `line` is 1-based in that file. */
class FileProblem extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
  }
}

export const DEFAULT_SEEDS = { main: 0.42, perturbed: -0.271828 };

/** The dataset script for one copy of the data, with `:seed` replaced. */
/**
 * The first `create extension` of the dataset that the front matter does not declare: a
 * chapter's database loads only its declared extensions, so that statement would fail.
 */
export function undeclaredExtension(sql: string, declared: readonly string[]): { name: string; line: number } | undefined {
  const re = /^[ \t]*create\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"([^"]+)"|([\w-]+))/gim;
  for (const m of sql.matchAll(re)) {
    const name = m[1] ?? m[2].toLowerCase();
    if (!declared.includes(name)) return { name, line: sql.slice(0, m.index).split('\n').length };
  }
  return undefined;
}

export function datasetSql(chapter: Chapter, variant: Variant): string {
  // `:perturbed` lets the script change the second copy's structure, not only its random values
  // (see docs/lesson-format.md). A `case when :perturbed then random() … end` calls random()
  // only on that copy, so the learner's copy is the same as without it.
  return chapter.dataset.replace(SEED_PLACEHOLDER, String(chapter.seeds[variant])).replace(PERTURBED_PLACEHOLDER, String(variant === 'perturbed'));
}

const SEED_PLACEHOLDER = /(?<![:\w]):seed\b/g;
const PERTURBED_PLACEHOLDER = /(?<![:\w]):perturbed\b/g;

export function loadLessons(files: Record<string, string>): Chapter[] {
  const problems: LessonProblem[] = [];
  const folders = new Map<string, { chapter?: [string, string]; sql: Map<string, [string, string]>; exercises: [string, string][] }>();
  const folder = (name: string) => {
    let f = folders.get(name);
    if (!f) folders.set(name, (f = { sql: new Map(), exercises: [] }));
    return f;
  };
  for (const [path, text] of Object.entries(files)) {
    const parts = path.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.' && p !== '..');
    const name = parts[parts.length - 1];
    if (parts.length >= 3 && parts[parts.length - 2] === 'exercises' && name.endsWith('.md')) {
      folder(parts[parts.length - 3]).exercises.push([path, text]);
    } else if (parts.length >= 2 && name === 'chapter.md') {
      folder(parts[parts.length - 2]).chapter = [path, text];
    } else if (parts.length >= 2 && name.endsWith('.sql')) {
      folder(parts[parts.length - 2]).sql.set(name, [path, text]);
    }
  }

  const chapters: Chapter[] = [];
  for (const [id, f] of folders) {
    if (!f.chapter) {
      const where = f.exercises[0]?.[0] ?? [...f.sql.values()][0]?.[0] ?? id;
      problems.push({ file: where, message: `the folder "${id}" has no chapter.md` });
      continue;
    }
    const [chapterPath, chapterText] = f.chapter;
    let chapter: Chapter;
    try {
      chapter = parseChapter(id, chapterText);
    } catch (e) {
      problems.push(problemOf(chapterPath, e));
      continue;
    }
    const ds = f.sql.get(chapter.datasetFile);
    if (!ds) problems.push({ file: chapterPath, message: `the dataset file "${chapter.datasetFile}" does not exist next to chapter.md` });
    else if (!SEED_PLACEHOLDER.test(ds[1])) {
      problems.push({ file: ds[0], message: 'the dataset must call setseed(:seed): the checker builds a second copy with another seed' });
    } else {
      chapter.dataset = ds[1];
      const undeclared = undeclaredExtension(ds[1], chapter.extensions);
      if (undeclared) problems.push({ file: `${ds[0]}:${undeclared.line}`, message: `the dataset creates the extension ${undeclared.name}, which the chapter's front matter does not list under extensions: (only those are loaded)` });
    }
    SEED_PLACEHOLDER.lastIndex = 0;
    const numbers = new Map<number, string>();
    for (const [path, text] of f.exercises.sort((a, b) => a[0].localeCompare(b[0]))) {
      try {
        const ex = parseExercise(id, fileName(path), text);
        const other = numbers.get(ex.number);
        if (other) throw new FileProblem(`exercise number ${ex.number} is also used by ${other}`);
        numbers.set(ex.number, fileName(path));
        chapter.exercises.push(ex);
      } catch (e) {
        problems.push(problemOf(path, e));
      }
    }
    chapter.exercises.sort((a, b) => a.number - b.number);
    chapters.push(chapter);
  }
  if (problems.length) throw new LessonError(problems);
  return chapters.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

function fileName(path: string): string {
  return path.replace(/\\/g, '/').split('/').pop()!;
}

function problemOf(file: string, e: unknown): LessonProblem {
  if (e instanceof FileProblem) return { file: e.line ? `${file}:${e.line}` : file, message: e.message };
  if (e instanceof YamlError) return { file: `${file}:${e.line}`, message: e.message.replace(/^line \d+: /, '') };
  if (e instanceof ClaimSyntaxError) return { file: `${file}:${e.line}`, message: e.message };
  return { file, message: e instanceof Error ? e.message : String(e) };
}

// ---------------------------------------------------------------- front matter

interface FrontMatter {
  data: Record<string, YamlValue>;
  body: string;
  /** Lines taken by the front matter, to report body lines in file terms. */
  bodyLine: number;
}

function frontMatter(text: string, required: boolean): FrontMatter {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) {
    if (required) throw new FileProblem('the file must start with front matter: a line "---", "key: value" lines, and a line "---"', 1);
    return { data: {}, body: text, bodyLine: 1 };
  }
  const data = parseYaml(m[1], 2);
  if (data === null) return { data: {}, body: text.slice(m[0].length), bodyLine: lineAt(text, m[0].length) };
  if (typeof data !== 'object' || Array.isArray(data)) throw new FileProblem('the front matter must be "key: value" lines', 2);
  return { data, body: text.slice(m[0].length), bodyLine: lineAt(text, m[0].length) };
}

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') n++;
  return n;
}

function onlyKeys(obj: Record<string, unknown>, allowed: string[], what: string, line?: number) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new FileProblem(`unknown ${what} "${k}" (expected one of: ${allowed.join(', ')})`, line);
  }
}

function str(v: YamlValue | undefined, what: string, line?: number): string {
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number') return String(v);
  throw new FileProblem(`${what} must be a non-empty text`, line);
}

function num(v: YamlValue | undefined, what: string, line?: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new FileProblem(`${what} must be a number`, line);
}

function strList(v: YamlValue | undefined, what: string, line?: number): string[] {
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  throw new FileProblem(`${what} must be a text or a list of texts`, line);
}

// ---------------------------------------------------------------- chapter.md

function parseChapter(id: string, text: string): Chapter {
  const fm = frontMatter(text, true);
  onlyKeys(fm.data, ['title', 'order', 'summary', 'dataset', 'extensions', 'seed', 'perturbedSeed'], 'front matter key', 2);
  const extensions = fm.data.extensions === undefined ? [] : strList(fm.data.extensions, 'extensions', 2);
  for (const name of extensions) {
    if (!shippedExtensions.includes(name)) throw new FileProblem(`pglab does not ship the extension "${name}"; it ships ${shippedExtensions.join(', ')}`, 2);
  }
  const seeds = { ...DEFAULT_SEEDS };
  if (fm.data.seed !== undefined) seeds.main = num(fm.data.seed, 'seed');
  if (fm.data.perturbedSeed !== undefined) seeds.perturbed = num(fm.data.perturbedSeed, 'perturbedSeed');
  for (const s of Object.values(seeds)) if (s < -1 || s > 1) throw new FileProblem('setseed() takes a seed between -1 and 1', 2);
  if (seeds.main === seeds.perturbed) throw new FileProblem('seed and perturbedSeed must differ', 2);
  const blocks: SqlBlock[] = [];
  let offset = 0;
  for (const t of new Lexer().lex(fm.body)) {
    walk(t, (c) => {
      if (c.type === 'code' && (c as Tokens.Code).lang?.trim().toLowerCase() === 'sql') {
        const at = fm.body.indexOf(c.raw, offset);
        blocks.push({ sql: (c as Tokens.Code).text.trim(), line: fm.bodyLine + lineAt(fm.body, at) - 1 });
      }
    });
    offset += t.raw.length;
  }
  return {
    id,
    title: str(fm.data.title, 'title', 2),
    order: fm.data.order === undefined ? 1000 : num(fm.data.order, 'order', 2),
    summary: fm.data.summary === undefined ? '' : str(fm.data.summary, 'summary', 2),
    body: stripClaims(fm.body).trim() + '\n',
    blocks,
    claims: parseClaims(fm.body, fm.bodyLine, blocks.map((b) => b.line)),
    datasetFile: fm.data.dataset === undefined ? 'dataset.sql' : str(fm.data.dataset, 'dataset', 2),
    dataset: '',
    extensions,
    seeds,
    exercises: [],
  };
}

function walk(t: Token, fn: (t: Token) => void) {
  fn(t);
  const children = (t as Tokens.Generic).tokens as Token[] | undefined;
  if (children) for (const c of children) walk(c, fn);
  const items = (t as Tokens.List).items;
  if (t.type === 'list' && items) for (const c of items) walk(c, fn);
}

// ---------------------------------------------------------------- exercises

const SECTIONS = ['task', 'setup', 'hints', 'solution', 'explanation', 'checks', 'wrong answers'] as const;
type Section = (typeof SECTIONS)[number];

interface Located {
  token: Token;
  line: number;
}

function parseExercise(chapter: string, file: string, text: string): Exercise {
  const name = /^(\d+)-([a-z0-9][a-z0-9-]*)\.md$/.exec(file);
  if (!name) throw new FileProblem('exercise files are named NN-slug.md (digits, a dash, lower-case words joined by dashes)');
  const fm = frontMatter(text, true);
  onlyKeys(fm.data, ['title', 'isolation'], 'front matter key', 2);
  const isolation = fm.data.isolation === undefined ? 'auto' : fm.data.isolation;
  if (isolation !== 'auto' && isolation !== 'fresh') throw new FileProblem('isolation must be "auto" or "fresh"', 2);

  // Split the body into `## Section`s, remembering each token's line for messages.
  const sections = new Map<Section, Located[]>();
  let current: Located[] | null = null;
  let offset = 0;
  for (const token of new Lexer().lex(fm.body)) {
    const at = fm.body.indexOf(token.raw, offset);
    const line = fm.bodyLine + lineAt(fm.body, at >= 0 ? at : offset) - 1;
    offset = (at >= 0 ? at : offset) + token.raw.length;
    if (token.type === 'heading' && (token as Tokens.Heading).depth === 2) {
      const title = (token as Tokens.Heading).text.trim().toLowerCase().replace(/\s+/g, ' ');
      const key = (title === 'wrong answer' ? 'wrong answers' : title === 'hint' ? 'hints' : title) as Section;
      if (!SECTIONS.includes(key)) {
        throw new FileProblem(`unknown section "## ${(token as Tokens.Heading).text}" (sections: ${SECTIONS.map((s) => s[0].toUpperCase() + s.slice(1)).join(', ')})`, line);
      }
      if (sections.has(key)) throw new FileProblem(`the section "## ${(token as Tokens.Heading).text}" appears twice`, line);
      sections.set(key, (current = []));
    } else if (current) {
      current.push({ token, line });
    } else if (token.type !== 'space') {
      throw new FileProblem('text before the first "## Task" section: put it under a section', line);
    }
  }
  for (const required of ['task', 'solution', 'checks', 'wrong answers'] as const) {
    if (!sections.get(required)?.some((l) => l.token.type !== 'space')) {
      throw new FileProblem(`the section "## ${required[0].toUpperCase() + required.slice(1)}" is missing or empty`);
    }
  }

  const markdown = (s: Section) => stripClaims((sections.get(s) ?? []).map((l) => l.token.raw).join('')).trim();
  const sql = (s: Section) => {
    const located = sections.get(s) ?? [];
    const code = located.filter((l) => l.token.type === 'code');
    if (located.length && !code.length) throw new FileProblem(`the section "## ${s}" needs a \`\`\`sql block`, located[0].line);
    for (const c of code) {
      const lang = (c.token as Tokens.Code).lang?.trim().toLowerCase();
      if (lang !== 'sql') throw new FileProblem(`the code block in "## ${s}" must be marked \`\`\`sql`, c.line);
    }
    return code.map((c) => (c.token as Tokens.Code).text.trim()).join('\n\n');
  };

  const hints: string[] = [];
  for (const l of sections.get('hints') ?? []) {
    if (l.token.type === 'list') hints.push(...(l.token as Tokens.List).items.map((i) => stripClaims(i.text).trim()));
    else if (l.token.type !== 'space') throw new FileProblem('hints are a Markdown list ("- hint" or "1. hint"), one item per hint', l.line);
  }

  const checks = parseChecks(sections.get('checks')!);
  const wrongAnswers = parseWrongAnswers(sections.get('wrong answers')!, checks);
  const solution = sql('solution');
  if (!solution) throw new FileProblem('the solution is empty');

  return {
    id: `${chapter}/${name[2]}`,
    chapter,
    number: Number(name[1]),
    slug: name[2],
    title: str(fm.data.title, 'title', 2),
    task: markdown('task'),
    setup: sql('setup'),
    hints,
    solution,
    explanation: markdown('explanation'),
    checks,
    wrongAnswers,
    isolation,
    file,
    claims: parseClaims(fm.body, fm.bodyLine),
  };
}

function parseChecks(located: Located[]): Check[] {
  const code = located.filter((l) => l.token.type === 'code');
  if (code.length !== 1) throw new FileProblem('"## Checks" holds exactly one ```yaml block', located[0]?.line);
  const block = code[0];
  const lang = (block.token as Tokens.Code).lang?.trim().toLowerCase();
  if (lang && lang !== 'yaml' && lang !== 'yml') throw new FileProblem('the checks block must be marked ```yaml', block.line);
  const value = parseYaml((block.token as Tokens.Code).text, block.line + 1);
  if (!Array.isArray(value) || !value.length) throw new FileProblem('the checks block is a list: "- result:", "- plan:", "- catalog:", "- behavior:"', block.line);
  return value.map((item) => parseCheck(item, block.line));
}

const CHECK_KINDS: CheckKind[] = ['result', 'plan', 'catalog', 'behavior', 'sql', 'lint', 'migration'];
/** What a wrong answer's `fails:` may name: the declared kinds, and the implicit intact check. */
const FAIL_KINDS: CheckKind[] = [...CHECK_KINDS, 'intact'];

/** Node types as EXPLAIN names them (plus the text format's names for aggregate strategies). */
export const NODE_TYPES = [
  'Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Bitmap Index Scan', 'BitmapAnd', 'BitmapOr',
  'Tid Scan', 'Tid Range Scan', 'Sample Scan', 'Subquery Scan', 'Function Scan', 'Values Scan', 'CTE Scan',
  'WorkTable Scan', 'Table Function Scan', 'Nested Loop', 'Hash Join', 'Merge Join', 'Hash', 'Sort',
  'Incremental Sort', 'Aggregate', 'HashAggregate', 'GroupAggregate', 'MixedAggregate', 'Group', 'Limit',
  'Materialize', 'Memoize', 'Unique', 'WindowAgg', 'SetOp', 'HashSetOp', 'Append', 'Merge Append', 'Result',
  'ProjectSet', 'LockRows', 'ModifyTable', 'Insert', 'Update', 'Delete', 'Merge', 'Gather', 'Gather Merge',
  'Recursive Union',
];

function parseCheck(item: YamlValue, line: number): Check {
  let kind: string;
  let body: YamlValue;
  if (typeof item === 'string') {
    kind = item;
    body = {};
  } else if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 1) {
    kind = Object.keys(item)[0];
    body = item[kind] ?? {};
  } else {
    throw new FileProblem('each check is "- result:", "- plan:", "- catalog:" or "- behavior:" followed by its options', line);
  }
  if (kind === 'intact') throw new FileProblem('the intact check is implicit: every exercise has it (name it in a wrong answer\'s "fails:")', line);
  if (!CHECK_KINDS.includes(kind as CheckKind)) throw new FileProblem(`unknown check "${kind}" (expected ${CHECK_KINDS.join(', ')})`, line);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new FileProblem(`the options of "${kind}" must be "key: value" lines`, line);
  const o = body as Record<string, YamlValue>;
  switch (kind as CheckKind) {
    case 'result': {
      onlyKeys(o, ['ordered', 'orderBy', 'columns', 'asText', 'every'], 'result option', line);
      const c: ResultCheck = { kind: 'result' };
      if (o.ordered !== undefined) {
        if (typeof o.ordered !== 'boolean') throw new FileProblem('ordered is true or false', line);
        c.ordered = o.ordered;
      }
      if (o.orderBy !== undefined) {
        c.orderBy = strList(o.orderBy, 'orderBy', line);
        c.ordered = true;
      }
      if (o.columns !== undefined) c.columns = strList(o.columns, 'columns', line);
      c.asText = optBool(o, 'asText', line);
      if (c.asText === undefined) delete c.asText;
      c.every = optBool(o, 'every', line);
      if (c.every === undefined) delete c.every;
      return c;
    }
    case 'sql': {
      onlyKeys(o, ['statements', 'forbids', 'requires', 'readsOnce', 'creates', 'drops'], 'sql option', line);
      const c: SqlCheck = { kind: 'sql' };
      if (o.statements !== undefined) c.statements = num(o.statements, 'statements', line);
      for (const k of ['forbids', 'requires'] as const) {
        if (o[k] === undefined) continue;
        c[k] = strList(o[k], k, line).map((x) => x.toLowerCase());
        for (const n of c[k]!) {
          if (!(n in CONSTRUCTS) && !CALL_CONSTRUCT.test(n)) throw new FileProblem(`unknown construct "${n}" in ${k} (known: ${Object.keys(CONSTRUCTS).join(', ')}, call <function>)`, line);
        }
      }
      if (o.readsOnce !== undefined) c.readsOnce = strList(o.readsOnce, 'readsOnce', line);
      for (const k of ['creates', 'drops'] as const) {
        const v = o[k];
        if (v === undefined) continue;
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FileProblem(`${k} maps object kinds to counts, e.g. { index: 1 }`, line);
        c[k] = Object.fromEntries(Object.entries(v).map(([kind, n]) => [kind, num(n, `${k}.${kind}`, line)]));
      }
      if (Object.keys(c).length === 1) throw new FileProblem('a sql check needs statements, forbids, requires, readsOnce, creates or drops', line);
      return c;
    }
    case 'plan': {
      onlyKeys(o, ['query', 'uses', 'avoids', 'relation', 'index', 'maxCost', 'maxBuffers', 'exact', 'noFilter'], 'plan option', line);
      const c: PlanCheck = { kind: 'plan' };
      if (o.query !== undefined) {
        // One query, or a list: the same assertion for each (other values of its parameters).
        const list = Array.isArray(o.query) ? strList(o.query, 'query', line) : [str(o.query, 'query', line)];
        if (!list.length) throw new FileProblem('query is a query or a list of queries', line);
        [c.query, ...c.queries] = list.map((q) => q.replace(/;\s*$/, ''));
        if (!c.queries!.length) delete c.queries;
      }
      c.exact = optBool(o, 'exact', line);
      if (c.exact === undefined) delete c.exact;
      c.noFilter = optBool(o, 'noFilter', line);
      if (c.noFilter === undefined) delete c.noFilter;
      if (c.noFilter === false) throw new FileProblem('noFilter: true is the only meaningful value (leave it out otherwise)', line);
      for (const k of ['uses', 'avoids'] as const) {
        if (o[k] === undefined) continue;
        c[k] = strList(o[k], k, line);
        for (const n of c[k]!) {
          if (!NODE_TYPES.some((t) => t.toLowerCase() === n.toLowerCase())) throw new FileProblem(`unknown plan node type "${n}" in ${k} (e.g. ${NODE_TYPES.slice(0, 5).join(', ')})`, line);
        }
      }
      if (o.relation !== undefined) c.relation = str(o.relation, 'relation', line);
      if (o.index !== undefined) c.index = str(o.index, 'index', line);
      if (o.maxCost !== undefined) c.maxCost = num(o.maxCost, 'maxCost', line);
      if (o.maxBuffers !== undefined) c.maxBuffers = num(o.maxBuffers, 'maxBuffers', line);
      if (!c.uses && !c.avoids && !c.noFilter && c.maxCost === undefined && c.maxBuffers === undefined) {
        throw new FileProblem('a plan check needs uses, avoids, noFilter, maxCost or maxBuffers', line);
      }
      if (c.index && !c.uses && !c.avoids) throw new FileProblem('index qualifies uses or avoids', line);
      if (c.relation && !c.uses && !c.avoids && !c.noFilter) throw new FileProblem('relation qualifies uses, avoids or noFilter', line);
      return c;
    }
    case 'catalog': {
      onlyKeys(o, ['index', 'constraint', 'column'], 'catalog assertion', line);
      const c: CatalogCheck = { kind: 'catalog' };
      const which = Object.keys(o);
      if (which.length !== 1) throw new FileProblem('a catalog check asserts exactly one of index, constraint, column', line);
      const a = o[which[0]];
      if (which[0] === 'index' && Array.isArray(a)) {
        c.indexAnyOf = parseIndexAlternatives(a, line);
        return c;
      }
      if (!a || typeof a !== 'object' || Array.isArray(a)) throw new FileProblem(`catalog ${which[0]} needs "key: value" options`, line);
      if (which[0] === 'index') c.index = parseIndexAssertion(a, line);
      else if (which[0] === 'constraint') c.constraint = parseConstraintAssertion(a, line);
      else c.column = parseColumnAssertion(a, line);
      return c;
    }
    case 'behavior': {
      onlyKeys(o, ['sql', 'expect', 'description', 'copies'], 'behavior option', line);
      const expect = Array.isArray(o.expect) ? strList(o.expect, 'expect', line) : str(o.expect, 'expect', line);
      const c: BehaviorCheck = { kind: 'behavior', sql: str(o.sql, 'sql', line), expect };
      const condition = (e: string) => /^[0-9A-Z]{5}$/.test(e) || e in CONDITION_NAMES;
      if (Array.isArray(expect)) {
        if (!expect.length || !expect.every(condition)) {
          throw new FileProblem(`a list under expect names the conditions that count as refused, each a SQLSTATE like 23505 or a condition name like unique_violation (got [${expect.join(', ')}])`, line);
        }
      } else if (expect !== 'ok' && !condition(expect)) {
        throw new FileProblem(`expect is "ok", a SQLSTATE like 23505 or a condition name like unique_violation (got "${expect}")`, line);
      }
      if (o.description !== undefined) c.description = str(o.description, 'description', line);
      if (o.copies !== undefined) {
        if (o.copies !== 'main' && o.copies !== 'both') throw new FileProblem(`copies is "main" (the default) or "both" (got "${String(o.copies)}")`, line);
        c.copies = o.copies;
      }
      return c;
    }
    case 'lint':
      try {
        return parseLintCheck(o);
      } catch (e) {
        if (e instanceof LintCheckProblem) throw new FileProblem(e.message, line);
        throw e;
      }
    case 'migration':
      try {
        return parseMigrationCheck(o);
      } catch (e) {
        if (e instanceof MigrationCheckProblem) throw new FileProblem(e.message, line);
        throw e;
      }
    case 'intact':
      throw new FileProblem('the intact check is implicit', line);
  }
}

function optBool(o: Record<string, YamlValue>, k: string, line: number): boolean | undefined {
  if (o[k] === undefined) return undefined;
  if (typeof o[k] !== 'boolean') throw new FileProblem(`${k} is true or false`, line);
  return o[k] as boolean;
}

function parseIndexAssertion(o: Record<string, YamlValue>, line: number): IndexAssertion {
  onlyKeys(o, ['table', 'method', 'columns', 'include', 'predicate', 'unique', 'name', 'exists', 'count'], 'index option', line);
  const a: IndexAssertion = { table: str(o.table, 'index table', line) };
  if (o.method !== undefined) {
    a.method = str(o.method, 'method', line).toLowerCase();
    if (!['btree', 'hash', 'gin', 'gist', 'spgist', 'brin'].includes(a.method)) throw new FileProblem(`unknown index method "${a.method}"`, line);
  }
  if (o.columns !== undefined) a.columns = strList(o.columns, 'columns', line);
  if (o.include !== undefined) a.include = strList(o.include, 'include', line);
  if (o.predicate !== undefined) a.predicate = str(o.predicate, 'predicate', line);
  if (o.name !== undefined) a.name = str(o.name, 'name', line);
  a.unique = optBool(o, 'unique', line);
  a.exists = optBool(o, 'exists', line);
  if (o.count !== undefined) a.count = num(o.count, 'count', line);
  return a;
}

/** `index: [ {…}, {…} ]`: the accepted forms of one index. Each must say that it exists: "one of these is gone" has no single meaning. */
function parseIndexAlternatives(list: YamlValue[], line: number): IndexAssertion[] {
  if (list.length < 2) throw new FileProblem('a list of indexes gives at least two accepted forms (or write one index as "key: value" options)', line);
  return list.map((o) => {
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new FileProblem('each accepted index is "key: value" options', line);
    const a = parseIndexAssertion(o as Record<string, YamlValue>, line);
    if (a.exists === false || a.count !== undefined) throw new FileProblem('exists and count go with a single index, not with a list of accepted forms', line);
    return a;
  });
}

const CONSTRAINT_TYPES = ['check', 'unique', 'primary key', 'foreign key', 'exclusion', 'not null', 'key'];

function parseConstraintAssertion(o: Record<string, YamlValue>, line: number): ConstraintAssertion {
  onlyKeys(o, ['table', 'type', 'columns', 'name', 'contains', 'validated', 'exists'], 'constraint option', line);
  const type = str(o.type, 'constraint type', line).toLowerCase();
  if (!CONSTRAINT_TYPES.includes(type)) throw new FileProblem(`constraint type is one of ${CONSTRAINT_TYPES.join(', ')}`, line);
  const a: ConstraintAssertion = { table: str(o.table, 'constraint table', line), type: type as ConstraintAssertion['type'] };
  if (o.columns !== undefined) a.columns = strList(o.columns, 'columns', line);
  if (o.name !== undefined) a.name = str(o.name, 'name', line);
  if (o.contains !== undefined) a.contains = str(o.contains, 'contains', line);
  if (o.validated !== undefined) {
    if (o.validated !== true && o.validated !== false && o.validated !== 'any') throw new FileProblem('validated is true, false or any', line);
    a.validated = o.validated;
  }
  a.exists = optBool(o, 'exists', line);
  return a;
}

function parseColumnAssertion(o: Record<string, YamlValue>, line: number): ColumnAssertion {
  onlyKeys(o, ['table', 'column', 'type', 'notNull', 'default', 'exists'], 'column option', line);
  const a: ColumnAssertion = { table: str(o.table, 'column table', line), column: str(o.column, 'column', line) };
  if (o.type !== undefined) a.type = str(o.type, 'type', line);
  if (o.default !== undefined) a.default = str(o.default, 'default', line);
  a.notNull = optBool(o, 'notNull', line);
  a.exists = optBool(o, 'exists', line);
  return a;
}

function parseWrongAnswers(located: Located[], checks: Check[]): WrongAnswer[] {
  const out: WrongAnswer[] = [];
  let cur: (WrongAnswer & { line: number; whyParts: string[] }) | null = null;
  const finish = () => {
    if (!cur) return;
    if (!cur.sql) throw new FileProblem(`the wrong answer "${cur.title}" needs a \`\`\`sql block`, cur.line);
    if (!cur.fails.length) throw new FileProblem(`the wrong answer "${cur.title}" needs a line "fails: <check kinds>"`, cur.line);
    out.push({ title: cur.title, sql: cur.sql, fails: cur.fails, why: cur.whyParts.join('').trim() });
  };
  for (const l of located) {
    const t = l.token;
    if (t.type === 'heading' && (t as Tokens.Heading).depth === 3) {
      finish();
      cur = { title: (t as Tokens.Heading).text.trim(), sql: '', fails: [], why: '', line: l.line, whyParts: [] };
      continue;
    }
    if (t.type === 'space') continue;
    if (!cur) throw new FileProblem('each wrong answer starts with a "### title" heading', l.line);
    if (t.type === 'code') {
      if ((t as Tokens.Code).lang?.trim().toLowerCase() !== 'sql') throw new FileProblem('a wrong answer\'s code block must be marked ```sql', l.line);
      cur.sql += (cur.sql ? '\n\n' : '') + (t as Tokens.Code).text.trim();
      continue;
    }
    const fails = t.type === 'paragraph' ? /^fails:\s*(.+)$/im.exec((t as Tokens.Paragraph).text) : null;
    if (fails) {
      for (const k of fails[1].split(/[,\s]+/).filter(Boolean)) {
        if (!FAIL_KINDS.includes(k as CheckKind)) throw new FileProblem(`"fails:" lists check kinds (${FAIL_KINDS.join(', ')}), not "${k}"`, l.line);
        if (k !== 'intact' && !checks.some((c) => c.kind === k)) throw new FileProblem(`"fails: ${k}" but the exercise has no ${k} check`, l.line);
        cur.fails.push(k as CheckKind);
      }
      const rest = t.raw.replace(/^fails:.*$/im, '');
      if (rest.trim()) cur.whyParts.push(rest);
      continue;
    }
    cur.whyParts.push(t.raw);
  }
  finish();
  if (!out.length) throw new FileProblem('"## Wrong answers" lists at least one typical mistake ("### title", a ```sql block, "fails: result")', located[0]?.line);
  return out;
}

/** Condition names a behavior check may expect, with their SQLSTATE. */
export const CONDITION_NAMES: Record<string, string> = {
  unique_violation: '23505',
  check_violation: '23514',
  not_null_violation: '23502',
  foreign_key_violation: '23503',
  exclusion_violation: '23P01',
  restrict_violation: '23001',
  integrity_constraint_violation: '23000',
  invalid_text_representation: '22P02',
  string_data_right_truncation: '22001',
  numeric_value_out_of_range: '22003',
  undefined_table: '42P01',
  undefined_column: '42703',
  insufficient_privilege: '42501',
  read_only_sql_transaction: '25006',
};
