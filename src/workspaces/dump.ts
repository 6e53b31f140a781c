// A workspace as a SQL script, written by PostgreSQL's own pg_dump (compiled to WebAssembly by
// @electric-sql/pglite-tools), which talks to the PGlite instance directly. Runs where the
// instance lives: the database worker, Node tests, the CLI's --load.
import type { PGlite } from '@electric-sql/pglite';

/**
 * The database as plain SQL: schema, data as INSERT statements, sequences' positions, replayed
 * by pglab's psql-style script runner or by psql. pglite-tools always adds `--inserts` (its
 * libpq cannot run COPY … TO stdout); `--rows-per-insert` before it makes each INSERT carry up
 * to ROWS_PER_INSERT rows, which pg_dump keeps (`--inserts` only sets the count when none is
 * set): measured on 100,000 rows, a third smaller and restored 3.8× faster than one INSERT per
 * row, and 120 statements to show instead of 100,020.
 * `--no-owner`: PGlite has one role; a dump restored elsewhere belongs to whoever restores it.
 */
export const ROWS_PER_INSERT = 1000;

export async function dumpSql(pg: PGlite): Promise<string> {
  const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
  // pg_dump empties search_path on the connection it shares with the user's session: keep theirs.
  const { rows } = await pg.query<{ path: string }>(`select current_setting('search_path') as path`);
  try {
    const file = await pgDump({ pg, args: [`--rows-per-insert=${ROWS_PER_INSERT}`, '--no-owner', '--no-privileges', '--quote-all-identifiers'] });
    return await file.text();
  } finally {
    await pg.query(`select set_config('search_path', $1, false)`, [rows[0].path]);
  }
}
