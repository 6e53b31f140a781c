// psql backslash commands. The \d family, \l, \sf/\sv and \h run psql's own describe code
// (the psql-describe port of describe.c); \x, \timing, \? and \conninfo are answered here.
import { describe } from 'psql-describe';

// psql-describe 0.1.7 calls gettext's ngettext as a global it never defines, so \du of a role
// with a connection limit failed with "ngettext is not defined": give it psql's English one.
const gettextGlobal = globalThis as { ngettext?: (one: string, many: string, n: number) => string };
gettextGlobal.ngettext ??= (one, many, n) => (n === 1 ? one : many);

export interface PsqlState { expanded: boolean; timing: boolean }
export type PsqlOutput =
  | { kind: 'text'; text: string }
  | { kind: 'table'; title?: string; columns: string[]; rows: (string | null)[][]; footer?: string[] }
  | { kind: 'error'; message: string }
  /** `\copy … to FILE`: COPY's output, offered as a download named `file`. */
  | { kind: 'download'; file: string; text: string }
  /** `\copy … from FILE`: the page asks for the file, then runs `sql` (COPY … FROM STDIN) with it. */
  | { kind: 'file-request'; file: string; sql: string; text: string }
  /** `\e`: the query buffer, offered to the page's editor (psql would open $EDITOR on it). */
  | { kind: 'edit'; text: string; note: string };

type RawDb = {
  rawQuery(sql: string, params?: unknown[]): Promise<{ rows: Record<string, string | null>[]; fields: { name: string; dataTypeID: number }[] }>;
};

/** The table object psql-describe hands to its output callback (its printTableContent). */
interface DescribeTable {
  title?: string;
  headers: string[];
  cells: unknown[];
  ncolumns: number;
  nrows: number;
  footers: string[] | null;
  opt: { default_footer?: boolean };
}

const DESCRIBE_COMMAND = /^(d\S*|z\S*|s[fv]\+?|h|l\+?|list\+?|lo_list)$/;

