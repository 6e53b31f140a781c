// A workspace as a SQL script, written by PostgreSQL's own pg_dump (compiled to WebAssembly by
// @electric-sql/pglite-tools), which talks to the PGlite instance directly. Runs where the
// instance lives: the database worker, Node tests, the CLI's --load.
import type { PGlite } from '@electric-sql/pglite';
import { DumpTracker, type DumpTable } from './dump-progress.ts';
import type { Progress } from './progress.ts';

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

/** The tables whose rows pg_dump reads, with their heap sizes: the progress bar's weights. */
async function tablesToRead(pg: PGlite): Promise<DumpTable[]> {
  const { rows } = await pg.query<DumpTable>(`
    select n.nspname as schema, c.relname as name, pg_relation_size(c.oid)::float8 as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'
      and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
    order by 1, 2`);
  return rows;
}

/**
 * `onProgress` hears how far it has got. pg_dump runs to its end in one synchronous call, so
 * the reports are made from inside it: pglab watches the queries it sends through PGlite (the
 * instance's execProtocolRawStream, wrapped for the call and restored after).
 */
export async function dumpSql(pg: PGlite, onProgress?: (p: Progress) => void): Promise<string> {
  const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
  // pg_dump empties search_path on the connection it shares with the user's session: keep theirs.
  const { rows } = await pg.query<{ path: string }>(`select current_setting('search_path') as path`);
  const unwatch = onProgress ? watchDump(pg, new DumpTracker(await tablesToRead(pg)), onProgress) : () => {};
  try {
    const file = await pgDump({ pg, args: [`--rows-per-insert=${ROWS_PER_INSERT}`, '--no-owner', '--no-privileges', '--quote-all-identifiers'] });
    return await file.text();
  } finally {
    unwatch();
    await pg.query(`select set_config('search_path', $1, false)`, [rows[0].path]);
  }
}

type RawStream = PGlite['execProtocolRawStream'];

function watchDump(pg: PGlite, tracker: DumpTracker, onProgress: (p: Progress) => void): () => void {
  const original = pg.execProtocolRawStream;
  const decoder = new TextDecoder();
  onProgress(tracker.progress);
  const patched: RawStream = function (this: PGlite, message, options) {
    // A simple-protocol query ('Q', length, text): the cursor of a table's rows names the table.
    if (message[0] === 0x51 && message.byteLength < 1 << 20) tracker.query(decoder.decode(message.subarray(5, message.byteLength - 1)));
    const onRawData = options?.onRawData;
    const counted = { ...options, onRawData: (bytes: Uint8Array) => { tracker.reply(bytes.byteLength); onRawData?.(bytes); } };
    const out = original.call(this, message, counted as Parameters<RawStream>[1]);
    onProgress(tracker.progress);
    return out;
  };
  pg.execProtocolRawStream = patched;
  return () => {
    pg.execProtocolRawStream = original;
  };
}
