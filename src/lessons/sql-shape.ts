// What a piece of SQL is made of, read from PostgreSQL's own parse tree (libpg-query), never
// from its text: how many statements, which constructs, which tables it reads, whether it tries
// to change the role it runs as. Also the canonical form of an expression, so `'pending' = status`
// and `status = 'pending'` compare equal while `'Pending'` does not.
import { parse, parsePlPgSQLSync, parseSync, scan } from 'libpg-query';
import { splitScript } from '../db/splitter.ts';

type Json = unknown;
type Node = Record<string, Json>;

export interface ParsedStatement {
  /** Top node type: SelectStmt, IndexStmt, ... */
  type: string;
  body: Node;
  text: string;
}

/** The statements of a script (psql backslash commands skipped); undefined when one does not parse. */
export async function parseScript(sql: string): Promise<ParsedStatement[] | undefined> {
  const out: ParsedStatement[] = [];
  for (const p of await splitScript(sql)) {
    if (p.kind !== 'sql') continue;
    try {
      const { stmts } = (await parse(p.text)) as unknown as { stmts: { stmt: Node }[] };
      for (const s of stmts) {
        const type = Object.keys(s.stmt)[0];
        out.push({ type, body: s.stmt[type] as Node, text: p.text });
      }
    } catch {
      return undefined;
    }
  }
  return out;
}

/** Calls fn for every node (`{ Type: body }`) under v, and for SelectStmt bodies of set operations. */
export function walk(v: Json, fn: (type: string, body: Node) => void): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(x, fn);
    return;
  }
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v as Node)) {
    if (/^[A-Z]/.test(k) && x && typeof x === 'object' && !Array.isArray(x)) fn(k, x as Node);
    // The arms of UNION/INTERSECT/EXCEPT are SelectStmt bodies without their wrapper.
    if ((k === 'larg' || k === 'rarg') && x && typeof x === 'object') fn('SelectStmt', x as Node);
    // A statement's WITH is a WithClause body under the lower-case key `withClause`.
    if (k === 'withClause' && x && typeof x === 'object') fn('WithClause', x as Node);
    walk(x, fn);
  }
}

/** The constructs a `sql` check can forbid or require, each a test on one parse-tree node. */
export const CONSTRUCTS: Record<string, (type: string, body: Node) => boolean> = {
  'subquery': (t) => t === 'SubLink' || t === 'RangeSubselect',
  'scalar subquery': (t, b) => t === 'SubLink' && b.subLinkType === 'EXPR_SUBLINK',
  'in subquery': (t, b) => t === 'SubLink' && b.subLinkType === 'ANY_SUBLINK',
  'exists': (t, b) => t === 'SubLink' && b.subLinkType === 'EXISTS_SUBLINK',
  'derived table': (t) => t === 'RangeSubselect',
  'cte': (t) => t === 'CommonTableExpr',
  // walk() reports a statement's bare `withClause` object as a WithClause node.
  'recursive cte': (t, b) => t === 'WithClause' && b.recursive === true,
  'union': (t, b) => t === 'SelectStmt' && b.op === 'SETOP_UNION',
  'intersect': (t, b) => t === 'SelectStmt' && b.op === 'SETOP_INTERSECT',
  'except': (t, b) => t === 'SelectStmt' && b.op === 'SETOP_EXCEPT',
  'set operation': (t, b) => t === 'SelectStmt' && typeof b.op === 'string' && b.op !== 'SETOP_NONE',
  'join': (t) => t === 'JoinExpr',
  'lateral': (t, b) => (t === 'RangeSubselect' || t === 'RangeFunction') && b.lateral === true,
  'window function': (t, b) => t === 'FuncCall' && b.over !== undefined,
  'aggregate filter': (t, b) => t === 'FuncCall' && b.agg_filter !== undefined,
  'case': (t) => t === 'CaseExpr',
  'group by': (t, b) => t === 'SelectStmt' && Array.isArray(b.groupClause) && b.groupClause.length > 0,
  'order by': (t, b) => t === 'SelectStmt' && Array.isArray(b.sortClause) && b.sortClause.length > 0,
  'limit': (t, b) => t === 'SelectStmt' && b.limitCount !== undefined,
  'offset': (t, b) => t === 'SelectStmt' && b.limitOffset !== undefined,
  'distinct': (t, b) => t === 'SelectStmt' && Array.isArray(b.distinctClause),
  'on conflict': (t) => t === 'OnConflictClause',
  'returning': (t, b) => (t === 'InsertStmt' || t === 'UpdateStmt' || t === 'DeleteStmt' || t === 'MergeStmt') && b.returningClause !== undefined,
  'update from': (t, b) => t === 'UpdateStmt' && Array.isArray(b.fromClause) && b.fromClause.length > 0,
  'merge': (t) => t === 'MergeStmt',
  'do block': (t) => t === 'DoStmt',
  'function definition': (t) => t === 'CreateFunctionStmt',
  'row comparison': (t, b) => t === 'A_Expr' && !!b.lexpr && typeof b.lexpr === 'object' && 'RowExpr' in (b.lexpr as Node),
  'transaction': (t) => t === 'TransactionStmt',
};

