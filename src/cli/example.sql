-- A small shop schema with one of most problems the analyzers look for, to try the CLI with no
-- server at all:  npx pglab check --load src/cli/example.sql
-- The CLI tests and the PGlite-versus-native parity test run this same script.

create table customers (
  id serial primary key,
  email varchar(255),
  name text not null,
  phone1 text,
  phone2 text,
  phone3 text,
  created_at timestamp default now()
);

create table products (
  id int generated always as identity primary key,
  name text not null,
  price money,
  specs json
);

create table product_attributes (
  id int generated always as identity primary key,
  product_id int not null references products (id),
  attribute text not null,
  value text
);

create table orders (
  id bigint generated always as identity primary key,
  customer_id int not null references customers (id),
  status text not null default 'new',
  placed date not null,
  tags text
);
create index orders_status_idx on orders (status);
create index orders_status_placed_idx on orders (status, placed);

create table accounts (id bigint primary key);
create table payments (id int primary key, account_id int references accounts (id) on delete cascade, note text);
create index payments_note_idx on payments (note);

create table employees (id int primary key, name text not null, dept_id int not null, dept_name text not null, salary int not null);

create table audit_log (happened_at timestamptz not null, payload text);

create table events (id int primary key, kind int, rare int);
create index events_rare_idx on events (rare);
create index events_rare_idx2 on events (rare);

insert into customers (email, name, phone1, phone2, created_at)
select 'c' || g || '@example.org', 'Customer ' || g, '555-' || g, case when g % 3 = 0 then '556-' || g end, timestamp '2026-01-01' + g * interval '1 hour'
  from generate_series(1, 40) g;

insert into products (name, price, specs)
select 'Product ' || g, (g * 1.5)::numeric::money, json_build_object('weight', g) from generate_series(1, 8) g;

insert into product_attributes (product_id, attribute, value)
values (1, 'color', 'red'), (1, 'legs', '4'), (2, 'color', 'oak'), (3, 'size', 'L');

insert into orders (customer_id, status, placed, tags)
select 1 + g * 7 % 40, (array['new', 'paid', 'shipped'])[1 + g % 3], date '2026-01-01' + g % 97,
       (array['gift,express', 'gift', 'bulk,express,fragile', 'express'])[1 + g / 3 % 4]
  from generate_series(1, 300) g;

insert into employees
select g, 'emp' || g, 10 + g % 4, (array['Sales', 'Support', 'Research', 'Legal'])[1 + g % 4], 1000 + (g * 37 % 11) * 100
  from generate_series(1, 24) g;

insert into events select g, g % 7, case when g % 10 = 0 then g end from generate_series(1, 20000) g;

select setval('customers_id_seq', 2000000000);

analyze;

select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
select count(*) from events where kind = 3;
