// The `migration` check: pglab's migration safety lint (src/migrations/lint) runs on the learner's
// SQL, and the listed rule ids must find nothing. "Build the index without blocking writes" is then
// judged by the same findings the migrations workbench shows, not by a copy of its rules. With
// maxLock or rewrite: false, the script is also measured on a fresh copy (src/migrations/measure):
// the locks each statement really held, and whether it rewrote a table.
import { lintMigration, lockTimeoutMs, RULES } from '../migrations/lint/index.ts';
import type { CheckOutcome, MigrationCheck } from './format.ts';
import { LOCK_MODES, blockSummary, strongest, type LockMode } from '../migrations/locks.ts';
import type { Measurement } from '../migrations/measure.ts';

/** Thrown for a bad `migration:` block; the loader adds the file and line. */
export class MigrationCheckProblem extends Error {}

export const MIGRATION_LINT_IDS: string[] = RULES.map((r) => r.check);

/** A lock mode as PostgreSQL's pg_locks names it, from that name or the SQL spelling ("SHARE UPDATE EXCLUSIVE"). */
export function lockModeOf(text: string): LockMode | undefined {
  const squeezed = text.replace(/[\s_]+/g, '').toLowerCase().replace(/(lock)?$/, 'lock');
  return LOCK_MODES.find((m) => m.toLowerCase() === squeezed);
}

/** Reads `{ lintSilent: [rule ids], maxLock: { table: mode }, scanLock: { table: mode }, rewrite: false, writes: false, lockTimeout: 5s }`. */
export function parseMigrationCheck(o: Record<string, unknown>): MigrationCheck {
  for (const k of Object.keys(o)) {
    if (!['lintSilent', 'maxLock', 'scanLock', 'rewrite', 'writes', 'lockTimeout'].includes(k)) throw new MigrationCheckProblem(`unknown migration option "${k}" (expected lintSilent, maxLock, scanLock, rewrite, writes or lockTimeout)`);
  }
  const check: MigrationCheck = { kind: 'migration' };
  if (o.lintSilent !== undefined) {
    const ids = o.lintSilent;
    if (!Array.isArray(ids) || !ids.length || !ids.every((x) => typeof x === 'string')) {
      throw new MigrationCheckProblem('lintSilent is a list of the migration lint\'s check ids');
    }
    const bad = (ids as string[]).filter((id) => !MIGRATION_LINT_IDS.includes(id));
    if (bad.length) throw new MigrationCheckProblem(`unknown migration lint id ${bad.map((b) => `"${b}"`).join(', ')} (known: ${MIGRATION_LINT_IDS.join(', ')})`);
    check.lintSilent = ids as string[];
  }
  const lockMap = (key: 'maxLock' | 'scanLock') => {
    const m = o[key];
    if (!m || typeof m !== 'object' || Array.isArray(m) || !Object.keys(m).length) throw new MigrationCheckProblem(`${key} maps tables to lock modes: { orders: ShareUpdateExclusiveLock }`);
    const out: Record<string, LockMode> = {};
    for (const [table, mode] of Object.entries(m as Record<string, unknown>)) {
      const known = typeof mode === 'string' ? lockModeOf(mode) : undefined;
      if (!known) throw new MigrationCheckProblem(`${key} of ${table}: "${String(mode)}" is not a lock mode (one of ${LOCK_MODES.join(', ')})`);
      out[table] = known;
    }
    return out;
  };
  if (o.maxLock !== undefined) check.maxLock = lockMap('maxLock');
  if (o.scanLock !== undefined) check.scanLock = lockMap('scanLock');
  if (o.rewrite !== undefined) {
    if (o.rewrite !== false) throw new MigrationCheckProblem('rewrite: false is the only form (no statement may rewrite an existing table or index)');
    check.rewrite = false;
  }
  if (o.writes !== undefined) {
    if (o.writes !== false) throw new MigrationCheckProblem('writes: false is the only form (no statement may insert, update or delete rows of an existing table)');
    check.writes = false;
  }
  if (o.lockTimeout !== undefined) {
    const ms = typeof o.lockTimeout === 'string' || typeof o.lockTimeout === 'number' ? lockTimeoutMs(String(o.lockTimeout)) : undefined;
    if (!ms || ms <= 0) throw new MigrationCheckProblem(`lockTimeout is the longest lock_timeout the task allows, above 0 ("5s", "500ms"), not "${String(o.lockTimeout)}"`);
    check.lockTimeout = ms;
  }
  if (!check.lintSilent && !check.maxLock && !check.scanLock && check.rewrite === undefined && check.writes === undefined && check.lockTimeout === undefined) throw new MigrationCheckProblem('a migration check needs lintSilent, maxLock, scanLock, rewrite: false, writes: false or lockTimeout');
  return check;
}

