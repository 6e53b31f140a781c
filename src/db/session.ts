// The session: runs a script statement by statement, like psql, over any Engine.
// Pure TypeScript: Node tests drive it against an in-process PGlite, the page against the worker.
import { classifySql, splitScript, sourceOffset, type ScriptPiece } from './splitter.ts';
import { SENDS_BUFFER } from './psql-lexer.ts';
import { ConditionalStack, escapeLiteral, parseArguments, parseBool, PsqlVariables, substituteVariables, validVariableName } from './psql-script.ts';
import { crosstab } from './psql-crosstab.ts';
import type { PsqlOutput, PsqlState } from './psql.ts';
import { commandTag } from './command-tag.ts';
import type { DbErrorInfo, Engine, Notice } from './types.ts';
import { ownStatement } from './own-statements.ts';
import { copyCommand, copyFromScript } from './psql-copy.ts';
import { authStatementOf, SessionAuthorization } from './session-auth.ts';

export interface Column {
  name: string;
  typeId: number;
  type: string;
}

/** An error with its position mapped into the editor's text (0-based offset). */
export interface StatementError extends DbErrorInfo {
  offset?: number;
}

export interface StatementResult {
  from: number;
  to: number;
  sql: string;
  tag: string;
  columns: Column[];
  rows: unknown[][];
  rowCount: number;
  durationMs: number;
  notices: Notice[];
  error?: StatementError;
  /** The statement ran, but the browser would not save the database (see RunOutcome.unsaved). */
  unsaved?: DbErrorInfo;
  /** Output of a psql backslash command. */
  psql?: PsqlOutput[];
  /** Shown expanded whatever `\x` says (`\gx`). */
  expanded?: boolean;
  /** One run of a `\watch`: which, and how often (psql's header line). */
  watch?: { n: number; everySeconds: number; at: number };
}

type SqlPiece = Extract<ScriptPiece, { kind: 'sql' | 'invalid' }>;
type BackslashPiece = Extract<ScriptPiece, { kind: 'backslash' }>;

export interface RunOptions {
  /** Like psql's ON_ERROR_STOP (default true): stop at the first failing statement. */
  stopOnError?: boolean;
  /** Offset of `script` inside the editor text, when running a selection. */
  baseOffset?: number;
  /** Called as each statement finishes, so the page can show results as they come. */
  onResult?: (r: StatementResult) => void;
  /** Stops the run after this result whatever stopOnError says (the page restarts for an extension's files). */
  stopWhen?: (r: StatementResult) => boolean;
  /** Called when a `\watch` starts and ends, so the page can offer to stop it (stopWatch). */
  onWatch?: (watching: boolean) => void;
  /**
   * psql's `\i FILE` / `\ir FILE`: the file's text (the page asks for it with a file picker), or
   * undefined when none is given, or `{ refused }` when the page will not run it (no room for
   * what it writes): an error on the `\i` line, as psql's for a file it cannot read. Its
   * statements run there, and then the script goes on. Without it, `\i` says that files cannot
   * be opened by name.
   */
  onInclude?: (file: string) => Promise<IncludedFile>;
}

/** What the page answers to `\i FILE`: the file's text, nothing (skipped), or why it will not run it. */
export type IncludedFile = string | undefined | { refused: string };

export interface RunReport {
  results: StatementResult[];
  /** Some statement may have changed the schema (or the row estimates): the catalog is stale. */
  catalogChanged: boolean;
  /** True when an error stopped the run before its end. */
  stopped: boolean;
  /** The engine reported a broken instance: the caller must restart it. */
  broken: boolean;
  /** `\q` ended the script. */
  quit?: boolean;
}

/** Statements that never change what the schema browser shows, so no catalog reload follows them. */
const KEEPS_CATALOG = new Set([
  'SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'ExplainStmt', 'TransactionStmt',
  'VariableSetStmt', 'VariableShowStmt', 'PrepareStmt', 'DeallocateStmt',
  'CopyStmt', 'LockStmt', 'CheckPointStmt', 'DiscardStmt', 'NotifyStmt', 'ListenStmt', 'UnlistenStmt',
]);

export class Session {
  psqlState: PsqlState = { expanded: false, timing: true };
  inTransaction = false;
  /** The open transaction has failed: everything until ROLLBACK is ignored. */
  transactionFailed = false;
  /** Statements run since BEGIN, so a Stop can say what was lost. */
  transactionStatements = 0;
  private typeNames = new Map<number, string>();

  constructor(public engine: Engine) {
    this.auth = new SessionAuthorization(engine);
  }

  /** psql's variables (`\set`), kept from run to run like a psql session's. */
  readonly vars = new PsqlVariables();
  /** The last query sent, which `\g` with an empty buffer sends again (as psql's previous_buf). */
  private previousQuery = '';
  private lastError: DbErrorInfo | undefined;
  /** The statement the last error came from (\errverbose shows its LINE). */
  private lastErrorSql = '';
  /** Set by `\restrict KEY` (pg_dump's guard) until `\unrestrict KEY`. */
  private restrictKey: string | undefined;
  /** `\bind`'s parameters, for the next query sent (psql sends it with the extended protocol). */
  private bindParams: string[] | undefined;
  private readonly auth: SessionAuthorization;
  private emitNow: ((r: StatementResult) => void) | undefined;
  private watchOptions: RunOptions | undefined;
  private watchStopped = false;
  private wakeWatch: (() => void) | undefined;

