-- The "wholesale" dataset of the schema-design chapter. Deterministic: everything random comes
-- from random() after setseed; the checker rebuilds it with another seed and the perturbed flag.
select setseed(:seed);

-- 1. A spreadsheet export, one row per order line, with every fact about the customer, the
--    product and its supplier repeated on each line. The exercises decompose it; its facts are
--    consistent (each product has one name, price and supplier; each supplier one country).
--    One customer in 97 (in 25 on the second copy) is called "Kim Meyer"; there, suppliers do not follow
--    the sku, and order numbers run backwards in time: shortcuts that rely on such accidents
--    (a name as a key, numbers that follow dates) fail there.
create table order_import (
  order_no         int not null,
  order_date       date not null,
  customer_email   text not null,
  customer_name    text not null,
  customer_city    text not null,
  product_sku      text not null,
  product_name     text not null,
  unit_price       numeric(10,2) not null,
  supplier_name    text not null,
  supplier_country text not null,
  quantity         int not null
);

create temp table s_suppliers as
select i as n, 'Supplier ' || chr(64 + 1 + (i - 1) % 26) || ((i - 1) / 26 + 1) as name,
       (array['DE','FR','NL','IT','ES','PL','SE','PT'])[1 + (i * 7) % 8] as country
from generate_series(1, 40) i;

create temp table s_products as
select i as n, 'SKU-' || lpad(i::text, 5, '0') as sku,
       (array['Bolt','Nut','Hinge','Bracket','Washer','Spring','Gasket','Valve','Hose','Clamp'])[1 + i % 10]
         || ' ' || (array['M4','M6','M8','M10','M12','small','large','steel','brass','nylon'])[1 + (i / 10) % 10]
         || ' #' || i as name,
       round((0.5 + random() * 120)::numeric, 2) as price,
       -- Suppliers: on the main copy product n comes from supplier 1 + n % 40; on the second
       -- copy the assignment is random, so "supplier follows sku" is no rule to lean on.
       case when :perturbed then random(1, 40) else 1 + i % 40 end as supplier
from generate_series(1, 600) i;

create temp table s_customers as
select i as n, 'buyer' || i || '@' || (array['acme.test','mail.test','works.example'])[1 + i % 3] as email,
       case when i % (case when :perturbed then 25 else 97 end) = 0 then 'Kim Meyer'
            else (array['Ada','Ben','Cleo','Dan','Eva','Finn','Gia','Hugo','Ines','Jon'])[random(1, 10)] || ' ' ||
                 (array['Schulz','Martin','Visser','Rossi','Garcia','Nowak','Berg','Silva'])[random(1, 8)] || ' ' || i end as name,
       (array['Berlin','Lyon','Utrecht','Turin','Porto','Gdansk','Malmo','Ghent'])[random(1, 8)] as city
from generate_series(1, 2500) i;

create temp table s_orders as
select i as n,
       case when :perturbed then 100000 - i else 100000 + i end as order_no,
       date '2024-01-01' + (i * 730 / 9000) as order_date,
       random(1, 2500) as customer
from generate_series(1, 9000) i;

insert into order_import
select o.order_no, o.order_date, c.email, c.name, c.city, p.sku, p.name, p.price, s.name, s.country,
       random(1, 40)
from s_orders o
cross join lateral (select distinct random(1, 600 + o.n * 0) as p from generate_series(1, random(1, 6 + o.n * 0))) l
join s_products p on p.n = l.p
join s_customers c on c.n = o.customer
join s_suppliers s on s.n = p.supplier;

-- A customer's phone numbers as one comma-separated text (violates 1NF), typed by hand: one
-- list in 7 (one in 2 on the second copy) has a space after its commas.
create table customer_contacts (
  customer_email text primary key,
  phones         text not null
);
insert into customer_contacts
select email,
       (select string_agg('+49 30 ' || lpad(random(0, 9999999)::text, 7, '0'), case when (n + k * 0) % (case when :perturbed then 2 else 7 end) = 0 then ', ' else ',' end)
        from generate_series(1, 1 + n % 3) k)
from s_customers;

-- 2. Normalized parts for the other exercises: an engineering organisation.
create table departments (
  id   int generated always as identity primary key,
  name text not null unique
);
insert into departments (name)
select unnest(array['Platform','Payments','Search','Mobile','Data','Support']);