/** Whether the check needs the migration measured on a copy (locks, rewrites). */
export const needsMeasurement = (check: MigrationCheck): boolean => !!check.maxLock || !!check.scanLock || check.rewrite === false || check.writes === false || check.lockTimeout !== undefined;

const bare = (name: string) => name.replace(/^public\./, '').replace(/"/g, '');

/**
 * What a measurement breaks of the check's lock and rewrite limits, one line per problem. A
 * statement that failed stops the measurement: that is said, since its locks were never held.
 */
export function lockProblems(m: Measurement, check: MigrationCheck): string[] {
  const problems: string[] = [];
  for (const s of m.statements) {
    const where = `line ${s.line} (\`${s.text.replace(/\s+/g, ' ').slice(0, 70)}${s.text.length > 70 ? '…' : ''}\`)`;
    if (!s.ok) {
      problems.push(`${where} failed when measured on a fresh copy: ${s.error}`);
      continue;
    }
    for (const [table, allowed] of Object.entries(check.maxLock ?? {})) {
      const held = s.locks.filter((l) => l.existing && bare(l.relation) === bare(table));
      const top = strongest(held.map((l) => l.mode));
      if (top && LOCK_MODES.indexOf(top) > LOCK_MODES.indexOf(allowed as LockMode)) {
        const how = held.find((l) => l.mode === top)!.observed ? 'holds' : 'takes (documented; it runs outside a transaction)';
        problems.push(`${where} ${how} ${top} on ${table}, which ${blockSummary(top)}; the task allows at most ${allowed} (${blockSummary(allowed as LockMode)})`);
      }
    }
    // Rows read while the transaction holds a lock that blocks others: they wait for the whole scan.
    const scans: { table: string; read: number; top: LockMode; allowed: LockMode; since?: number }[] = [];
    for (const [table, allowed] of Object.entries(check.scanLock ?? {})) {
      const read = Object.entries(s.rowsRead ?? {}).find(([t]) => bare(t) === bare(table))?.[1];
      if (!read) continue;
      const top = strongest((s.held ?? s.locks).filter((l) => l.existing && bare(l.relation) === bare(table)).map((l) => l.mode));
      if (!top || LOCK_MODES.indexOf(top) <= LOCK_MODES.indexOf(allowed as LockMode)) continue;
      // Taken by an earlier statement of the same transaction (BEGIN … COMMIT), when not by this one.
      const own = s.locks.some((l) => bare(l.relation) === bare(table) && l.mode === top);
      const earlier = own ? undefined : m.statements.slice(0, m.statements.indexOf(s)).reverse().find((e) => e.locks.some((l) => bare(l.relation) === bare(table) && l.mode === top));
      scans.push({ table, read, top, allowed: allowed as LockMode, since: earlier?.line });
    }
    if (scans.length) {
      const tops = [...new Set(scans.map((x) => x.top))];
      const since = scans.find((x) => x.since)?.since;
      problems.push(`${where} reads ${scans.map((x) => `${x.read} row${x.read === 1 ? '' : 's'} of ${x.table}${tops.length > 1 ? ` under ${x.top}` : ''}`).join(' and ')}` +
        `${tops.length === 1 ? ` under ${tops[0]}` : ''}, held by its transaction${since ? ` since line ${since}` : ''}: ${tops.map((t) => `${t} ${blockSummary(t)}`).join('; ')}, for the whole scan. ` +
        `The task allows at most ${scans[0].allowed} while the rows are read${since ? ': commit before this statement' : ''}`);
    }
    if (check.lockTimeout !== undefined) {
      // A lock that blocks reads or writes (SHARE and up conflict with INSERT/UPDATE/DELETE): while
      // the statement waits for it, every later query on the table queues behind it.
      const blocking = s.locks.filter((l) => l.existing && l.kind !== 'S' && LOCK_MODES.indexOf(l.mode) >= LOCK_MODES.indexOf('ShareLock'));
      const top = strongest(blocking.map((l) => l.mode));
      const t = s.lockTimeoutMs;
      if (top && (t <= 0 || t > check.lockTimeout)) {
        const on = blocking.find((l) => l.mode === top)!.relation;
        problems.push(`${where} waits for ${top} on ${bare(on)} with ${t <= 0 ? 'no lock_timeout (0: it waits for ever)' : `lock_timeout ${msText(t)}`}; the task allows a wait of at most ${msText(check.lockTimeout)}`);
      }
    }
    if (check.rewrite === false && s.rewritten.length) {
      problems.push(`${where} rewrote ${s.rewritten.join(', ')}: every row is copied under its lock`);
    }
    const wrote = Object.entries(s.rowsWritten);
    if (check.writes === false && wrote.length) {
      problems.push(`${where} wrote ${wrote.map(([t, n]) => `${n} row${n === 1 ? '' : 's'} of ${bare(t)}`).join(', ')}; the task changes the catalog only, and writes no row`);
    }
  }
  return problems;
}

const msText = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** The lint's outcome with the measurement's verdict added: a problem fails it, and is listed in its details. */
export function withMeasurement(lint: CheckOutcome, check: MigrationCheck, m: Measurement): CheckOutcome {
  const problems = lockProblems(m, check);
  if (!problems.length) {
    const held = Object.entries(check.maxLock ?? {}).map(([t, mode]) => `no lock stronger than ${mode} on ${t}`);
    for (const [t, mode] of Object.entries(check.scanLock ?? {})) held.push(`the rows of ${t} read under no lock stronger than ${mode}`);
    if (check.rewrite === false) held.push('no table or index rewritten');
    if (check.writes === false) held.push('no row written');
    if (check.lockTimeout !== undefined) held.push(`every blocking lock waited for with a lock_timeout of at most ${msText(check.lockTimeout)}`);
    return { ...lint, message: `${lint.message} Measured on a copy: ${held.join(', ')}.` };
  }
  return {
    ...lint,
    passed: false,
    message: `${lint.passed ? '' : `${lint.message} `}Measured on a copy: ${problems.join('; ')}.`,
    details: { ...lint.details, found: [...(lint.details.found ?? []), ...problems] },
  };
}

/** Lints the learner's script; fails with the findings of the listed rules, their fixes shown. */
export async function checkMigration(learnerSql: string, check: MigrationCheck): Promise<CheckOutcome> {
  if (!check.lintSilent) return { kind: 'migration', passed: true, message: 'No lint rule is asked of this migration.', details: {} };
  const lintSilent = check.lintSilent;
  let findings;
  try {
    ({ findings } = await lintMigration(learnerSql));
  } catch (e) {
    return { kind: 'migration', passed: false, message: `The migration lint could not read your SQL: ${(e as Error).message}`, details: {} };
  }
  const left = findings.filter((f) => lintSilent.includes(f.check));
  if (!left.length) {
    return { kind: 'migration', passed: true, message: `The migration lint finds nothing for ${lintSilent.join(', ')}.`, details: {} };
  }
  const shown = left.slice(0, 3).map((f) => `${f.check}: ${f.message}`);
  const more = left.length > 3 ? ` (and ${left.length - 3} more)` : '';
  return {
    kind: 'migration', passed: false,
    message: `The migration lint reports ${left.length} finding${left.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}.`,
    details: { found: left.map((f) => `${f.check} · ${f.message}${f.fix ? ` — fix: ${f.fix}` : ''}`) },
  };
}