  async run(script: string, opts: RunOptions = {}): Promise<RunReport> {
    try {
      return await this.runScript(script, opts);
    } finally {
      // The page's "Stop at first error" is the default of every run; a script's own \set
      // ON_ERROR_STOP holds for the rest of that run only.
      this.vars.unset('ON_ERROR_STOP');
      this.restrictKey = undefined;
    }
  }

  private async runScript(script: string, opts: RunOptions): Promise<RunReport> {
    const { stopOnError = true, baseOffset = 0, onResult, stopWhen } = opts;
    this.watchOptions = opts;
    const pieces = await splitScript(script);
    const results: StatementResult[] = [];
    const report: RunReport = { results, stopped: false, broken: false, catalogChanged: false };
    const cond = new ConditionalStack();
    // `\set ON_ERROR_STOP` in the script decides; otherwise the page's "Stop at first error".
    const stops = () => this.vars.bool('ON_ERROR_STOP') ?? stopOnError;
    const emit = (this.emitNow = (r: StatementResult) => {
      r.from += baseOffset;
      r.to += baseOffset;
      if (r.error?.offset !== undefined) r.error.offset += baseOffset;
      results.push(r);
      onResult?.(r);
    });
    for (let k = 0; k < pieces.length; k++) {
      const piece = pieces[k];
      let out: StatementResult[];
      let quit = false;
      if (piece.kind === 'backslash') {
        const done = await this.runBackslashPiece(piece, cond, report);
        out = done.results;
        quit = done.quit;
      } else {
        if (!cond.active) continue; // psql discards a query in a branch not taken
        const next = pieces[k + 1];
        const via = piece.end === 'backslash' && next?.kind === 'backslash' && SENDS_BUFFER.has(next.name) ? next : undefined;
        if (via) k++;
        out = await this.runQuery(piece, via, report);
      }
      let stop = quit;
      for (const r of out) {
        emit(r);
        if (report.broken || (r.error && stops()) || stopWhen?.(r)) stop = true;
      }
      if (stop) {
        report.stopped = k < pieces.length - 1;
        if (quit) report.quit = true;
        return report;
      }
    }
    if (cond.depth) emit(this.psqlResult({ from: script.length, to: script.length, text: '' }, [{ kind: 'error', message: 'reached EOF without finding closing \\endif(s)' }]));
    return report;
  }

  /** psql's prompt marks: '' outside a transaction, '*' in one, '!' in a failed one. */
  get transactionMark(): '' | '*' | '!' {
    return !this.inTransaction ? '' : this.transactionFailed ? '!' : '*';
  }

  /** Forget transaction state after the engine was restarted from its persisted state. */
  resetAfterRestart() {
    this.inTransaction = false;
    this.transactionFailed = false;
    this.transactionStatements = 0;
    this.auth.reset();
  }

  private psqlResult(piece: { from: number; to: number; text: string }, psql: PsqlOutput[], durationMs = 0): StatementResult {
    const failed = psql.find((o) => o.kind === 'error');
    return {
      from: piece.from, to: piece.to, sql: piece.text, tag: piece.text.split(/\s/)[0],
      columns: [], rows: [], rowCount: 0, durationMs, notices: [], psql,
      error: failed && failed.kind === 'error' ? { message: failed.message } : undefined,
    };
  }

