-- The "shop" dataset of the indexes chapter. Deterministic: everything random comes from
-- random() after setseed, and the checker rebuilds it with another seed to catch answers
-- that are right only by luck. The loader replaces the seed placeholder.
select setseed(:seed);

create extension if not exists pg_trgm;

-- 50 000 customers. Emails are unique; country is skewed (a few big markets, a long tail).
create table customers (
  id         bigint primary key,
  email      text not null,
  name       text not null,
  country    text not null,
  status     text not null,
  created_at timestamptz not null
);
insert into customers
select i,
       'user' || i || '@' || (array['example.com','mail.test','post.example','shop.test'])[1 + (i % 4)],
       (array['Ada','Alan','Grace','Linus','Edsger','Barbara','Donald','Frances','Ken','Margaret','Niklaus','Radia'])[random(1, 12)]
         || ' ' ||
       (array['Lovelace','Turing','Hopper','Torvalds','Dijkstra','Liskov','Knuth','Allen','Thompson','Hamilton','Wirth','Perlman'])[random(1, 12)],
       case when r < 0.35 then 'DE' when r < 0.60 then 'FR' when r < 0.75 then 'NL' when r < 0.85 then 'IT'
            else (array['ES','PL','SE','DK','BE','AT','PT','CZ','FI','IE','NO','GR'])[random(1, 12)] end,
       case when random() < 0.93 then 'active' else 'closed' end,
       timestamptz '2022-01-01' + (i * interval '25 minutes') + random() * interval '20 minutes'
from (select i, random() as r from generate_series(1, 50000) i) s;

-- 200 000 orders, inserted in time order (created_at follows id: ideal for BRIN).
-- A fifth of them come from 100 business customers (ids 1-100, hundreds of orders each);
-- the rest spread over everyone. 2 % are still pending, which makes "pending" a selective value and "shipped" an unselective one.
create table orders (
  id          bigint primary key,
  customer_id bigint not null,
  status      text not null,
  total       numeric(10,2) not null,
  created_at  timestamptz not null,
  note        text
);
insert into orders
select i,
       case when random() < 0.2 then random(1, 100) else random(1, 50000) end,
       case when r < 0.02 then 'pending' when r < 0.10 then 'paid' when r < 0.13 then 'cancelled' else 'shipped' end,
       round((5 + random() * 245)::numeric, 2),
       -- On the second copy (:perturbed) one order in 50 sits exactly on midnight, a day's bound.
       case when :perturbed and i % 50 = 0 then date_trunc('day', timestamptz '2024-01-01' + (i * interval '4 minutes') + random() * interval '3 minutes')
            else timestamptz '2024-01-01' + (i * interval '4 minutes') + random() * interval '3 minutes' end,
       null
from (select i, random() as r from generate_series(1, 200000) i) s;
-- Added after the load: one validating join instead of 200 000 trigger checks.
alter table orders add foreign key (customer_id) references customers;

-- 10 000 products with a text name (trigram search), tags (array) and attributes (jsonb).
create table products (
  id    int primary key,
  sku   text not null,
  name  text not null,
  tags  text[] not null,
  attrs jsonb not null,
  price numeric(10,2) not null
);
insert into products
select i,
       'SKU-' || lpad(i::text, 6, '0'),
       (array['Steel','Oak','Linen','Copper','Glass','Wool','Bamboo','Cotton'])[random(1, 8)] || ' ' ||
       (array['kettle','lamp','chair','mug','blanket','shelf','vase','towel','desk','clock'])[random(1, 10)] || ' ' ||
       (array['classic','mini','pro','deluxe','eco','travel'])[random(1, 6)],
       -- Each tag drawn for each row (a subquery that does not reference the row would run once
       -- and give every product the same tags).
       array_remove(array[case when random() < 0.2 then 'kitchen' end, case when random() < 0.2 then 'living' end,
                          case when random() < 0.2 then 'outdoor' end, case when random() < 0.2 then 'office' end,
                          case when random() < 0.2 then 'bath' end,    case when random() < 0.2 then 'gift' end,
                          case when random() < 0.2 then 'sale' end,    case when random() < 0.2 then 'new' end], null),
       jsonb_build_object('color', (array['red','blue','green','black','white'])[random(1, 5)],
                          'weight_g', random(100, 5000),
                          'eco', random() < 0.3),
       round((3 + random() * 300)::numeric, 2)
from generate_series(1, 10000) i;

-- 30 000 login sessions looked up only by their long random token (a case for Hash).
create table sessions (
  token       text primary key,
  customer_id bigint not null,
  expires_at  timestamptz not null
);
insert into sessions
select md5(random()::text) || md5(random()::text),
       random(1, 50000),
       timestamptz '2025-01-01' + random() * interval '60 days'
from generate_series(1, 30000);

-- 20 000 room bookings with a time range (GiST: overlap queries, exclusion constraints).
-- Each of the 400 rooms has one booking per week, starting 0-3 days into the week and lasting
-- 1-72 hours, so no two bookings of a room overlap (yet).
create table bookings (
  id      int primary key,
  room_id int not null,
  during  tstzrange not null
);
insert into bookings
select (room - 1) * 50 + week + 1, room,
       tstzrange(s, s + random(1, 72) * interval '1 hour')
from (select room, week,
             timestamptz '2025-01-06' + week * interval '7 days' + random(0, 72) * interval '1 hour' as s
      from generate_series(1, 400) room, generate_series(0, 49) week) b;

-- 20 000 pick-up points as points on a 1000 x 1000 km grid (GiST / SP-GiST: nearest neighbour).
create table pickup_points (
  id       int primary key,
  city     text not null,
  location point not null
);
insert into pickup_points
select i, 'City ' || random(1, 300), point(random() * 1000, random() * 1000)
from generate_series(1, 20000) i;

-- The inserts' counts are still pending in this session: flush them first, or VACUUM sets
-- n_live_tup and the pending counts are added on top later (twice the real figure).
select pg_stat_force_next_flush();
vacuum analyze;
