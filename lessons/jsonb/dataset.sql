-- The product catalog of the JSONB chapter. Structured columns for what every product has,
-- `attrs jsonb` for what depends on the category. Deterministic: everything random comes from
-- random() after setseed; the checker rebuilds it with another seed (and :perturbed) to catch
-- answers that are right only by luck. The loader replaces the placeholders.
select setseed(:seed);

-- 60 000 products: 30 % electronics, 30 % clothing, 25 % books, 15 % home. Each category has its
-- own document shape, with nested objects (specs, publisher, dimensions_cm) and arrays (ports,
-- sizes, formats). Brands are skewed: one brand per category is more common than the others.
create table products (
  id         int primary key,
  sku        text not null unique,
  name       text not null,
  category   text not null,
  price      numeric(10,2) not null,
  created_at timestamptz not null,
  attrs      jsonb not null
);

insert into products
select i,
       'SKU-' || lpad(i::text, 6, '0'),
       name, category, price, created_at, attrs
from (
  select i, category,
         round((5 + random() * 995)::numeric, 2) as price,
         timestamptz '2023-01-01' + random() * interval '700 days' as created_at,
         case category
           when 'electronics' then
             (array['Nordlys','Kestrel','Voltara','Pixelon','Aurum','Brightwave'])[least(6, case when b < 0.2 then 1 else 2 + floor((b - 0.2) / 0.16)::int end)]
             || ' ' || (array['laptop','phone','tablet','headphones','monitor','speaker'])[kind] || ' ' || random(100, 999)
           when 'clothing' then
             (array['Fjell','Marlow','Tundra','Sable','Corvo'])[least(5, case when b < 0.3 then 1 else 2 + floor((b - 0.3) / 0.175)::int end)]
             || ' ' || (array['jacket','shirt','trousers','sweater','dress','socks'])[kind]
           when 'books' then
             (array['The','A','Beyond the','Notes on','The Last','Under the'])[random(1, 6)] || ' '
             || (array['River','Archive','Lighthouse','Garden','Engine','Winter','Harbour','Orchard'])[random(1, 8)]
           else
             (array['Oak','Linen','Steel','Clay','Birch'])[random(1, 5)] || ' '
             || (array['table','lamp','chair','shelf','vase','rug'])[kind]
         end as name,
         case category
           when 'electronics' then jsonb_strip_nulls(jsonb_build_object(
             'brand', (array['Nordlys','Kestrel','Voltara','Pixelon','Aurum','Brightwave'])[least(6, case when b < 0.2 then 1 else 2 + floor((b - 0.2) / 0.16)::int end)],
             'type', (array['laptop','phone','tablet','headphones','monitor','speaker'])[kind],
             'wireless', random() < 0.6,
             'specs', jsonb_strip_nulls(jsonb_build_object(
               'ram_gb', case when kind <= 3 then (array[4, 8, 12, 16, 32, 64])[random(1, 6)] end,
               'storage_gb', case when kind <= 3 then (array[64, 128, 256, 512, 1024])[random(1, 5)] end,
               'screen_in', case when kind in (1, 2, 3, 5) then round((5 + random() * 27)::numeric, 1) end,
               'warranty_years', case when random() < 0.7 then random(1, 3) end)),
             'ports', (array['["usb-c"]', '["usb-c", "hdmi"]', '["usb-c", "usb-a", "hdmi"]', '[]', '["lightning"]', '["usb-c", "jack"]'])[random(1, 6)]::jsonb,
             -- Some products carry a recall notice; a few of those with the value still unknown (JSON null).
             'recall', case when random() < 0.03 then jsonb_build_object('year', random(2023, 2025)) end))
             || case when random() < 0.01 then '{"recall": null}'::jsonb else '{}' end
           when 'clothing' then jsonb_build_object(
             'brand', (array['Fjell','Marlow','Tundra','Sable','Corvo'])[least(5, case when b < 0.3 then 1 else 2 + floor((b - 0.3) / 0.175)::int end)],
             'type', (array['jacket','shirt','trousers','sweater','dress','socks'])[kind],
             -- One colour as a string, or several as an array: feeds from different suppliers.
             'color', case when random() < 0.6 then to_jsonb((array['navy','black','grey','olive','red','white'])[random(1, 6)])
                           else jsonb_build_array((array['navy','black','grey','olive','red','white'])[random(1, 6)],
                                                  (array['navy','black','grey','olive','red','white'])[random(1, 6)]) end,
             'sizes', (array['["S", "M", "L"]', '["M", "L", "XL"]', '["XS", "S"]', '["S", "M", "L", "XL"]', '["one size"]'])[random(1, 5)]::jsonb,
             'material', jsonb_build_object('main', (array['cotton','wool','polyester','linen'])[random(1, 4)], 'pct', random(60, 100)),
             'care', (array['["machine wash 30"]', '["hand wash", "do not tumble dry"]', '["dry clean only"]'])[random(1, 3)]::jsonb)
           when 'books' then jsonb_strip_nulls(jsonb_build_object(
             'author', (array['Ines Okafor','Tomas Lind','Mei Tanaka','Rafael Souza','Anna Novak','Jonas Berg','Leila Haddad','Karl Weiss'])[random(1, 8)],
             'isbn', '978' || lpad(random(0, 999999999)::text, 10, '0'),
             'pages', random(80, 1400),
             'language', (array['en','en','en','de','fr','es'])[random(1, 6)],
             'publisher', jsonb_build_object('name', (array['Northwind Press','Blue Heron','Atlas House'])[random(1, 3)], 'year', random(1990, 2025)),
             -- Each format with its own price: an ebook is not always the cheap one.
             'formats', (select jsonb_agg(jsonb_build_object('type', f, 'price', round((3 + random() * 40)::numeric, 2)))
                         from unnest(array['hardcover','paperback','ebook','audiobook']) f
                         where random() < 0.5 and i > 0)))
           else jsonb_build_object(
             'material', (array['oak','linen','steel','clay','birch'])[random(1, 5)],
             'dimensions_cm', jsonb_build_object('w', random(10, 200), 'h', random(10, 200), 'd', random(10, 100)),
             'assembly_required', random() < 0.4,
             'colors', (array['["natural"]', '["white", "black"]', '["green"]'])[random(1, 3)]::jsonb)
         end as attrs
  from (select i, random(1, 6) as kind, random() as b,
               case when r < 0.30 then 'electronics' when r < 0.60 then 'clothing' when r < 0.85 then 'books' else 'home' end as category
        from (select i, random() as r from generate_series(1, 60000) i) s) s
) p;

