// Is the rest of the database intact? A fingerprint of the chapter's tables (their columns,
// constraints, indexes, and which of them had rows written), taken before and after a script,
// and the changes between two fingerprints in words. Cheap on purpose: the data itself is not
// hashed; the cumulative statistics say which tables were written (a restored copy starts with
// every counter at zero), and only those, or those rewritten (TRUNCATE), are counted.
import type { Engine } from '../db/types.ts';

export interface TableState {
  /** relfilenode: a new one means the table was rewritten (TRUNCATE, VACUUM FULL, ALTER TABLE). */
  file: number;
  columns: Record<string, string>;
  constraints: Record<string, string>;
  indexes: Record<string, string>;
  /** Enum columns: column → `type\tvalues in order`. */
  enums: Record<string, string>;
  /**
   * Columns typed by a domain: column → the domain. `columns` holds the domain's base type, so
   * typing a column by a domain over its own type adds a rule (like a new CHECK), not a change.
   */
  domains: Record<string, string>;
  /** Rows inserted, updated and deleted since the copy was restored. */
  writes: { ins: number; upd: number; del: number };
  /** The planner's row estimate (pg_class.reltuples; -1: never analyzed). */
  reltuples: number;
}

export type Fingerprint = Record<string, TableState>;

export interface Change {
  /** `<kind>:<table>`: a reference solution that makes a change of a key allows it to the learner. */
  key: string;
  message: string;
}

const TABLES_SQL = `
  select c.relname as name, pg_catalog.pg_relation_filenode(c.oid)::int8::text as file, c.reltuples::float8 as reltuples,
         coalesce(s.n_tup_ins, 0)::int8::text as ins, coalesce(s.n_tup_upd, 0)::int8::text as upd, coalesce(s.n_tup_del, 0)::int8::text as del,
         -- A domain's column by the type under its domains (the first typmod met on the way down).
         array(select a.attname || ' ' || pg_catalog.format_type(b.typ, b.mod) || case when a.attnotnull then ' not null' else '' end
               from pg_catalog.pg_attribute a
               cross join lateral (
                 with recursive d(typ, mod, depth) as (
                   select a.atttypid, a.atttypmod, 0
                   union all
                   select t.typbasetype, case when d.mod = -1 then t.typtypmod else d.mod end, d.depth + 1
                   from d join pg_catalog.pg_type t on t.oid = d.typ where t.typtype = 'd')
                 select typ, mod from d order by depth desc limit 1) b
               where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns,
         array(select a.attname || E'\\t' || pg_catalog.format_type(a.atttypid, null)
               from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.oid = a.atttypid
               where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and t.typtype = 'd' order by a.attnum) as domains,
         -- Each enum column's type and its values: renaming or reordering a value changes what
         -- every stored row means, though no row is written.
         array(select a.attname || E'\\t' || pg_catalog.format_type(a.atttypid, null) || E'\\t'
                      || (select string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = a.atttypid)
                      -- Each value's oid with its label: a renamed value keeps its oid, an added one has a new one.
                      || E'\\t' || (select string_agg(e.oid::text || '=' || pg_catalog.quote_literal(e.enumlabel), ', ' order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = a.atttypid)
               from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.oid = a.atttypid
               where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and t.typtype = 'e' order by a.attnum) as enums,
         array(select con.conname || E'\\t' || pg_catalog.pg_get_constraintdef(con.oid, true)
               from pg_catalog.pg_constraint con where con.conrelid = c.oid order by con.conname) as constraints,
         array(select i.relname || E'\\t' || pg_catalog.pg_get_indexdef(i.oid)
               from pg_catalog.pg_index x join pg_catalog.pg_class i on i.oid = x.indexrelid
               where x.indrelid = c.oid and x.indisvalid order by i.relname) as indexes
  from pg_catalog.pg_class c
  left join pg_catalog.pg_stat_user_tables s on s.relid = c.oid
  where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
  order by c.relname`;

const pairs = (list: string[]) => Object.fromEntries(list.map((s) => [s.slice(0, s.indexOf('\t')), s.slice(s.indexOf('\t') + 1)]));

