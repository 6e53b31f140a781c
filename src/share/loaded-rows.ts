// Rows a playground repro's script does not make: a table the query reads whose rows came from
// elsewhere (`\copy … from` a file, a CSV import, an imported dump, an earlier session) would be
// empty on the receiver's side, and its plan would differ. Such rows are carried as INSERTs in
// the set-up while they fit a budget, where the sender loaded them (after the table's `\copy`,
// else after its CREATE TABLE), so later statements that need them (a foreign key) find them;
// what does not fit (or cannot be carried) is said, by table.
//
// Which tables the script fills is read from PostgreSQL's own parser: INSERT, COPY … FROM STDIN
// with its rows inline, MERGE, CREATE TABLE AS and SELECT INTO write rows; a write into a
// partitioned table counts for its partitions. `\copy` is a psql command that the receiver's
// replay skips, so its rows count as not made.
import type { Queryable } from '../db/types.ts';
import { splitScript } from '../db/splitter.ts';
import { copyCommand } from '../db/psql-copy.ts';
import { planRelationNames, resolveRelations } from './capture.ts';
import { nameParts } from '../workspaces/dump-progress.ts';

/** Characters of INSERT text a pack carries for loaded rows (the set-up may hold 8 MB in all). */
export const ROWS_BUDGET = 2 * 1024 * 1024;
const ROWS_PER_INSERT = 1000;

export interface TableRows {
  /** `schema.table`, quoted where needed. */
  table: string;
  rows: number;
  /** Characters of the INSERT statements that carry them. */
  chars: number;
}

export interface LoadedRows {
  /** The set-up with the carried rows' INSERTs in it (and ANALYZE where the sender had statistics): the input when nothing is carried. */
  setup: string;
  carried: TableRows[];
  /** Rows left out: over the budget. */
  left: TableRows[];
  /** Tables the query reads that the script does not create (the receiver's EXPLAIN fails on them). */
  notCreated: string[];
  /** Set when the script runs DO or CALL, which may fill tables in ways the parser cannot see. */
  opaque: boolean;
  /** Sentences for the pack's notes and the Share dialog. */
  notes: string[];
}

type Name = { schema?: string; name: string };
/** A name and where, in the script, the statement that names it ends (after its `;`). */
type Placed = Name & { end: number };

interface ScriptEffects {
  created: Placed[];
  written: Name[];
  /** Tables `\copy … from` a file loads (rows the receiver's replay skips). */
  copied: Placed[];
  opaque: boolean;
}

const rangeVar = (v: unknown): Name | undefined => {
  const r = (v as { RangeVar?: { schemaname?: string; relname?: string } } | undefined)?.RangeVar ?? (v as { schemaname?: string; relname?: string } | undefined);
  return r?.relname ? { schema: r.schemaname, name: r.relname } : undefined;
};

