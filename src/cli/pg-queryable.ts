// The analysis modules' query interface over node-postgres: one connection (not a pool), so
// session settings (search_path, set_config) and transactions behave as they do in PGlite.
// Used by the `pglab` CLI and by the tests that run the analysis suites on a native server.
import pg from 'pg';
import type { Engine, Field, Notice, RunOutcome } from '../db/types.ts';
import { toErrorInfo } from '../db/error-info.ts';

/** Keeps every value as PostgreSQL's text (psql's describe queries, `run`). */
const RAW_TYPES = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;


export interface PgConnectOptions {
  /** Deadline for the TCP connection and startup, ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** application_name the server shows in pg_stat_activity. Default `pglab`. */
  applicationName?: string;
}

export class PgQueryable implements Engine {
  private notices: Notice[] = [];

  private constructor(readonly client: pg.Client) {
    client.on('notice', (n) => {
      this.notices.push({ severity: n.severity ?? 'NOTICE', message: n.message ?? '', detail: n.detail, hint: n.hint });
    });
    // A server that goes away later surfaces as the next query's error, not as an unhandled event.
    client.on('error', () => undefined);
  }

  /** Connects to a `postgresql://` URL; rejects with node-postgres' error (code ECONNREFUSED, 28P01 …). */
  static async connect(url: string, opts: PgConnectOptions = {}): Promise<PgQueryable> {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      application_name: opts.applicationName ?? 'pglab',
    });
    try {
      await client.connect();
    } catch (e) {
      client.end().catch(() => undefined);
      throw e;
    }
    return new PgQueryable(client);
  }

  /** Wraps a connected client; the caller keeps ownership of it. */
  static wrap(client: pg.Client): PgQueryable {
    return new PgQueryable(client);
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; fields: Field[] }> {
    // With no parameters node-postgres uses the simple protocol, like psql.
    const r = params && params.length ? await this.client.query(sql, params) : await this.client.query(sql);
    const last = Array.isArray(r) ? (r as pg.QueryResult[])[(r as pg.QueryResult[]).length - 1] : r;
    return { rows: (last?.rows ?? []) as T[], fields: (last?.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) };
  }

  async rawQuery(sql: string, params?: unknown[]) {
    const r = await this.client.query<Record<string, string | null>>({ text: sql, values: params, types: RAW_TYPES });
    return { rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) };
  }

  /** Runs a script (one or several statements, simple protocol); the last result is returned, values as text. */
  async run(sql: string): Promise<RunOutcome> {
    this.notices = [];
    const t0 = performance.now();
    try {
      const r = (await this.client.query({ text: sql, rowMode: 'array', types: RAW_TYPES })) as pg.QueryResult | pg.QueryResult[];
      const durationMs = performance.now() - t0;
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      return {
        ok: true,
        fields: (last?.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
        rows: (last?.rows ?? []) as unknown[][],
        affectedRows: last?.rowCount ?? undefined,
        notices: this.notices,
        durationMs,
        inTransaction: this.inTransaction(),
      };
    } catch (e) {
      const error = toErrorInfo(e);
      const broken = !error.code || error.severity === 'FATAL' || error.severity === 'PANIC';
      return { ok: false, error, notices: this.notices, durationMs: performance.now() - t0, inTransaction: this.inTransaction(), broken };
    }
  }

  /** From the last ReadyForQuery: 'T' in a transaction, 'E' in a failed one. */
  inTransaction(): boolean {
    const status = (this.client as unknown as { getTransactionStatus?: () => string | null }).getTransactionStatus?.();
    return status === 'T' || status === 'E';
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