/** The fingerprint of the public schema's tables now. Runs three short queries. */
export async function fingerprint(db: Engine): Promise<Fingerprint> {
  // Counters reach the statistics views at most once a second unless forced (platform notes).
  await db.query('select pg_catalog.pg_stat_force_next_flush()');
  const { rows } = await db.query<{ name: string; file: string; reltuples: number; ins: string; upd: string; del: string; columns: string[]; constraints: string[]; indexes: string[]; enums: string[]; domains: string[] }>(TABLES_SQL);
  const out: Fingerprint = {};
  for (const r of rows) {
    out[r.name] = {
      file: Number(r.file),
      columns: Object.fromEntries(r.columns.map((c) => [c.slice(0, c.indexOf(' ')), c.slice(c.indexOf(' ') + 1)])),
      constraints: pairs(r.constraints),
      indexes: pairs(r.indexes),
      enums: pairs(r.enums),
      domains: pairs(r.domains),
      writes: { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del) },
      reltuples: Number(r.reltuples),
    };
  }
  return out;
}

const quote = (name: string) => '"' + name.replace(/"/g, '""') + '"';

/** Exact row counts of the given tables. */
export async function rowCounts(db: Engine, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await db.query<{ n: string }>(`select count(*)::text as n from public.${quote(t)}`);
    out[t] = Number(r.rows[0].n);
  }
  return out;
}

/**
 * A digest of a table's rows over the given columns, independent of row order and of the
 * table's other columns: equal before and after a script when the script wrote only other
 * columns (a backfill of a new one) or wrote the same values back.
 */
export async function contentDigest(db: Engine, table: string, columns: string[]): Promise<string> {
  if (!columns.length) return '';
  const row = columns.map(quote).join(', ');
  const r = await db.query<{ d: string | null }>(
    `select pg_catalog.md5(pg_catalog.string_agg(h, '' order by h)) as d
     from (select pg_catalog.md5(row(${row})::text) as h from public.${quote(table)}) s`);
  return r.rows[0]?.d ?? '';
}

/** The columns of a table that are there, with the same definition, before and after. */
export function keptColumns(before: TableState, after: TableState): string[] {
  return Object.keys(before.columns).filter((c) => after.columns[c] === before.columns[c]);
}

/** Tables whose rows may have changed between the two fingerprints (written, or rewritten). */
export function touchedTables(before: Fingerprint, after: Fingerprint): string[] {
  return Object.keys(after).filter((t) => {
    const b = before[t];
    if (!b) return false;
    const a = after[t];
    return a.file !== b.file || a.writes.ins > b.writes.ins || a.writes.upd > b.writes.upd || a.writes.del > b.writes.del;
  });
}

/**
 * What the script changed that was there before: dropped or altered tables, columns,
 * constraints and indexes, rows written, row counts. New objects are not changes.
 * `countsBefore`/`countsAfter` hold the counts of the touched tables.
 */
