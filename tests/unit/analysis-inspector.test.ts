// Schema inspector facts and Markdown on a schema that has one of everything.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Queryable } from '../../src/db/types.ts';
import { foreignKeyEdges, inspectSchema, inspectorMarkdown } from '../../src/analysis/inspector.ts';
import { localEngine } from '../support/pglite.ts';

async function runAll(db: Queryable, statements: string[]): Promise<void> {
  for (const s of statements) await db.query(s);
}

export const INSPECTOR_SETUP = [
  'create extension if not exists pg_stat_statements',
  'create schema si_shop',
  "comment on schema si_shop is 'The shop'",
  "create type si_shop.status as enum ('new', 'paid', 'shipped')",
  "create domain si_shop.email as text not null check (value like '%@%')",
  'create table si_shop.customer (id int generated always as identity primary key, email si_shop.email unique, name text not null, created_at timestamptz default now())',
  "comment on table si_shop.customer is 'People who buy'",
  "comment on column si_shop.customer.name is 'Full name'",
  `create table si_shop.orders (
     id bigserial primary key,
     customer_id int not null references si_shop.customer on delete cascade on update restrict,
     status si_shop.status not null default 'new',
     net numeric(10,2) not null check (net >= 0),
     gross numeric(10,2) generated always as (net * 1.2) stored,
     placed date not null
   ) `,
  'create index orders_placed_idx on si_shop.orders (placed) where status <> \'shipped\'',
  'create table si_shop.event (id int, at date not null, payload jsonb) partition by range (at)',
  "create table si_shop.event_2026 partition of si_shop.event for values from ('2026-01-01') to ('2027-01-01')",
  'create view si_shop.big_orders as select id, net from si_shop.orders where net > 100',
  'create materialized view si_shop.order_totals as select customer_id, sum(net) as total from si_shop.orders group by customer_id',
  "create function si_shop.touch() returns trigger language plpgsql as $$ begin new.placed := current_date; return new; end $$",
  'create trigger orders_touch before insert on si_shop.orders for each row execute function si_shop.touch()',
  'create function si_shop.add(a int, b int) returns int language sql immutable return a + b',
  "insert into si_shop.customer (email, name) values ('a@x.org', 'Ann')",
  'analyze si_shop.customer',
  'create schema si_other',
  'create table si_other.note (id int primary key, body text)',
];