/** Plain-words name of a construct for messages. */
export const CONSTRUCT_WORDS: Record<string, string> = {
  'subquery': 'a subquery', 'scalar subquery': 'a scalar subquery', 'in subquery': 'IN (subquery)', 'exists': 'EXISTS',
  'derived table': 'a subquery in FROM', 'cte': 'a WITH query', 'recursive cte': 'WITH RECURSIVE', 'union': 'UNION',
  'intersect': 'INTERSECT', 'except': 'EXCEPT', 'set operation': 'UNION, INTERSECT or EXCEPT', 'join': 'a JOIN',
  'lateral': 'LATERAL', 'window function': 'a window function (OVER)', 'aggregate filter': 'an aggregate FILTER clause',
  'case': 'CASE', 'group by': 'GROUP BY', 'order by': 'ORDER BY', 'limit': 'LIMIT', 'offset': 'OFFSET',
  'distinct': 'DISTINCT', 'on conflict': 'ON CONFLICT', 'returning': 'RETURNING', 'update from': 'UPDATE … FROM',
  'merge': 'MERGE', 'do block': 'a DO block', 'function definition': 'CREATE FUNCTION', 'row comparison': 'a row comparison (a, b) < (x, y)',
  'transaction': 'BEGIN/COMMIT',
};

/**
 * `call <function>`: a call of a function by its (unqualified, lower-case) name, for a task that
 * rules one out ("a function that accepts any text": no `to_tsquery`).
 */
export const CALL_CONSTRUCT = /^call ([a-z_][a-z0-9_$]*)$/;

/** The words for a construct in a message. */
export function constructWords(c: string): string {
  const call = CALL_CONSTRUCT.exec(c);
  return call ? `${call[1]}()` : CONSTRUCT_WORDS[c] ?? c;
}

/** How many times the statements use each construct (and `call <name>` for each function called). */
export function constructCounts(stmts: ParsedStatement[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of stmts) {
    const visit = (type: string, body: Node) => {
      for (const [name, test] of Object.entries(CONSTRUCTS)) if (test(type, body)) out.set(name, (out.get(name) ?? 0) + 1);
      if (type === 'FuncCall' && Array.isArray(body.funcname)) {
        const last = (body.funcname as { String?: { sval?: string } }[]).at(-1)?.String?.sval;
        if (last) out.set(`call ${last.toLowerCase()}`, (out.get(`call ${last.toLowerCase()}`) ?? 0) + 1);
      }
    };
    visit(s.type, s.body);
    walk(s.body, visit);
  }
  return out;
}

/** How many times each table (by its unqualified name) is named in FROM/JOIN/DML targets. */
export function tableReads(stmts: ParsedStatement[]): Map<string, number> {
  const out = new Map<string, number>();
  const ctes = new Set<string>();
  for (const s of stmts) walk(s.body, (t, b) => { if (t === 'CommonTableExpr') ctes.add(String(b.ctename)); });
  for (const s of stmts) {
    const visit = (type: string, body: Node) => {
      if (type === 'RangeVar' && typeof body.relname === 'string' && !(body.schemaname === undefined && ctes.has(body.relname))) {
        out.set(body.relname, (out.get(body.relname) ?? 0) + 1);
      }
    };
    walk({ [s.type]: s.body }, visit);
  }
  return out;
}

