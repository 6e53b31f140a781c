-- The "store" dataset of the query optimization chapter: customers, products, orders, their
-- lines and a click stream. Deterministic: every random value comes from random() after
-- setseed, and the checker builds a second copy with another seed to catch answers that are
-- right only by luck. The loader replaces the seed placeholder.
select setseed(:seed);

-- 40 000 customers. The city determines the country (a functional dependency the planner
-- does not know about until you create extended statistics); a few big cities dominate.
create table customers (
  id         bigint primary key,
  email      text not null,
  name       text not null,
  country    text not null,
  city       text not null,
  tier       text not null,
  created_at timestamptz not null
);
insert into customers
with city(city, country, w) as (
  values ('Berlin', 'DE', 10), ('Hamburg', 'DE', 6), ('Munich', 'DE', 6), ('Cologne', 'DE', 4), ('Frankfurt', 'DE', 4),
         ('Paris', 'FR', 10), ('Lyon', 'FR', 4), ('Marseille', 'FR', 3), ('Toulouse', 'FR', 3),
         ('Milan', 'IT', 5), ('Rome', 'IT', 4), ('Turin', 'IT', 2),
         ('Madrid', 'ES', 5), ('Barcelona', 'ES', 4), ('Valencia', 'ES', 2),
         ('Amsterdam', 'NL', 5), ('Rotterdam', 'NL', 2), ('Utrecht', 'NL', 1),
         ('Warsaw', 'PL', 4), ('Krakow', 'PL', 2),
         ('Stockholm', 'SE', 3), ('Gothenburg', 'SE', 2),
         ('Brussels', 'BE', 2), ('Antwerp', 'BE', 1),
         ('Vienna', 'AT', 3), ('Dublin', 'IE', 2)
),
band as (
  select city, country,
         (sum(w) over (order by city) - w)::float8 / sum(w) over () as lo,
         sum(w) over (order by city)::float8 / sum(w) over () as hi
  from city
),
pick as (select i, random() as r, random() as t from generate_series(1, 40000) i)
select i,
       'customer' || i || '@' || (array['example.com', 'mail.test', 'post.example'])[1 + i % 3],
       (array['Ada','Alan','Grace','Linus','Edsger','Barbara','Donald','Frances','Ken','Margaret','Niklaus','Radia'])[random(1, 12)]
         || ' ' ||
       (array['Lovelace','Turing','Hopper','Torvalds','Dijkstra','Liskov','Knuth','Allen','Thompson','Hamilton','Wirth','Perlman'])[random(1, 12)],
       band.country, band.city,
       case when t < 0.05 then 'gold' when t < 0.25 then 'silver' else 'standard' end,
       -- On the second copy (:perturbed) the sign-up times are a permutation of the ids (7919 is
       -- prime to 40 000): there, ordering by id is not ordering by sign-up time.
       case when :perturbed then timestamptz '2021-01-01' + ((i * 7919) % 40000) * interval '70 minutes' + random() * interval '60 minutes'
            else timestamptz '2021-01-01' + i * interval '70 minutes' + random() * interval '60 minutes' end
from pick join band on pick.r >= band.lo and pick.r < band.hi
order by i;

-- 5 000 products in 8 categories.
create table products (
  id       int primary key,
  sku      text not null,
  name     text not null,
  category text not null,
  price    numeric(10,2) not null
);
insert into products
select i,
       'SKU-' || lpad(i::text, 5, '0'),
       (array['Steel','Oak','Linen','Copper','Glass','Wool','Bamboo','Cotton'])[random(1, 8)] || ' ' ||
       (array['kettle','lamp','chair','mug','blanket','shelf','vase','towel','desk','clock'])[random(1, 10)] || ' ' ||
       (array['classic','mini','pro','deluxe','eco','travel'])[random(1, 6)],
       (array['kitchen','living','outdoor','office','bath','garden','kids','gifts'])[random(1, 8)],
       round((3 + random() * 297)::numeric, 2)
from generate_series(1, 5000) i;

-- 100 000 orders from January 2024 to June 2025, inserted in time order. Old customers order
-- much more than new ones (random()^2 favours low ids), so about one customer in six (16 %) has
-- never ordered; 1 % are guest orders without a customer (customer_id is NULL).
create table orders (
  id          bigint primary key,
  customer_id bigint,
  status      text not null,
  created_at  timestamptz not null,
  total       numeric(10,2) not null
);
insert into orders
select i,
       case when g < 0.01 then null else 1 + floor(40000 * random() ^ 2)::bigint end,
       case when s < 0.78 then 'delivered' when s < 0.86 then 'shipped' when s < 0.91 then 'pending'
            when s < 0.97 then 'cancelled' else 'returned' end,
       -- The second copy (:perturbed) changes what shortcuts rely on: there ids run backwards in
       -- time, and one order in 50 sits exactly on midnight (on every day, month and year bound).
       -- Each branch calls random() once, as the learner's copy always did.
       case when :perturbed and i % 50 = 0
            then date_trunc('day', timestamptz '2024-01-01' + (100001 - i) * interval '470 seconds' + random() * interval '300 seconds')
            when :perturbed then timestamptz '2024-01-01' + (100001 - i) * interval '470 seconds' + random() * interval '300 seconds'
            else timestamptz '2024-01-01' + i * interval '470 seconds' + random() * interval '300 seconds' end,
       round((8 + random() ^ 2 * 490)::numeric, 2)