export function changes(before: Fingerprint, after: Fingerprint, countsBefore: Record<string, number>, countsAfter: Record<string, number>): Change[] {
  // countsBefore holds the starting count of every table the caller knows (untouched ones too).
  const out: Change[] = [];
  for (const [t, b] of Object.entries(before)) {
    const a = after[t];
    if (!a) {
      out.push({ key: `table:${t}`, message: `the table ${t} is gone` });
      continue;
    }
    for (const [c, def] of Object.entries(b.columns)) {
      if (!(c in a.columns)) out.push({ key: `column:${t}`, message: `the column ${t}.${c} is gone` });
      else if (a.columns[c] !== def) out.push({ key: `column:${t}`, message: `the column ${t}.${c} was ${def}, it is now ${a.columns[c]}` });
      else if (b.domains[c] !== undefined && a.domains[c] !== b.domains[c]) {
        // The domain's rules were the column's: another domain, or none, drops them.
        out.push({ key: `column:${t}`, message: `the column ${t}.${c} was typed by the domain ${b.domains[c]}, it is now ${a.domains[c] ? `typed by ${a.domains[c]}` : 'not'}` });
      }
      else if (b.enums[c] !== undefined && a.enums[c] !== b.enums[c]) {
        // The same enum type with other values: said once per type, under the type's own key.
        // Values only added (the old ones all there, in their order) change no stored row;
        // a renamed, dropped or reordered one changes what rows mean: another key, so a
        // reference that adds a value does not allow a learner to rename one.
        const [type, was, wasIds] = b.enums[c].split('\t');
        const [nowType, now = '', nowIds = ''] = a.enums[c]?.split('\t') ?? [];
        const key = (nowType === type && keepsInOrder(labels(wasIds ?? ''), labels(nowIds)) ? 'enum-add:' : 'enum:') + type;
        if (!out.some((x) => x.key === key)) out.push({ key, message: `the values of the type ${type} were (${was}), they are now (${now})` });
      }
    }
    for (const [c, def] of Object.entries(b.constraints)) {
      if (!(c in a.constraints)) out.push({ key: `constraint:${t}`, message: `the constraint ${c} on ${t} (${def}) is gone` });
      else if (a.constraints[c] !== def) out.push({ key: `constraint:${t}`, message: `the constraint ${c} on ${t} changed from ${def} to ${a.constraints[c]}` });
    }
    const constraintNames = new Set(Object.keys(b.constraints));
    for (const [i, def] of Object.entries(b.indexes)) {
      if (constraintNames.has(i) && !(i in a.constraints)) continue; // said with its constraint
      if (!(i in a.indexes)) out.push({ key: `index:${t}`, message: `the index ${i} on ${t} is gone` });
      else if (a.indexes[i] !== def) out.push({ key: `index:${t}`, message: `the index ${i} on ${t} is now ${a.indexes[i].replace(/^CREATE /, '')}` });
    }
    const nb = countsBefore[t];
    const na = countsAfter[t];
    // Statistics typed in by hand (or by dynamic SQL the parse tree did not see): the estimate
    // moved far from the real count. ANALYZE, which samples, stays close.
    const real = na ?? nb;
    if (real !== undefined && a.reltuples !== b.reltuples && a.reltuples >= 0 && Math.abs(a.reltuples - real) > Math.max(1000, real)) {
      out.push({ key: `stats:${t}`, message: `the planner's statistics of ${t} say ${Math.round(a.reltuples)} rows, the table has ${real}` });
    }
    if (nb !== undefined && na !== undefined && nb !== na) {
      out.push({
        key: `rows:${t}`,
        message: na < nb ? `${nb - na} of the ${nb} rows of ${t} were deleted` : `${na - nb} rows were added to ${t} (${nb} → ${na})`,
      });
    } else if (a.writes.upd > b.writes.upd || a.writes.ins > b.writes.ins || a.writes.del > b.writes.del) {
      const n = a.writes.upd - b.writes.upd;
      out.push({ key: `data:${t}`, message: n > 0 ? `${n} row${n === 1 ? ' was' : 's were'} updated in ${t}` : `rows of ${t} were rewritten` });
    } else if (a.file !== b.file) {
      // A rewrite the write counters do not see (ALTER … TYPE … USING, VACUUM FULL): the values
      // may have changed all the same. The caller compares them (never allowed by the reference's
      // own rewrite, which may have kept every value).
      out.push({ key: `rewrite:${t}`, message: `the rows of ${t} were rewritten` });
    }
  }
  return out;
}

/** An enum's values as the fingerprint lists them with their oids (`12=\'a\', 13=\'b\'`): one `oid=label` each. */
function labels(list: string): string[] {
  return [...list.matchAll(/(\d+)='((?:[^']|'')*)'/g)].map((m) => `${m[1]}=${m[2]}`);
}

/** Whether `now` holds every value of `was` (same oid, same label), in the same order (more may stand between them). */
function keepsInOrder(was: string[], now: string[]): boolean {
  let i = 0;
  for (const l of now) if (i < was.length && l === was[i]) i++;
  return i === was.length;
}

/** The learner's changes the reference solution does not make (a change of rows allows one of data). */
export function forbiddenChanges(learner: Change[], reference: Change[]): Change[] {
  const allowed = new Set(reference.filter((c) => !c.key.startsWith('rewrite:')).map((c) => c.key));
  for (const c of reference) if (c.key.startsWith('rows:')) allowed.add('data:' + c.key.slice(5));
  // A reference that changes an enum's values in any way allows adding one too.
  for (const c of reference) if (c.key.startsWith('enum:')) allowed.add('enum-add:' + c.key.slice(5));
  return learner.filter((c) => !allowed.has(c.key) && !(c.key.startsWith('data:') && allowed.has('rows:' + c.key.slice(5))));
}
