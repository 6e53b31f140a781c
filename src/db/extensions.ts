// Extensions loaded at start. PGlite needs every extension whose library is preloaded at
// create() time, and a data directory made with a set of extensions must be reopened with
// the same set, so this list is the single source for the worker, the build-time data
// directory and the Node tests. All of them together add ~5 ms in Node and ~220 KB
// (gzip) of bundles; pgcrypto (1.15 MB) is the only large one.
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
