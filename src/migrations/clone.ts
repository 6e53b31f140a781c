// A throwaway copy of a PGlite database to measure or try a migration on: PGlite's clone()
// copies the whole data directory, so the original is never touched.
import type { PGlite } from '@electric-sql/pglite';
import { LocalEngine } from '../db/local-engine.ts';
import { measureMigration, type Measurement } from './measure.ts';

export async function withPgliteClone<T>(db: PGlite, use: (copy: LocalEngine) => Promise<T>): Promise<T> {
  if (db.isInTransaction()) throw new Error('the database has an open transaction: commit or roll it back before copying it');
  const copy = await db.clone();
  try {
    return await use(new LocalEngine(copy as PGlite));
  } finally {
    await copy.close().catch(() => undefined);
  }
}

export const measureOnClone = (db: PGlite, sql: string): Promise<Measurement> => withPgliteClone(db, (copy) => measureMigration(copy, sql));