  /** A backslash command: psql's scripting commands here, the \d family and the rest in psql.ts. */
  private async runBackslashPiece(piece: BackslashPiece, cond: ConditionalStack, report: RunReport): Promise<{ results: StatementResult[]; quit: boolean }> {
    const t0 = performance.now();
    const one = (outputs: PsqlOutput[]) => ({ results: [this.psqlResult(piece, outputs, performance.now() - t0)], quit: false });
    const none = { results: [], quit: false };
    const args = () => parseArguments(piece.args, this.vars);
    const evaluate = (what: string) => () => {
      const { words, error } = args();
      const expr = words.join(' ');
      const v = error ? undefined : parseBool(expr);
      if (v === undefined) conditionError = error ?? `unrecognized value "${expr}" for "${what}": Boolean expected`;
      return v ?? false;
    };
    let conditionError: string | undefined;
    switch (piece.name) {
      case 'if':
        cond.if(evaluate('\\if expression'));
        return conditionError ? one([{ kind: 'error', message: conditionError }]) : none;
      case 'elif': {
        const e = cond.elif(evaluate('\\elif expression'));
        const message = e ?? conditionError;
        return message ? one([{ kind: 'error', message }]) : none;
      }
      case 'else': {
        const e = cond.else();
        return e ? one([{ kind: 'error', message: e }]) : none;
      }
      case 'endif': {
        const e = cond.endif();
        return e ? one([{ kind: 'error', message: e }]) : none;
      }
    }
    if (!cond.active) return none; // psql skips every other command in a branch not taken
    // pg_dump 18 brackets a dump with \restrict KEY … \unrestrict KEY: no other command runs in between.
    if (this.restrictKey !== undefined) {
      if (piece.name !== 'unrestrict') return one([{ kind: 'error', message: 'backslash commands are restricted; only \\unrestrict is allowed' }]);
      const key = args().words[0];
      if (key !== this.restrictKey) return one([{ kind: 'error', message: '\\unrestrict: wrong key' }]);
      this.restrictKey = undefined;
      return none;
    }
    switch (piece.name) {
      case 'restrict': {
        const key = args().words[0];
        if (!key) return one([{ kind: 'error', message: '\\restrict: missing required argument' }]);
        this.restrictKey = key;
        return none;
      }
      case 'unrestrict':
        return one([{ kind: 'error', message: '\\unrestrict: not currently in restricted mode' }]);
      case 'set': {
        const { words, error } = args();
        if (error) return one([{ kind: 'error', message: error }]);
        if (!words.length) return one([{ kind: 'text', text: this.vars.list() }]);
        const [name, ...value] = words;
        if (!validVariableName(name)) return one([{ kind: 'error', message: `invalid variable name: "${name}"` }]);
        const v = value.join('');
        if ((name === 'ON_ERROR_STOP' || name === 'AUTOCOMMIT') && parseBool(v || 'on') === undefined) {
          return one([{ kind: 'error', message: `unrecognized value "${v}" for "${name}": Boolean expected` }]);
        }
        this.vars.set(name, v);
        return none;
      }
      case 'unset': {
        const { words } = args();
        if (!words.length) return one([{ kind: 'error', message: '\\unset: missing required argument' }]);
        this.vars.unset(words[0]);
        return none;
      }
      case 'echo': case 'qecho': case 'warn': {
        const { words, error } = args();
        if (error) return one([{ kind: 'error', message: error }]);
        const noNewline = words[0] === '-n';
        return one([{ kind: 'text', text: (noNewline ? words.slice(1) : words).join(' ') }]);
      }
      case 'q': case 'quit':
        return { results: [], quit: true };
      case 'p': case 'print':
        return one([{ kind: 'text', text: piece.buffer ?? (this.previousQuery || 'Query buffer is empty.') }]);
      case 'r': case 'reset':
        return one([{ kind: 'text', text: 'Query buffer reset (cleared).' }]);
      case 'errverbose':
        return one([{ kind: 'text', text: this.lastError ? verboseError(this.lastError, this.lastErrorSql) : 'There is no previous error.' }]);
      case 'copy':
        return { results: await this.runCopyCommand(piece, report), quit: false };
      case 'bind': {
        const { words, error } = args();
        if (error) return one([{ kind: 'error', message: error }]);
        this.bindParams = words;
        return none;
      }
      case 'i': case 'include': case 'ir': case 'include_relative': {
        const onInclude = this.watchOptions?.onInclude;
        if (!onInclude) break;
        const file = args().words[0];
        if (!file) return one([{ kind: 'error', message: `\\${piece.name}: missing required argument` }]);
        return this.include(piece, file, onInclude, report);
      }
      case 'e': case 'edit': {
        // The page's editor is psql's $EDITOR: the buffer (or the previous query) is offered to it.
        if (args().words.length) return one([{ kind: 'error', message: `\\${piece.name} FILE: files cannot be opened by name here; open the file's text in the editor (or run it with \\i, which asks for it).` }]);
        const text = piece.buffer ?? this.previousQuery;
        return one([{ kind: 'edit', text, note: text ? 'Open it in the editor to change it, then run it from there.' : 'The query buffer is empty: the editor above is where a query is written.' }]);
      }
    }
    // A \g-family command with nothing in the buffer sends the previous query again.
    if (SENDS_BUFFER.has(piece.name)) {
      if (!this.previousQuery) return one([{ kind: 'error', message: `\\${piece.name}: query buffer is empty` }]);
      return { results: await this.runQuery({ kind: 'sql', from: piece.from, to: piece.to, text: this.previousQuery, node: '' }, piece, report, true), quit: false };
    }
    const notHere = NOT_IN_A_PAGE[piece.name];
    if (notHere) return one([{ kind: 'error', message: `\\${piece.name}: ${notHere}` }]);
    // psql's describe queries are a large module that most sessions never need: load on first use.
    const { runBackslash } = await import('./psql.ts');
    const line = `\\${piece.name} ${parseArguments(piece.args, this.vars).words.join(' ')}`.trim();
    const { outputs, state } = await runBackslash(piece.name === 'sf' || piece.name === 'sv' || piece.name.startsWith('h') ? piece.text : line, this.engine, this.psqlState);
    this.psqlState = state;
    return one(outputs);
  }

