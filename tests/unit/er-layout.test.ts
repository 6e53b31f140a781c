// The Analyze view's plain-TS logic: the entity–relationship layout (no overlapping boxes, every
// foreign key drawn between the right column rows) and the analysis run on real PGlite.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { erInputFromFacts, erSummary, layoutEr, MAX_ROWS, rowY, type ErBox, type ErFkInput, type ErLayout, type ErTableInput } from '../../src/ui/analyze/er-layout.ts';
import { filterFindings, groupBySeverity, objectLabel, runAnalysis, type AnalyzedFinding, type Progress } from '../../src/ui/analyze/run-analysis.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { localEngine } from '../support/pglite.ts';

const table = (name: string, columns: string[], pk: string[] = ['id'], schema = 'public'): ErTableInput => ({
  schema,
  name,
  columns: columns.map((c) => ({ name: c, type: c === 'id' || c.endsWith('_id') ? 'integer' : 'text', nullable: !pk.includes(c) })),
  primaryKey: pk,
});
const fk = (name: string, from: string, fromCols: string[], to: string, toCols: string[] = ['id']): ErFkInput => ({
  name,
  from: { schema: 'public', table: from, columns: fromCols },
  to: { schema: 'public', table: to, columns: toCols },
  onDelete: 'no action',
  onUpdate: 'no action',
});

