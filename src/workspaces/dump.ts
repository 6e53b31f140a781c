// A workspace as a SQL script, written by PostgreSQL's own pg_dump (compiled to WebAssembly by
// @electric-sql/pglite-tools), which talks to the PGlite instance directly. Runs where the
// instance lives: the database worker, Node tests, the CLI's --load.
import type { PGlite } from '@electric-sql/pglite';

/**
 * The database as plain SQL: schema, data as COPY … FROM stdin, sequences' positions. pglab's
 * psql-style script runner replays it (COPY with inline rows: src/db/psql-copy.ts).
 * `--no-owner`: PGlite has one role; a dump restored elsewhere belongs to whoever restores it.
 */
export async function dumpSql(pg: PGlite): Promise<string> {
  const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
  // pg_dump empties search_path on the connection it shares with the user's session: keep theirs.
  const { rows } = await pg.query<{ path: string }>(`select current_setting('search_path') as path`);
  try {
    const file = await pgDump({ pg, args: ['--no-owner', '--no-privileges', '--quote-all-identifiers'] });
    return await file.text();
  } finally {
    await pg.query(`select set_config('search_path', $1, false)`, [rows[0].path]);
  }
}
