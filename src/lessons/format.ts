// The shapes of a lesson once loaded: a chapter with its reference text, its dataset and its
// exercises, and the checks an exercise declares. Instructors write Markdown files
// (see lessons/README.md); src/lessons/loader.ts turns them into these values.
import type { ClaimSet } from './example-claims.ts';

/** A ```sql block of the reference text, which the page can put in the editor or run. */
export interface SqlBlock {
  sql: string;
  /** 1-based line of the opening fence in chapter.md. */
  line: number;
}

export interface Chapter {
  /** The folder name under lessons/, used in deep links: `#/indexes`. */
  id: string;
  title: string;
  order: number;
  summary: string;
  /** The chapter's reference text (Markdown, front matter removed). */
  body: string;
  blocks: SqlBlock[];
  /** File name of the dataset script, relative to the chapter folder. */
  datasetFile: string;
  /** The dataset script with its `:seed` placeholder still in place: use datasetSql(). */
  dataset: string;
  /**
   * Extensions (SQL names) the chapter's text and exercises create, beyond those its dataset
   * installs: a chapter's databases start with only these, pg_stat_statements and the installed ones.
   */
  extensions: string[];
  /** setseed() values: the learner's copy and the checker's perturbed copy. */
  seeds: { main: number; perturbed: number };
  exercises: Exercise[];
  /** What the text says its examples show (docs/lesson-examples.md); checked by the lesson verification. */
  claims?: ClaimSet[];
}

export interface Exercise {
  /** `<chapter>/<slug>`, stable: progress is stored under it. */
  id: string;
  chapter: string;
  /** From the file name `NN-slug.md`. */
  number: number;
  slug: string;
  title: string;
  /** Markdown. */
  task: string;
  /** SQL run on the chapter's starting database before the learner's SQL (the exercise's starting state). */
  setup: string;
  /** Markdown, revealed one by one. */
  hints: string[];
  solution: string;
  /** Markdown, shown after success. */
  explanation: string;
  checks: Check[];
  wrongAnswers: WrongAnswer[];
  /**
   * `auto`: a script that only reads runs in a rolled-back read-only transaction on a warm copy,
   * anything else on a fresh copy restored from the snapshot. `fresh`: always a fresh copy (for
   * exercises that read cumulative statistics, sequences or physical state).
   */
  isolation: 'auto' | 'fresh';
  /** Source file, for messages. */
  file: string;
  /** Figures the task, hints or explanation state (claims with their own sql), checked after setup and solution. */
  claims?: ClaimSet[];
}

/** A typical mistake: the verifier requires it to fail the listed kinds of checks. */
export interface WrongAnswer {
  title: string;
  sql: string;
  fails: CheckKind[];
  /** Markdown: why it is wrong (for instructors and for the "common mistakes" list). */
  why: string;
}

/** `intact` is implicit: every exercise checks that the rest of the database is unchanged. */
export type CheckKind = 'result' | 'plan' | 'catalog' | 'behavior' | 'sql' | 'lint' | 'migration' | 'intact';

export type Check = ResultCheck | PlanCheck | CatalogCheck | BehaviorCheck | SqlCheck | LintCheck | MigrationCheck;

/**
 * What the learner's SQL is made of, read from its parse tree (never its text): statement
 * count, constructs it must not or must use, tables it may read only once, objects it creates.
 */
export interface SqlCheck {
  kind: 'sql';
  /** Exactly this many statements (BEGIN/COMMIT count too). */
  statements?: number;
  /** Construct names (sql-shape.ts CONSTRUCTS), e.g. `subquery`, `union`, `offset`. */
  forbids?: string[];
  requires?: string[];
  /** Tables each named at most once in the whole script. */
  readsOnce?: string[];
  /** Exactly this many objects of each kind created: `{ index: 1 }`. */
  creates?: Record<string, number>;
  /** Exactly this many objects of each kind dropped. */
  drops?: Record<string, number>;
}

