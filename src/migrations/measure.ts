// Measures a migration on a throwaway copy: each statement runs in its own transaction (or in
// the script's own BEGIN … COMMIT, as it would), and before committing pglab reads pg_locks for
// the locks it holds (relation locks last until the transaction ends), compares relfilenodes to
// see what was rewritten, counts the rows it read and wrote, and times it. Statements that
// cannot run in a transaction run alone; their locks are the documented ones, marked so.
// Never point this at a database you care about: the migration really runs.
import type { Engine } from '../db/types.ts';
import { lineOf, parseMigration, type MigrationStatement } from './statements.ts';
import { blockSummary, blockedStatements, isLockMode, strongest, type LockMode } from './locks.ts';

export interface MeasuredLock {
  relation: string;
  /** relkind: r table, i index, S sequence, v view, m materialized view, t toast, p partitioned. */
  kind: string;
  mode: LockMode;
  /** The relation existed before the statement (a lock on a new one blocks nobody). */
  existing: boolean;
  /** Read from pg_locks (true) or the documented lock of a statement that ran outside a transaction. */
  observed: boolean;
}

export interface MeasuredStatement {
  index: number;
  line: number;
  text: string;
  node: string;
  ok: boolean;
  error?: string;
  durationMs: number;
  outsideTransaction: boolean;
  locks: MeasuredLock[];
  /**
   * Every lock the statement's transaction holds when it ends: its own, and in the script's own
   * BEGIN … COMMIT those of the statements before it (which `locks` leaves out: it took none of them).
   */
  held: MeasuredLock[];
  /** The lock_timeout in force while the statement waited for its locks, ms (0: none, it waits for ever). */
  lockTimeoutMs: number;
  /** Existing tables and indexes whose relfilenode changed: their data was rewritten. */
  rewritten: string[];
  /** Rows the statement inserted, updated or deleted in tables that existed before the migration, by table. */
  rowsWritten: Record<string, number>;
  /** Rows the statement read from tables that existed before the migration (scans and index fetches), by table. */
  rowsRead: Record<string, number>;
  /** The strongest lock on an existing relation, and what it would make wait on a busy server. */
  strongest?: { relation: string; mode: LockMode; blocks: string[]; summary: string };
}

export interface Measurement {
  statements: MeasuredStatement[];
  totalMs: number;
  /** Stopped at a failing statement (the copy is then left as it was at that point). */
  failed: boolean;
}

interface RelRow { oid: string; name: string; kind: string; node: string }

const SNAPSHOT = `select c.oid::text as oid, c.oid::regclass::text as name, c.relkind::text as kind, c.relfilenode::text as node
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%' and c.relkind in ('r', 'i', 'm', 'S', 'p', 'v', 'I')`;

// The backend's pending counters (this transaction's, and earlier ones' not yet flushed to the
// cumulative statistics): a statement's writes and reads are the difference around it.
const COUNTERS = `select relid::text as oid, (n_tup_ins + n_tup_upd + n_tup_del)::int8::text as w,
    (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int8::text as r
  from pg_stat_xact_user_tables where n_tup_ins + n_tup_upd + n_tup_del > 0 or coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) > 0`;

interface Counters { writes: Map<string, number>; reads: Map<string, number> }

async function countersNow(db: Engine): Promise<Counters> {
  const r = await db.query<{ oid: string; w: string; r: string }>(COUNTERS);
  return { writes: new Map(r.rows.map((x) => [x.oid, Number(x.w)])), reads: new Map(r.rows.map((x) => [x.oid, Number(x.r)])) };
}

/** Rows counted between two readings of the counters, in tables that existed before the migration. */
function rowsBetween(before: Map<string, RelRow>, from: Map<string, number>, to: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [oid, n] of to) {
    const rel = before.get(oid);
    const d = n - (from.get(oid) ?? 0);
    if (rel && d > 0) out[rel.name] = d;
  }
  return out;
}

const LOCKS = `select l.relation::text as oid, l.mode
  from pg_locks l where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.granted and l.database = (select oid from pg_database where datname = current_database())`;