  /**
   * `\i FILE`: the file's statements run here, as psql reads an included file (its own \if
   * blocks, ON_ERROR_STOP ending the whole run, \q ending only the file). Their results are placed
   * on the \i line of the script, since their offsets are in the file.
   */
  private async include(piece: BackslashPiece, file: string, onInclude: (file: string) => Promise<IncludedFile>, report: RunReport): Promise<{ results: StatementResult[]; quit: boolean }> {
    const text = await onInclude(file);
    if (typeof text === 'object') return { results: [this.psqlResult(piece, [{ kind: 'error', message: text.refused }])], quit: false };
    // Skipping is the user's choice, not a failure: the script goes on, as the page's Skip says.
    if (text === undefined) return { results: [this.psqlResult(piece, [{ kind: 'text', text: `${file} was skipped (no file was chosen): its statements did not run.` }])], quit: false };
    const [emitNow, options] = [this.emitNow, this.watchOptions!];
    const results: StatementResult[] = [];
    const place = (r: StatementResult) => {
      r.from = piece.from;
      r.to = piece.to;
      if (r.error) delete r.error.offset;
      results.push(r);
    };
    try {
      const inner = await this.runScript(text, { ...options, baseOffset: 0, onResult: place });
      if (inner.broken) report.broken = true;
      if (inner.catalogChanged) report.catalogChanged = true;
      // \q ends only the file, as in psql; an error under ON_ERROR_STOP ends the whole run.
      return { results: [], quit: (inner.stopped && !inner.quit) || results.some((r) => r.error && (this.vars.bool('ON_ERROR_STOP') ?? options.stopOnError ?? true)) };
    } finally {
      this.emitNow = emitNow;
      this.watchOptions = options;
      // What the file produced reaches the page now, in order, before the script goes on.
      for (const r of results) emitNow?.(r);
    }
  }

  /** A statement (sent by `;`, by a \g-family command `via`, or by the end of the script). */
  private async runQuery(piece: SqlPiece, via: BackslashPiece | undefined, report: RunReport, again = false): Promise<StatementResult[]> {
    let p: SqlPiece = piece;
    if (piece.vars?.length) {
      const text = substituteVariables(piece.text, piece.vars, (off) => textIndexOf(piece, off), this.vars);
      if (text !== piece.text) p = await classifySql({ ...piece, text, segments: undefined, vars: undefined, from: piece.from, to: piece.to });
    } else if (again) {
      p = await classifySql({ ...piece, node: undefined } as unknown as SqlPiece);
    }
    if (p.kind === 'sql' && !KEEPS_CATALOG.has(p.node)) report.catalogChanged = true;
    if (p.kind === 'invalid') report.catalogChanged = true;
    const name = via?.name;
    if (name === 'watch') return this.watch(p, via!, report);
    if (name === 'gdesc') return [await this.gdesc(p, via!)];
    const params = this.bindParams;
    this.bindParams = undefined;
    const r = params ? await this.runBound(p, params) : await this.runSql(p, report);
    this.previousQuery = p.text;
    this.noteOutcome(r);
    if (via) r.to = Math.max(r.to, via.to);
    if (r.error || !via) return [r];
    if (name === 'gx') r.expanded = true;
    if (name === 'g' && via.args) {
      const { words } = parseArguments(via.args, this.vars);
      if (words[0] === 'x' || words.join(' ').includes('expanded')) r.expanded = true;
      else if (words.length) r.notices = [...r.notices, { severity: 'NOTE', message: `\\g ${words.join(' ')}: pglab cannot write to a file or a command; the result is shown here.` }];
    }
    if (name === 'gset') return [this.gset(r, via)];
    if (name === 'crosstabview') return [this.crosstabview(r, via)];
    // psql shows only what the generated statements return, not the query that made them.
    if (name === 'gexec') return this.gexec(r, report);
    return [r];
  }

