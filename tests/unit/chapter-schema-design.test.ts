// The schema-design chapter's checks accept right answers written differently from the
// reference (other names for constraints, surrogate keys, other SQL for the same rule) and
// refuse wrong ones nobody listed in the exercise files. Real PGlite, the real chapter.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { sharedSandbox } from '../../scripts/chapter-builds.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';
import type { Chapter, CheckReport, Exercise } from '../../src/lessons/format.ts';
import { readLessonFiles } from '../../scripts/verify-lessons.ts';

let chapter: Chapter;
let box: ChapterSandbox;
const ex = (slug: string) => chapter.exercises.find((e) => e.id.endsWith(slug)) as Exercise;
const failed = (r: CheckReport) => (r.error ? [`error: ${r.error.message}`] : r.checks.filter((c) => !c.passed).map((c) => `${c.kind}: ${c.message}`));

beforeAll(async () => {
  chapter = loadLessons(readLessonFiles()).find((c) => c.id === 'schema-design')!;
  box = await sharedSandbox(chapter, undefined, await compiledPglite());
}, 120_000);
afterAll(() => box?.close());

const RIGHT: Record<string, string[]> = {
  'first-normal-form': [
    // regexp_split_to_table with the spaces in the pattern; a named constraint.
    `create table customer_phones (customer_email text not null, phone text not null,
       constraint customer_phones_pk primary key (customer_email, phone),
       constraint customer_phones_customer_fk foreign key (customer_email) references customer_contacts (customer_email));
     insert into customer_phones select customer_email, regexp_split_to_table(phones, '\\s*,\\s*') from customer_contacts;`,
    // btrim, distinct, an unnamed column-level foreign key with a delete action.
    `create table customer_phones (customer_email text references customer_contacts on delete cascade, phone text, primary key (customer_email, phone));
     insert into customer_phones select distinct c.customer_email, btrim(x) from customer_contacts c cross join lateral unnest(string_to_array(c.phones, ',')) x;`,
  ],
  'third-normal-form': [
    // Surrogate keys beside the natural ones, varchar and bigint types, named constraints.
    `create table suppliers (id int generated always as identity, supplier_name varchar(100) not null, supplier_country char(2) not null,
       constraint suppliers_pk primary key (supplier_name));
     create table products (product_sku varchar(20) primary key, product_name text not null, unit_price numeric not null,
       supplier_name varchar(100) not null, constraint products_supplier_fk foreign key (supplier_name) references suppliers (supplier_name) on update cascade);
     create table customers (customer_email text primary key, customer_name text not null, customer_city text not null);
     create table orders (order_no bigint primary key, order_date date not null, customer_email text not null references customers on delete restrict);
     create table order_lines (order_no bigint references orders, product_sku varchar(20) references products, quantity smallint not null, primary key (order_no, product_sku));
     insert into suppliers (supplier_name, supplier_country) select supplier_name, min(supplier_country) from order_import group by 1;
     insert into products select product_sku, min(product_name), min(unit_price), min(supplier_name) from order_import group by 1;
     insert into customers select customer_email, min(customer_name), min(customer_city) from order_import group by 1;
     insert into orders select order_no, min(order_date), min(customer_email) from order_import group by 1;
     insert into order_lines select order_no, product_sku, quantity from order_import;`,
  ],
  'many-to-many': [
    `create table assignments (employee_id int not null, project_id int not null, role text not null default 'member',
       constraint assignments_pkey primary key (employee_id, project_id),
       constraint assignments_role_check check (role = any (array['member', 'lead', 'reviewer'])),
       foreign key (employee_id) references employees (id) on delete cascade,
       foreign key (project_id) references projects (id) on delete cascade);
     insert into assignments (employee_id, project_id, role)
     select employee_id, regexp_split_to_table(project_ids, ',')::int, 'member' from staffing_export;`,
  ],
  'hierarchy': [
    `alter table employees add foreign key (manager_id) references employees;
     with recursive r(id, name, depth) as (
       select e.id, e.name, 1 from employees e where e.manager_id = 3
       union
       select e.id, e.name, r.depth + 1 from r join employees e on e.manager_id = r.id)
     select name, depth, id from r order by depth, id;`,
  ],
  'exclusive-arc': [
    `create table comments (id int primary key, author_id int not null references employees, body text not null, created_at timestamptz not null,
       ticket_id int references tickets, article_id int references articles,
       check ((ticket_id is null) <> (article_id is null)));
     insert into comments (id, author_id, body, created_at, ticket_id, article_id)
     select id, author_id, body, created_at,
            nullif(commentable_id * (commentable_type = 'Ticket')::int, 0), nullif(commentable_id * (commentable_type = 'Article')::int, 0)
     from comments_legacy;`,
  ],
  'single-table-inheritance': [
    `alter table payments add check (
       case kind
         when 'card' then num_nonnulls(card_last4, card_brand) = 2 and num_nulls(iban, voucher_code) = 2 and card_last4 ~ '^\\d{4}$'
         when 'transfer' then iban is not null and num_nulls(card_last4, card_brand, voucher_code) = 3
         when 'voucher' then voucher_code is not null and num_nulls(card_last4, card_brand, iban) = 3
         else false end);`,
  ],
  'audit-trail': [
    `create table audit_log (table_name text, operation text, old_row jsonb, new_row jsonb, changed_by text default current_user, changed_at timestamptz default now());
     create function log_change() returns trigger language plpgsql as $$
     begin
       if TG_OP = 'INSERT' then insert into audit_log (table_name, operation, new_row) values (TG_TABLE_NAME, TG_OP, to_jsonb(NEW));
       elsif TG_OP = 'UPDATE' then insert into audit_log (table_name, operation, old_row, new_row) values (TG_TABLE_NAME, TG_OP, to_jsonb(OLD), to_jsonb(NEW));
       else insert into audit_log (table_name, operation, old_row) values (TG_TABLE_NAME, TG_OP, to_jsonb(OLD));
       end if;
       return coalesce(NEW, OLD);
     end $$;
     create trigger a after insert on employees for each row execute function log_change();
     create trigger b after update or delete on employees for each row execute function log_change();`,
  ],
  'temporal-key': [
    `create extension if not exists btree_gist;
     alter table room_rates add constraint room_rates_pk primary key (room_id, valid without overlaps);
     create table room_bookings (id int primary key, room_id int not null references rooms, stay daterange not null,
       constraint room_bookings_rate_fk foreign key (room_id, period stay) references room_rates (room_id, period valid));`,
  ],
  'soft-delete': [
    `create unique index app_users_live_email_key on app_users using btree (email) where (deleted_at is null);
     create view live_users as select id, email, name, deleted_at from app_users u where u.deleted_at is null;`,
  ],
  'lint-silent': [
    `alter table sensor_events
       alter column id drop default,
       alter column device type text,
       alter column recorded_at type timestamp with time zone using (recorded_at at time zone 'UTC'),
       alter column payload type jsonb using payload::jsonb;
     drop sequence if exists sensor_events_id_seq;
     alter table sensor_events alter column id add generated by default as identity;
     select setval(pg_get_serial_sequence('sensor_events', 'id'), (select max(id) from sensor_events));`,
  ],
};