/** Locks of the statements that cannot run in a transaction, from the manual. */
function documentedLock(s: MigrationStatement): LockMode {
  if (s.node === 'VacuumStmt' && ((s.body.options as Record<string, unknown>[] | undefined) ?? []).some((o) => (o.DefElem as { defname?: string })?.defname === 'full')) return 'AccessExclusiveLock';
  return 'ShareUpdateExclusiveLock';
}

function documentedTargets(s: MigrationStatement): string[] {
  const b = s.body as Record<string, unknown>;
  const rv = (r: unknown) => {
    const x = r as { schemaname?: string; relname?: string } | undefined;
    return x?.relname ? (x.schemaname ? `${x.schemaname}.${x.relname}` : x.relname) : undefined;
  };
  if (s.node === 'IndexStmt' || s.node === 'ReindexStmt' || s.node === 'AlterTableStmt') return [rv(b.relation)].filter((x): x is string => !!x);
  if (s.node === 'VacuumStmt') return ((b.rels as { VacuumRelation: { relation: unknown } }[] | undefined) ?? []).map((r) => rv(r.VacuumRelation.relation)).filter((x): x is string => !!x);
  if (s.node === 'DropStmt') return ((b.objects as { List: { items: { String: { sval: string } }[] } }[]) ?? []).map((o) => o.List.items.map((i) => i.String.sval).join('.'));
  return [];
}

/** Keeps the strongest lock per relation and names what the strongest one blocks. */
function finish(m: MeasuredStatement): void {
  const perRel = new Map<string, MeasuredLock>();
  for (const l of m.locks) {
    const p = perRel.get(l.relation);
    if (!p || strongest([p.mode, l.mode]) === l.mode) perRel.set(l.relation, l);
  }
  m.locks = [...perRel.values()].sort((a, b) => a.relation.localeCompare(b.relation));
  const onExisting = m.locks.filter((l) => l.existing && l.kind !== 'S');
  const top = strongest(onExisting.map((l) => l.mode));
  if (top) {
    const l = onExisting.find((x) => x.mode === top && ['r', 'p', 'm'].includes(x.kind)) ?? onExisting.find((x) => x.mode === top)!;
    m.strongest = { relation: l.relation, mode: top, blocks: blockedStatements(top), summary: blockSummary(top) };
  }
}

/** The session's lock_timeout in ms, as the server resolved whatever set it (SET, set_config, a role's default). */
async function lockTimeoutNow(db: Engine): Promise<number> {
  const r = await db.query<{ ms: string }>(`select setting as ms from pg_catalog.pg_settings where name = 'lock_timeout'`);
  return Number(r.rows[0]?.ms ?? 0);
}

async function snapshot(db: Engine): Promise<Map<string, RelRow>> {
  const r = await db.query<RelRow>(SNAPSHOT);
  return new Map(r.rows.map((x) => [x.oid, x]));
}

/** The relation locks this backend holds now, named; catalog relations left out. */
async function locksNow(db: Engine, before: Map<string, RelRow>): Promise<MeasuredLock[]> {
  const locks = await db.query<{ oid: string; mode: string }>(LOCKS);
  const names = await db.query<{ oid: string; name: string; kind: string; nsp: string }>(
    `select c.oid::text as oid, c.oid::regclass::text as name, c.relkind::text as kind, n.nspname as nsp from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = any($1::oid[])`,
    [locks.rows.map((l) => l.oid)],
  );
  const info = new Map(names.rows.map((x) => [x.oid, x]));
  const out: MeasuredLock[] = [];
  for (const l of locks.rows) {
    if (!isLockMode(l.mode)) continue;
    const i = info.get(l.oid);
    const prior = before.get(l.oid);
    if (i && (i.nsp === 'pg_catalog' || i.nsp === 'information_schema')) continue;
    if (!i && !prior) continue;
    out.push({ relation: i?.name ?? prior!.name, kind: i?.kind ?? prior!.kind, mode: l.mode, existing: !!prior, observed: true });
  }
  return out;
}

const lockKey = (l: MeasuredLock) => `${l.relation} ${l.mode}`;

