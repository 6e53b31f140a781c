// What the CLI analyzes: a PostgreSQL server reached through a `postgresql://` URL, or an
// in-process PGlite loaded from a SQL script (`--load FILE.sql`), so every command also works
// with no server at all. Failures become one-line CliErrors, never stack traces.
import { readFile } from 'node:fs/promises';
import type { Engine } from '../db/types.ts';

/** An error the CLI reports as `pglab: message` with exit status 2. */
export class CliError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

export interface Target {
  db: Engine;
  /** For headings: the URL without its password, or `FILE.sql (PGlite)`. */
  label: string;
  kind: 'server' | 'pglite';
  close(): Promise<void>;
}

export const URL_PATTERN = /^postgres(ql)?:\/\//i;

/** The URL with any password replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

/** A plain-language line for node-postgres' connection errors. */
export function connectionError(e: unknown, url: string): CliError {
  const err = e as Error & { code?: string; errors?: Error[]; address?: string; port?: number };
  let where = redactUrl(url);
  try {
    const u = new URL(url);
    where = `${u.hostname || 'localhost'}:${u.port || '5432'}`;
  } catch {
    /* keep the redacted URL */
  }
  const inner = err.errors?.[0] as (Error & { code?: string }) | undefined;
  const code = err.code ?? inner?.code;
  const detail = err.message || inner?.message || String(e);
  switch (code) {
    case 'ECONNREFUSED':
      return new CliError(`cannot connect to ${where}: connection refused`, 'Is the server running and accepting TCP connections on that host and port?');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CliError(`cannot connect to ${where}: host not found`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new CliError(`cannot connect to ${where}: ${code === 'ETIMEDOUT' ? 'timed out' : 'unreachable'}`);
    case '28P01':
    case '28000':
      return new CliError(`cannot connect to ${where}: ${detail}`, 'Check the user name and password in the URL (or PGPASSWORD).');
    case '3D000':
      return new CliError(`cannot connect to ${where}: ${detail}`);
    case '53300':
      return new CliError(`cannot connect to ${where}: ${detail}`);
  }
  if (/timeout/i.test(detail)) return new CliError(`cannot connect to ${where}: timed out`);
  if (/SSL|self.signed|certificate/i.test(detail)) return new CliError(`cannot connect to ${where}: ${detail}`, 'Adjust sslmode in the URL (e.g. ?sslmode=require or ?sslmode=disable).');
  return new CliError(`cannot connect to ${where}: ${detail}`);
}

export async function openUrl(url: string, connectTimeoutMs = 10_000): Promise<Target> {
  if (!URL_PATTERN.test(url)) throw new CliError(`not a PostgreSQL URL: ${redactUrl(url)}`, 'Use postgresql://user:password@host:port/database');
  try {
    new URL(url);
  } catch {
    throw new CliError(`malformed URL: ${redactUrl(url)}`, 'Use postgresql://user:password@host:port/database (percent-encode special characters in the password).');
  }
  const { PgQueryable } = await import('./pg-queryable.ts');
  let db: import('./pg-queryable.ts').PgQueryable;
  try {
    db = await PgQueryable.connect(url, { connectTimeoutMs });
  } catch (e) {
    throw connectionError(e, url);
  }
  return { db, label: redactUrl(url), kind: 'server', close: () => db.close().catch(() => undefined) };
}

/** 1-based line of a character offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Starts an in-memory PGlite (exactly as the app creates it) and runs the script statement by
 * statement, like psql: CREATE INDEX CONCURRENTLY and VACUUM work, and an error names its line.
 * pg_stat_statements is created and reset first, so the script's statements are what `queries` sees.
 */
export async function openScript(file: string, warn: (line: string) => void): Promise<Target> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new CliError(code === 'ENOENT' ? `--load: no such file: ${file}` : `--load: cannot read ${file}: ${(e as Error).message}`);
  }
  const [{ createEngine }, { LocalEngine }, { splitScript }, { copyFromScript }] = await Promise.all([
    import('../db/engine.ts'),
    import('../db/local-engine.ts'),
    import('../db/splitter.ts'),
    import('../db/psql-copy.ts'),
  ]);
  const pglite = await createEngine();
  const db = new LocalEngine(pglite);
  const close = async () => {
    await pglite.close().catch(() => undefined);
  };
  try {
    const prep = async (sql: string) => {
      const r = await db.run(sql);
      if (!r.ok) throw new CliError(`--load: preparing PGlite failed: ${r.error.message}`);
    };
    // Statistics start with the script: clear what PGlite's start-up ran, with tracking off so
    // that these statements are not recorded either.
    await prep('create extension if not exists pg_stat_statements');
    await prep('set pg_stat_statements.track = none');
    await prep('select pg_stat_statements_reset()');
    await prep('reset pg_stat_statements.track');

    for (const piece of await splitScript(text)) {
      if (piece.kind === 'backslash') {
        warn(`${file}:${lineOf(text, piece.from)}: skipped psql command ${piece.text.split(/\s/)[0]} (only SQL runs in --load)`);
        continue;
      }
      // PGlite flushes table statistics at most once a second: without this, the counts of the
      // rows a script just inserted land after its ANALYZE and count as changes since it.
      if (piece.kind === 'sql' && piece.node === 'VacuumStmt') await prep('select pg_stat_force_next_flush()');
      // COPY … FROM STDIN with its rows in the script (as pg_dump writes every table).
      const r = piece.kind === 'sql' && piece.copyData ? await copyFromScript(db, piece.text, piece.copyData.text, false) : await db.run(piece.text);
      if (!r.ok) {
        // The extension is already there for the query analyzer; the script creating it is fine.
        if (r.error.code === '42710' && /^\s*create\s+extension\s+("?)pg_stat_statements\1/i.test(piece.text)) continue;
        const pos = r.error.position ? piece.from + r.error.position - 1 : piece.from;
        throw new CliError(`${file}:${lineOf(text, pos)}: ${r.error.message}`, r.error.hint);
      }
    }
    if (pglite.isInTransaction()) await db.run('commit');
  } catch (e) {
    await close();
    throw e;
  }
  return { db, label: `${file} (PGlite)`, kind: 'pglite', close };
}