/** The learner's last result set equals the reference solution's, on both copies of the data. */
export interface ResultCheck {
  kind: 'result';
  /** Order matters (only on the ORDER BY keys: `orderBy`, or those of the solution's ORDER BY). */
  ordered?: boolean;
  /** Output columns whose sequence the order fixes; default: derived from the solution. */
  orderBy?: string[];
  /** The column names the task asks for: required, in any order. */
  columns?: string[];
  /** Compare values as printed text (the task asks for a format); default: numbers by value. */
  asText?: boolean;
  /** Every result set counts, not only the last: as many as the reference's, each with its rows. */
  every?: boolean;
}

/**
 * An assertion on the plan of a query: the declared ones (all must hold, so a trick that serves
 * one literal fails on the next), or else the statement that produced the learner's result.
 */
export interface PlanCheck {
  kind: 'plan';
  query?: string;
  /** More queries the same assertion must hold for (other parameter values). */
  queries?: string[];
  /** `uses: Index Scan` accepts only that node; by default an Index Only Scan also passes. */
  exact?: boolean;
  /** Node type(s), e.g. `Index Only Scan`; one of them must appear (on `relation`/`index` if given). */
  uses?: string[];
  /** Node type(s) that must not appear (on `relation` if given). */
  avoids?: string[];
  /** Table (or alias) the node must scan. */
  relation?: string;
  /** Index name the node must use; `*` wildcards allowed. */
  index?: string;
  /**
   * No scan of `relation` (of any table, without one) keeps a `Filter`: every condition on the
   * table is answered by the index (an index's Recheck Cond is fine), none checked row by row
   * after it, as when a search and an equality share one btree_gin index.
   */
  noFilter?: boolean;
  /** Upper bound on the plan's total estimated cost. */
  maxCost?: number;
  /** Upper bound on shared buffers (hit + read) of the whole query; runs EXPLAIN ANALYZE. */
  maxBuffers?: number;
}

export interface CatalogCheck {
  kind: 'catalog';
  index?: IndexAssertion;
  /**
   * `index:` given as a list: any one of these indexes answers the task (a GIN or a GiST trigram
   * index, a B-tree or a hash index for an equality lookup).
   */
  indexAnyOf?: IndexAssertion[];
  constraint?: ConstraintAssertion;
  column?: ColumnAssertion;
}

export interface IndexAssertion {
  table: string;
  /** Access method: btree, hash, gin, gist, spgist, brin. */
  method?: string;
  /** Key columns or expressions, in order, as you would write them in CREATE INDEX. */
  columns?: string[];
  include?: string[];
  /**
   * WHERE clause of a partial index, compared by meaning; absent or `none` = must not be partial;
   * `any` = not checked.
   */
  predicate?: string;
  unique?: boolean;
  name?: string;
  /** `false`: no such index may exist (e.g. after dropping a duplicate). */
  exists?: boolean;
  /** Exactly this many indexes on the table match. */
  count?: number;
}

export interface ConstraintAssertion {
  table: string;
  /** `key`: the primary key, or a unique constraint whose columns are all NOT NULL. */
  type: 'check' | 'unique' | 'primary key' | 'foreign key' | 'exclusion' | 'not null' | 'key';
  columns?: string[];
  name?: string;
  /**
   * What the constraint must say. For a `check`: an expression whose AND-ed terms are each one of
   * the CHECK's top-level terms (parse trees compared); otherwise tokens that must come in a row
   * in pg_get_constraintdef() (`references orders(id)`), case, spacing and parentheses ignored.
   */
  contains?: string;
  /**
   * `true` (the default): the constraint is validated, so it holds for the rows already there;
   * `false`: it must be NOT VALID (an exercise about checking new rows only); `any`: either.
   * Ignored with `exists: false`.
   */
  validated?: boolean | 'any';
  exists?: boolean;
}

export interface ColumnAssertion {
  table: string;
  column: string;
  /** As you would write it in CREATE TABLE: compared after PostgreSQL normalizes both. */
  type?: string;
  notNull?: boolean;
  /**
   * The column's DEFAULT as you would write it: the same when PostgreSQL deparses both alike, or
   * when neither is volatile and both give the same value in one transaction (`now()` is
   * `current_timestamp`, `'{}'` is `array[]::text[]`; `statement_timestamp()` is not `now()`).
   * `none`: the column has no default.
   */
  default?: string;
  exists?: boolean;
}

