// The revision graph as a drawing: one box per revision, an arrow from each revision to the ones
// that follow it, base at the bottom and heads on top (as `alembic history` lists newest first).
// Laid out by dagre, as the ER diagram is; pure (no DOM), so the component only draws this.
import dagre from '@dagrejs/dagre';
import type { RevisionGraph } from './graph.ts';

const NODE_H = 38;
const CHAR_W = 7;
const PAD = 12;
const MIN_W = 120;
const MAX_MESSAGE = 26;
const MARGIN = 16;

export type RevisionRole = 'head' | 'base' | 'branch point' | 'merge' | 'current';

export interface LaidOutRevision {
  id: string;
  /** Centre of the box. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** The id cut to 12 characters; the caption is it with the roles ("e5e5… · head, merge"). */
  label: string;
  caption: string;
  /** The message cut to fit. */
  message: string;
  roles: RevisionRole[];
}

export interface LaidOutEdge {
  /** The earlier revision (down_revision) and the one that follows it. */
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface RevisionDrawing {
  width: number;
  height: number;
  nodes: LaidOutRevision[];
  edges: LaidOutEdge[];
}

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export function layoutRevisions(graph: RevisionGraph, current: string[] = []): RevisionDrawing {
  const revisions = graph.ordered;
  if (!revisions.length) return { width: 0, height: 0, nodes: [], edges: [] };
  const heads = new Set(graph.heads());
  const bases = new Set(graph.bases());
  const branches = new Set(graph.branchPoints());
  const merges = new Set(graph.mergePoints());
  const applied = new Set(current);
  const g = new dagre.graphlib.Graph();
  // BT: an edge parent → child points up, so the newest revisions are on top.
  g.setGraph({ rankdir: 'BT', nodesep: 24, ranksep: 34, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  const text = new Map<string, Pick<LaidOutRevision, 'label' | 'caption' | 'message' | 'roles'>>();
  for (const r of revisions) {
    const roles: RevisionRole[] = [];
    if (heads.has(r.id)) roles.push('head');
    if (bases.has(r.id)) roles.push('base');
    if (branches.has(r.id)) roles.push('branch point');
    if (merges.has(r.id)) roles.push('merge');
    if (applied.has(r.id)) roles.push('current');
    const label = cut(r.id, 12);
    const caption = roles.length ? `${label} · ${roles.join(', ')}` : label;
    const message = cut(r.message || '(no message)', MAX_MESSAGE);
    text.set(r.id, { label, caption, message, roles });
    g.setNode(r.id, { width: Math.max(MIN_W, Math.max(caption.length, message.length) * CHAR_W + 2 * PAD), height: NODE_H });
  }
  for (const r of revisions) for (const parent of r.downRevision) g.setEdge(parent, r.id);
  dagre.layout(g);
  const nodes = revisions.map((r): LaidOutRevision => {
    const n = g.node(r.id);
    return { id: r.id, x: n.x, y: n.y, w: n.width, h: n.height, ...text.get(r.id)! };
  });
  const edges = g.edges().map((e): LaidOutEdge => ({ from: e.v, to: e.w, points: g.edge(e).points.map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })) }));
  const info = g.graph();
  return { width: Math.ceil(info.width ?? 0), height: Math.ceil(info.height ?? 0), nodes, edges };
}

/** What a screen reader hears for the drawing: the same facts as the picture, in words. */
export function describeDrawing(d: RevisionDrawing): string {
  if (!d.nodes.length) return 'Revision graph: no revisions';
  const of = (role: RevisionRole) => d.nodes.filter((n) => n.roles.includes(role)).map((n) => n.label);
  const parts = [`${d.nodes.length} revision${d.nodes.length === 1 ? '' : 's'}`, `heads ${of('head').join(', ')}`];
  if (of('branch point').length) parts.push(`branches at ${of('branch point').join(', ')}`);
  if (of('merge').length) parts.push(`merges ${of('merge').join(', ')}`);
  parts.push(of('current').length ? `current ${of('current').join(', ')}` : 'nothing applied');
  return `Revision graph: ${parts.join('; ')}`;
}
