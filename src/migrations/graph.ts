// The revision graph: parents from down_revision, heads, bases, branch and merge points, and
// the targets Alembic understands (head, heads, base, +N, -N, an id or a unique prefix).
// Building it refuses duplicates, missing parents and cycles with a message naming them.
import { RevisionError, checkRevisionShape, type Revision } from './revision.ts';

export class RevisionGraph {
  readonly byId = new Map<string, Revision>();
  private readonly children = new Map<string, string[]>();
  /** Every revision, parents before children (ties in creation order, so the output is stable). */
  readonly ordered: Revision[];

  constructor(revisions: Revision[]) {
    for (const r of revisions) {
      checkRevisionShape(r);
      if (this.byId.has(r.id)) throw new RevisionError(`two revisions have the id ${r.id}`);
      this.byId.set(r.id, r);
      this.children.set(r.id, []);
    }
    for (const r of revisions) {
      for (const p of [...r.downRevision, ...(r.dependsOn ?? [])]) {
        if (!this.byId.has(p)) throw new RevisionError(`revision ${r.id} ("${r.message}") follows ${p}, which does not exist`);
      }
      for (const p of r.downRevision) this.children.get(p)!.push(r.id);
    }
    this.ordered = this.topological(revisions);
  }

  /** Kahn's algorithm; what is left over sits on a cycle, which is named in the error. */
  private topological(revisions: Revision[]): Revision[] {
    const pending = new Map(revisions.map((r) => [r.id, new Set([...r.downRevision, ...(r.dependsOn ?? [])])]));
    const out: Revision[] = [];
    const order = new Map(revisions.map((r, i) => [r.id, i]));
    let ready = revisions.filter((r) => pending.get(r.id)!.size === 0);
    while (ready.length) {
      ready.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
      const r = ready.shift()!;
      out.push(r);
      pending.delete(r.id);
      for (const [id, deps] of pending) {
        if (deps.delete(r.id) && deps.size === 0) ready.push(this.byId.get(id)!);
      }
    }
    if (pending.size) throw new RevisionError(`the revisions form a cycle: ${this.findCycle([...pending.keys()]).join(' → ')}`);
    return out;
  }

  private findCycle(stuck: string[]): string[] {
    const inStuck = new Set(stuck);
    // Walk parents from a stuck node until a node repeats: that stretch is the cycle.
    let path: string[] = [stuck[0]];
    for (;;) {
      const cur = path[path.length - 1];
      const r = this.byId.get(cur)!;
      const next = [...r.downRevision, ...(r.dependsOn ?? [])].find((p) => inStuck.has(p))!;
      const at = path.indexOf(next);
      if (at >= 0) {
        path = path.slice(at);
        return [...path, next];
      }
      path.push(next);
    }
  }

  get(id: string): Revision {
    const r = this.byId.get(id);
    if (!r) throw new RevisionError(`no revision ${id}`);
    return r;
  }

  childrenOf(id: string): string[] {
    return this.children.get(id) ?? [];
  }

  heads(): string[] {
    return this.ordered.filter((r) => this.childrenOf(r.id).length === 0).map((r) => r.id);
  }

  bases(): string[] {
    return this.ordered.filter((r) => r.downRevision.length === 0).map((r) => r.id);
  }

  /** Revisions with more than one child: where the history branches. */
  branchPoints(): string[] {
    return this.ordered.filter((r) => this.childrenOf(r.id).length > 1).map((r) => r.id);
  }

  mergePoints(): string[] {
    return this.ordered.filter((r) => r.downRevision.length > 1).map((r) => r.id);
  }