-- On the second copy, a few clothing items list navy only as their second colour (an answer
-- that reads the first element only misses them).
update products set attrs = jsonb_set(attrs, '{color}', jsonb_build_array('white', 'navy'))
where :perturbed and category = 'clothing' and id % 97 = 0;

-- Some suppliers state the warranty as JSON null (not known yet) or as a word ("lifetime"), not a
-- number: a missing key, a null and a word mean three different things to the feed. Other ids
-- on the second copy, and there more words than nulls.
update products set attrs = jsonb_set(attrs, '{specs,warranty_years}',
                                      case when id % (case when :perturbed then 3 else 2 end) = 0 then 'null' else '"lifetime"' end::jsonb)
where category = 'electronics' and id % (case when :perturbed then 37 else 43 end) = 0;

-- 40 000 reviews of the first 20 000 products (most products have none: an API must say []).
create table reviews (
  id         int primary key,
  product_id int not null references products,
  rating     int not null check (rating between 1 and 5),
  body       text not null,
  created_at timestamptz not null
);
insert into reviews
select i, random(1, 20000), case when random() < 0.6 then random(4, 5) else random(1, 3) end,
       (array['Works as described.','Arrived late.','Great value.','Would not buy again.','Exactly what I needed.'])[random(1, 5)],
       -- On the second copy the review ids run backwards in time.
       case when :perturbed then timestamptz '2025-01-01' - i * interval '17 minutes'
            else timestamptz '2024-01-01' + i * interval '11 minutes' + random() * interval '10 minutes' end
from generate_series(1, 40000) i;
create index reviews_product_idx on reviews (product_id);

-- The old design this catalog replaced: entity-attribute-value rows for the home products'
-- legacy specifications, every value stored as text with a type tag.
create table product_specs (
  product_id int not null references products,
  name       text not null,
  value      text not null,
  value_type text not null check (value_type in ('text', 'number', 'boolean')),
  primary key (product_id, name)
);
insert into product_specs
select p.id, s.name,
       case s.value_type when 'number' then random(1, 250)::text when 'boolean' then (random() < 0.5)::text
            else (array['EU','UK','US','none'])[random(1, 4)] end,
       s.value_type
from products p
cross join (values ('max_load_kg', 'number'), ('plug', 'text'), ('dimmable', 'boolean'), ('weight_kg', 'number')) s(name, value_type)
where p.category = 'home' and p.id <= 20000 and random() < 0.7;

-- Raw supplier feed as it arrived: json keeps the text as sent (spacing, key order, and the
-- duplicate "price" keys of corrected records).
create table supplier_feed (
  id          int primary key,
  received_at timestamptz not null,
  payload     json not null
);
insert into supplier_feed
select i, timestamptz '2025-03-01' + i * interval '1 minute',
       case when i % 10 = 0
            then format('{"sku": "SKU-%s",  "price": %s, "currency": "EUR", "price": %s}', lpad(random(1, 60000)::text, 6, '0'), random(5, 500), random(5, 500))::json
            else format('{ "sku" : "SKU-%s", "currency": "EUR", "price": %s }', lpad(random(1, 60000)::text, 6, '0'), random(5, 500))::json end
from generate_series(1, 2000) i;

-- 100 product manuals of about 20 kB each: documents large enough to live in TOAST.
create table product_manuals (
  product_id int primary key references products,
  doc        jsonb not null
);
insert into product_manuals
select p, jsonb_build_object(
         'version', 1,
         -- Changed by the warehouse many times a day, inside a 20 kB document.
         'stock', case when :perturbed then random(0, 500) else random(0, 60) end,
         'sections', (select jsonb_agg(jsonb_build_object('title', 'Section ' || s, 'text', md5(random()::text || p) || md5(random()::text) || md5(random()::text)))
                      from generate_series(1, 150) s where p > 0))
from generate_series(1, 100) p;

select pg_stat_force_next_flush();
vacuum analyze;