  /**
   * psql's \watch [SECONDS] [i=SECONDS] [c=COUNT]: the query again and again (every 2 s by
   * default), each result shown as it comes, until COUNT runs, an error, or stopWatch().
   */
  private async watch(p: SqlPiece, via: BackslashPiece, report: RunReport): Promise<StatementResult[]> {
    let every = 2;
    let count = Infinity;
    for (const w of parseArguments(via.args, this.vars).words) {
      const m = /^(?:(i|interval|c|count|m|min_rows)=)?(.*)$/.exec(w)!;
      const value = Number(m[2]);
      if (!Number.isFinite(value) || value < 0) return [this.psqlResult(via, [{ kind: 'error', message: `\\watch: incorrect interval value "${m[2]}"` }])];
      if (!m[1] || m[1].startsWith('i')) every = value;
      else if (m[1].startsWith('c')) count = Math.max(1, Math.floor(value));
    }
    this.watchStopped = false;
    this.watchOptions?.onWatch?.(true);
    try {
      for (let n = 1; n <= count && !this.watchStopped; n++) {
        const r = await this.runSql(p, report);
        this.previousQuery = p.text;
        this.noteOutcome(r);
        r.to = Math.max(r.to, via.to);
        r.watch = { n, everySeconds: every, at: Date.now() };
        if (r.error || report.broken || n === count) return [r];
        this.emitNow?.(r);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, every * 1000);
          this.wakeWatch = () => { clearTimeout(timer); resolve(); };
        });
      }
      return [];
    } finally {
      this.wakeWatch = undefined;
      this.watchOptions?.onWatch?.(false);
    }
  }

  /** Ends a running `\watch` after its current query (the rest of the script then runs on). */
  stopWatch() {
    this.watchStopped = true;
    this.wakeWatch?.();
  }

  /**
   * psql's \gdesc: the columns the query would return, and their types, without running it (the
   * query becomes the previous one, so \g then runs it). Types are format_type's, with the type
   * modifiers a view of the query reports (PGlite's Describe gives no typmod).
   */
  private async gdesc(p: SqlPiece, via: BackslashPiece): Promise<StatementResult> {
    const t0 = performance.now();
    const span = { from: p.from, to: Math.max(p.to, via.to), text: p.text };
    this.previousQuery = p.text;
    if (p.kind === 'invalid' && p.unsendable) return { ...this.psqlResult(span, []), tag: 'ERROR', error: { message: p.message, offset: p.position } };
    if (!this.engine.describe) return this.psqlResult(span, [{ kind: 'error', message: '\\gdesc: this connection cannot describe a query without running it' }]);
    let fields: { name: string; dataTypeID: number }[];
    try {
      fields = await this.engine.describe(p.text);
    } catch (e) {
      // A statement the server rejects fails as in psql, and aborts an open transaction.
      const info = e as DbErrorInfo;
      const error: StatementError = { message: info.message, code: info.code, severity: info.severity, detail: info.detail, hint: info.hint, position: info.position };
      if (info.position) error.offset = sourceOffset(p, info.position - 1);
      if (this.inTransaction) this.transactionFailed = true;
      const r: StatementResult = { ...this.psqlResult(span, [], performance.now() - t0), tag: 'ERROR', error };
      this.noteOutcome(r);
      return r;
    }
    if (!fields.length) return this.psqlResult(span, [{ kind: 'text', text: 'The command has no result, or the result has no columns.' }], performance.now() - t0);
    const typmods = p.kind === 'sql' && p.node === 'SelectStmt' ? await this.typmodsOf(p.text, fields.length) : undefined;
    const values = fields.map((f, i) => `(${escapeLiteral(f.name)}, ${f.dataTypeID}::pg_catalog.oid, ${typmods?.[i] ?? -1}::pg_catalog.int4)`).join(', ');
    const out = await this.engine.run(ownStatement(`select name as "Column", pg_catalog.format_type(tp, tpm) as "Type" from (values ${values}) s(name, tp, tpm)`));
    if (!out.ok) return this.psqlResult(span, [{ kind: 'error', message: out.error.message }]);
    const r: StatementResult = { from: span.from, to: span.to, sql: p.text, tag: 'SELECT', columns: await this.columnsOf(out.fields), rows: out.rows, rowCount: out.rows.length, durationMs: performance.now() - t0, notices: [] };
    this.noteOutcome(r);
    return r;
  }

  /** The type modifiers of a query's columns (varchar(10), numeric(10,2)), read from a temporary view that is rolled back. */
  private async typmodsOf(sql: string, n: number): Promise<number[] | undefined> {
    if (this.transactionFailed) return undefined;
    const inner = this.inTransaction;
    const open = await this.engine.run(ownStatement(inner ? 'savepoint pglab_gdesc' : 'begin'));
    if (!open.ok) return undefined;
    try {
      const made = await this.engine.run(ownStatement(`create temporary view pglab_gdesc as ${sql}\n`));
      if (!made.ok) return undefined;
      const r = await this.engine.rawQuery(ownStatement(`select atttypmod from pg_catalog.pg_attribute where attrelid = 'pg_temp.pglab_gdesc'::regclass and attnum > 0 and not attisdropped order by attnum`));
      return r.rows.length === n ? r.rows.map((x) => Number(x.atttypmod)) : undefined;
    } finally {
      await this.engine.run(ownStatement(inner ? 'rollback to savepoint pglab_gdesc' : 'rollback'));
      if (inner) await this.engine.run(ownStatement('release savepoint pglab_gdesc'));
    }
  }

  /** psql's \crosstabview: the result pivoted (psql-crosstab.ts); an error keeps the result unshown, as psql does. */
  private crosstabview(r: StatementResult, via: BackslashPiece): StatementResult {
    if (!r.columns.length) return { ...r, psql: [{ kind: 'error', message: '\\crosstabview: statement did not return a result set' }], error: { message: '\\crosstabview: statement did not return a result set' } };
    const { words } = parseArguments(via.args, this.vars);
    const text = r.rows.map((row) => row.map((v) => (v === null || v === undefined ? null : String(v))));
    const x = crosstab(r.columns.map((c) => c.name), text, words);
    if ('error' in x) return { ...r, columns: [], rows: [], psql: [{ kind: 'error', message: x.error }], error: { message: x.error } };
    const data = r.columns[x.dataFrom];
    return {
      ...r,
      columns: [r.columns[x.rowsFrom], ...x.headers.map((h) => ({ name: h ?? '', typeId: data.typeId, type: data.type }))],
      rows: x.rows,
      rowCount: x.rows.length,
    };
  }

  /** psql's \gset: one row, each column into a variable (NULL unsets it); nothing is shown. */
  private gset(r: StatementResult, via: BackslashPiece): StatementResult {
    const prefix = parseArguments(via.args, this.vars).words[0] ?? '';
    const fail = (message: string): StatementResult => ({ ...r, error: { message } });
    if (!r.columns.length) return r; // psql sets nothing for a statement that returns no rows at all
    if (r.rows.length === 0) return fail('no rows returned for \\gset');
    if (r.rows.length > 1) return fail('more than one row returned for \\gset');
    for (const [i, c] of r.columns.entries()) {
      const name = prefix + c.name;
      if (!validVariableName(name)) return fail(`invalid variable name: "${name}"`);
      const v = r.rows[0][i];
      if (v === null || v === undefined) this.vars.unset(name);
      else this.vars.set(name, String(v));
    }
    return { ...r, columns: [], rows: [], rowCount: 0 };
  }

  /** psql's \gexec: every non-null value of the result, row by row, is run as a statement. */
  private async gexec(r: StatementResult, report: RunReport): Promise<StatementResult[]> {
    const out: StatementResult[] = [];
    for (const row of r.rows) {
      for (const v of row) {
        if (v === null || v === undefined) continue;
        const text = String(v);
        const q = await classifySql({ from: r.from, to: r.to, text });
        const one = await this.runSql(q, report);
        this.noteOutcome(one);
        if (q.kind !== 'sql' || !KEEPS_CATALOG.has(q.node)) report.catalogChanged = true;
        out.push(one);
        if (report.broken || (one.error && (this.vars.bool('ON_ERROR_STOP') ?? false))) return out;
      }
    }
    return out;
  }

  /** The variables psql sets after every query. */
  private noteOutcome(r: StatementResult) {
    this.vars.set('ERROR', r.error ? 'true' : 'false');
    this.vars.set('SQLSTATE', r.error ? r.error.code ?? 'XX000' : '00000');
    this.vars.set('ROW_COUNT', r.error ? '0' : String(r.rowCount));
    if (r.error) {
      this.lastError = r.error;
      this.lastErrorSql = r.sql;
      this.vars.set('LAST_ERROR_MESSAGE', r.error.message);
      this.vars.set('LAST_ERROR_SQLSTATE', r.error.code ?? 'XX000');
    }
  }

  /**
   * `\copy`: from stdin with its data in the script, to stdout, or with a file. A page cannot
   * open a file by itself: `to FILE` becomes a download of COPY's output, and `from FILE` a
   * request that the page shows as a file picker (copyFromFile runs it with the chosen file).
   */
  private async runCopyCommand(piece: BackslashPiece, report: RunReport): Promise<StatementResult[]> {
    const c = copyCommand(piece.args);
    if (!c.ok) return [this.psqlResult(piece, [{ kind: 'error', message: c.message }])];
    const { sql, from, std: isStd, file } = c;
    if (!isStd && from) {
      return [this.psqlResult(piece, [{ kind: 'file-request', file, sql, text: `\\copy reads ${file}: choose the file below to load it (the rest of the script ran on).` }])];
    }
    const q = await classifySql({ from: piece.from, to: piece.to, text: sql, copyData: piece.copyData });
    const ran = await this.runSql(q, report);
    this.noteOutcome(ran); // \errverbose quotes the COPY that ran, as psql does
    // The result is labelled with the \copy the user typed, not the COPY it became.
    const r = { ...ran, sql: piece.text.trim() };
    if (!isStd && !r.error) {
      const text = r.rows.map((row) => `${row[0]}\n`).join('');
      return [{ ...r, columns: [], rows: [], psql: [{ kind: 'download', file, text }] }];
    }
    return [r];
  }

  /** Runs a `\copy … from FILE` request with the file the user chose. */
  async copyFromFile(sql: string, data: string): Promise<StatementResult> {
    const report: RunReport = { results: [], stopped: false, broken: false, catalogChanged: false };
    const q = await classifySql({ from: 0, to: 0, text: sql, copyData: { from: 0, to: 0, text: data } });
    const r = await this.runSql(q, report);
    this.noteOutcome(r);
    return r;
  }

  /** A query after `\bind`: sent with its parameters through the extended protocol, values as text. */
  private async runBound(p: SqlPiece, params: string[]): Promise<StatementResult> {
    const t0 = performance.now();
    const base = { from: p.from, to: p.to, sql: p.text, notices: [] };
    try {
      const r = await this.engine.rawQuery(p.text, params);
      const columns = await this.columnsOf(r.fields);
      const rows = r.rows.map((row) => r.fields.map((f) => row[f.name] ?? null));
      const node = p.kind === 'sql' ? p.node : '';
      return { ...base, durationMs: performance.now() - t0, tag: commandTag(node, p.text, rows.length, undefined, false), columns, rows, rowCount: rows.length };
    } catch (e) {
      const info = e as DbErrorInfo;
      if (this.inTransaction) this.transactionFailed = true;
      const error: StatementError = { message: info.message, code: info.code, severity: info.severity, detail: info.detail, hint: info.hint, position: info.position, routine: info.routine, file: info.file, line: info.line };
      if (info.position) error.offset = sourceOffset(p, info.position - 1);
      return { ...base, durationMs: performance.now() - t0, tag: 'ERROR', columns: [], rows: [], rowCount: 0, error };
    }
  }

  private async runSql(piece: SqlPiece, report: RunReport): Promise<StatementResult> {
    if (piece.kind === 'invalid' && piece.unsendable) {
      return {
        from: piece.from, to: piece.to, sql: piece.text.replace(/\0/g, '\\0'), durationMs: 0, notices: [], tag: 'ERROR', columns: [], rows: [], rowCount: 0,
        error: { message: piece.message, offset: piece.position },
      };
    }
    // PostgreSQL waits for the rows a client sends after COPY … FROM STDIN, and PGlite's backend
    // would end waiting: the rows written in the script after it (as psql reads them) go in
    // through a server-side file instead (psql-copy.ts).
    const authKind = piece.kind === 'sql' ? authStatementOf(piece.node, piece.text) : undefined;
    const instead = authKind && !this.transactionFailed ? await this.auth.before(authKind) : undefined;
    const node0 = piece.kind === 'sql' ? piece.node : '';
    // psql's \set AUTOCOMMIT off: a BEGIN before the first statement that can run in a transaction.
    if (this.vars.bool('AUTOCOMMIT') === false && !this.inTransaction && !noImplicitBegin(node0, piece.text)) {
      const begun = await this.engine.run('begin');
      if (begun.ok) this.inTransaction = begun.inTransaction;
    }
    // psql's \set ON_ERROR_ROLLBACK on: each statement in a transaction behind a savepoint, so a
    // failure undoes only itself ('interactive' means on only when typed at the prompt: off here).
    const savepoint = this.vars.get('ON_ERROR_ROLLBACK')?.toLowerCase() !== 'interactive' && this.vars.bool('ON_ERROR_ROLLBACK') === true
      && this.inTransaction && !this.transactionFailed && node0 !== 'TransactionStmt'
      && (await this.engine.run(ownStatement('savepoint pg_psql_temporary_savepoint'))).ok;
    const out = piece.kind === 'sql' && piece.readsStdin
      ? await copyFromScript(this.engine, piece.text, piece.copyData?.text ?? '', this.transactionFailed)
      : await this.engine.run(instead ?? piece.text);
    let recovered = false;
    if (savepoint && out.inTransaction && !(out.ok === false && out.broken)) {
      const back = await this.engine.run(ownStatement(out.ok ? 'release pg_psql_temporary_savepoint' : 'rollback to pg_psql_temporary_savepoint'));
      recovered = !out.ok && back.ok;
    }
    if (instead && out.ok) out.commandTag = /^\s*reset/i.test(piece.text) ? 'RESET' : 'SET';
    if (!(out.ok === false && out.broken)) await this.auth.after(authKind, out.ok, out.inTransaction);
    const base = { from: piece.from, to: piece.to, sql: piece.text, durationMs: out.durationMs, notices: out.notices };
    const wasFailed = this.transactionFailed;
    this.inTransaction = out.inTransaction;
    this.transactionStatements = out.inTransaction ? this.transactionStatements + 1 : 0;
    if (!out.ok) {
      if (out.broken) report.broken = true;
      this.transactionFailed = out.inTransaction && !recovered;
      const error: StatementError = { ...out.error };
      if (error.position) error.offset = sourceOffset(piece, error.position - 1);
      else if (piece.kind === 'invalid') error.offset = piece.position;
      return { ...base, tag: 'ERROR', columns: [], rows: [], rowCount: 0, error };
    }
    if (!out.inTransaction) this.transactionFailed = false;
    const node = piece.kind === 'sql' ? piece.node : '';
    // A row description with no columns (`select;`, `select from t`) or none at all (`select … into t`)
    // is valid SQL. A dead instance is told by the protocol instead: its answer never reaches
    // ReadyForQuery, which the engine reports as `broken` (local-engine.ts).
    const columns = await this.columnsOf(out.fields);
    return {
      ...base,
      tag: out.commandTag ?? commandTag(node, piece.text, out.rows.length, out.affectedRows, wasFailed),
      columns,
      rows: out.rows,
      rowCount: out.fields.length || out.rows.length ? out.rows.length : out.affectedRows ?? 0,
      ...(out.unsaved ? { unsaved: out.unsaved } : {}),
    };
  }

  private async columnsOf(fields: { name: string; dataTypeID: number }[]): Promise<Column[]> {
    if (fields.some((f) => !this.typeNames.has(f.dataTypeID))) {
      const { rows } = await this.engine.query<{ oid: number; name: string }>(
        ownStatement(`select oid::int as oid, format_type(oid, null) as name from pg_type where oid = any($1::oid[])`),
        [fields.map((f) => f.dataTypeID)],
      );
      for (const r of rows) this.typeNames.set(r.oid, r.name);
    }
    return fields.map((f) => ({ name: f.name, typeId: f.dataTypeID, type: this.typeNames.get(f.dataTypeID) ?? String(f.dataTypeID) }));
  }
}