-- 2 000 employees in a tree: employee 1 is the CEO, everyone else reports to someone with a
-- smaller id (a manager in the level above). On the second copy the tree is deeper and narrower.
create table employees (
  id            int primary key,
  name          text not null,
  email         text not null unique,
  department_id int not null references departments,
  manager_id    int,
  salary        numeric(10,2) not null check (salary > 0),
  hired_on      date not null
);
insert into employees
select i,
       (array['Ada','Ben','Cleo','Dan','Eva','Finn','Gia','Hugo','Ines','Jon'])[random(1, 10)] || ' ' ||
         (array['Schulz','Martin','Visser','Rossi','Garcia','Nowak','Berg','Silva'])[random(1, 8)],
       'e' || i || '@corp.test',
       random(1, 6),
       case when i = 1 then null
            when :perturbed then greatest(1, i - random(1, 3))
            else greatest(1, i / 6) end,
       round((40000 + random() * 90000)::numeric, 2),
       date '2015-01-01' + random(0, 3600)
from generate_series(1, 2000) i;

create table projects (
  id         int primary key,
  name       text not null unique,
  started_on date not null
);
insert into projects
select i, 'Project ' || i, date '2022-01-01' + random(0, 900) from generate_series(1, 150) i;

-- Who works on what, as the old tool exported it: one row per employee, project ids as a list.
create table staffing_export (
  employee_id int primary key,
  project_ids text not null
);
insert into staffing_export
select e, (select string_agg(distinct random(1, 150 + g * 0)::text, ',') from generate_series(1, random(1, 4 + e * 0)) g)
from generate_series(1, 2000) e;

-- Tickets and articles, commented on through a polymorphic pair of columns.
create table tickets (
  id      int primary key,
  title   text not null,
  opened  timestamptz not null
);
insert into tickets select i, 'Ticket ' || i, timestamptz '2025-01-01' + i * interval '37 minutes' from generate_series(1, 6000) i;
create table articles (
  id        int primary key,
  title     text not null,
  published timestamptz not null
);
-- Article and ticket ids overlap (both start at 1), as they do in real systems.
insert into articles select i, 'Article ' || i, timestamptz '2024-01-01' + i * interval '5 hours' from generate_series(1, 1500) i;
create table comments_legacy (
  id               int primary key,
  commentable_type text not null,
  commentable_id   int not null,
  author_id        int not null references employees,
  body             text not null,
  created_at       timestamptz not null
);
-- Comments were deleted over the years: the ids have gaps (one in ten is missing), so numbering
-- the comments again from 1 does not give back their ids.
insert into comments_legacy
select i + i / 9, t, case when t = 'Ticket' then random(1, 6000) else random(1, 1500) end,
       random(1, 2000), 'Comment ' || i, timestamptz '2025-01-01' + i * interval '3 minutes'
from (select i, case when random() < 0.7 then 'Ticket' else 'Article' end as t from generate_series(1, 20000) i) s;
-- The pair is indexed, as frameworks that generate polymorphic associations do (Rails'
-- `references :commentable, polymorphic: true`): a count of one target's comments is a lookup.
create index comments_legacy_target_idx on comments_legacy (commentable_type, commentable_id);

-- Payments, one table for three kinds: only some columns apply to each kind.
create table payments (
  id          int primary key,
  kind        text not null,
  amount      numeric(10,2) not null,
  card_last4  text,
  card_brand  text,
  iban        text,
  voucher_code text,
  paid_at     timestamptz not null
);
insert into payments
select i, k, round((1 + random() * 500)::numeric, 2),
       case when k = 'card' then lpad(random(0, 9999)::text, 4, '0') end,
       case when k = 'card' then (array['visa','mastercard','amex'])[random(1, 3)] end,
       case when k = 'transfer' then 'DE' || lpad(random(0, 99999999)::text, 20, '0') end,
       case when k = 'voucher' then 'V' || i end,
       timestamptz '2025-01-01' + i * interval '7 minutes'
from (select i, (array['card','card','card','transfer','voucher'])[random(1, 5)] as k from generate_series(1, 12000) i) s;

-- Rooms and their prices over time (no overlap yet enforced).
create table rooms (
  id   int primary key,
  name text not null
);
insert into rooms select i, 'Room ' || i from generate_series(1, 200) i;
create table room_rates (
  room_id int not null references rooms,
  valid   daterange not null,
  rate    numeric(8,2) not null
);
-- Each room has consecutive, non-overlapping price periods of 30-120 days from 2024 on.
insert into room_rates
select r, daterange(date '2024-01-01' + (p - 1) * 90, date '2024-01-01' + p * 90), round((60 + random() * 200)::numeric, 2)
from generate_series(1, 200) r, generate_series(1, 8) p;

