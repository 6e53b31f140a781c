// Entity–relationship diagram layout: table boxes with their columns, laid out by dagre from the
// foreign keys, edges anchored at the referencing and referenced column rows. Pure (no DOM): the
// component only draws what this returns, and the unit tests check it.
import dagre from '@dagrejs/dagre';
import type { FkAction, InspectorFacts } from '../../analysis/inspector.ts';

/** Font metrics the component draws with (12px monospace body, 13px bold title). */
export const CHAR_W = 7.3;
export const TITLE_CHAR_W = 8.2;
export const ROW_H = 18;
export const HEAD_H = 26;
export const PAD_X = 10;
/** Width of the key marker column ("PK FK"). */
export const MARK_W = 5 * CHAR_W;
export const MIN_BOX_W = 140;
/** Longer type names are cut (the full name is kept for the title tooltip). */
export const MAX_TYPE_CHARS = 22;
export const MAX_NAME_CHARS = 28;
/** Columns drawn per box; key columns are always drawn, the rest are counted in a "more" row. */
export const MAX_ROWS = 12;
/** Space around the drawing and between isolated tables. */
export const MARGIN = 40;
export const GAP = 30;
/** dagre bends closer than this (in x) to an edge's boxes are dropped, so edges leave boxes cleanly. */
const STUB = 14;
/** How far a self-reference loops out to the right of its box. */
const SELF_LOOP = 26;

export interface ErColumnInput {
  name: string;
  type: string;
  nullable?: boolean;
}

export interface ErTableInput {
  schema: string;
  name: string;
  columns: ErColumnInput[];
  primaryKey: string[];
}

export interface ErFkInput {
  name: string;
  from: { schema: string; table: string; columns: string[] };
  to: { schema: string; table: string; columns: string[] };
  onDelete?: FkAction;
  onUpdate?: FkAction;
}

export interface ErColumn {
  name: string;
  type: string;
  /** The full type, when `type` was shortened. */
  fullType: string;
  nullable: boolean;
  pk: boolean;
  fk: boolean;
}

export interface ErBox {
  id: string;
  schema: string;
  name: string;
  /** schema.name, without `public.`. */
  label: string;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Columns drawn, in table order. */
  columns: ErColumn[];
  /** Columns left out of the drawing. */
  hidden: number;
  /** True when no foreign key touches the table (placed in the grid below the graph). */
  isolated: boolean;
}

export interface Point {
  x: number;
  y: number;
}

export interface ErEdge {
  id: string;
  name: string;
  /** Box ids: the referencing (child) table and the referenced (parent) table. */
  from: string;
  to: string;
  fromColumns: string[];
  toColumns: string[];
  onDelete: FkAction;
  onUpdate: FkAction;
  /** From the child's FK column to the parent's referenced column. */
  points: Point[];
  /** SVG path data through the points. */
  path: string;
  /** One line for the text alternative. */
  text: string;
}

export interface ErLayout {
  width: number;
  height: number;
  boxes: ErBox[];
  edges: ErEdge[];
  /** Foreign keys that could not be drawn (an end outside the tables given). */
  skipped: ErFkInput[];
}

export const tableId = (schema: string, name: string) => `${schema}.${name}`;
export const tableLabel = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** The tables and foreign keys of an inspector report; partitions are drawn as their parent. */
export function erInputFromFacts(facts: InspectorFacts): { tables: ErTableInput[]; foreignKeys: ErFkInput[]; partitions: number } {
  const drawn = facts.tables.filter((t) => !t.partitionOf);
  const ids = new Set(drawn.map((t) => tableId(t.schema, t.name)));
  const tables = drawn.map((t) => ({
    schema: t.schema,
    name: t.name,
    columns: t.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
    primaryKey: t.constraints.filter((c) => c.type === 'primary key').flatMap((c) => c.columns),
  }));
  // A foreign key on a partitioned table is cloned onto each partition: draw it once.
  const foreignKeys = facts.foreignKeys.filter((f) => ids.has(tableId(f.from.schema, f.from.table)) && ids.has(tableId(f.to.schema, f.to.table)));
  return { tables, foreignKeys, partitions: facts.tables.length - drawn.length };
}