/** What a set-up script creates and fills, statement by statement. */
export async function scriptEffects(setup: string): Promise<ScriptEffects> {
  const { parse } = await import('libpg-query');
  const out: ScriptEffects = { created: [], written: [], copied: [], opaque: false };
  const pieces = setup.trim() ? await splitScript(setup) : [];
  for (const p of pieces) {
    if (p.kind === 'backslash') {
      const m = p.name === 'copy' ? /^\s*((?:"(?:[^"]|"")*"|[^\s.("]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[^\s.("]+))?)[^]*?\bfrom\b/i.exec(p.args) : null;
      const parts = m ? nameParts(m[1]) : [];
      // `\copy … from stdin` with its rows in the script is replayed with them (replay.ts): the
      // script makes those rows; from a file, the receiver has no file and the rows are carried.
      const c = copyCommand(p.args);
      const name: Name = parts.length > 1 ? { schema: parts[0], name: parts[1] } : { name: parts[0] };
      if (parts.length && c.ok && c.from) {
        if (c.std) out.written.push(name);
        else out.copied.push({ ...name, end: p.to });
      }
      continue;
    }
    if (p.kind !== 'sql') continue;
    // After the statement's own `;` (the piece may end before it).
    const end = p.to + (/^\s*;/.exec(setup.slice(p.to, p.to + 256))?.[0].length ?? 0);
    let tree: { stmts?: Array<{ stmt?: Record<string, Record<string, unknown>> }> };
    try {
      tree = (await parse(p.text)) as unknown as typeof tree;
    } catch {
      continue;
    }
    for (const { stmt } of tree.stmts ?? []) {
      if (!stmt) continue;
      const [kind, body] = Object.entries(stmt)[0] ?? [];
      if (!kind || !body) continue;
      const add = (list: Name[] | Placed[], v: unknown) => {
        const n = rangeVar(v);
        if (n) (list as Placed[]).push({ ...n, end });
      };
      if (kind === 'CreateStmt') add(out.created, body.relation);
      else if (kind === 'CreateTableAsStmt') {
        const into = (body.into as { IntoClause?: { rel?: unknown } } | undefined)?.IntoClause ?? (body.into as { rel?: unknown } | undefined);
        add(out.created, into?.rel);
        if (!(into as { skipData?: boolean } | undefined)?.skipData) add(out.written, into?.rel);
      } else if (kind === 'SelectStmt' && body.intoClause) {
        const into = (body.intoClause as { IntoClause?: { rel?: unknown } }).IntoClause ?? (body.intoClause as { rel?: unknown });
        add(out.created, into?.rel);
        add(out.written, into?.rel);
      } else if (kind === 'InsertStmt' || kind === 'MergeStmt') add(out.written, body.relation);
      else if (kind === 'CopyStmt' && body.is_from && !body.filename) add(out.written, body.relation);
      else if (kind === 'DoStmt' || kind === 'CallStmt') out.opaque = true;
    }
  }
  return out;
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The oids named, with every partition and inheritance child under them. */
async function withChildren(db: Queryable, names: Name[]): Promise<Set<number>> {
  const oids = await resolveRelations(db, names);
  if (!oids.length) return new Set();
  const { rows } = await db.query<{ oid: number }>(
    `with recursive t(oid) as (select unnest($1::oid[]) union select i.inhrelid from pg_inherits i join t on i.inhparent = t.oid)
     select oid::int8 as oid from t`,
    [oids],
  );
  return new Set(rows.map((r) => Number(r.oid)));
}

/** Where each relation's rows go: after the last statement placing it (a later one wins), children included. */
async function placements(db: Queryable, placed: Placed[]): Promise<Map<number, number>> {
  const at = new Map<number, number>();
  for (const p of placed) for (const oid of await withChildren(db, [p])) at.set(oid, p.end);
  return at;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * Looks at the tables `query`'s plan reads in `db` (the sender's database) and at what `setup`
 * does, and carries (within `budget` characters) the rows the set-up does not make.
 */
export async function loadedRows(db: Queryable, setup: string, query: string, budget = ROWS_BUDGET): Promise<LoadedRows> {
  const none: LoadedRows = { setup, carried: [], left: [], notCreated: [], opaque: false, notes: [] };
  let plan: unknown;
  try {
    const { rows } = await db.query<Record<string, unknown>>(`explain (verbose, format json) ${query.trim().replace(/;\s*$/, '')}`);
    plan = rows[0]?.['QUERY PLAN'];
    if (typeof plan === 'string') plan = JSON.parse(plan);
  } catch {
    return none; // a query with parameters, or one that does not plan: the pack says so elsewhere
  }
  const readOids = await resolveRelations(db, planRelationNames(plan));
  if (!readOids.length) return none;
  const { rows: read } = await db.query<{ oid: number; rel: string; kind: string; bytes: number; analyzed: boolean }>(
    `select c.oid::int8 as oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as rel, c.relkind::text as kind,
            pg_relation_size(c.oid)::float8 as bytes, exists (select from pg_statistic s where s.starelid = c.oid) as analyzed
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.oid = any($1::oid[]) and c.relkind = 'r' order by pg_relation_size(c.oid), 2`,
    [readOids],
  );
  const effects = await scriptEffects(setup);
  const created = await withChildren(db, effects.created);
  const written = await withChildren(db, effects.written);
  const out: LoadedRows = { ...none, opaque: effects.opaque };
  const candidates: typeof read = [];
  for (const t of read) {
    if (!created.has(Number(t.oid))) out.notCreated.push(t.rel);
    else if (!written.has(Number(t.oid)) && !effects.opaque) candidates.push(t);
  }

  // A table's rows go after the \copy that loaded them, else after its CREATE TABLE.
  const createdAt = await placements(db, effects.created);
  const copiedAt = await placements(db, effects.copied);
  const blocks: Array<{ at: number; sql: string }> = [];
  const analyze: string[] = [];
  let used = 0;
  for (const t of candidates) {
    const { rows: cols } = await db.query<{ name: string; identity: string }>(
      `select attname as name, attidentity::text as identity from pg_attribute
       where attrelid = $1::oid and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`,
      [t.oid],
    );
    if (!cols.length) continue;
    // Every value in its text form, quoted: it reads back as the column's type on INSERT.
    const tuple = `'(' || concat_ws(', ', ${cols.map((c) => `quote_nullable(${q(c.name)}::text)`).join(', ')}) || ')'`;
    const { rows: size } = await db.query<{ n: number; chars: number }>(`select count(*)::float8 as n, coalesce(sum(length(${tuple}) + 2), 0)::float8 as chars from only ${t.rel}`);
    const n = Number(size[0].n);
    if (!n) continue;
    const head = `insert into ${t.rel} (${cols.map((c) => q(c.name)).join(', ')})${cols.some((c) => c.identity === 'a') ? ' overriding system value' : ''} values\n`;
    const chars = Number(size[0].chars) + Math.ceil(n / ROWS_PER_INSERT) * (head.length + 2);
    if (used + chars > budget) {
      out.left.push({ table: t.rel, rows: n, chars });
      continue;
    }
    const { rows } = await db.query<{ v: string }>(`select ${tuple} as v from only ${t.rel}`);
    const inserts: string[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) inserts.push(`${head}${rows.slice(i, i + ROWS_PER_INSERT).map((r) => r.v).join(',\n')};`);
    // The rows are the table's content as it is: triggers and foreign-key checks already ran on the sender's side.
    blocks.push({
      at: copiedAt.get(Number(t.oid)) ?? createdAt.get(Number(t.oid)) ?? setup.length,
      sql: [`-- The rows of ${t.rel} in the sender's database, which the script does not make (carried by Share):`, 'set session_replication_role = replica;', ...inserts, 'reset session_replication_role;'].join('\n'),
    });
    used += chars;
    out.carried.push({ table: t.rel, rows: rows.length, chars });
    if (t.analyzed) analyze.push(t.rel);
  }
  if (blocks.length) {
    let text = setup;
    // From the end, so earlier offsets stay right; blocks at one place keep their order.
    for (const b of [...blocks].reverse().sort((a, b) => b.at - a.at)) text = `${text.slice(0, b.at)}\n${b.sql}\n${text.slice(b.at)}`;
    if (analyze.length) text = `${text.replace(/\s*$/, '')}\n-- The sender had statistics of the carried tables:\nanalyze ${analyze.join(', ')};\n`;
    out.setup = text;
  }
  if (out.carried.length) out.notes.push(`Rows the script does not make, carried from the sender's database: ${out.carried.map((t) => `${t.table} (${plural(t.rows, 'row')})`).join(', ')}.`);
  if (out.left.length) out.notes.push(`Rows not carried (over the ${mb(budget)} a pack carries for them): ${out.left.map((t) => `${t.table} (${plural(t.rows, 'row')}, ${mb(t.chars)} as SQL)`).join(', ')}. The sender's script does not make them, so the receiver's ${out.left.length === 1 ? 'table is' : 'tables are'} empty and the plan can differ.`);
  if (out.notCreated.length) out.notes.push(`The script does not create ${out.notCreated.join(', ')}, which the query reads: the receiver's EXPLAIN fails unless the script that creates ${out.notCreated.length === 1 ? 'it' : 'them'} comes before the query.`);
  if (effects.opaque && read.some((t) => created.has(Number(t.oid)) && !written.has(Number(t.oid)))) {
    out.notes.push('The script runs DO or CALL, which may fill tables: no rows were carried, and the receiver gets only what the script makes.');
  }
  return out;
}
