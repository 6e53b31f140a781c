// Schema linter on real PGlite: every check is built, found, and paired with a near miss that
// must stay silent. Setup SQL is plain text so the same cases can run on a PostgreSQL server:
// the suite takes any Queryable that can also run a multi-statement script.
import { splitScript } from '../../src/db/splitter.ts';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { lintSchema, SCHEMA_LINT_CHECKS, type SchemaLintFacts } from '../../src/analysis/schema-linter.ts';
import type { Finding, Report } from '../../src/analysis/finding.ts';
import type { Engine, Queryable } from '../../src/db/types.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { localEngine } from '../support/pglite.ts';

/** What the linter suite needs: queries, and scripts of several statements. */
export type ScriptQueryable = Queryable & Pick<Engine, 'run'>;

const of = (r: Report<SchemaLintFacts>, check: string) => r.findings.filter((f) => f.check === check);
const on = (r: Report<SchemaLintFacts>, check: string, table: string) => of(r, check).filter((f) => f.object.table === table);

function expectWellFormed(f: Finding) {
  expect(SCHEMA_LINT_CHECKS).toContain(f.check);
  expect(['info', 'warning', 'error']).toContain(f.severity);
  expect(f.message.length).toBeGreaterThan(10);
  const sentences = f.why.split(/(?<=[.!?])\s+/).filter(Boolean);
  expect(sentences.length).toBeGreaterThanOrEqual(2);
  expect(sentences.length).toBeLessThanOrEqual(3);
}