/** Statement types that create or drop objects, by the object kind a `sql` check names. */
export function objectChanges(stmts: ParsedStatement[]): { created: Map<string, number>; dropped: Map<string, number> } {
  const created = new Map<string, number>();
  const dropped = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const dropKinds: Record<string, string> = {
    OBJECT_INDEX: 'index', OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view',
    OBJECT_FUNCTION: 'function', OBJECT_SEQUENCE: 'sequence', OBJECT_TRIGGER: 'trigger', OBJECT_STATISTIC_EXT: 'statistics',
    OBJECT_SCHEMA: 'schema', OBJECT_TYPE: 'type', OBJECT_EXTENSION: 'extension',
  };
  for (const s of stmts) {
    switch (s.type) {
      case 'IndexStmt': add(created, 'index'); break;
      case 'CreateStmt': add(created, 'table'); break;
      case 'CreateTableAsStmt': add(created, s.body.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table'); break;
      case 'ViewStmt': add(created, 'view'); break;
      case 'CreateFunctionStmt': add(created, 'function'); break;
      case 'CreateTrigStmt': add(created, 'trigger'); break;
      case 'CreateStatsStmt': add(created, 'statistics'); break;
      case 'CreateExtensionStmt': add(created, 'extension'); break;
      case 'SelectStmt': if (s.body.intoClause) add(created, 'table'); break;
      case 'AlterTableStmt':
        for (const c of (s.body.cmds as Node[] | undefined) ?? []) {
          const cmd = c.AlterTableCmd as Node | undefined;
          if (cmd?.subtype === 'AT_AddConstraint') add(created, 'constraint');
          if (cmd?.subtype === 'AT_DropConstraint') add(dropped, 'constraint');
          if (cmd?.subtype === 'AT_AddColumn') add(created, 'column');
          if (cmd?.subtype === 'AT_DropColumn') add(dropped, 'column');
        }
        break;
      case 'DropStmt': {
        const kind = dropKinds[String(s.body.removeType)] ?? 'object';
        for (let i = 0; i < ((s.body.objects as Json[] | undefined)?.length ?? 1); i++) add(dropped, kind);
        break;
      }
    }
  }
  return { created, dropped };
}

/**
 * The statement that makes the SQL refused before it runs: it tries to change the role the checks
 * rely on, or to type in planner statistics. DO blocks are read too, statement by statement from
 * PL/pgSQL's own parse tree; a DO block that runs SQL built at run time (EXECUTE of anything but
 * a string literal) is refused, since what it would run cannot be read. Functions need no reading:
 * the guard makes every function the learner defines SECURITY DEFINER, where PostgreSQL itself
 * refuses to change the role (sandbox-role.ts).
 */
export function roleEscape(stmts: ParsedStatement[]): { sql: string; why: string } | undefined {
  for (const s of stmts) {
    const why = escapeIn({ [s.type]: s.body }, 0);
    if (why) return { sql: s.text, why };
  }
  return undefined;
}

/** Why a parse tree (or the SQL text in it) could leave the learner's role, or undefined. */
function escapeIn(tree: Json, depth: number): string | undefined {
  if (depth > 8) return 'nested too deep to read';
  let found: string | undefined;
  walk(tree, (t, b) => {
    if (found) return;
    if (t === 'VariableSetStmt' && (b.name === 'session_authorization' || b.name === 'role')) found = 'sets the role';
    if (t === 'DiscardStmt' && b.target === 'DISCARD_ALL') found = 'DISCARD ALL';
    if (t === 'FuncCall') {
      const name = ((b.funcname as Node[]) ?? []).map((n) => String((n.String as Node | undefined)?.sval ?? '')).pop();
      // Planner statistics typed in by hand (PostgreSQL 18) would fake any plan check.
      if (name && /^pg_(restore|clear)_(relation|attribute)_stats$/.test(name)) found = 'types in statistics';
      if (name === 'set_config') {
        const val = literal((b.args as Node[] | undefined)?.[0]);
        if (val === undefined || /^\s*(role|session_authorization)\s*$/i.test(val)) found = 'set_config of the role';
      }
    }
    if (t === 'DoStmt') found = doBlockEscape(b, depth);
  });
  return found;
}

/** The string of a constant node (`'role'`, `'role'::text`), or undefined. */
function literal(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  const tc = n.TypeCast as Node | undefined;
  if (tc) return literal(tc.arg as Node);
  const v = ((n.A_Const as Node | undefined)?.sval as Node | undefined)?.sval;
  return typeof v === 'string' ? v : undefined;
}

/** Why the statements of a DO block could leave the role, read from PL/pgSQL's parse tree. */
function doBlockEscape(body: Node, depth: number): string | undefined {
  const opts = ((body.args as Node[] | undefined) ?? []).map((a) => a.DefElem as Node);
  const lang = literal(opts.find((o) => o.defname === 'language')?.arg as Node) ?? String(((opts.find((o) => o.defname === 'language')?.arg as Node | undefined)?.String as Node | undefined)?.sval ?? 'plpgsql');
  if (lang.toLowerCase() !== 'plpgsql') return `a DO block in ${lang}`;
  const code = String(((opts.find((o) => o.defname === 'as')?.arg as Node | undefined)?.String as Node | undefined)?.sval ?? '');
  let tree: Json;
  try {
    let tag = '$pglab$';
    for (let i = 0; code.includes(tag); i++) tag = `$pglab${i}$`;
    tree = parsePlPgSQLSync(`do ${tag}${code}${tag}`);
  } catch {
    return 'a DO block that does not parse';
  }
  let found: string | undefined;
  const visit = (v: Json, dynamic: boolean) => {
    if (found || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) visit(x, false); return; }
    for (const [k, x] of Object.entries(v as Node)) {
      if (found) return;
      if (k === 'PLpgSQL_expr' && x && typeof x === 'object') {
        const e = x as Node;
        found = sqlTextEscape(String(e.query ?? ''), e.parseMode === 0 ? 'statement' : 'expression', dynamic, depth);
        continue;
      }
      // EXECUTE's query, FOR … IN EXECUTE, OPEN … FOR EXECUTE, RETURN QUERY EXECUTE.
      const isDynamic = (k === 'query' && /dyn/.test(String((v as Node).__type ?? ''))) || k === 'dynquery';
      visit(x, isDynamic);
    }
  };
  // Mark the dynamic statements' nodes so their query is read as SQL text to run.
  const mark = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(mark);
    if (!v || typeof v !== 'object') return v;
    const out: Node = {};
    for (const [k, x] of Object.entries(v as Node)) {
      out[k] = mark(x);
      if (/^PLpgSQL_stmt_dyn/.test(k) && out[k] && typeof out[k] === 'object') (out[k] as Node).__type = k;
    }
    return out;
  };
  visit(mark(tree), false);
  return found;
}