  /** The ids of `ids` and everything they follow (down_revision and depends_on). */
  ancestors(ids: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const stack = [...ids];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const r = this.get(id);
      stack.push(...r.downRevision, ...(r.dependsOn ?? []));
    }
    return seen;
  }

  /** The ids of `ids` and everything that follows them. */
  descendants(ids: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const stack = [...ids];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...this.childrenOf(id));
      for (const r of this.ordered) if (r.dependsOn?.includes(id)) stack.push(r.id);
    }
    return seen;
  }

  /** An id or a unique prefix of one. */
  resolveId(ref: string): string {
    if (this.byId.has(ref)) return ref;
    const matches = [...this.byId.keys()].filter((id) => id.startsWith(ref));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw new RevisionError(`'${ref}' is ambiguous: it starts ${matches.length} revisions (${matches.slice(0, 5).join(', ')}); give more characters`);
    throw new RevisionError(`no revision matches '${ref}'`);
  }

  /** The single head, or a clear error naming the heads to choose from. */
  singleHead(): string | null {
    const heads = this.heads();
    if (heads.length > 1) {
      throw new RevisionError(`there are ${heads.length} heads (${heads.join(', ')}): name one of them, use 'heads' for all, or merge them first`);
    }
    return heads[0] ?? null;
  }

  /** The revisions applied when `current` are the version table's rows. */
  applied(current: string[]): Set<string> {
    for (const id of current) {
      if (!this.byId.has(id)) throw new RevisionError(`the database is at revision ${id}, which is not among the revisions here`);
    }
    return this.ancestors(current);
  }

  /**
   * Where the version table ends up after applying or reverting a revision, the way Alembic
   * keeps one row per head of what is applied.
   */
  static headsOf(graph: RevisionGraph, applied: Set<string>): string[] {
    return graph.ordered.filter((r) => applied.has(r.id) && !graph.childrenOf(r.id).some((c) => applied.has(c))).map((r) => r.id);
  }
}

export type UpgradeTarget = { kind: 'heads'; ids: string[] } | { kind: 'steps'; steps: number };
export type DowngradeTarget = { kind: 'base' } | { kind: 'keep'; id: string } | { kind: 'steps'; steps: number };

/** Resolves an upgrade target: head, heads, +N, an id or a unique prefix. */
export function resolveUpgradeTarget(graph: RevisionGraph, target: string): UpgradeTarget {
  const t = target.trim();
  if (t === 'head') {
    const h = graph.singleHead();
    return { kind: 'heads', ids: h ? [h] : [] };
  }
  if (t === 'heads') return { kind: 'heads', ids: graph.heads() };
  if (t === 'base') throw new RevisionError("'base' is a downgrade target: upgrade to head, heads, +N or a revision");
  const rel = /^\+(\d+)$/.exec(t);
  if (rel) {
    const steps = Number(rel[1]);
    if (steps < 1) throw new RevisionError('+0 does nothing: give +1 or more');
    return { kind: 'steps', steps };
  }
  if (/^-\d+$/.test(t)) throw new RevisionError(`'${t}' is a downgrade target`);
  if (!t) throw new RevisionError('no target given');
  return { kind: 'heads', ids: [graph.resolveId(t)] };
}

/** Resolves a downgrade target: base, -N, an id or a unique prefix (kept; what follows it is reverted). */
export function resolveDowngradeTarget(graph: RevisionGraph, target: string): DowngradeTarget {
  const t = target.trim();
  if (t === 'base') return { kind: 'base' };
  const rel = /^-(\d+)$/.exec(t);
  if (rel) {
    const steps = Number(rel[1]);
    if (steps < 1) throw new RevisionError('-0 does nothing: give -1 or more');
    return { kind: 'steps', steps };
  }
  if (t === 'head' || t === 'heads' || /^\+\d+$/.test(t)) throw new RevisionError(`'${t}' is an upgrade target: downgrade to base, -N or a revision`);
  if (!t) throw new RevisionError('no target given');
  return { kind: 'keep', id: graph.resolveId(t) };
}

/** Markers for `history`: head, branch point, merge point, base. */
export function describeRevision(graph: RevisionGraph, id: string, current: string[] = []): string {
  const r = graph.get(id);
  const tags = [
    graph.childrenOf(id).length === 0 ? 'head' : '',
    graph.childrenOf(id).length > 1 ? 'branchpoint' : '',
    r.downRevision.length > 1 ? 'mergepoint' : '',
    current.includes(id) ? 'current' : '',
  ].filter(Boolean);
  const from = r.downRevision.length ? r.downRevision.join(', ') : '<base>';
  return `${from} -> ${id}${tags.length ? ` (${tags.join(') (')})` : ''}, ${r.message}`;
}

/** Alembic's `history`: newest first. */
export function history(graph: RevisionGraph, current: string[] = []): string[] {
  return [...graph.ordered].reverse().map((r) => describeRevision(graph, r.id, current));
}