export async function measureMigration(db: Engine, sql: string, opts: { statements?: MigrationStatement[] } = {}): Promise<Measurement> {
  const statements = opts.statements ?? (await parseMigration(sql));
  const out: MeasuredStatement[] = [];
  const t0 = performance.now();
  let failed = false;
  const existing = await snapshot(db);
  // The script's own BEGIN … COMMIT runs as one transaction, as it would: a SET LOCAL holds to
  // its end, and a statement holds the locks taken before it in the block (a VALIDATE after the
  // ADD in one transaction scans under the ADD's lock). Outside a block each statement gets a
  // transaction of its own.
  let inBlock = false;
  let heldInBlock = new Set<string>();
  for (const s of statements) {
    if (s.node === 'TransactionStmt') {
      const kind = String((s.body as { kind?: string }).kind ?? '');
      let note = 'transaction control';
      if ((kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') && !inBlock) {
        await db.run('begin');
        inBlock = true;
        heldInBlock = new Set();
        note = 'transaction control: the statements up to its end are measured in one transaction';
      } else if (['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE'].includes(kind) && inBlock) {
        await db.run(kind === 'TRANS_STMT_ROLLBACK' ? 'rollback' : 'commit');
        inBlock = false;
      } else if (inBlock && /SAVEPOINT|RELEASE|ROLLBACK_TO/.test(kind)) {
        await db.run(s.text);
      }
      out.push({ index: s.index, line: lineOf(sql, s.from), text: s.text, node: s.node, ok: true, durationMs: 0, outsideTransaction: false, locks: [], held: [], rewritten: [], rowsWritten: {}, rowsRead: {}, lockTimeoutMs: await lockTimeoutNow(db), error: `skipped: ${note}` });
      continue;
    }
    const before = await snapshot(db);
    const m: MeasuredStatement = { index: s.index, line: lineOf(sql, s.from), text: s.text, node: s.node, ok: true, durationMs: 0, outsideTransaction: !!s.autocommit && !inBlock, locks: [], held: [], rewritten: [], rowsWritten: {}, rowsRead: {}, lockTimeoutMs: await lockTimeoutNow(db) };
    if (s.autocommit && !inBlock) {
      const t = performance.now();
      const r = await db.run(s.text);
      m.durationMs = performance.now() - t;
      if (!r.ok) {
        m.ok = false;
        m.error = r.error.message;
      }
      const mode = documentedLock(s);
      const byName = new Map([...before.values()].map((x) => [x.name, x]));
      for (const name of documentedTargets(s)) m.locks.push({ relation: name, kind: byName.get(name)?.kind ?? 'r', mode, existing: byName.has(name), observed: false });
      m.held = [...m.locks];
    } else {
      if (!inBlock) await db.run('begin');
      // A difference: counters not yet flushed carry earlier transactions' writes too.
      const counted = await countersNow(db);
      const t = performance.now();
      const r = await db.run(s.text);
      m.durationMs = performance.now() - t;
      if (!r.ok) {
        m.ok = false;
        m.error = r.error.message;
        await db.run('rollback');
        inBlock = false;
      } else {
        m.held = await locksNow(db, before);
        // Its own locks: those the block did not hold before it.
        m.locks = m.held.filter((l) => !heldInBlock.has(lockKey(l)));
        if (inBlock) for (const l of m.held) heldInBlock.add(lockKey(l));
        const after = await snapshot(db);
        for (const [oid, b] of before) {
          const a = after.get(oid);
          if (a && a.node !== b.node && a.node !== '0' && ['r', 'i', 'm'].includes(a.kind)) m.rewritten.push(a.name);
        }
        const now = await countersNow(db);
        m.rowsWritten = rowsBetween(existing, counted.writes, now.writes);
        m.rowsRead = rowsBetween(existing, counted.reads, now.reads);
        if (!inBlock) await db.run('commit');
      }
    }
    finish(m);
    out.push(m);
    if (!m.ok) {
      failed = true;
      break;
    }
  }
  // A block the script leaves open ends as a session does: rolled back.
  if (inBlock) await db.run('rollback');
  return { statements: out, totalMs: performance.now() - t0, failed };
}

/** A plain-text report of a measurement. */
export function measurementText(m: Measurement): string {
  const lines: string[] = [];
  for (const s of m.statements) {
    const head = s.text.replace(/\s+/g, ' ');
    lines.push(`line ${s.line}: ${head.length > 90 ? head.slice(0, 87) + '…' : head}`);
    if (!s.ok) {
      lines.push(`  FAILED: ${s.error}`);
      continue;
    }
    if (s.error) lines.push(`  ${s.error}`);
    const wrote = Object.entries(s.rowsWritten ?? {}).map(([t, n]) => `${n} row${n === 1 ? '' : 's'} of ${t}`);
    lines.push(`  ${s.durationMs.toFixed(1)} ms${s.outsideTransaction ? ', outside a transaction' : ''}${s.rewritten.length ? `; rewrote ${s.rewritten.join(', ')}` : '; no rewrite'}${wrote.length ? `; wrote ${wrote.join(', ')}` : ''}`);
    for (const l of s.locks) lines.push(`  ${l.mode.padEnd(24)} ${l.relation}${l.existing ? '' : ' (new)'}${l.observed ? '' : ' (documented: ran outside a transaction)'}`);
    if (s.strongest) lines.push(`  → ${s.strongest.mode} on ${s.strongest.relation} ${s.strongest.summary}, held ${s.durationMs.toFixed(1)} ms on this data`);
  }
  lines.push(`${m.statements.length} statement${m.statements.length === 1 ? '' : 's'} measured in ${m.totalMs.toFixed(0)} ms${m.failed ? ', stopped at a failing statement' : ''}`);
  return lines.join('\n') + '\n';
}

/**
 * Measures a migration on the database itself inside one transaction that is rolled back at the
 * end, as a revision runs (one transaction): each statement reports the locks it added to what
 * the transaction already held. Statements that cannot run in a transaction are not run here;
 * they get their documented lock. For the page, whose single PGlite cannot be copied from the worker.
 */
export async function measureRolledBack(db: Engine, sql: string, opts: { statements?: MigrationStatement[] } = {}): Promise<Measurement> {
  const statements = opts.statements ?? (await parseMigration(sql));
  const probe = await db.run('select 1');
  if (probe.inTransaction) throw new Error('the session has an open transaction: commit or roll it back first');
  const out: MeasuredStatement[] = [];
  const t0 = performance.now();
  let failed = false;
  const existing = await snapshot(db);
  const begin = await db.run('begin');
  if (!begin.ok) throw new Error(begin.error.message);
  try {
    let held = new Set<string>();
    let counted = await countersNow(db);
    for (const s of statements) {
      const m: MeasuredStatement = { index: s.index, line: lineOf(sql, s.from), text: s.text, node: s.node, ok: true, durationMs: 0, outsideTransaction: !!s.autocommit, locks: [], held: [], rewritten: [], rowsWritten: {}, rowsRead: {}, lockTimeoutMs: await lockTimeoutNow(db) };
      const before = await snapshot(db);
      if (s.node === 'TransactionStmt' || s.autocommit) {
        m.error = s.autocommit ? `not run: ${s.autocommit} cannot run inside the measuring transaction (its documented lock is shown)` : 'skipped: transaction control';
        if (s.autocommit) {
          const byName = new Map([...before.values()].map((x) => [x.name, x]));
          for (const name of documentedTargets(s)) m.locks.push({ relation: name, kind: byName.get(name)?.kind ?? 'r', mode: documentedLock(s), existing: byName.has(name), observed: false });
        }
      } else {
        const t = performance.now();
        const r = await db.run(s.text);
        m.durationMs = performance.now() - t;
        if (!r.ok) {
          m.ok = false;
          m.error = r.error.message;
          out.push(m);
          failed = true;
          break;
        }
        m.held = await locksNow(db, before);
        m.locks = m.held.filter((l) => !held.has(lockKey(l)));
        held = new Set(m.held.map(lockKey));
        const after = await snapshot(db);
        for (const [oid, b] of before) {
          const a = after.get(oid);
          if (a && a.node !== b.node && a.node !== '0' && ['r', 'i', 'm'].includes(a.kind)) m.rewritten.push(a.name);
        }
        const now = await countersNow(db);
        m.rowsWritten = rowsBetween(existing, counted.writes, now.writes);
        m.rowsRead = rowsBetween(existing, counted.reads, now.reads);
        counted = now;
      }
      finish(m);
      out.push(m);
    }
  } finally {
    await db.run('rollback');
  }
  return { statements: out, totalMs: performance.now() - t0, failed };
}
