// Every number the plan diagnoses decide by, in one place, each with why it has that value.
// Change one here and the tests that build the situation on real PGlite say what moved.

/**
 * row_misestimate: actual/estimated rows (or the inverse) at which a node is reported.
 * Within ×10 the planner usually still picks the same join method and order; past it,
 * nested loops over "1 row" that is really thousands (and the reverse) start to appear.
 * ×10 is a warning, ×100 and ×1000 are errors: at two orders of magnitude the plan shape
 * is very likely wrong.
 */
export const MISESTIMATE_WARNING_FACTOR = 10;
export const MISESTIMATE_ERROR_FACTOR = 100;
export const MISESTIMATE_SEVERE_FACTOR = 1000;

/**
 * row_misestimate: ignore nodes where both the estimate and the actual count (over all loops)
 * are below this. Being off by ×10 on 5 rows changes no plan choice and would only add noise.
 */
export const MISESTIMATE_MIN_ROWS = 100;

/**
 * seq_scan_selective_filter / index_filter_heavy / cte_scan_materialized: share of the rows
 * read that the filter throws away. At 90 % an index returns at most a tenth of the rows, the
 * range where a B-tree lookup beats reading the whole table (the planner's own break-even is
 * usually somewhere between 5 % and 20 % of the table, depending on correlation).
 */
export const SELECTIVE_FILTER_DISCARD_RATIO = 0.9;

/**
 * seq_scan_selective_filter: rows a sequential scan must read (over all loops) before an index is
 * worth suggesting. Below ~10 000 rows (a few dozen 8 kB pages) a sequential scan is cheap and
 * often the planner's right choice even with a selective filter.
 */
export const SEQ_SCAN_MIN_ROWS_READ = 10_000;

/**
 * index_filter_heavy: rows an index scan must fetch and then discard (over all loops) before
 * it is reported: each one is a heap visit that a better index would have skipped.
 */
export const INDEX_FILTER_MIN_REMOVED = 1_000;

/**
 * nested_loop_many_loops: times the inner side must run. A few hundred index probes are what
 * nested loops are for; thousands of them are where a hash or merge join starts to win.
 */
export const NESTED_LOOP_MIN_LOOPS = 1_000;

/**
 * nested_loop_many_loops: the inner side's share of the execution time before the loop count
 * matters. A nested loop with many cheap probes that take a small part of the time is fine.
 */
export const NESTED_LOOP_MIN_TIME_SHARE = 0.2;

/**
 * index_only_heap_fetches: heap fetches per row returned. Above 10 % of the rows the index-only
 * scan is doing a good part of a plain index scan's work because the visibility map is not set.
 */
export const HEAP_FETCH_RATIO = 0.1;

/** index_only_heap_fetches: ignore a handful of fetches (rows changed since the last VACUUM). */
export const HEAP_FETCH_MIN = 100;

/**
 * large_offset: rows a Limit reads and throws away to reach its OFFSET. Past 1 000 rows every
 * page of results costs more than the previous one; keyset pagination makes each page as
 * cheap as the first.
 */
export const LARGE_OFFSET_MIN_ROWS = 1_000;

/**
 * stale_statistics: like autovacuum's own trigger (autovacuum_analyze_threshold = 50,
 * autovacuum_analyze_scale_factor = 0.1): a table is stale once rows modified since the last
 * ANALYZE exceed 50 + 10 % of its rows. PGlite never runs autovacuum, so this is what a server
 * would have re-analyzed by itself.
 */
export const STALE_STATS_BASE_ROWS = 50;
export const STALE_STATS_SCALE_FACTOR = 0.1;

/**
 * slowest_node / costliest_node: a node is pointed out only when it has at least this share of
 * the total (exclusive time over execution time, exclusive cost over the root's cost). Below
 * it, time is spread out and no single node is "the" problem.
 */
export const HOTSPOT_MIN_SHARE = 0.3;

/** slowest_node: plans that run faster than this (ms) have no slow node worth naming. */
export const SLOWEST_NODE_MIN_MS = 1;

/**
 * Estimates of memory use from plain EXPLAIN (rows × width): the per-row overhead a sort or hash
 * table adds in memory (tuple header, pointers, palloc chunk headers), roughly 24–64 bytes.
 */
export const ROW_MEMORY_OVERHEAD_BYTES = 48;

/** PostgreSQL's defaults, used when the caller does not say what the session has. */
export const DEFAULT_WORK_MEM_KB = 4_096;
export const DEFAULT_HASH_MEM_MULTIPLIER = 2;