// psql-describe reports failures as plain strings, like the informational ones (\sf source,
// \h text, notes). These are its (psql's) error messages, from describe.mjs 0.1.7.
const DESCRIBE_ERROR =
  /^(Did not find any |ERROR: |invalid command |unsupported command|The server \(version|You are currently not connected|cross-database references|improper qualified name|could not parse reloptions|Error when querying|function name is required|view name is required|\\df does not take|".*" is not a view)/;

const HELP = `Supported psql commands:
  \\d[S+]                 list tables, views, materialized views, sequences
  \\d[S+]  NAME           describe table, view, sequence or index
  \\dt[S+] [PATTERN]      list tables
  \\di[S+] [PATTERN]      list indexes
  \\dv[S+] [PATTERN]      list views
  \\dm[S+] [PATTERN]      list materialized views
  \\ds[S+] [PATTERN]      list sequences
  \\df[S+] [PATTERN]      list functions
  \\dn[S+] [PATTERN]      list schemas
  \\dT[S+] [PATTERN]      list data types
  \\du[S+] [PATTERN]      list roles
  \\dx[+]  [PATTERN]      list extensions
  \\dconfig[+] [PATTERN]  show configuration parameters
  \\d...                  the other \\d commands of psql 18 work too
  \\l[+]   [PATTERN]      list databases
  \\sf[+]  FUNCNAME       show a function's definition
  \\sv[+]  VIEWNAME       show a view's definition
  \\h [NAME]              help on syntax of SQL commands
  \\x [on|off]            toggle expanded output
  \\timing [on|off]       toggle timing of commands
  \\conninfo              display information about the current connection
Query buffer and scripting:
  \\g, \\gx               send the query (\\gx: expanded); with nothing typed, the previous one
  \\gset [PREFIX]         send the query and store its one row in variables
  \\gexec                 send the query, then run each value of its result
  \\p, \\r               show / clear the query buffer
  \\;                     a semicolon that does not send (statements sent together)
  \\set [NAME [VALUE]]    set a variable, or list them; \\unset NAME removes one
  :NAME  :'NAME'  :"NAME"  a variable's value, as a literal, as an identifier
  \\if EXPR, \\elif EXPR, \\else, \\endif   conditional blocks
  \\echo, \\qecho, \\warn  print text
  \\errverbose            the last error with all its fields
  \\set ON_ERROR_STOP on  stop at the first error (for this run)
  \\q                     end the script here
  COPY … FROM STDIN; and \\copy … from stdin   read the rows that follow, up to a line \\.
  \\copy … to stdout      show a table's rows in COPY format
  \\restrict / \\unrestrict  pg_dump's guard around a dump
  \\?                     this list`;

export async function runBackslash(line: string, db: RawDb, state: PsqlState): Promise<{ outputs: PsqlOutput[]; state: PsqlState }> {
  try {
    const m = /^\\(\S*)\s*(.*)$/s.exec(line.trim());
    if (!m) return { outputs: [err(`not a backslash command: ${line}`)], state };
    const [, name, rest] = m;
    const arg = rest.trim().split(/\s+/)[0] || undefined;

    switch (name) {
      case 'x': {
        const on = toggle(arg, state.expanded);
        if (on === undefined) return { outputs: [err(`unrecognized value "${arg}" for "expanded"\nAvailable values are: on, off.`)], state };
        return { outputs: [text(`Expanded display is ${on ? 'on' : 'off'}.`)], state: { ...state, expanded: on } };
      }
      case 'timing': {
        const on = toggle(arg, state.timing);
        if (on === undefined) return { outputs: [err(`unrecognized value "${arg}" for "\\timing": Boolean expected`)], state };
        return { outputs: [text(`Timing is ${on ? 'on' : 'off'}.`)], state: { ...state, timing: on } };
      }
      case '?':
        return { outputs: [text(HELP)], state };
      case 'conninfo': {
        const { rows } = await db.rawQuery(
          `select current_database() as db, current_user as usr, current_setting('server_version') as v`);
        const r = rows[0];
        return { outputs: [text(`You are connected to database "${r.db}" as user "${r.usr}" on PGlite (PostgreSQL ${r.v}), running inside this page: there is no host or port.`)], state };
      }
    }
    if (!DESCRIBE_COMMAND.test(name)) return { outputs: [invalidCommand(name)], state };
    return { outputs: await runDescribe(line.trim(), db), state };
  } catch (e) {
    return { outputs: [err(e instanceof Error ? e.message : String(e))], state };
  }
}

async function runDescribe(cmd: string, db: RawDb): Promise<PsqlOutput[]> {
  // One round trip for what psql-describe would otherwise ask for itself (the server version).
  const info = (await db.rawQuery(`select current_database() as db, current_setting('server_version_num') as v`)).rows[0];
  const outputs: PsqlOutput[] = [];
  const onOutput = (item: string | Record<string, unknown>) => {
    outputs.push(typeof item === 'string' ? fromString(item) : fromTable(item as unknown as DescribeTable));
  };
  const { promise } = describe(cmd, info.db ?? 'postgres', (sql) => arrayQuery(db, sql), onOutput, false, Number(info.v));
  await promise;
  return outputs;
}

/**
 * psql-describe wants node-postgres' rowMode 'array' shape with raw text values (it compares
 * booleans with 't'). rawQuery gives objects keyed by column name, which lose a column when two
 * share a name (\d table's policy query has two pg_get_expr); then the query runs again as a
 * subquery with unique positional column names (its trailing ";" removed).
 */
async function arrayQuery(db: RawDb, sql: string) {
  let r = await db.rawQuery(sql);
  const names = r.fields.map((f) => f.name);
  const keys = new Set(names).size === names.length ? names : names.map((_, i) => `c${i}`);
  if (keys !== names) r = await db.rawQuery(`select * from (${sql.replace(/[\s;]+$/, '')}) as q(${keys.map((k) => `"${k}"`).join(', ')})`);
  return {
    fields: names.map((name, i) => ({ name, dataTypeID: r.fields[i].dataTypeID })),
    rows: r.rows.map((row) => keys.map((k) => row[k] ?? null)),
    rowCount: r.rows.length,
  };
}

function fromString(s: string): PsqlOutput {
  const message = s.replace(/\n+$/, '');
  if (/^invalid command /.test(message)) return err(`${message}\nTry \\? for help.`);
  return DESCRIBE_ERROR.test(message) ? err(message) : text(message);
}

function fromTable(t: DescribeTable): PsqlOutput {
  const rows: (string | null)[][] = [];
  for (let i = 0; i < t.cells.length; i += t.ncolumns) rows.push(t.cells.slice(i, i + t.ncolumns).map((c) => (c == null ? null : String(c))));
  // Same rule as psql's printTable: explicit footers, else "(N rows)" unless the command turned it off.
  // One footer can span lines (a policy with its USING and WITH CHECK): give one line per item.
  const footers = (t.footers ?? []).filter((f) => f).flatMap((f) => f.split('\n'));
  const footer = footers.length > 0 ? footers : t.opt?.default_footer ? [`(${rows.length} row${rows.length === 1 ? '' : 's'})`] : undefined;
  return { kind: 'table', title: t.title || undefined, columns: [...t.headers], rows, ...(footer ? { footer } : {}) };
}

/** psql's ParseVariableBool (case-insensitive prefixes of true/false/yes/no, on/off, 1/0); no value toggles. */
function toggle(value: string | undefined, current: boolean): boolean | undefined {
  if (value === undefined) return !current;
  const v = value.toLowerCase();
  const prefixOf = (word: string, min = 1) => v.length >= min && word.startsWith(v);
  if (prefixOf('true') || prefixOf('yes') || v === 'on' || v === '1') return true;
  if (prefixOf('false') || prefixOf('no') || prefixOf('off', 2) || v === '0') return false;
  return undefined;
}

const text = (t: string): PsqlOutput => ({ kind: 'text', text: t });
const err = (message: string): PsqlOutput => ({ kind: 'error', message });
const invalidCommand = (name: string) => err(`invalid command \\${name}\nTry \\? for help.`);