export function describeInspector(label: string, getDb: () => Queryable): void {
  describe(`inspectSchema (${label})`, () => {
    beforeAll(async () => {
      await runAll(getDb(), INSPECTOR_SETUP);
    });

    it('describes tables, columns, constraints, indexes, triggers and partitions', async () => {
      const f = await inspectSchema(getDb(), { schema: 'si_shop' });
      expect(f.schemas.map((s) => s.name)).toEqual(['si_shop']);
      expect(f.schemas[0].comment).toBe('The shop');
      expect(f.tables.map((t) => t.name)).toEqual(['customer', 'event', 'event_2026', 'orders']);
      const customer = f.tables.find((t) => t.name === 'customer')!;
      expect(customer.comment).toBe('People who buy');
      expect(customer.rowEstimate).toBe(1);
      const id = customer.columns.find((c) => c.name === 'id')!;
      expect(id).toMatchObject({ type: 'integer', nullable: false, identity: 'always', default: null });
      expect(customer.columns.find((c) => c.name === 'name')!.comment).toBe('Full name');
      expect(customer.columns.find((c) => c.name === 'email')!.type).toBe('si_shop.email');
      expect(customer.columns.find((c) => c.name === 'created_at')!.default).toBe('now()');
      expect(customer.constraints.map((c) => c.type)).toEqual(['primary key', 'unique']);

      const orders = f.tables.find((t) => t.name === 'orders')!;
      const gross = orders.columns.find((c) => c.name === 'gross')!;
      expect(gross.generated).toMatch(/net \* 1\.2/);
      expect(gross.generatedKind).toBe('stored');
      expect(orders.columns.find((c) => c.name === 'id')!.default).toBe("nextval('si_shop.orders_id_seq'::regclass)");
      const fk = orders.constraints.find((c) => c.type === 'foreign key')!;
      expect(fk).toMatchObject({ columns: ['customer_id'], references: { schema: 'si_shop', table: 'customer', columns: ['id'] }, onDelete: 'cascade', onUpdate: 'restrict' });
      expect(orders.constraints.some((c) => c.type === 'check' && c.definition.includes('net >= '))).toBe(true);
      const placed = orders.indexes.find((i) => i.name === 'orders_placed_idx')!;
      expect(placed).toMatchObject({ method: 'btree', columns: ['placed'], unique: false, valid: true, constraint: null });
      expect(placed.predicate).toContain('shipped');
      expect(orders.indexes.find((i) => i.primary)!.constraint).toBe('orders_pkey');
      expect(orders.triggers.map((t) => [t.name, t.function])).toEqual([['orders_touch', 'si_shop.touch']]);

      const event = f.tables.find((t) => t.name === 'event')!;
      expect(event.kind).toBe('partitioned table');
      expect(event.partitionKey).toBe('RANGE (at)');
      const part = f.tables.find((t) => t.name === 'event_2026')!;
      expect(part.partitionOf).toMatchObject({ schema: 'si_shop', table: 'event' });
      expect(part.partitionOf!.bound).toContain('2026-01-01');
    });

    it('lists views, functions, enums, domains, sequences and extensions, leaving out extension members', async () => {
      const f = await inspectSchema(getDb(), { schema: 'si_shop' });
      expect(f.views.map((v) => [v.name, v.materialized])).toEqual([['big_orders', false], ['order_totals', true]]);
      expect(f.views[0].definition).toMatch(/net > 100/);
      expect(f.views[1].populated).toBe(true);
      expect(f.functions.map((x) => x.name)).toEqual(['add', 'touch']);
      expect(f.functions[0]).toMatchObject({ arguments: 'a integer, b integer', returns: 'integer', language: 'sql', volatility: 'immutable' });
      expect(f.enums).toEqual([{ schema: 'si_shop', name: 'status', values: ['new', 'paid', 'shipped'], comment: null }]);
      expect(f.domains[0]).toMatchObject({ name: 'email', baseType: 'text', notNull: true });
      expect(f.domains[0].checks[0]).toContain('@');
      const seqs = f.sequences.map((s) => [s.name, s.dataType, s.ownedBy?.column]);
      expect(seqs).toEqual([['customer_id_seq', 'integer', 'id'], ['orders_id_seq', 'bigint', 'id']]);
      expect(f.sequences[0].last).toBe('1');
      expect(f.sequences[0].max).toBe('2147483647');
      expect(f.sequences[1].max).toBe('9223372036854775807');
      expect(f.extensions.map((e) => e.name)).toContain('pg_stat_statements');

      // The whole database: pg_stat_statements' view and functions are the extension's, not the schema's.
      const all = await inspectSchema(getDb());
      expect(all.views.some((v) => v.name === 'pg_stat_statements')).toBe(false);
      expect(all.functions.some((x) => x.name.startsWith('pg_stat_statements'))).toBe(false);
      expect(all.schemas.map((s) => s.name)).toEqual(expect.arrayContaining(['public', 'si_other', 'si_shop']));
      expect(all.schemas.some((s) => s.name.startsWith('pg_'))).toBe(false);
    });

    it('gives the foreign-key edges, and in table mode the incoming ones too', async () => {
      const f = await inspectSchema(getDb(), { schema: 'si_shop' });
      expect(foreignKeyEdges(f)).toEqual([
        {
          name: 'orders_customer_id_fkey',
          from: { schema: 'si_shop', table: 'orders', columns: ['customer_id'] },
          to: { schema: 'si_shop', table: 'customer', columns: ['id'] },
          onUpdate: 'restrict',
          onDelete: 'cascade',
          validated: true,
        },
      ]);
      const one = await inspectSchema(getDb(), { table: 'si_shop.customer' });
      expect(one.tables.map((t) => t.name)).toEqual(['customer']);
      expect(one.views).toEqual([]);
      expect(one.functions).toEqual([]);
      expect(one.foreignKeys.map((e) => e.from.table)).toEqual(['orders']);
      const other = await inspectSchema(getDb(), { schema: 'si_other', table: 'note' });
      expect(other.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['si_other.note']);
      expect(other.foreignKeys).toEqual([]);
    });

    it('renders Markdown documentation', async () => {
      const f = await inspectSchema(getDb(), { schema: 'si_shop' });
      const md = inspectorMarkdown(f);
      expect(md).toMatch(/^# Database `/);
      expect(md).toContain('## Tables');
      expect(md).toContain('### <a id="si_shop-orders"></a>Table si_shop.orders');
      expect(md).toContain('| `customer_id` | integer | not null |');
      expect(md).toContain('→ si_shop.customer.id');
      expect(md).toContain('identity (always)');
      expect(md).toContain('## Views');
      expect(md).toContain('Materialized view si_shop.order_totals');
      expect(md).toContain('## Enum types');
      expect(md).toContain('new, paid, shipped');
      expect(md).toContain('## Relationships');
      expect(md).toContain('**Triggers**');
      expect(md).toContain('partition of si_shop.event');
      expect(JSON.parse(JSON.stringify(f))).toEqual(f);
    });
  });
}

// Registered on PGlite only when this file itself is the test file: the native-server test
// imports describeInspector and runs it on its own connection.
if (expect.getState().testPath === import.meta.filename) {
  let engine: Awaited<ReturnType<typeof localEngine>>;
  beforeAll(async () => {
    engine = await localEngine();
  });
  afterAll(() => engine.db.close());
  describeInspector('PGlite', () => engine);
}
