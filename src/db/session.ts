// The session: runs a script statement by statement, like psql, over any Engine.
// Pure TypeScript: Node tests drive it against an in-process PGlite, the page against the worker.
import { splitScript, type ScriptPiece } from './splitter.ts';
import type { PsqlOutput, PsqlState } from './psql.ts';
import { commandTag } from './command-tag.ts';
import type { DbErrorInfo, Engine, Notice } from './types.ts';
import { ownStatement } from './own-statements.ts';

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
}

export interface RunOptions {
  /** Like psql's ON_ERROR_STOP (default true): stop at the first failing statement. */
  stopOnError?: boolean;
  /** Offset of `script` inside the editor text, when running a selection. */
  baseOffset?: number;
  /** Called as each statement finishes, so the page can show results as they come. */
  onResult?: (r: StatementResult) => void;
}

export interface RunReport {
  results: StatementResult[];
  /** Some statement may have changed the schema (or the row estimates): the catalog is stale. */
  catalogChanged: boolean;
  /** True when an error stopped the run before its end. */
  stopped: boolean;
  /** The engine reported a broken instance: the caller must restart it. */
  broken: boolean;
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

  constructor(public engine: Engine) {}

  async run(script: string, opts: RunOptions = {}): Promise<RunReport> {
    const { stopOnError = true, baseOffset = 0, onResult } = opts;
    const pieces = await splitScript(script);
    const results: StatementResult[] = [];
    const report: RunReport = { results, stopped: false, broken: false, catalogChanged: false };
    for (const piece of pieces) {
      const r = piece.kind === 'backslash' ? await this.runBackslashPiece(piece) : await this.runSql(piece, report);
      if (piece.kind !== 'backslash' && !(piece.kind === 'sql' && KEEPS_CATALOG.has(piece.node))) report.catalogChanged = true;
      r.from += baseOffset;
      r.to += baseOffset;
      if (r.error?.offset !== undefined) r.error.offset += baseOffset;
      results.push(r);
      onResult?.(r);
      if (report.broken || (r.error && stopOnError)) {
        report.stopped = pieces.indexOf(piece) < pieces.length - 1;
        break;
      }
    }
    return report;
  }

  /** Forget transaction state after the engine was restarted from its persisted state. */
  resetAfterRestart() {
    this.inTransaction = false;
    this.transactionFailed = false;
    this.transactionStatements = 0;
  }

  private async runBackslashPiece(piece: ScriptPiece): Promise<StatementResult> {
    const t0 = performance.now();
    // psql's describe queries are a large module that most sessions never need: load on first use.
    const { runBackslash } = await import('./psql.ts');
    const { outputs, state } = await runBackslash(piece.text, this.engine, this.psqlState);
    this.psqlState = state;
    const failed = outputs.find((o) => o.kind === 'error');
    return {
      from: piece.from, to: piece.to, sql: piece.text, tag: piece.text.split(/\s/)[0],
      columns: [], rows: [], rowCount: 0, durationMs: performance.now() - t0, notices: [], psql: outputs,
      error: failed && failed.kind === 'error' ? { message: failed.message } : undefined,
    };
  }

  private async runSql(piece: ScriptPiece, report: RunReport): Promise<StatementResult> {
    // PostgreSQL would wait for the rows the client sends after the statement, and PGlite ends
    // the whole instance when none come: say so instead of sending it.
    if (piece.kind === 'sql' && piece.readsStdin) {
      return {
        from: piece.from, to: piece.to, sql: piece.text, durationMs: 0, notices: [], tag: 'ERROR', columns: [], rows: [], rowCount: 0,
        error: {
          message: 'COPY … FROM STDIN reads rows that the client sends after the statement, and pglab cannot send them.',
          hint: 'Use INSERT … VALUES, or build the rows in SQL (generate_series). COPY … TO STDOUT works and shows its lines.',
          offset: piece.from,
        },
      };
    }
    const out = await this.engine.run(piece.text);
    const base = { from: piece.from, to: piece.to, sql: piece.text, durationMs: out.durationMs, notices: out.notices };
    const wasFailed = this.transactionFailed;
    this.inTransaction = out.inTransaction;
    this.transactionStatements = out.inTransaction ? this.transactionStatements + 1 : 0;
    if (!out.ok) {
      if (out.broken) report.broken = true;
      this.transactionFailed = out.inTransaction;
      const error: StatementError = { ...out.error };
      if (error.position) error.offset = piece.from + error.position - 1;
      else if (piece.kind === 'invalid') error.offset = piece.position;
      return { ...base, tag: 'ERROR', columns: [], rows: [], rowCount: 0, error };
    }
    if (!out.inTransaction) this.transactionFailed = false;
    const node = piece.kind === 'sql' ? piece.node : '';
    // Runaway recursion can leave PGlite answering a query with nothing at all: treat it as broken.
    if (node === 'SelectStmt' && out.fields.length === 0) {
      report.broken = true;
      return {
        ...base, tag: 'ERROR', columns: [], rows: [], rowCount: 0,
        error: { message: 'The database stopped answering (a SELECT returned no columns): it is restarting from its last saved state.' },
      };
    }
    const columns = await this.columnsOf(out.fields);
    return {
      ...base,
      tag: out.commandTag ?? commandTag(node, piece.text, out.rows.length, out.affectedRows, wasFailed),
      columns,
      rows: out.rows,
      rowCount: node === 'SelectStmt' || out.fields.length ? out.rows.length : out.affectedRows ?? 0,
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
