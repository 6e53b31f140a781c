// Another workspace as an autogenerate target. Its schema is read from a copy: the saved store
// is loaded by a read-only IdbStore (which never writes back) into a second PGlite that lives
// in memory for the inspection and is closed after it. The other workspace's store, and any
// tab that has it open, never see a write; the open workspace's database is not involved.
import type { PGlite } from '@electric-sql/pglite';
import type { Engine } from '../db/types.ts';
import { inspectSchema, type SchemaModel } from './diff/inspect.ts';

export class StoredCopyError extends Error {
  override name = 'StoredCopyError';
}

/**
 * The schema of a copy, read inside a READ ONLY transaction that is rolled back: the copy is
 * thrown away anyway, but a read that tried to write would fail here rather than pass unseen.
 */
export async function schemaOfCopy(copy: Engine): Promise<SchemaModel> {
  const begin = await copy.run('begin transaction read only');
  if (!begin.ok) throw new StoredCopyError(`reading the copy: ${begin.error.message}`);
  try {
    return await inspectSchema(copy);
  } finally {
    await copy.run('rollback');
  }
}

/** Refuses a target that is not another workspace's saved database, before anything is opened. */
export function checkOtherStore(store: string, openStore: string, savedStores: readonly string[]): void {
  if (store === openStore) throw new StoredCopyError('that is the workspace open here: pick another workspace as the target');
  if (!savedStores.includes(store)) throw new StoredCopyError('that workspace has no saved database yet (it was never opened): open it once, then try again');
}

export interface StoredCopyDeps {
  /** IndexedDB databases that exist (a store is never created by asking). */
  savedStores(): Promise<string[]>;
  /** Starts a PGlite over a read-only load of the store, with the given extensions' files. */
  openCopy(store: string, extensions: string[]): Promise<PGlite>;
  /** Closes a copy and lets go of the store it read (an open IndexedDB connection would block deleting that workspace). */
  closeCopy(db: PGlite): Promise<void>;
  engineOf(db: PGlite): Engine;
  /** Extensions pglab can load, by SQL name. */
  shipped: readonly string[];
}

/** The schema of workspace store `store`, read from a throwaway read-only copy (see above). */
export async function schemaOfStoredWorkspace(store: string, openStore: string, extensions: string[], deps: StoredCopyDeps): Promise<SchemaModel> {
  checkOtherStore(store, openStore, await deps.savedStores());
  let db = await deps.openCopy(store, extensions);
  try {
    // The copy must load the files of every extension the other workspace has installed, as its own start does.
    const { rows } = await db.query<{ name: string }>('select extname::text as name from pg_extension');
    const missing = rows.map((r) => r.name).filter((n) => deps.shipped.includes(n) && !extensions.includes(n));
    if (missing.length) {
      await deps.closeCopy(db);
      db = await deps.openCopy(store, [...extensions, ...missing]);
    }
    return await schemaOfCopy(deps.engineOf(db));
  } finally {
    await deps.closeCopy(db).catch(() => undefined);
  }
}