function overlaps(a: ErBox, b: ErBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function expectSane(layout: ErLayout, fks: ErFkInput[]) {
  // No two boxes overlap, and every box lies inside the drawing.
  for (let i = 0; i < layout.boxes.length; i++) {
    const a = layout.boxes[i];
    expect(a.x).toBeGreaterThanOrEqual(0);
    expect(a.y).toBeGreaterThanOrEqual(0);
    expect(a.x + a.width).toBeLessThanOrEqual(layout.width);
    expect(a.y + a.height).toBeLessThanOrEqual(layout.height);
    for (let j = i + 1; j < layout.boxes.length; j++) expect(overlaps(a, layout.boxes[j]), `${a.id} overlaps ${layout.boxes[j].id}`).toBe(false);
  }
  // Every foreign key is an edge that starts on its child box and ends on its parent box.
  expect(layout.edges).toHaveLength(fks.length);
  const byId = new Map(layout.boxes.map((b) => [b.id, b]));
  for (const f of fks) {
    const e = layout.edges.find((x) => x.name === f.name);
    expect(e, `edge ${f.name}`).toBeDefined();
    expect(e!.from).toBe(`public.${f.from.table}`);
    expect(e!.to).toBe(`public.${f.to.table}`);
    const child = byId.get(e!.from)!;
    const parent = byId.get(e!.to)!;
    const first = e!.points[0];
    const last = e!.points.at(-1)!;
    expect([child.x, child.x + child.width]).toContain(first.x);
    expect(first.y).toBe(rowY(child, f.from.columns[0]));
    expect([parent.x, parent.x + parent.width]).toContain(last.x);
    expect(last.y).toBe(rowY(parent, f.to.columns[0]));
    expect(e!.path).toMatch(/^M[\d.-]+,[\d.-]+( C[\d.,\s-]+)+$/);
    for (const p of e!.points) expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  }
}

describe('layoutEr', () => {
  const tables = [
    table('customer', ['id', 'name', 'email']),
    table('orders', ['id', 'customer_id', 'placed']),
    table('order_line', ['order_id', 'product_id', 'qty'], ['order_id', 'product_id']),
    table('product', ['id', 'name']),
    table('employee', ['id', 'name', 'manager_id']),
    table('audit_log', ['at', 'what'], []),
  ];
  const fks = [
    fk('orders_customer_fk', 'orders', ['customer_id'], 'customer'),
    fk('line_order_fk', 'order_line', ['order_id'], 'orders'),
    fk('line_product_fk', 'order_line', ['product_id'], 'product'),
    fk('employee_manager_fk', 'employee', ['manager_id'], 'employee'),
  ];

  it('places a few tables without overlap and draws every foreign key between the right rows', () => {
    const layout = layoutEr(tables, fks);
    expect(layout.boxes).toHaveLength(tables.length);
    expectSane(layout, fks);
    expect(layout.skipped).toEqual([]);
    const box = (n: string) => layout.boxes.find((b) => b.name === n)!;
    // Referenced tables sit to the left of the tables that reference them.
    expect(box('customer').x + box('customer').width).toBeLessThanOrEqual(box('orders').x);
    expect(box('orders').x + box('orders').width).toBeLessThanOrEqual(box('order_line').x);
    // PK and FK columns are marked.
    const line = box('order_line').columns;
    expect(line.find((c) => c.name === 'order_id')).toMatchObject({ pk: true, fk: true });
    expect(line.find((c) => c.name === 'qty')).toMatchObject({ pk: false, fk: false });
    // Tables no foreign key links are placed apart; a self-reference alone does not link.
    expect(box('audit_log').isolated).toBe(true);
    expect(box('employee').isolated).toBe(true);
    const self = layout.edges.find((e) => e.name === 'employee_manager_fk')!;
    expect(self.from).toBe(self.to);
    expect(self.points.every((p) => p.x >= box('employee').x + box('employee').width)).toBe(true);
  });

  it('keeps two foreign keys between the same pair of tables apart', () => {
    const t = [table('person', ['id', 'name']), table('message', ['id', 'sender_id', 'recipient_id', 'body'])];
    const f = [fk('message_sender_fk', 'message', ['sender_id'], 'person'), fk('message_recipient_fk', 'message', ['recipient_id'], 'person')];
    const layout = layoutEr(t, f);
    expectSane(layout, f);
    expect(layout.edges[0].points[0].y).not.toBe(layout.edges[1].points[0].y);
  });

  it('lays out 30 tables readably: no overlap, every edge, a bounded drawing', () => {
    const t: ErTableInput[] = [];
    const f: ErFkInput[] = [];
    for (let i = 0; i < 30; i++) {
      const cols = ['id', 'name', 'created_at'];
      if (i > 0) cols.push(`t${Math.floor((i - 1) / 3)}_id`);
      if (i > 5 && i % 4 === 0) cols.push(`t${i - 5}_id`);
      t.push(table(`t${i}`, cols));
      for (const c of cols.filter((c) => /^t\d+_id$/.test(c))) f.push(fk(`t${i}_${c}_fk`, `t${i}`, [c], c.slice(0, -3)));
    }
    t.push(table('lonely_a', ['id']), table('lonely_b', ['id']));
    const layout = layoutEr(t, f);
    expect(layout.boxes).toHaveLength(32);
    expectSane(layout, f);
    // Sized to content: no more than a few screens in either direction at 100%.
    expect(layout.width).toBeLessThan(4000);
    expect(layout.height).toBeLessThan(4000);
    expect(erSummary(layout)).toMatch(/^Entity–relationship diagram of 32 tables: t0, t1, .*; \d+ foreign keys\.$/);
  });

  it('draws at most MAX_ROWS rows of a wide table, always keeping its key columns', () => {
    const cols = ['id', ...Array.from({ length: 30 }, (_, i) => `c${i}`), 'owner_id'];
    const layout = layoutEr([table('wide', cols), table('owner', ['id'])], [fk('wide_owner_fk', 'wide', ['owner_id'], 'owner')]);
    const wide = layout.boxes.find((b) => b.name === 'wide')!;
    expect(wide.columns).toHaveLength(MAX_ROWS);
    expect(wide.hidden).toBe(cols.length - MAX_ROWS);
    expect(wide.columns.map((c) => c.name)).toContain('owner_id');
    expect(wide.columns[0].name).toBe('id');
    expectSane(layout, [fk('wide_owner_fk', 'wide', ['owner_id'], 'owner')]);
  });

  it('skips a foreign key whose table is not in the drawing', () => {
    const layout = layoutEr([table('a', ['id', 'b_id'])], [fk('a_b_fk', 'a', ['b_id'], 'b')]);
    expect(layout.edges).toEqual([]);
    expect(layout.skipped.map((s) => s.name)).toEqual(['a_b_fk']);
  });

  it('handles no tables at all', () => {
    const layout = layoutEr([], []);
    expect(layout.boxes).toEqual([]);
    expect(erSummary(layout)).toBe('Entity–relationship diagram: no tables.');
  });
});

describe('runAnalysis on PGlite', () => {
  let db: LocalEngine;
  beforeAll(async () => {
    db = await localEngine();
    for (const s of [
      'create table er_customer (id int primary key, name text)',
      'create table er_orders (id int primary key, customer_id int references er_customer, payload json)',
      'create table er_note (body text, order_id int references er_orders)',
      'create table er_part (id int, at date not null) partition by range (at)',
      "create table er_part_2026 partition of er_part for values from ('2026-01-01') to ('2027-01-01')",
    ])
      await db.query(s);
  });
  afterAll(async () => {
    await db?.db.close();
  });

  it('runs every module in order, reporting progress, and finds the planted problems', async () => {
    const seen: Progress[] = [];
    const result = await runAnalysis(db, (p) => seen.push(p));
    expect(seen.map((p) => p.id)).toEqual(['inspector', 'indexes', 'queries', 'lint', null]);
    expect(result.modules.map((m) => [m.id, m.ok, m.error])).toEqual([
      ['inspector', true, undefined],
      ['indexes', true, undefined],
      ['queries', true, undefined],
      ['lint', true, undefined],
    ]);
    expect(result.markdown).toContain('er_orders');
    const noPk = result.findings.find((f) => f.check === 'table_without_primary_key' && f.object.table === 'er_note');
    expect(noPk?.module).toBe('lint');
    expect(objectLabel(noPk!.object)).toBe('er_note');
    const unindexed = result.findings.filter((f) => f.check === 'unindexed_foreign_key').map((f) => objectLabel(f.object));
    expect(unindexed).toEqual(expect.arrayContaining(['er_orders constraint er_orders_customer_id_fkey (customer_id)', 'er_note constraint er_note_order_id_fkey (order_id)']));
    expect(new Set(result.findings.map((f) => f.key)).size).toBe(result.findings.length);

    // The diagram: partitions drawn as their parent, both foreign keys present.
    const input = erInputFromFacts(result.inspector!);
    expect(input.partitions).toBe(1);
    const layout = layoutEr(input.tables, input.foreignKeys);
    expect(layout.boxes.map((b) => b.name).sort()).toEqual(['er_customer', 'er_note', 'er_orders', 'er_part']);
    expect(layout.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(['public.er_note->public.er_orders', 'public.er_orders->public.er_customer']);
    expect(layout.boxes.find((b) => b.name === 'er_orders')!.columns.find((c) => c.name === 'id')).toMatchObject({ pk: true, fk: false });
  });
});

describe('finding helpers', () => {
  const f = (check: string, severity: AnalyzedFinding['severity'], module: AnalyzedFinding['module']): AnalyzedFinding => ({
    check,
    severity,
    module,
    key: check,
    object: { schema: 'shop', table: 'orders', columns: ['a', 'b'] },
    message: '',
    why: '',
  });
  const list = [f('x_error', 'error', 'indexes'), f('y_info', 'info', 'lint'), f('z_warn', 'warning', 'lint')];

  it('filters by module and severity and groups error, warning, info', () => {
    expect(filterFindings(list, { module: 'lint', severities: { error: true, warning: true, info: true } }).map((x) => x.check)).toEqual(['y_info', 'z_warn']);
    expect(filterFindings(list, { module: 'all', severities: { error: true, warning: false, info: true } }).map((x) => x.check)).toEqual(['x_error', 'y_info']);
    expect(groupBySeverity(list).map((g) => [g.severity, g.findings.length])).toEqual([['error', 1], ['warning', 1], ['info', 1]]);
    expect(groupBySeverity([])).toEqual([]);
  });

  it('labels objects, qualifying non-public schemas', () => {
    expect(objectLabel({ schema: 'shop', table: 'orders', columns: ['a', 'b'] })).toBe('shop.orders (a, b)');
    expect(objectLabel({ schema: 'public', table: 'orders', index: 'orders_a_idx' })).toBe('orders index orders_a_idx');
    expect(objectLabel({})).toBe('the database');
  });
});
