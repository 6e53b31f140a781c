// An Engine over a PGlite instance in the same thread. The Web Worker wraps one of these;
// Node tests and the CLI use it directly.
import type { PGlite } from '@electric-sql/pglite';
import type { Engine, Field, Notice, RunOutcome } from './types.ts';
import { storageFailure, toErrorInfo } from './error-info.ts';
import { exchange, type BackendAnswer } from './backend-messages.ts';

/** The row count a command tag ends with, for the commands that change rows ("INSERT 0 3" → 3). */
function affectedRowsOf(tag: string | undefined): number | undefined {
  const m = tag && /^(?:INSERT \d+|UPDATE|DELETE|MERGE|COPY|SELECT|MOVE|FETCH) (\d+)$/.exec(tag);
  return m ? Number(m[1]) : undefined;
}

/**
 * Parsers that keep every value as PostgreSQL's text. PGlite merges the option into its own
 * table by spreading it, so it must list each oid PGlite would otherwise parse.
 */
function rawParsersFor(db: PGlite): Record<number, (v: string) => string> {
  const own = (db as unknown as { parsers: Record<number, unknown> }).parsers;
  return Object.fromEntries(Object.keys(own).map((oid) => [oid, (v: string) => v]));
}

export class LocalEngine implements Engine {
  private readonly rawParsers: Record<number, (v: string) => string>;

  constructor(readonly db: PGlite) {
    this.rawParsers = rawParsersFor(db);
  }

  async run(sql: string): Promise<RunOutcome> {
    const t0 = performance.now();
    let answer: BackendAnswer;
    try {
      // The raw stream, read once at the end (backend-messages.ts).
      answer = await this.db.runExclusive(() => exchange(this.db, sql));
    } catch (e) {
      const durationMs = performance.now() - t0;
      const unsaved = storageFailure(e);
      if (unsaved) return { ok: false, error: unsaved, notices: [], durationMs, inTransaction: this.db.isInTransaction() };
      const error = toErrorInfo(e);
      // A wasm trap or a failure of PGlite itself leaves the backend unusable: the caller must restart it.
      let inTransaction = false;
      try { inTransaction = this.db.isInTransaction(); } catch { /* broken instance */ }
      return { ok: false, error, notices: [], durationMs, inTransaction, broken: true };
    }
    const durationMs = performance.now() - t0;
    const { error, notices } = answer;
    if (!answer.status && !error) {
      // Runaway recursion can leave PGlite answering with nothing at all, not even ReadyForQuery.
      const message = 'The database stopped answering (no reply to the statement): it is restarting from its last saved state.';
      return { ok: false, error: { message }, notices, durationMs, inTransaction: false, broken: true };
    }
    const inTransaction = answer.status === 'T' || answer.status === 'E';
    if (error) {
      // PANIC and FATAL end the backend; so does an answer that never got to ReadyForQuery.
      const broken = error.severity === 'PANIC' || error.severity === 'FATAL' || !answer.status;
      return { ok: false, error, notices, durationMs, inTransaction, broken };
    }
    const last = answer.results[answer.results.length - 1];
    return {
      ok: true,
      fields: last?.fields ?? [],
      rows: last?.rows ?? [],
      commandTag: last?.commandTag,
      affectedRows: affectedRowsOf(last?.commandTag),
      notices,
      durationMs,
      inTransaction,
    };
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]) {
    const r = await this.db.query<T>(sql, params);
    return { rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) as Field[] };
  }

  async describe(sql: string): Promise<Field[]> {
    const r = await this.db.describeQuery(sql);
    return r.resultFields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
  }

  async rawQuery(sql: string, params?: unknown[]) {
    const r = await this.db.query<Record<string, string | null>>(sql, params, { parsers: this.rawParsers });
    return { rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) };
  }
}