/** psql commands that need a file system, an editor or a shell: said so, not "invalid command". */
const FILES = 'files cannot be opened by name here; in the playground \\i asks for the file with a file picker (or paste the file into the editor).';
const EXTENDED = 'psql 17 and 18 use it for named prepared statements and pipelines, which pglab does not do yet: use PREPARE / EXECUTE, or \\bind with \\g.';
const NOT_IN_A_PAGE: Record<string, string> = {
  i: FILES, ir: FILES, include: FILES, include_relative: FILES, o: 'results cannot go to a file here; they are shown on the page.', out: 'results cannot go to a file here; they are shown on the page.',
  w: 'the editor holds the script; there is no file to write.', write: 'the editor holds the script; there is no file to write.',
  e: 'the editor above is where the query is edited.', edit: 'the editor above is where the query is edited.', ef: 'use \\sf to see a function\'s definition.', ev: 'use \\sv to see a view\'s definition.',
  '!': 'there is no shell in the page.', cd: 'there is no file system here.', s: 'the History button lists the scripts run.', setenv: 'there is no environment here.',
  c: 'there is one database and one user here.', connect: 'there is one database and one user here.', password: 'there are no passwords here.',
  lo_import: FILES, lo_export: FILES,
  parse: EXTENDED, bind_named: EXTENDED, close: EXTENDED, close_prepared: EXTENDED, startpipeline: EXTENDED, endpipeline: EXTENDED,
  syncpipeline: EXTENDED, sendpipeline: EXTENDED, flushrequest: EXTENDED, flush: EXTENDED, getresults: EXTENDED,
};