from (select i, random() as g, random() as s from generate_series(1, 100000) i) o;

-- 1 to 3 lines per order (about 200 000), at the product's price; popular products sell much
-- more than the rest.
create table order_items (
  order_id   bigint not null,
  line_no    int not null,
  product_id int not null,
  quantity   int not null,
  unit_price numeric(10,2) not null,
  primary key (order_id, line_no)
);
-- (The reference to o.id makes random(1, 3) run once per order, not once for the whole query.)
-- On the second copy (:perturbed) a line in four was sold at a discount: unit_price is not
-- always the product's price there.
insert into order_items
select l.order_id, l.line_no, l.product_id, l.quantity,
       case when :perturbed and random() < 0.25 then round(p.price * 0.85, 2) else p.price end
from (select o.id as order_id, n as line_no, 1 + floor(5000 * random() ^ 2)::int as product_id,
             case when random() < 0.8 then 1 else random(2, 5) end as quantity
      from orders o cross join lateral generate_series(1, random(1, 3) + (o.id * 0)::int) n) l
join products p on p.id = l.product_id;

-- 150 000 click-stream events in May 2025, one every 13 seconds plus up to half a minute,
-- stored to the minute: every minute holds several events with the same timestamp, and ids
-- follow time only roughly.
create table events (
  id          bigint primary key,
  customer_id bigint not null,
  kind        text not null,
  created_at  timestamptz not null
);
insert into events
select i,
       1 + floor(40000 * random() ^ 2)::bigint,
       case when k < 0.70 then 'page_view' when k < 0.85 then 'search' when k < 0.93 then 'add_to_cart'
            when k < 0.97 then 'checkout' else 'login' end,
       -- On the second copy (:perturbed) the times jitter by up to 20 minutes either way: there
       -- ids do not follow time within the feed's pages, and a later id can sit at an earlier
       -- minute (a cursor on id alone, or `created_at <= … and id < …`, picks other rows).
       case when :perturbed then greatest(timestamptz '2025-05-01', date_trunc('minute', timestamptz '2025-05-01' + i * interval '13 seconds' + (random() - 0.5) * interval '40 minutes'))
            else date_trunc('minute', timestamptz '2025-05-01' + i * interval '13 seconds' + random() * interval '30 seconds') end
from (select i, random() as k from generate_series(1, 150000) i) e;

-- The indexes an application would already have.
create index orders_customer_id_idx on orders (customer_id);
create index orders_created_at_idx on orders (created_at);
create index order_items_product_id_idx on order_items (product_id);
create index events_customer_id_idx on events (customer_id);
create index events_created_at_id_idx on events (created_at, id);

-- Foreign keys after the load: one validating join each instead of a trigger call per row.
alter table orders add foreign key (customer_id) references customers;
alter table order_items add foreign key (order_id) references orders;
alter table order_items add foreign key (product_id) references products;
alter table events add foreign key (customer_id) references customers;

-- The inserts' counts are still pending in this session: flush them first, or VACUUM sets
-- n_live_tup and the pending counts are added on top later (twice the real figure).
select pg_stat_force_next_flush();
vacuum analyze;

-- What two exercises load into tables of their own (their setups copy these): a supplier's price
-- feed (exercise 7) and a summary table's stale placeholder rows (exercise 11). In a schema of
-- their own, so the chapter's tables stay the five above. The second copy (:perturbed) breaks what
-- a shortcut would rely on: there one product in three ends with a price cut and one in three
-- peaks in the middle (the latest change is not the highest price), and the placeholders hold
-- stale figures instead of zeros (adding to them is not correcting them).
create schema feed;
create table feed.price_changes as
select p.id as product_id,
       round(p.price * (0.9 + 0.05 * (case when not :perturbed or p.id % 30 = 20 then n
                                           when p.id % 30 = 0 then 4 - n
                                           else (array[2, 4, 3])[n] end)
                        + (p.id % 7) / 100.0), 2)::numeric(10,2) as new_price,
       timestamptz '2025-07-01' + n * interval '1 day' + (p.id % 24) * interval '1 hour' as changed_at
from products p cross join generate_series(1, 3) n
where p.id % 10 = 0
order by md5(p.id::text || '/' || n);
create table feed.daily_revenue as
select d::date as day,
       case when :perturbed then 3 + extract(day from d)::int * 7 else 0 end as orders,
       (case when :perturbed then 150 + extract(day from d) * 123.45 else 0 end)::numeric(12,2) as revenue
from generate_series(date '2025-05-01', date '2025-05-10', interval '1 day') d;
