// Whether a store is keeping up with its database, for a worker whose database is saved in the
// browser (the playground's worker and the lesson worker's chapter databases). A refused save (a full or tiny store) never fails a statement: the store owes a whole
// save instead, tried again between statements, and the page says plainly that work is not saved.
import type { PGlite } from '@electric-sql/pglite';
import type { Unsaved } from './protocol.ts';
import type { DbErrorInfo } from './types.ts';
import { storageFailure } from './error-info.ts';

/** What saves an instance's changes (IdbStore): whether it is behind, and the whole save it owes. */
export interface Saver {
  readonly behind: boolean;
  readonly lastFailure?: Error;
  readonly databaseBytes: number;
  saveWhole(): Promise<void>;
}

/** Why a database is not being saved, with the browser's figures. */
export async function unsavedInfo(reason: string, needed: number): Promise<Unsaved> {
  const estimate = typeof navigator === 'undefined' ? undefined : await navigator.storage?.estimate?.().catch(() => undefined);
  return { reason, quota: estimate?.quota, usage: estimate?.usage, needed };
}

/** What a statement's result says while the browser refuses to save. */
export function refusal(e: Error | undefined): DbErrorInfo {
  return storageFailure(e) ?? { message: `The statement ran, but the browser would not save its changes${e ? ` (${e.name}: ${e.message})` : ''}.`, hint: 'Run a statement again to retry the save.' };
}

export class SaveWatch {
  // -Infinity: the first save owed is tried at once, even in a worker started a moment ago.
  private lastCatchUp = -Infinity;

  /** `everyMs`: a script of many statements must not write the whole database after each. */
  constructor(private readonly everyMs = 2000) {}

  /** Tries the whole save owed, if one is: `always`, or at most every `everyMs`. True when nothing is owed. */
  async catchUp(saver: Saver | undefined, db: PGlite | undefined, always: boolean): Promise<boolean> {
    if (!saver?.behind || !db) return true;
    if (!always && performance.now() - this.lastCatchUp < this.everyMs) return false;
    this.lastCatchUp = performance.now();
    // Between statements (PGlite's exclusive section): MEMFS is read at once, written after.
    await db.runExclusive(() => saver.saveWhole()).catch(() => {});
    return !saver.behind;
  }

  /** Whether the store is behind its database (first trying the save owed); undefined: all saved. */
  async state(saver: Saver | undefined, db: PGlite | undefined): Promise<Unsaved | undefined> {
    if (!saver || (await this.catchUp(saver, db, true))) return undefined;
    return this.describe(saver);
  }

  /** Why the store is behind, in words and figures (after a catch-up that did not succeed). */
  describe(saver: Saver): Promise<Unsaved> {
    const e = saver.lastFailure;
    const reason = e?.name === 'QuotaExceededError' ? "this site's browser storage is too small for the database" : `the browser would not save it (${e?.name ?? 'Error'}: ${e?.message ?? 'unknown'})`;
    return unsavedInfo(reason, saver.databaseBytes);
  }
}
