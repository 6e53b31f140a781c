// The extensions pglab ships. PGlite fetches and unpacks each one's files when it starts, so
// the page loads only pg_stat_statements (preloaded: a data directory made with it must be
// reopened with it) and those the database has installed; CREATE EXTENSION of another one
// restarts the worker with it (see missingExtension). All 13 cost ~0.12 s of a 0.65 s warm
// start in Chromium and ~1.3 MB of downloads (pgcrypto alone 1.15 MB). Node tests, the CLI
// and the lessons load them all: there the cost is a few milliseconds.
import type { Extension } from '@electric-sql/pglite';
import type { DbErrorInfo } from './types.ts';
import { pg_stat_statements } from '@electric-sql/pglite/contrib/pg_stat_statements';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { uuid_ossp } from '@electric-sql/pglite/contrib/uuid_ossp';
import { hstore } from '@electric-sql/pglite/contrib/hstore';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { pageinspect } from '@electric-sql/pglite/contrib/pageinspect';
import { pg_buffercache } from '@electric-sql/pglite/contrib/pg_buffercache';
import { pg_visibility } from '@electric-sql/pglite/contrib/pg_visibility';
import { amcheck } from '@electric-sql/pglite/contrib/amcheck';

export const extensions = {
  pg_stat_statements,
  pg_trgm,
  btree_gin,
  btree_gist,
  unaccent,
  pgcrypto,
  uuid_ossp,
  hstore,
  citext,
  pageinspect,
  pg_buffercache,
  pg_visibility,
  amcheck,
};

/** PGlite's key of each extension, by its SQL name. */
const BY_SQL_NAME: Record<string, keyof typeof extensions> = {
  pg_stat_statements: 'pg_stat_statements', pg_trgm: 'pg_trgm', btree_gin: 'btree_gin', btree_gist: 'btree_gist',
  unaccent: 'unaccent', pgcrypto: 'pgcrypto', 'uuid-ossp': 'uuid_ossp', hstore: 'hstore', citext: 'citext',
  pageinspect: 'pageinspect', pg_buffercache: 'pg_buffercache', pg_visibility: 'pg_visibility', amcheck: 'amcheck',
};

export const shippedExtensions = Object.keys(BY_SQL_NAME);

/** pg_stat_statements plus the named ones we ship (SQL names; unknown names are ignored). */
export function extensionsFor(sqlNames: readonly string[]): Record<string, Extension> {
  const picked: Record<string, Extension> = { pg_stat_statements };
  for (const name of sqlNames) {
    const key = BY_SQL_NAME[name];
    if (key) picked[key] = extensions[key];
  }
  return picked;
}

/** The SQL names of a set made by extensionsFor. */
export function namesOf(set: Record<string, Extension>): string[] {
  return shippedExtensions.filter((name) => BY_SQL_NAME[name] in set);
}

/** The extension a failed CREATE EXTENSION asked for, when it is one we ship but had not loaded. */
export function missingExtension(error: DbErrorInfo | undefined): string | undefined {
  const m = error?.code === '0A000' ? /^extension "(.+)" is not available$/.exec(error.message) : null;
  return m && m[1] in BY_SQL_NAME ? m[1] : undefined;
}