/** The index in a piece's text of a script offset inside it. */
function textIndexOf(piece: { from: number; segments?: { from: number; text: string }[] }, offset: number): number {
  if (!piece.segments) return offset - piece.from;
  let before = 0;
  for (const g of piece.segments) {
    if (offset >= g.from && offset < g.from + g.text.length) return before + offset - g.from;
    before += g.text.length;
  }
  return before;
}

/**
 * psql's reportErrorPosition: the statement's line that holds the 1-based position, and a caret
 * under it. (psql also shortens lines wider than 60 screen columns around the caret: not done here.)
 */
export function errorPositionLines(sql: string, position: number): string[] {
  const chars = [...sql];
  if (position < 1 || position > chars.length + 1) return [];
  let lineNo = 1;
  let start = 0;
  for (let i = 0; i < position - 1; i++) if (chars[i] === '\n') { lineNo++; start = i + 1; }
  let end = chars.indexOf('\n', start);
  if (end < 0) end = chars.length;
  const prefix = `LINE ${lineNo}: `;
  // psql expands tabs to one space each for the caret's column.
  const text = chars.slice(start, end).join('').replace(/\r$/, '');
  return [`${prefix}${text}`, `${' '.repeat(prefix.length + (position - 1 - start))}^`];
}

/** `\errverbose`: the last error with every field, as psql's VERBOSITY verbose prints it. */
function verboseError(e: DbErrorInfo, sql: string): string {
  const lines = [`${e.severity ?? 'ERROR'}:  ${e.code ? `${e.code}: ` : ''}${e.message}`];
  // libpq's order: the statement's position comes right after the message.
  if (e.position) lines.push(...errorPositionLines(sql, e.position));
  if (e.detail) lines.push(`DETAIL:  ${e.detail}`);
  if (e.hint) lines.push(`HINT:  ${e.hint}`);
  if (e.internalQuery) lines.push(`QUERY:  ${e.internalQuery}`);
  if (e.internalQuery && e.internalPosition) lines.push(...errorPositionLines(e.internalQuery, e.internalPosition));
  if (e.where) lines.push(`CONTEXT:  ${e.where}`);
  if (e.schema) lines.push(`SCHEMA NAME:  ${e.schema}`);
  if (e.table) lines.push(`TABLE NAME:  ${e.table}`);
  if (e.column) lines.push(`COLUMN NAME:  ${e.column}`);
  if (e.constraint) lines.push(`CONSTRAINT NAME:  ${e.constraint}`);
  if (e.routine || e.file) lines.push(`LOCATION:  ${[e.routine, e.file && `${e.file}${e.line ? `:${e.line}` : ''}`].filter(Boolean).join(', ')}`);
  return lines.join('\n');
}

/** psql's command_no_begin: statements AUTOCOMMIT off must not wrap in a BEGIN. */
function noImplicitBegin(node: string, sql: string): boolean {
  if (['TransactionStmt', 'VacuumStmt', 'CreatedbStmt', 'DropdbStmt', 'CreateTableSpaceStmt', 'DropTableSpaceStmt', 'AlterSystemStmt',
    'CreateSubscriptionStmt', 'DropSubscriptionStmt'].includes(node)) return true;
  const w = sql.replace(/\/\*[\s\S]*?\*\/|--[^\n]*/g, ' ').trim().toLowerCase().replace(/\s+/g, ' ');
  return /^(cluster$|reindex (\(.*\) )?(database|system)\b|discard all$|create (unique )?index concurrently\b|drop index concurrently\b|reindex .*\bconcurrently\b)/.test(w);
}