/**
 * Reads one piece of SQL text from a DO block: a statement, an expression, or (dynamic) an
 * expression whose value is run as SQL, which must then be a string literal to be read.
 */
function sqlTextEscape(text: string, kind: 'statement' | 'expression', dynamic: boolean, depth: number): string | undefined {
  let tree: { stmts: { stmt: Node }[] };
  try {
    tree = parseSync(kind === 'statement' ? text : `select ${text}`) as unknown as typeof tree;
  } catch {
    return kind === 'statement' ? undefined : 'an expression that does not parse';
  }
  const inner = escapeIn(tree.stmts.map((s) => s.stmt), depth + 1);
  if (inner || !dynamic) return inner;
  const target = ((tree.stmts[0]?.stmt.SelectStmt as Node | undefined)?.targetList as Node[] | undefined) ?? [];
  const value = target.length === 1 ? literal((target[0].ResTarget as Node).val as Node) : undefined;
  if (value === undefined) return 'EXECUTE of SQL built at run time';
  try {
    const run = parseSync(value) as unknown as { stmts: { stmt: Node }[] };
    return escapeIn(run.stmts.map((s) => s.stmt), depth + 1);
  } catch {
    return undefined; // it fails when it runs, as it would anywhere
  }
}

// ------------------------------------------------------------------ canonical expressions

const COMMUTATIVE = new Set(['=', '<>', '!=', '+', '*', '&&', 'AND', 'OR']);
const MIRROR: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
const NONE: ReadonlySet<string> = new Set();