function boxFor(t: ErTableInput, fkColumns: Set<string>, isolated: boolean): ErBox {
  const pk = new Set(t.primaryKey);
  const all: ErColumn[] = t.columns.map((c) => ({
    name: clip(c.name, MAX_NAME_CHARS),
    type: clip(c.type, MAX_TYPE_CHARS),
    fullType: c.type,
    nullable: c.nullable ?? true,
    pk: pk.has(c.name),
    fk: fkColumns.has(c.name),
  }));
  let columns = all;
  if (all.length > MAX_ROWS) {
    // Keys first, then the leading columns, shown in table order.
    const keep = new Set<number>();
    all.forEach((c, i) => (c.pk || c.fk) && keep.add(i));
    for (let i = 0; i < all.length && keep.size < MAX_ROWS; i++) keep.add(i);
    columns = all.filter((_, i) => keep.has(i));
  }
  const hidden = all.length - columns.length;
  const label = tableLabel(t.schema, t.name);
  const nameW = Math.max(0, ...columns.map((c) => c.name.length));
  const typeW = Math.max(0, ...columns.map((c) => c.type.length));
  const width = Math.ceil(
    Math.max(MIN_BOX_W, label.length * TITLE_CHAR_W + 2 * PAD_X, MARK_W + (nameW + 2 + typeW) * CHAR_W + 2 * PAD_X, hidden ? 16 * CHAR_W + 2 * PAD_X : 0),
  );
  const height = HEAD_H + (columns.length + (hidden ? 1 : 0)) * ROW_H + 6;
  return { id: tableId(t.schema, t.name), schema: t.schema, name: t.name, label, x: 0, y: 0, width, height, columns, hidden, isolated };
}

/** The y of a column's row centre, or of the header when the column is not drawn. */
export function rowY(box: ErBox, column: string | undefined): number {
  const i = column === undefined ? -1 : box.columns.findIndex((c) => c.name === clip(column, MAX_NAME_CHARS));
  return i < 0 ? box.y + HEAD_H / 2 : box.y + HEAD_H + i * ROW_H + ROW_H / 2;
}

/**
 * A smooth path through the points, leaving and entering every point horizontally: between
 * points that step monotonically in x (as dagre's left-to-right bends do) it never loops.
 */
export function smoothPath(points: Point[]): string {
  const f = (n: number) => Math.round(n * 10) / 10;
  if (!points.length) return '';
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const k = (b.x - a.x) / 2;
    d += ` C${f(a.x + k)},${f(a.y)} ${f(b.x - k)},${f(b.y)} ${f(b.x)},${f(b.y)}`;
  }
  return d;
}

export function edgeText(fk: ErFkInput): string {
  const from = `${tableLabel(fk.from.schema, fk.from.table)} (${fk.from.columns.join(', ')})`;
  const to = `${tableLabel(fk.to.schema, fk.to.table)} (${fk.to.columns.join(', ')})`;
  const actions = fk.onDelete || fk.onUpdate ? `, on delete ${fk.onDelete ?? 'no action'}, on update ${fk.onUpdate ?? 'no action'}` : '';
  return `${from} references ${to}${actions} — constraint ${fk.name}`;
}