const WRONG: Record<string, string[]> = {
  'third-normal-form': [
    // One products row per (sku, supplier): a product may then have two suppliers.
    `create table suppliers (supplier_name text primary key, supplier_country text not null);
     create table products (product_sku text, product_name text not null, unit_price numeric(10,2) not null, supplier_name text not null references suppliers, primary key (product_sku, supplier_name));
     create table customers (customer_email text primary key, customer_name text not null, customer_city text not null);
     create table orders (order_no int primary key, order_date date not null, customer_email text not null references customers);
     create table order_lines (order_no int references orders, product_sku text, quantity int not null, primary key (order_no, product_sku));
     insert into suppliers select distinct supplier_name, supplier_country from order_import;
     insert into products select distinct product_sku, product_name, unit_price, supplier_name from order_import;
     insert into customers select distinct customer_email, customer_name, customer_city from order_import;
     insert into orders select distinct order_no, order_date, customer_email from order_import;
     insert into order_lines select order_no, product_sku, quantity from order_import;`,
  ],
  'exclusive-arc': [
    // At most one, not exactly one.
    `create table comments (id int primary key, ticket_id int references tickets, article_id int references articles,
       author_id int not null references employees, body text not null, created_at timestamptz not null,
       check (num_nonnulls(ticket_id, article_id) <= 1));
     insert into comments select id, case when commentable_type = 'Ticket' then commentable_id end,
       case when commentable_type = 'Article' then commentable_id end, author_id, body, created_at from comments_legacy;`,
  ],
  'soft-delete': [
    // The view shows every account.
    `create unique index app_users_live_email_key on app_users (email) where deleted_at is null;
     create view live_users as select * from app_users;`,
  ],
  'lint-silent': [
    // The linter is silent but the rows are gone.
    `drop table sensor_events;
     create table sensor_events (id int generated always as identity primary key, device text not null, recorded_at timestamptz not null, payload jsonb not null);`,
  ],
};

describe('schema-design: right answers written differently pass', () => {
  for (const [slug, answers] of Object.entries(RIGHT)) {
    answers.forEach((sql, i) => {
      it(`${slug} #${i + 1}`, async () => {
        const r = await checkExercise(box, ex(slug), sql);
        expect(failed(r)).toEqual([]);
        expect(r.passed).toBe(true);
      }, 120_000);
    });
  }
});

describe('schema-design: wrong answers nobody listed fail', () => {
  for (const [slug, answers] of Object.entries(WRONG)) {
    answers.forEach((sql, i) => {
      it(`${slug} #${i + 1}`, async () => {
        const r = await checkExercise(box, ex(slug), sql);
        expect(r.error).toBeUndefined();
        expect(r.passed).toBe(false);
      }, 120_000);
    });
  }
});
