// PostgreSQL's table-level lock modes: which statements take each, and which modes conflict
// (the table in the PostgreSQL manual, "Explicit Locking"), to say what a lock would block.

export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** The statements that typically take each mode. */
export const TAKEN_BY: Record<LockMode, string> = {
  AccessShareLock: 'SELECT',
  RowShareLock: 'SELECT … FOR UPDATE / FOR SHARE',
  RowExclusiveLock: 'INSERT, UPDATE, DELETE, MERGE',
  ShareUpdateExclusiveLock: 'VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT',
  ShareLock: 'CREATE INDEX',
  ShareRowExclusiveLock: 'CREATE TRIGGER, ADD FOREIGN KEY',
  ExclusiveLock: 'REFRESH MATERIALIZED VIEW CONCURRENTLY',
  AccessExclusiveLock: 'ALTER TABLE, DROP, TRUNCATE, VACUUM FULL, LOCK TABLE',
};

/** Conflict matrix: row mode conflicts with these modes. */
const CONFLICTS: Record<LockMode, LockMode[]> = {
  AccessShareLock: ['AccessExclusiveLock'],
  RowShareLock: ['ExclusiveLock', 'AccessExclusiveLock'],
  RowExclusiveLock: ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareUpdateExclusiveLock: ['ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareLock: ['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareRowExclusiveLock: ['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ExclusiveLock: ['RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  AccessExclusiveLock: [...LOCK_MODES],
};

export const conflictsWith = (mode: LockMode): LockMode[] => CONFLICTS[mode] ?? [];

export const isLockMode = (m: string): m is LockMode => (LOCK_MODES as readonly string[]).includes(m);

export const strongest = (modes: LockMode[]): LockMode | undefined =>
  modes.reduce<LockMode | undefined>((a, m) => (a === undefined || LOCK_MODES.indexOf(m) > LOCK_MODES.indexOf(a) ? m : a), undefined);

/** What a lock in this mode makes wait, in statement words. */
export function blockedStatements(mode: LockMode): string[] {
  return conflictsWith(mode).map((m) => TAKEN_BY[m]);
}

/** A one-line summary: "blocks reads and writes", "blocks writes", … */
export function blockSummary(mode: LockMode): string {
  const c = conflictsWith(mode);
  if (c.includes('AccessShareLock')) return 'blocks every read and write of the table';
  if (c.includes('RowExclusiveLock')) return 'blocks writes (INSERT, UPDATE, DELETE); reads go on';
  if (c.includes('RowShareLock')) return 'blocks writes and SELECT … FOR UPDATE; plain reads go on';
  if (c.includes('ShareUpdateExclusiveLock')) return 'blocks other schema changes, VACUUM and ANALYZE; reads and writes go on';
  return 'blocks only ACCESS EXCLUSIVE (ALTER TABLE, DROP …); reads and writes go on';
}
