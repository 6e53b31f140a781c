// Small helpers shared by the analysis modules: portable value decoding (PGlite parses int8 to
// number or BigInt, node-postgres to string), tagged queries and the statistics window.
import type { Queryable } from '../db/types.ts';
import { ownStatement } from '../db/own-statements.ts';

export async function rows<T = Record<string, unknown>>(db: Queryable, sql: string, params?: unknown[]): Promise<T[]> {
  // Tagged, so the query analyzer leaves the analyzers' own statements out.
  return (await db.query<T>(ownStatement(sql), params)).rows;
}

/** A number from number, bigint, numeric text or null (null → fallback). */
export function num(v: unknown, fallback = 0): number {
  if (v === null || v === undefined || v === '') return fallback;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : str(v);
}

/** An array from a JS array or JSON text (select arrays as json so both drivers agree). */
export function arr<T = string>(v: unknown): T[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v as T[];
  if (typeof v === 'string') {
    try {
      const p = JSON.parse(v);
      return Array.isArray(p) ? (p as T[]) : [];
    } catch {
      return [];
    }
  }
  return [];
}

export function bool(v: unknown): boolean {
  return v === true || v === 't' || v === 'true';
}

/**
 * Cumulative statistics are flushed at transaction end and at most once a second: force it
 * (as its own statement) so counters include everything this connection did.
 */
export async function flushStats(db: Queryable): Promise<void> {
  try {
    await rows(db, 'select pg_stat_force_next_flush()');
  } catch {
    /* older servers: counters may lag by a second */
  }
}

export interface StatsWindow {
  /** ISO time the counters start from. */
  since: string;
  /** Why they start then. */
  source: 'stats_reset' | 'server_start';
  /** Whole days covered (fractional). */
  days: number;
}

/** Since when the cumulative counters of the current database run. */
export async function statsWindow(db: Queryable): Promise<StatsWindow> {
  const [r] = await rows<{ reset: unknown; start: unknown; days_reset: unknown; days_start: unknown }>(
    db,
    `select stats_reset::text as reset, pg_postmaster_start_time()::text as start,
            extract(epoch from now() - stats_reset)::float8 / 86400 as days_reset,
            extract(epoch from now() - pg_postmaster_start_time())::float8 / 86400 as days_start
       from pg_stat_database where datname = current_database()`,
  );
  if (r && r.reset) return { since: str(r.reset), source: 'stats_reset', days: num(r.days_reset) };
  return { since: str(r?.start), source: 'server_start', days: num(r?.days_start) };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function describeWindow(w: StatsWindow): string {
  const span = w.days >= 2 ? `${Math.floor(w.days)} days` : w.days >= 1 / 24 ? `${(w.days * 24).toFixed(1)} hours` : plural(Math.max(1, Math.round(w.days * 1440)), 'minute');
  return w.source === 'stats_reset'
    ? `since the statistics were last reset at ${w.since} (${span})`
    : `since the server started at ${w.since} (${span}; counters restart with the server)`;
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** Quotes a string as an SQL literal. */
export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Stable order: severity, check, then object path. */
export function sortFindings<T extends { severity: keyof typeof SEVERITY_ORDER; check: string; object: object }>(list: T[]): T[] {
  const key = (f: T) => JSON.stringify(f.object);
  return list.sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.check.localeCompare(b.check) || key(a).localeCompare(key(b)),
  );
}

/**
 * Runs work in a transaction (or, inside the caller's, a savepoint) that is always rolled back,
 * with the cumulative statistics turned off where this role may do so: what pglab reads or builds
 * there (samples, trial indexes) then adds nothing to the counters it reports. Resolves to
 * `false` when work throws.
 */
export async function quietly<T>(db: Queryable, work: (counted: boolean) => Promise<T>): Promise<T | false> {
  let savepoint = true;
  try {
    await rows(db, 'savepoint pglab_quiet');
  } catch {
    savepoint = false;
    await rows(db, 'begin');
  }
  try {
    let counted = true;
    try {
      const [r] = await rows<{ ok: unknown }>(db, `select has_parameter_privilege('track_counts', 'SET') as ok`);
      if (bool(r?.ok)) {
        await rows(db, `select set_config('track_counts', 'off', true)`);
        counted = false;
      }
    } catch {
      /* older servers: the reads are counted */
    }
    return await work(counted);
  } catch {
    return false;
  } finally {
    if (savepoint) {
      await rows(db, 'rollback to savepoint pglab_quiet').catch(() => undefined);
      await rows(db, 'release savepoint pglab_quiet').catch(() => undefined);
    } else await rows(db, 'rollback').catch(() => undefined);
  }
}