/**
 * Statements run after the learner's SQL must succeed (`ok`) or fail with a SQLSTATE or condition
 * name; a list accepts any of its conditions (a role refused by a CHECK, an enum or a lookup table).
 */
export interface BehaviorCheck {
  kind: 'behavior';
  sql: string;
  expect: string | string[];
  /** Shown to the learner: what the statement tests. */
  description?: string;
  /**
   * 'both': also run (after the learner's SQL) on the second copy of the data, whose values
   * differ, for answers that change rows: one that rebuilds values from a pattern of the first
   * copy instead of computing them passes there only.
   */
  copies?: 'main' | 'both';
}

/** The schema linter reports nothing for these check ids (on these tables, when given). See lint-check.ts. */
export interface LintCheck {
  kind: 'lint';
  silent: string[] | 'all';
  tables?: string[];
}

/**
 * The learner's SQL as a migration (see migration-check.ts): the safety lint finds nothing of
 * these rule ids, and, measured on a fresh copy, no statement holds a stronger lock than allowed
 * on a table, or rewrites an existing table or index.
 */
export interface MigrationCheck {
  kind: 'migration';
  lintSilent?: string[];
  /** Table → the strongest lock mode (PostgreSQL's name, e.g. ShareUpdateExclusiveLock) any statement may hold on it. */
  maxLock?: Record<string, string>;
  /** `false`: no statement may rewrite an existing table or index (its relfilenode changes). */
  rewrite?: boolean;
  /** `false`: no statement may insert, update or delete rows of a table that existed before the migration (measured). */
  writes?: boolean;
  /** ms: every statement that takes a lock blocking reads or writes of an existing table runs with a lock_timeout above 0 and at most this. */
  lockTimeout?: number;
  /**
   * Table → the strongest lock its transaction may hold on it while a statement reads its rows
   * (measured: the rows read from the transaction's counters, the locks from pg_locks, in the
   * script's own BEGIN … COMMIT). A validation that scans under the ADD's lock fails it.
   */
  scanLock?: Record<string, string>;
}

export type Variant = 'main' | 'perturbed';

/** A result set with values as PostgreSQL's text. */
export interface ResultSet {
  columns: string[];
  /** PostgreSQL type names of the columns (format_type), when known. */
  types?: string[];
  rows: (string | null)[][];
}

export interface CheckOutcome {
  kind: CheckKind;
  passed: boolean;
  /** One or two sentences the learner can act on. */
  message: string;
  details: CheckDetails;
}

export interface CheckDetails {
  /** The copy of the data the failure was found on. */
  variant?: Variant;
  expectedColumns?: string[];
  actualColumns?: string[];
  wrongColumns?: { missing: string[]; unexpected: string[] };
  /** The learner's columns whose type family differs from the reference's (text for a number). */
  wrongTypes?: string[];
  /** Up to 10 rows each; the counts are complete. */
  missingRows?: (string | null)[][];
  extraRows?: (string | null)[][];
  missingCount?: number;
  extraCount?: number;
  expectedRowCount?: number;
  actualRowCount?: number;
  /** First position (0-based) where the order differs. */
  orderMismatchAt?: number;
  /** The plan, one line per node, indented. */
  plan?: string[];
  cost?: number;
  buffers?: number;
  /** Matching catalog objects found, as their definitions. */
  found?: string[];
  sqlstate?: string;
  error?: string;
  /** The checked SQL (behavior checks), shown on request. */
  sql?: string;
  /** What the learner's SQL broke outside the task (intact check). */
  changes?: string[];
}

export interface CheckReport {
  passed: boolean;
  checks: CheckOutcome[];
  /** The learner's SQL failed: the error, and the statement (1-based) it failed at. */
  error?: { message: string; code?: string; statement: number; sql: string };
  /** Things the learner should know that are not a check (e.g. an open transaction was rolled back). */
  notes: string[];
  /** How the checks ran, with timings in ms (fresh copy restore, learner SQL, checks). */
  timing: { resetMs: number; totalMs: number; mode: 'fresh' | 'shared' };
}