-- Users with soft delete: 3 % are deleted; some deleted emails are registered again later.
create table app_users (
  id         int generated always as identity primary key,
  email      text not null,
  name       text not null,
  deleted_at timestamptz
);
insert into app_users (email, name, deleted_at)
select 'user' || i || '@app.test', 'User ' || i,
       case when i % 33 = 0 then timestamptz '2025-06-01' + i * interval '1 minute' end
from generate_series(1, 15000) i;
-- Ten deleted accounts whose email came back.
insert into app_users (email, name)
select email, name || ' (again)' from app_users where deleted_at is not null order by id limit 10;

-- API tokens of the accounts, for soft delete and foreign keys. One account in three has one to
-- three tokens; a token is open (revoked_at null) or revoked. Every token of a deleted account is
-- revoked, at its deletion or before (the loader kept that rule; nothing in the schema does). A
-- live account's token is revoked one time in four (one in two on the second copy).
create table api_tokens (
  id         int generated always as identity primary key,
  user_id    int not null references app_users,
  created_at timestamptz not null,
  revoked_at timestamptz,
  check (revoked_at >= created_at)
);
insert into api_tokens (user_id, created_at, revoked_at)
select u.id, c.created,
       case when u.deleted_at is not null then
              case when k = 1 then c.created + (u.deleted_at - c.created) / 2 else u.deleted_at end
            when random() < case when :perturbed then 0.5 else 0.25 end then c.created + interval '9 days'
       end
from app_users u
cross join generate_series(1, 1 + (u.id / 3) % 3) k
cross join lateral (select timestamptz '2025-01-01' + random(0, 140 + k * 0) * interval '1 day' as created) c
where u.id % 3 = 0;
create index on api_tokens (user_id);

-- A media library built on PostgreSQL's own table inheritance: books and films inherit media,
-- whose own rows are the other media (maps, sheet music). The parent's primary key and unique
-- barcode cover its own rows only, and loans has no foreign key, because one to media would refuse
-- every loan of a book or a film. Ids are unique across the three tables (the loader drew them
-- from one series), but only by the loader's care. Which table an id lands in is a pattern on the
-- main copy and random on the second.
create table media (
  id       int primary key,
  title    text not null,
  barcode  text not null unique,
  added_on date not null
);
create table books (pages int not null check (pages > 0)) inherits (media);
create table films (minutes int not null check (minutes > 0)) inherits (media);
create temp table s_media as
select i as id, case when :perturbed then (array['book','book','book','film','film','other'])[random(1, 6)]
                     else (array['book','film','book','other','book','film'])[1 + i % 6] end as kind,
       random(10000000, 99999999) as code, date '2015-01-01' + random(0, 3600) as added_on
from generate_series(1, 1500) i;
insert into media select id, 'Map ' || id, 'MAP-' || code || '-' || id, added_on from s_media where kind = 'other';
insert into books select id, 'Book ' || id, 'BK-' || code || '-' || id, added_on, random(40, 900) from s_media where kind = 'book';
insert into films select id, 'Film ' || id, 'FM-' || code || '-' || id, added_on, random(5, 240) from s_media where kind = 'film';
create table loans (
  id          int generated always as identity primary key,
  media_id    int not null,
  lent_on     date not null,
  returned_on date,
  check (returned_on >= lent_on)
);
insert into loans (media_id, lent_on, returned_on)
select random(1, 1500), d, case when random() < 0.9 then d + random(1, 28) end
from (select date '2025-01-01' + random(0, 330) as d from generate_series(1, 4000)) s;
-- The catalogue as exported before any change, one row per item with its kind: what a move of
-- these tables must keep (the checks compare against it; it is not in public).
create schema archive;
create table archive.media_export as
select m.tableoid::regclass::text as kind, m.id, m.title, m.barcode, m.added_on, b.pages, f.minutes
from media m left join books b on b.id = m.id and m.tableoid = 'books'::regclass
left join films f on f.id = m.id and m.tableoid = 'films'::regclass;

drop table s_suppliers, s_products, s_customers, s_orders, s_media;
vacuum analyze;
