// What TEXT and JSON of the same plan must agree on (tests/unit/plan-corpus.test.ts).
import type { Plan, PlanNode } from '../../src/analysis/plan/types.ts';

/**
 * What TEXT and JSON of the same statement must agree on. Left out, because they differ between
 * two executions and not between the formats: times, buffer counts, per-worker shares, and
 * the leader's share of a parallel node's sort space and heap pages.
 */
export function shape(plan: Plan) {
  return plan.nodes.map((n: PlanNode) => {
    const parallel = n.workers !== undefined || plan.nodes.some((g) => /^Gather/.test(g.nodeType) && isBelow(plan, n, g));
    return {
      id: n.id, label: n.label, nodeType: n.nodeType, parentRelationship: n.parentRelationship, subplanName: n.subplanName,
      relation: n.relation, schema: n.schema, alias: n.alias, index: n.index, joinType: n.joinType, strategy: n.strategy,
      partialMode: n.partialMode, operation: n.operation, cteName: n.cteName, functionName: n.functionName,
      parallelAware: n.parallelAware, conditions: n.conditions, sortKey: n.sortKey, presortedKey: n.presortedKey,
      groupKey: n.groupKey, groupingSets: n.groupingSets, output: n.output, startupCost: n.startupCost, totalCost: n.totalCost,
      estimatedRows: n.estimatedRows, width: n.width, actualRows: n.actualRows, loops: n.loops, neverExecuted: n.neverExecuted,
      timed: n.actualTotalTime !== undefined, buffered: n.buffers !== undefined,
      rowsRemovedByFilter: n.rowsRemovedByFilter, rowsRemovedByJoinFilter: n.rowsRemovedByJoinFilter,
      rowsRemovedByIndexRecheck: parallel ? n.rowsRemovedByIndexRecheck !== undefined : n.rowsRemovedByIndexRecheck,
      sortMethod: n.sortMethod, sortSpaceType: n.sortSpaceType, sortSpaceUsed: parallel ? undefined : n.sortSpaceUsed,
      hashBuckets: n.hashBuckets, originalHashBuckets: n.originalHashBuckets, hashBatches: n.hashBatches,
      hashAggBatches: n.hashAggBatches, plannedPartitions: n.plannedPartitions,
      heapBlocks: parallel ? n.exactHeapBlocks !== undefined : [n.exactHeapBlocks, n.lossyHeapBlocks], heapFetches: n.heapFetches,
      indexSearches: n.indexSearches, workersPlanned: n.workersPlanned, workersLaunched: n.workersLaunched,
      workers: n.workers?.map((w) => w.number), cache: [n.cacheHits, n.cacheMisses, n.cacheEvictions, n.cacheOverflows],
      disabled: n.disabled, incremental: [n.extra['Full-sort Groups'] !== undefined, n.extra['Pre-sorted Groups'] !== undefined],
      children: n.children.length,
    };
  });
}

function isBelow(plan: Plan, n: PlanNode, ancestor: PlanNode): boolean {
  const stack = [...ancestor.children];
  while (stack.length) {
    const c = stack.pop()!;
    if (c === n) return true;
    stack.push(...c.children);
  }
  return false;
}