function strip(v: Json): Json {
  if (Array.isArray(v)) return v.map(strip);
  if (!v || typeof v !== 'object') return v;
  const out: Node = {};
  for (const [k, x] of Object.entries(v as Node)) if (k !== 'location') out[k] = strip(x);
  return out;
}

/** An integer literal (`5`, `-1`, `0::bigint`), or undefined. libpg-query leaves out a zero's value. */
function integerLiteral(v: Json): number | undefined {
  let n = v as Node | undefined;
  const cast = n?.TypeCast as Node | undefined;
  if (cast) {
    const names = ((cast.typeName as Node)?.names as Node[] | undefined)?.map((x) => String((x.String as Node)?.sval));
    if (!names || !['int2', 'int4', 'int8'].includes(names[names.length - 1])) return undefined;
    n = cast.arg as Node;
  }
  const c = n?.A_Const as Node | undefined;
  if (!c || !c.ival || typeof c.ival !== 'object') return undefined;
  const i = (c.ival as Node).ival;
  return i === undefined ? 0 : typeof i === 'number' ? i : undefined;
}

const columnName = (v: Json): string | undefined => {
  const fields = ((v as Node | undefined)?.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
  const last = fields?.[fields.length - 1]?.String as Node | undefined;
  return last ? String(last.sval) : undefined;
};

/**
 * A comparison of an integer column with an integer in one spelling, column first, `>=` or `<=`:
 * on integers `qty > 0`, `0 < qty` and `qty >= 1` are one rule (not on numeric, where 0.5 > 0).
 */
function integerBound(e: Node, integers: ReadonlySet<string>): Node | undefined {
  const op = String(((e.name as Node[])[0].String as Node).sval);
  if (!['<', '>', '<=', '>='].includes(op)) return undefined;
  let [col, k, o] = [columnName(e.lexpr), integerLiteral(e.rexpr), op];
  if (col === undefined || k === undefined) {
    [col, k, o] = [columnName(e.rexpr), integerLiteral(e.lexpr), MIRROR[op]];
  }
  if (col === undefined || k === undefined || !integers.has(col)) return undefined;
  const [bound, value] = o === '>' ? ['>=', k + 1] : o === '<' ? ['<=', k - 1] : [o, k];
  return {
    ...e,
    name: [{ String: { sval: bound } }],
    lexpr: { ColumnRef: { fields: [{ String: { sval: col } }] } },
    rexpr: { A_Const: { ival: value === 0 ? {} : { ival: value } } },
  };
}

function canon(v: Json, integers: ReadonlySet<string> = NONE): Json {
  if (Array.isArray(v)) return v.map((x) => canon(x, integers));
  if (!v || typeof v !== 'object') return v;
  const o: Node = {};
  for (const [k, x] of Object.entries(v as Node)) o[k] = canon(x, integers);
  const bound = o.A_Expr && (o.A_Expr as Node).kind === 'AEXPR_OP' && ((o.A_Expr as Node).name as Node[] | undefined)?.length === 1
    ? integerBound(o.A_Expr as Node, integers) : undefined;
  if (bound) return { ...o, A_Expr: bound };
  const e = o.A_Expr as Node | undefined;
  if (e && e.kind === 'AEXPR_OP' && Array.isArray(e.name) && e.name.length === 1) {
    const op = String(((e.name[0] as Node).String as Node).sval);
    const l = JSON.stringify(e.lexpr);
    const r = JSON.stringify(e.rexpr);
    if ((COMMUTATIVE.has(op) || MIRROR[op]) && e.lexpr !== undefined && r < l) {
      const name = MIRROR[op] ? [{ String: { sval: MIRROR[op] } }] : e.name;
      o.A_Expr = { ...e, name, lexpr: e.rexpr, rexpr: e.lexpr };
    }
  }
  const b = o.BoolExpr as Node | undefined;
  if (b && (b.boolop === 'AND_EXPR' || b.boolop === 'OR_EXPR') && Array.isArray(b.args)) {
    // a AND (b AND c) is a AND b AND c; the order of the terms does not matter.
    const flat: Json[] = [];
    for (const a of b.args) {
      const inner = (a as Node).BoolExpr as Node | undefined;
      if (inner && inner.boolop === b.boolop) flat.push(...(inner.args as Json[]));
      else flat.push(a);
    }
    o.BoolExpr = { ...b, args: flat.map((a) => JSON.stringify(a)).sort().map((s) => JSON.parse(s)) };
  }
  return o;
}

/** The canonical tree of an expression (see canonicalExpression), or undefined when it does not parse as one. */
async function canonicalTree(expr: string, integers: ReadonlySet<string> = NONE): Promise<Json | undefined> {
  try {
    const { stmts } = (await parse(`select where ${expr}`)) as unknown as { stmts: { stmt: { SelectStmt: Node } }[] };
    if (stmts.length !== 1 || stmts[0].stmt.SelectStmt.whereClause === undefined) return undefined;
    const s = stmts[0].stmt.SelectStmt;
    // `x group by y` parses too, but is no single expression: only the WHERE may be there.
    if (Object.keys(s).some((k) => k !== 'whereClause' && k !== 'limitOption' && k !== 'op')) return undefined;
    return canon(strip(s.whereClause), integers);
  } catch {
    return undefined;
  }
}

/**
 * A canonical form of a boolean expression, for comparing meaning rather than spelling: operands
 * of commutative operators and of AND/OR in a fixed order, `a < b` written `b > a` when that
 * sorts first. Pass PostgreSQL's own deparsed text (pg_get_expr) of both sides so casts agree.
 * `integers` names the integer columns, whose comparisons with integers become bounds (on them
 * `qty > 0` is `qty >= 1`).
 * Undefined when the text does not parse as an expression.
 */
export async function canonicalExpression(expr: string, integers: ReadonlySet<string> = NONE): Promise<string | undefined> {
  const tree = await canonicalTree(expr, integers);
  return tree === undefined ? undefined : JSON.stringify(tree);
}

/**
 * The top-level AND-ed terms of an expression, each in canonical form: `a >= 1 and b = 'x'` is
 * two. A CHECK "contains" a wanted rule when every term of the rule is one of its terms, so
 * `quantity >= 1` is in `quantity >= 1 and quantity <= 100` but not in `quantity >= 10`.
 */
export async function conjuncts(expr: string, integers: ReadonlySet<string> = NONE): Promise<string[] | undefined> {
  const tree = await canonicalTree(expr, integers);
  if (tree === undefined) return undefined;
  const b = (tree as Node).BoolExpr as Node | undefined;
  const terms = b && b.boolop === 'AND_EXPR' ? (b.args as Json[]) : [tree];
  return terms.map((t) => JSON.stringify(t));
}

/**
 * A definition as PostgreSQL's scanner reads it: one string per token, keywords and unquoted
 * names in lower case (a quoted name that needs no quotes loses them), string literals as
 * written, parentheses and comments left out (deparsed definitions add parentheses freely).
 * Undefined when the text does not scan (an unterminated literal).
 */
export async function definitionTokens(text: string): Promise<string[] | undefined> {
  try {
    const { tokens } = await scan(text);
    const out: string[] = [];
    for (const t of tokens) {
      if (t.text === '(' || t.text === ')' || /COMMENT/.test(t.tokenName)) continue;
      if (t.tokenName === 'SCONST' || t.text.startsWith("'") || /^[eEbBxXuU]&?'/.test(t.text)) out.push(t.text);
      else if (t.text.startsWith('"')) {
        const name = t.text.slice(1, -1).replace(/""/g, '"');
        out.push(/^[a-z_][a-z0-9_$]*$/.test(name) ? name : t.text);
      } else out.push(t.text.toLowerCase());
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Whether `want` occurs in `def` as whole tokens in a row: `references orders(id)` is in a
 * foreign key's definition, `quantity >= 1` is not in `quantity >= 10`, `'a'` not in `'ab'`.
 */
export async function containsTokens(def: string, want: string): Promise<boolean> {
  const d = await definitionTokens(def);
  const w = await definitionTokens(want);
  if (!d || !w || !w.length) return false;
  for (let i = 0; i + w.length <= d.length; i++) if (w.every((t, j) => d[i + j] === t)) return true;
  return false;
}
