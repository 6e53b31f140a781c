// The typed plan tree that the parser builds from EXPLAIN output (JSON or text) and that the
// diagnoses, the plan view and the compare view read.

export interface BufferCounts {
  shared: { hit: number; read: number; dirtied: number; written: number };
  local: { hit: number; read: number; dirtied: number; written: number };
  temp: { read: number; written: number };
}

export interface PlanConditions {
  filter?: string;
  indexCond?: string;
  hashCond?: string;
  mergeCond?: string;
  joinFilter?: string;
  recheckCond?: string;
  oneTimeFilter?: string;
  tidCond?: string;
  orderBy?: string;
}

/** Per-worker figures of a parallel node, when the plan lists them (VERBOSE or text "Worker N:" lines). */
export interface WorkerStats {
  number: number;
  actualStartupTime?: number;
  actualTotalTime?: number;
  actualRows?: number;
  loops?: number;
  sortMethod?: string;
  sortSpaceUsed?: number;
  sortSpaceType?: string;
  exactHeapBlocks?: number;
  lossyHeapBlocks?: number;
  buffers?: BufferCounts;
  hashAggBatches?: number;
  peakMemoryUsage?: number;
  diskUsage?: number;
}

export interface PlanNode {
  /** Pre-order position in the tree, "1" for the root: stable for one plan. */
  id: string;
  /** What EXPLAIN's text format prints for the node, e.g. `Index Scan using t_pkey on t`. */
  label: string;
  nodeType: string;
  /** Outer / Inner / InitPlan / SubPlan / Member ..., as EXPLAIN calls it. */
  parentRelationship?: string;
  /** `InitPlan 1`, `SubPlan 2`, `CTE x` for a node that starts a sub-plan. */
  subplanName?: string;
  /** PG ≤ 15: the parameters an InitPlan sets (`$0`), by which the nodes that use it refer to it. */
  subplanParams?: string[];
  parallelAware: boolean;
  /** ModifyTable's Insert / Update / Delete / Merge. */
  operation?: string;
  relation?: string;
  schema?: string;
  alias?: string;
  index?: string;
  functionName?: string;
  cteName?: string;
  scanDirection?: string;
  /** Inner / Left / Right / Full / Semi / Anti / Right Semi / Right Anti. */
  joinType?: string;
  /** Aggregate and SetOp strategy: Plain / Sorted / Hashed / Mixed. */
  strategy?: string;
  /** Simple / Partial / Finalize for aggregates. */
  partialMode?: string;
  command?: string;
  conditions: PlanConditions;
  sortKey?: string[];
  presortedKey?: string[];
  groupKey?: string[];
  /** GROUPING SETS / ROLLUP / CUBE: one entry per set, hashed or sorted. */
  groupingSets?: { kind: 'Hash' | 'Group'; keys: string[] }[];
  output?: string[];

  startupCost?: number;
  totalCost?: number;
  /** The planner's rows per loop; absent with COSTS OFF (absent is not zero). */
  estimatedRows?: number;
  width?: number;
  /** Actual rows per loop (EXPLAIN shows the average over loops). */
  actualRows?: number;
  loops?: number;
  /** Per loop, milliseconds. */
  actualStartupTime?: number;
  actualTotalTime?: number;
  /** Time spent in this node and below, over all loops (ms). */
  inclusiveTime?: number;
  /** Inclusive time minus the children's inclusive time (ms), never below 0. */
  exclusiveTime?: number;
  /** Total cost minus the children's total cost. */
  exclusiveCost?: number;
  /** ANALYZE ran but this node never did. */
  neverExecuted: boolean;
  disabled?: boolean;

  buffers?: BufferCounts;
  rowsRemovedByFilter?: number;
  rowsRemovedByJoinFilter?: number;
  rowsRemovedByIndexRecheck?: number;

  sortMethod?: string;
  sortSpaceUsed?: number;
  sortSpaceType?: string;

  hashBuckets?: number;
  originalHashBuckets?: number;
  hashBatches?: number;
  originalHashBatches?: number;
  peakMemoryUsage?: number;
  /** HashAggregate: batches, disk use (kB) and partitions planned. */
  hashAggBatches?: number;
  diskUsage?: number;
  plannedPartitions?: number;

  heapFetches?: number;
  exactHeapBlocks?: number;
  lossyHeapBlocks?: number;
  indexSearches?: number;

  workersPlanned?: number;
  workersLaunched?: number;
  workers?: WorkerStats[];

  /** Memoize cache counters. */
  cacheHits?: number;
  cacheMisses?: number;
  cacheEvictions?: number;
  cacheOverflows?: number;

  /** Everything else EXPLAIN said about the node, by its EXPLAIN key. */
  extra: Record<string, unknown>;
  children: PlanNode[];
}

export interface PlanTrigger {
  name: string;
  constraint?: string;
  relation?: string;
  time?: number;
  calls?: number;
}

export interface Plan {
  root: PlanNode;
  /** Whether the plan carries actual figures (EXPLAIN ANALYZE). */
  analyzed: boolean;
  /** Whether buffer counts are present (BUFFERS). */
  hasBuffers: boolean;
  /** Whether per-node timing is present (ANALYZE without TIMING OFF). */
  hasTiming: boolean;
  source: 'json' | 'text';
  planningTime?: number;
  executionTime?: number;
  planningBuffers?: BufferCounts;
  triggers: PlanTrigger[];
  settings?: Record<string, string>;
  jit?: Record<string, unknown>;
  /** All nodes in pre-order (root first). */
  nodes: PlanNode[];
}