export function layoutEr(tables: ErTableInput[], foreignKeys: ErFkInput[]): ErLayout {
  const byId = new Map(tables.map((t) => [tableId(t.schema, t.name), t]));
  const fks = foreignKeys.filter((f) => byId.has(tableId(f.from.schema, f.from.table)) && byId.has(tableId(f.to.schema, f.to.table)));
  const skipped = foreignKeys.filter((f) => !fks.includes(f));

  const fkCols = new Map<string, Set<string>>();
  const linked = new Set<string>();
  for (const f of fks) {
    const from = tableId(f.from.schema, f.from.table);
    const to = tableId(f.to.schema, f.to.table);
    const set = fkCols.get(from) ?? new Set<string>();
    f.from.columns.forEach((c) => set.add(c));
    fkCols.set(from, set);
    if (from !== to) linked.add(from).add(to);
  }

  const boxes = tables.map((t) => {
    const id = tableId(t.schema, t.name);
    return boxFor(t, fkCols.get(id) ?? new Set(), !linked.has(id));
  });
  const boxById = new Map(boxes.map((b) => [b.id, b]));

  // 1. The connected tables, by dagre: referenced tables to the left of the tables referencing them.
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 90, edgesep: 14, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const b of boxes) if (!b.isolated) g.setNode(b.id, { width: b.width, height: b.height });
  fks.forEach((f, i) => {
    const from = tableId(f.from.schema, f.from.table);
    const to = tableId(f.to.schema, f.to.table);
    if (from !== to) g.setEdge(to, from, { minlen: 1 }, `fk${i}`);
  });
  let graphW = 0;
  let graphH = 0;
  if (g.nodeCount()) {
    dagre.layout(g);
    for (const id of g.nodes()) {
      const n = g.node(id) as { x: number; y: number };
      const b = boxById.get(id)!;
      b.x = Math.round(n.x - b.width / 2);
      b.y = Math.round(n.y - b.height / 2);
      graphW = Math.max(graphW, b.x + b.width + SELF_LOOP + STUB);
      graphH = Math.max(graphH, b.y + b.height);
    }
  }

  // 2. Tables no foreign key touches, in rows below.
  const isolated = boxes.filter((b) => b.isolated);
  if (isolated.length) {
    const rowWidth = Math.max(graphW - MARGIN, 900);
    let x = MARGIN;
    let y = graphH ? graphH + GAP * 2 : MARGIN;
    let rowH = 0;
    for (const b of isolated) {
      if (x > MARGIN && x + b.width > rowWidth) {
        x = MARGIN;
        y += rowH + GAP;
        rowH = 0;
      }
      b.x = x;
      b.y = y;
      x += b.width + GAP;
      rowH = Math.max(rowH, b.height);
      graphW = Math.max(graphW, b.x + b.width + SELF_LOOP + STUB);
      graphH = Math.max(graphH, b.y + b.height);
    }
  }

  // 3. Edges, from the child's first FK column to the parent's first referenced column.
  const edges: ErEdge[] = fks.map((f, i) => {
    const from = tableId(f.from.schema, f.from.table);
    const to = tableId(f.to.schema, f.to.table);
    const child = boxById.get(from)!;
    const parent = boxById.get(to)!;
    const cy = rowY(child, f.from.columns[0]);
    const py = rowY(parent, f.to.columns[0]);
    let points: Point[];
    let path: string;
    if (from === to) {
      const right = child.x + child.width;
      const dy = cy === py ? ROW_H / 2 : 0;
      points = [
        { x: right, y: cy },
        { x: right + SELF_LOOP, y: cy - dy },
        { x: right + SELF_LOOP, y: py + dy },
        { x: right, y: py },
      ];
      const out = right + SELF_LOOP * 1.6;
      path = `M${right},${cy} C${out},${cy - dy} ${out},${py + dy} ${right},${py}`;
    } else {
      const parentLeft = parent.x + parent.width / 2 < child.x + child.width / 2;
      const cx = parentLeft ? child.x : child.x + child.width;
      const px = parentLeft ? parent.x + parent.width : parent.x;
      const e = g.edge({ v: to, w: from, name: `fk${i}` }) as { points?: Point[] } | undefined;
      // dagre routes parent → child; keep its bends between the ranks, child first.
      const middle = (e?.points ?? []).slice(1, -1).reverse();
      // Only bends strictly between the two boxes, so the path steps one way in x.
      const lo = Math.min(cx, px) + STUB;
      const hi = Math.max(cx, px) - STUB;
      const between = middle.filter((p) => p.x > lo && p.x < hi);
      points = [{ x: cx, y: cy }, ...between, { x: px, y: py }];
      path = smoothPath(points);
    }
    return {
      id: `fk${i}`,
      name: f.name,
      from,
      to,
      fromColumns: f.from.columns,
      toColumns: f.to.columns,
      onDelete: f.onDelete ?? 'no action',
      onUpdate: f.onUpdate ?? 'no action',
      points,
      path,
      text: edgeText(f),
    };
  });

  return { width: Math.ceil(graphW + MARGIN / 2), height: Math.ceil(graphH + MARGIN), boxes, edges, skipped };
}

/** The diagram's accessible name: what it shows, in one sentence. */
export function erSummary(layout: ErLayout): string {
  const n = layout.boxes.length;
  if (!n) return 'Entity–relationship diagram: no tables.';
  const names = layout.boxes.map((b) => b.label);
  const list = n <= 40 ? `: ${names.join(', ')}` : '';
  const fk = layout.edges.length;
  return `Entity–relationship diagram of ${n} table${n === 1 ? '' : 's'}${list}; ${fk} foreign key${fk === 1 ? '' : 's'}.`;
}