export function describeSchemaLinter(label: string, getDb: () => ScriptQueryable): void {
  /** Runs a script of several statements; throws PostgreSQL's message on failure. */
  async function exec(sql: string): Promise<void> {
    const r = await getDb().run(sql);
    if (!r.ok) throw new Error(`${r.error.message}\n--- in:\n${sql}`);
  }

  /** A fresh schema, first on the search_path, holding the test's objects. */
  async function build(schema: string, sql: string): Promise<void> {
    await exec(`drop schema if exists ${schema} cascade; create schema ${schema}; set search_path to ${schema}, public;`);
    await exec(sql);
  }

  const lint = (schema: string, sampleRows?: number) => lintSchema(getDb(), { schema, sampleRows });

  describe(`lintSchema (${label})`, () => {
    describe('table_without_primary_key', () => {
      it('flags a table without a key, proposes promoting a unique NOT NULL index, and not a keyed table', async () => {
        await build('lint_pk', `
          create table events (happened_at timestamptz, payload text);
          create table codes (code text not null, label text);
          create unique index codes_code_idx on codes (code);
          create table keyed (id bigint generated always as identity primary key, note text);`);
        const r = await lint('lint_pk');
        const events = on(r, 'table_without_primary_key', 'events');
        expect(events).toHaveLength(1);
        expect(events[0].object).toEqual({ schema: 'lint_pk', table: 'events' });
        expectWellFormed(events[0]);
        expect(events[0].fix).toContain('GENERATED ALWAYS AS IDENTITY PRIMARY KEY');
        const codes = on(r, 'table_without_primary_key', 'codes');
        expect(codes[0].message).toContain('codes_code_idx');
        expect(codes[0].fix).toContain('PRIMARY KEY USING INDEX codes_code_idx');
        expect(on(r, 'table_without_primary_key', 'keyed')).toHaveLength(0);

        await exec(codes[0].fix!);
        await exec(events[0].fix!.split('\n')[0]);
        expect(of(await lint('lint_pk'), 'table_without_primary_key')).toHaveLength(0);
      });

      it('skips system schemas and tables owned by an extension', async () => {
        await build('lint_ext', `
          create extension if not exists pg_stat_statements;
          create table ext_owned (k text);
          alter extension pg_stat_statements add table ext_owned;`);
        try {
          const r = await lintSchema(getDb());
          expect(r.findings.some((f) => f.object.table === 'ext_owned')).toBe(false);
          expect(r.facts.schemas).not.toContain('pg_catalog');
          expect(r.facts.schemas).not.toContain('information_schema');
        } finally {
          await exec(`alter extension pg_stat_statements drop table lint_ext.ext_owned;`);
        }
      });
    });

    describe('column types', () => {
      it('json_instead_of_jsonb: flags json, leaves jsonb alone, and the fix converts it', async () => {
        await build('lint_json', `
          create table docs (id int primary key, body json default '{}', extra jsonb);
          insert into docs values (1, '{"a": 1}', '{}');`);
        const r = await lint('lint_json');
        const f = of(r, 'json_instead_of_jsonb');
        expect(f.map((x) => x.object)).toEqual([{ schema: 'lint_json', table: 'docs', columns: ['body'] }]);
        expectWellFormed(f[0]);
        expect(f[0].fix).toBe('ALTER TABLE lint_json.docs ALTER COLUMN body TYPE jsonb USING body::jsonb;');
        await exec(f[0].fix!);
        expect(of(await lint('lint_json'), 'json_instead_of_jsonb')).toHaveLength(0);
      });

      it('timestamp_without_time_zone: flags timestamp, not timestamptz or date', async () => {
        await build('lint_ts', `
          create table visits (id int primary key, seen timestamp, at timestamptz, day date);
          insert into visits values (1, '2026-01-01 10:00', now(), current_date);`);
        const r = await lint('lint_ts');
        const f = of(r, 'timestamp_without_time_zone');
        expect(f.map((x) => x.object.columns)).toEqual([['seen']]);
        expectWellFormed(f[0]);
        await exec(f[0].fix!);
        const back = await getDb().query<{ t: string }>(`select data_type as t from information_schema.columns where table_schema = 'lint_ts' and column_name = 'seen'`);
        expect(back.rows[0].t).toBe('timestamp with time zone');
      });

      it('money_type: flags money, not numeric', async () => {
        await build('lint_money', `create table prices (id int primary key, amount money, net numeric(12,2)); insert into prices values (1, 12.5, 10);`);
        const r = await lint('lint_money');
        const f = of(r, 'money_type');
        expect(f.map((x) => x.object.columns)).toEqual([['amount']]);
        expectWellFormed(f[0]);
        await exec(f[0].fix!);
        const v = await getDb().query<{ amount: string }>(`select amount::text as amount from lint_money.prices`);
        expect(v.rows[0].amount).toBe('12.50');
      });

      it('serial_instead_of_identity: flags serial, not identity or a shared sequence default; the fix keeps numbering', async () => {
        await build('lint_serial', `
          create table a (id serial primary key, v text);
          create table b (id int generated by default as identity primary key);
          create sequence shared_seq;
          create table c (id bigint primary key default nextval('shared_seq'));
          insert into a (v) values ('x'), ('y'), ('z');`);
        const r = await lint('lint_serial');
        const f = of(r, 'serial_instead_of_identity');
        expect(f.map((x) => `${x.object.table}.${x.object.columns}`)).toEqual(['a.id']);
        expect(f[0].object.sequence).toBe('lint_serial.a_id_seq');
        expectWellFormed(f[0]);
        await exec(f[0].fix!);
        const ins = await getDb().query<{ id: number }>(`insert into lint_serial.a (v) values ('w') returning id`);
        expect(ins.rows[0].id).toBe(4);
        expect(of(await lint('lint_serial'), 'serial_instead_of_identity')).toHaveLength(0);
      });

      it('varchar_length_without_reason: flags varchar(255), not one with a check, a comment, or no length', async () => {
        await build('lint_vc', `
          create table people (
            id int primary key,
            name varchar(255),
            country varchar(2) check (country ~ '^[A-Z]{2}$'),
            legacy_code varchar(8),
            anything varchar,
            body text);
          comment on column people.legacy_code is 'the upstream system stores 8 characters';`);
        const r = await lint('lint_vc');
        const f = of(r, 'varchar_length_without_reason');
        expect(f.map((x) => x.object.columns)).toEqual([['name']]);
        expectWellFormed(f[0]);
        expect(f[0].fix).toContain('char_length(name) <= 255');
        await exec(f[0].fix!);
        expect(of(await lint('lint_vc'), 'varchar_length_without_reason')).toHaveLength(0);
      });
    });

    describe('eav_table', () => {
      it('flags an entity–attribute–value table but not a key/value settings table', async () => {
        await build('lint_eav', `
          create table products (id int primary key, name text not null);
          create table product_attributes (
            id int generated always as identity primary key,
            product_id int not null references products (id),
            attribute text not null,
            value text);
          create table settings (key text primary key, value text);
          insert into products values (1, 'chair'), (2, 'desk');
          insert into product_attributes (product_id, attribute, value) values (1, 'color', 'red'), (1, 'legs', '4'), (2, 'color', 'oak');`);
        const r = await lint('lint_eav');
        const f = of(r, 'eav_table');
        expect(f.map((x) => x.object)).toEqual([{ schema: 'lint_eav', table: 'product_attributes', columns: ['product_id', 'attribute', 'value'] }]);
        expectWellFormed(f[0]);
        await exec(f[0].fix!);
        const back = await getDb().query<{ attributes: Record<string, string> }>(`select attributes from lint_eav.products where id = 1`);
        expect(back.rows[0].attributes).toEqual({ color: 'red', legs: '4' });
      });
    });

    describe('god_table', () => {
      const wide = (name: string, n: number) =>
        `create table ${name} (id int primary key, ${Array.from({ length: n - 1 }, (_, i) => (i < 6 ? `billing_${["street", "city", "zip", "country", "phone", "email"][i]} text` : `c${i} text`)).join(', ')});`;

      it('flags a 45-column table, not a 30-column one', async () => {
        await build('lint_god', wide('everything', 45) + wide('customers', 30));
        const r = await lint('lint_god');
        const f = of(r, 'god_table');
        expect(f.map((x) => x.object)).toEqual([{ schema: 'lint_god', table: 'everything' }]);
        expect(f[0].message).toContain('45 columns');
        expect(f[0].message).toContain('billing_* (6)');
        expectWellFormed(f[0]);
        await exec(f[0].fix!);
        expect(of(await lint('lint_god'), 'god_table')).toHaveLength(0);
      });
    });

    describe('repeating_column_group', () => {
      it('flags phone1..phone3, not a single phone column or ipv4/ipv6', async () => {
        await build('lint_rep', `
          create table customers (id int primary key, name text, phone1 text, phone2 text, phone3 text);
          create table contacts (id int primary key, phone text);
          create table hosts (id int primary key, ipv4 inet, ipv6 inet);
          insert into customers values (1, 'Ann', '555-1', '555-2', null), (2, 'Bob', null, null, '555-9');
          insert into contacts values (1, '555-0');`);
        const r = await lint('lint_rep');
        const f = of(r, 'repeating_column_group');
        expect(f.map((x) => x.object)).toEqual([{ schema: 'lint_rep', table: 'customers', columns: ['phone1', 'phone2', 'phone3'] }]);
        expectWellFormed(f[0]);
        await exec(f[0].fix!);
        const rows = await getDb().query<{ n: number }>(`select count(*)::int as n from lint_rep.customer_phone`);
        expect(rows.rows[0].n).toBe(3);
        expect(of(await lint('lint_rep'), 'repeating_column_group')).toHaveLength(0);
      });
    });

    describe('delimited_list_column', () => {
      it('flags comma-separated tag lists, not "Last, First" names or prose', async () => {
        await build('lint_csv', `
          create table posts (id int primary key, title text, tags text, author text, summary text);
          insert into posts values
            (1, 'a', 'postgres,sql,index', 'Smith, John', 'Short, but sweet: a post about things that matter a lot.'),
            (2, 'b', 'sql', 'Doe, Jane', 'Nothing much.'),
            (3, 'c', 'postgres, json', 'Roe, Rick', 'Once upon a time, there was a database that never slept at night.'),
            (4, 'd', 'index,btree,gin,gist', 'Poe, Edgar', 'Plain.'),
            (5, 'e', 'sql,json', 'Woe, Wanda', 'We tried, we failed, we learned how the planner really works inside.'),
            (6, 'f', 'vacuum', 'Low, Larry', 'Fine.');`);
        const r = await lint('lint_csv');
        const f = of(r, 'delimited_list_column');
        expect(f.map((x) => x.object)).toEqual([{ schema: 'lint_csv', table: 'posts', columns: ['tags'] }]);
        expect(f[0].message).toContain('4 of 6');
        expectWellFormed(f[0]);
        await exec(f[0].fix!.split('\n-- or')[0]);
        const items = await getDb().query<{ n: number }>(`select count(*)::int as n from lint_csv.post_tag`);
        expect(items.rows[0].n).toBe(13);
      });
    });

    describe('functional_dependency', () => {
      const employees = (n: number) =>
        Array.from({ length: n }, (_, i) => {
          const d = i % 4;
          return `(${i + 1}, 'emp${i + 1}', ${10 + d}, '${['Sales', 'Support', 'Research', 'Legal'][d]}', ${1000 + ((i * 37) % 11) * 100})`;
        }).join(', ');

      it('flags a non-key column determined by another non-key column (3NF) and the decomposition works', async () => {
        await build('lint_fd', `
          create table employees (id int primary key, name text not null, dept_id int not null, dept_name text not null, salary int not null);
          insert into employees values ${employees(24)};`);
        const r = await lint('lint_fd');
        const f = of(r, 'functional_dependency');
        expect(f.map((x) => x.object)).toEqual([{ schema: 'lint_fd', table: 'employees', columns: ['dept_id', 'dept_name'] }]);
        expect(f[0].message).toContain('3NF');
        expectWellFormed(f[0]);
        await exec(f[0].fix!);
        const dept = await getDb().query<{ n: number }>(`select count(*)::int as n from lint_fd.dept`);
        expect(dept.rows[0].n).toBe(4);
        expect(of(await lint('lint_fd'), 'functional_dependency')).toHaveLength(0);
      });

      it('flags a partial-key dependency in a composite key (2NF) and moves it to the referenced table', async () => {
        const items = Array.from({ length: 20 }, (_, i) => `(${Math.floor(i / 4) + 1}, ${(i % 5) + 1}, 'product ${(i % 5) + 1}', ${(i % 3) + 1})`).join(', ');
        await build('lint_fd2', `
          create table products (id int primary key);
          insert into products select generate_series(1, 5);
          create table order_items (order_id int, product_id int not null references products (id) on delete restrict,
                                    product_name text, qty int, primary key (order_id, product_id));
          insert into order_items values ${items};`);
        const r = await lint('lint_fd2');
        const f = of(r, 'functional_dependency');
        expect(f.map((x) => x.object.columns)).toEqual([['product_id', 'product_name']]);
        expect(f[0].message).toContain('2NF');
        expect(f[0].fix).toContain('ALTER TABLE lint_fd2.products ADD COLUMN product_name text');
        await exec(f[0].fix!);
        const p = await getDb().query<{ product_name: string }>(`select product_name from lint_fd2.products where id = 3`);
        expect(p.rows[0].product_name).toBe('product 3');
      });

      it('does not flag a dependency that holds only by accident on a few rows, or is broken once', async () => {
        await build('lint_fd_near', `
          create table tiny (id int primary key, city text, country text);
          insert into tiny values (1, 'Lyon', 'FR'), (2, 'Lyon', 'FR');
          create table few (id int primary key, city text, country text);
          insert into few values (1, 'Lyon', 'FR'), (2, 'Lyon', 'FR'), (3, 'Kyiv', 'UA'), (4, 'Kyiv', 'UA'), (5, 'Oslo', 'NO'), (6, 'Oslo', 'NO');
          create table broken (id int primary key, dept_id int, dept_name text);
          insert into broken select g, g % 4, 'dept ' || (g % 4) from generate_series(1, 24) g;
          update broken set dept_name = 'dept 2' where id = 5;`);
        const r = await lint('lint_fd_near');
        expect(of(r, 'functional_dependency')).toEqual([]);
      });
    });

    describe('missing_not_null', () => {
      it('flags an always-filled column that looks required, not optional-looking ones, ones with NULLs, or tiny tables', async () => {
        await build('lint_nn', `
          create table users (id int primary key, email text, nickname text, city text, status text default 'active', bio text);
          insert into users select g, 'u' || g || '@x.org', 'nick' || g, 'Paris', 'active', case when g % 2 = 0 then 'hi' end from generate_series(1, 20) g;
          create table few (id int primary key, email text);
          insert into few values (1, 'a@x.org'), (2, 'b@x.org');`);
        const r = await lint('lint_nn');
        const f = of(r, 'missing_not_null');
        expect(f.map((x) => `${x.object.table}.${x.object.columns}`)).toEqual(['users.email', 'users.status']);
        expectWellFormed(f[0]);
        await exec(f[0].fix!.split('\n')[0]);
        expect(of(await lint('lint_nn'), 'missing_not_null').map((x) => x.object.columns)).toEqual([['status']]);
      });
    });

    describe('foreign keys', () => {
      it('fk_type_mismatch: flags integer referencing bigint, not matching types', async () => {
        await build('lint_fkt', `
          create table accounts (id bigint primary key);
          create table payments (id int primary key, account_id int references accounts (id) on delete cascade);
          create table refunds (id int primary key, account_id bigint references accounts (id) on delete cascade);`);
        const r = await lint('lint_fkt');
        const f = of(r, 'fk_type_mismatch');
        expect(f.map((x) => x.object)).toEqual([{ schema: 'lint_fkt', table: 'payments', columns: ['account_id'], constraint: 'payments_account_id_fkey' }]);
        expectWellFormed(f[0]);
        await exec(f[0].fix!);
        expect(of(await lint('lint_fkt'), 'fk_type_mismatch')).toHaveLength(0);
      });

      it('missing_fk_action: flags a default NO ACTION foreign key and an id column without one; not explicit actions or unrelated ids', async () => {
        await build('lint_fka', `
          create table customers (id int primary key);
          create table orders (id int primary key, customer_id int not null references customers (id));
          create table notes (id int primary key, customer_id int references customers (id) on delete set null);
          create table invoices (id int primary key, customer_id int not null, external_id int);
          insert into customers values (1), (2);
          insert into orders values (1, 1);
          insert into invoices values (1, 2, 77);`);
        const r = await lint('lint_fka');
        const f = of(r, 'missing_fk_action');
        expect(f.map((x) => x.object)).toEqual([
          { schema: 'lint_fka', table: 'invoices', columns: ['customer_id'] },
          { schema: 'lint_fka', table: 'orders', columns: ['customer_id'], constraint: 'orders_customer_id_fkey' },
        ]);
        f.forEach(expectWellFormed);
        expect(f[0].severity).toBe('warning');
        expect(f[1].severity).toBe('info');
        expect(f[1].fix).toContain('ON DELETE RESTRICT NOT VALID');
        // One statement at a time, as psql and the playground run it (CONCURRENTLY refuses a multi-statement string).
        for (const x of f) for (const p of await splitScript(x.fix!)) if (p.kind === 'sql') await exec(p.text);
        expect(of(await lint('lint_fka'), 'missing_fk_action')).toHaveLength(0);
        await expect(exec(`delete from lint_fka.customers where id = 2`)).rejects.toThrow(/foreign key/);
      });
    });

    describe('report', () => {
      it('lists facts for the linted schema and turns the data checks off with sampleRows 0', async () => {
        await build('lint_facts', `
          create table t (id int primary key, email text, tags text);
          insert into t select g, 'x' || g, 'a,b,c' || repeat(',d', g % 2) from generate_series(1, 12) g;`);
        const r = await lint('lint_facts');
        expect(r.facts.schemas).toEqual(['lint_facts']);
        expect(r.facts.tables).toEqual([{ schema: 'lint_facts', table: 't', columns: 3, sampledRows: 12, sampleMethod: 'limit' }]);
        expect(Object.keys(r.facts.counts).sort()).toEqual([...SCHEMA_LINT_CHECKS].sort());
        expect(r.facts.counts.missing_not_null).toBe(1);
        expect(r.facts.counts.delimited_list_column).toBe(1);
        const off = await lint('lint_facts', 0);
        expect(off.facts.tables[0].sampleMethod).toBe('skipped');
        expect(off.findings.filter((f) => ['missing_not_null', 'delimited_list_column', 'functional_dependency'].includes(f.check))).toEqual([]);
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      });

      it('samples pages with TABLESAMPLE on a table far larger than the sample', async () => {
        await build('lint_big', `
          create table big (id int primary key, email text);
          insert into big select g, 'u' || g || '@x.org' from generate_series(1, 20000) g;
          analyze big;`);
        const r = await lint('lint_big', 100);
        expect(r.facts.tables[0].sampleMethod).toBe('tablesample');
        expect(r.facts.tables[0].sampledRows).toBeGreaterThan(0);
        expect(r.facts.tables[0].sampledRows).toBeLessThanOrEqual(100);
      });
    });
  });
}

// Registered on PGlite only when this file itself is the test file: the native-server test
// imports describeSchemaLinter and runs it on its own connection.
if (expect.getState().testPath === import.meta.filename) {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await localEngine();
  });
  afterAll(() => engine.db.close());
  describeSchemaLinter('PGlite', () => engine);
}
