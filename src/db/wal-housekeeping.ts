// PGlite runs PostgreSQL as one standalone backend: there is no checkpointer, and a standalone
// backend never checkpoints because WAL grew (only a postmaster's checkpointer does that). So
// every start replayed all the WAL written since the database was made, and pg_wal kept every
// segment in the browser store. Measured in Chromium: after a 300,000-row table was made and
// updated (76 MB of WAL), the next start took 1.9 s instead of 0.6 s, and 3.4 s after one more.
// The worker therefore checkpoints once the database has been idle a moment and enough WAL has
// been written since the last checkpoint.
import type { PGlite } from '@electric-sql/pglite';
import { exchange } from './backend-messages.ts';
import { ownStatement } from './own-statements.ts';

/** WAL since the last checkpoint that makes one worth it: replaying this much costs ~0.1 s. */
export const CHECKPOINT_AFTER_BYTES = 8 * 1024 * 1024;
/** How long the database must have been idle: a checkpoint never delays a script's next statement. */
export const CHECKPOINT_IDLE_MS = 1000;

/**
 * Checkpoints when more than `threshold` bytes of WAL were written since the last checkpoint,
 * and no transaction is open (the session is the learner's: a statement of ours must never run
 * inside their transaction). Returns the WAL bytes found, and whether it checkpointed.
 */
export async function checkpointIfDue(db: PGlite, threshold = CHECKPOINT_AFTER_BYTES): Promise<{ walBytes: number; checkpointed: boolean }> {
  // One exclusive section, over the raw protocol (query() would wait for the lock): nothing of
  // the learner's can run between the look and the checkpoint.
  return db.runExclusive(async () => {
    if (db.isInTransaction()) return { walBytes: 0, checkpointed: false };
    const answer = await exchange(db, ownStatement(`select (pg_current_wal_insert_lsn() - redo_lsn)::text from pg_control_checkpoint()`), false);
    if (answer.error) throw new Error(answer.error.message);
    const walBytes = Number(answer.results[0]?.rows[0]?.[0] ?? 0);
    if (walBytes <= threshold) return { walBytes, checkpointed: false };
    // Its save holds the pages the checkpoint wrote and the WAL files it removed, in one go.
    const done = await exchange(db, ownStatement('checkpoint'));
    if (done.error) throw new Error(done.error.message);
    return { walBytes, checkpointed: true };
  });
}

/** Schedules checkpointIfDue after each statement, once the database has been idle CHECKPOINT_IDLE_MS. */
export class WalHousekeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly db: PGlite, private readonly idleMs = CHECKPOINT_IDLE_MS) {}

  /**
   * A statement starts: the quiet moment is over. (Without this, the wait begun after the
   * previous statement ran out during a long one, and the checkpoint then held up the next.)
   */
  statementStarted(): void {
    this.stop();
  }

  /** A statement ended: wait for the next quiet moment. */
  statementEnded(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failed checkpoint only means a longer replay at the next start.
      checkpointIfDue(this.db).catch(() => {});
    }, this.idleMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
