// An Engine over a PGlite instance in the same thread. The Web Worker wraps one of these;
// Node tests and the CLI use it directly.
import type { PGlite } from '@electric-sql/pglite';
import type { Engine, Field, Notice, RunOutcome } from './types.ts';
import { storageFailure, toErrorInfo } from './error-info.ts';

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
    const notices: Notice[] = [];
    const onNotice = (n: { severity?: string; message?: string; detail?: string; hint?: string }) => {
      notices.push({ severity: n.severity ?? 'NOTICE', message: n.message ?? '', detail: n.detail, hint: n.hint });
    };
    const t0 = performance.now();
    try {
      const results = await this.db.exec(sql, { rowMode: 'array', onNotice, parsers: this.rawParsers });
      const durationMs = performance.now() - t0;
      const last = results[results.length - 1];
      return {
        ok: true,
        fields: (last?.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
        rows: (last?.rows ?? []) as unknown[][],
        affectedRows: last?.affectedRows,
        notices,
        durationMs,
        inTransaction: this.db.isInTransaction(),
      };
    } catch (e) {
      const durationMs = performance.now() - t0;
      const unsaved = storageFailure(e);
      if (unsaved) return { ok: false, error: unsaved, notices, durationMs, inTransaction: this.db.isInTransaction() };
      const error = toErrorInfo(e);
      // A wasm trap or a PANIC leaves the backend unusable: the caller must restart it.
      const broken = !('code' in (e as object)) || error.severity === 'PANIC' || error.severity === 'FATAL';
      let inTransaction = false;
      try { inTransaction = this.db.isInTransaction(); } catch { /* broken instance */ }
      return { ok: false, error, notices, durationMs, inTransaction, broken };
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]) {
    const r = await this.db.query<T>(sql, params);
    return { rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) as Field[] };
  }

  async rawQuery(sql: string, params?: unknown[]) {
    const r = await this.db.query<Record<string, string | null>>(sql, params, { parsers: this.rawParsers });
    return { rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) };
  }
}
