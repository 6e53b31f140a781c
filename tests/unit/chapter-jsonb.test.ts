// The JSONB chapter's checks are sound: right answers written differently from the reference pass,
// and wrong answers nobody listed in the exercises fail, on a real PGlite with both copies of the data.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { sharedSandbox } from '../../scripts/chapter-builds.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';
import type { Chapter, CheckReport } from '../../src/lessons/format.ts';

const dir = 'lessons/jsonb';
let chapter: Chapter;
let box: ChapterSandbox;

beforeAll(async () => {
  const files: Record<string, string> = {
    [`${dir}/chapter.md`]: readFileSync(join(dir, 'chapter.md'), 'utf8'),
    [`${dir}/dataset.sql`]: readFileSync(join(dir, 'dataset.sql'), 'utf8'),
  };
  for (const f of readdirSync(join(dir, 'exercises'))) files[`${dir}/exercises/${f}`] = readFileSync(join(dir, 'exercises', f), 'utf8');
  [chapter] = loadLessons(files);
  box = await sharedSandbox(chapter, undefined, await compiledPglite());
}, 240_000);
afterAll(() => box?.close());

const failed = (r: CheckReport) => r.checks.filter((c) => !c.passed).map((c) => `${c.kind}: ${c.message}`);
async function verdict(slug: string, sql: string) {
  const ex = chapter.exercises.find((e) => e.id.endsWith(slug));
  if (!ex) throw new Error(`no exercise ${slug}`);
  return checkExercise(box, ex, sql);
}

const RIGHT: [string, string][] = [
  ['extract-and-cast', `select id, name, (attrs -> 'specs' ->> 'ram_gb')::int as ram_gb from products
     where attrs @> '{"type": "laptop"}' and attrs @@ '$.specs.ram_gb > 16'`],
  ['extract-and-cast', `select id, name, json_value(attrs, '$.specs.ram_gb' returning int) as ram_gb from products
     where attrs ->> 'type' = 'laptop' and json_value(attrs, '$.specs.ram_gb' returning int) > 16`],
  ['extract-and-cast', `select ram_gb, name, id from (select id, name, (attrs #>> '{specs,ram_gb}')::integer as ram_gb, attrs ->> 'type' as t from products) s
     where t = 'laptop' and ram_gb > 16`],
  ['key-exists', `select id, name from products where jsonb_exists(attrs, 'recall')`],
  ['key-exists', `select id, name from products where attrs ?| array['recall']`],
  ['key-exists', `select id, name from products where attrs -> 'recall' is not null`],
  ['path-filter-same-item', `select id, name from products where jsonb_path_exists(attrs, '$.formats[*] ? (@.type == "ebook" && @.price < $max)', '{"max": 10}')`],
  ['path-filter-same-item', `select id, name from products p where exists (select from jsonb_array_elements(p.attrs -> 'formats') f
     where f ->> 'type' = 'ebook' and (f ->> 'price')::numeric < 10)`],
  ['path-filter-same-item', `select id, name from products where json_exists(attrs, '$.formats[*] ? (@.type == "ebook" && @.price < 10)')`],
  ['lax-mode', `select id, name from products where category = 'clothing' and attrs @@ '$.color == "navy"'`],
  ['lax-mode', `select id, name from products where category = 'clothing' and (attrs @> '{"color": "navy"}' or attrs @> '{"color": ["navy"]}')`],
  ['lax-mode', `select id, name from products where category = 'clothing' and attrs @? 'strict $.color[*] ? (@ == "navy")'
     union select id, name from products where category = 'clothing' and attrs ->> 'color' = 'navy'`],
  ['json-table', `select p.id, f ->> 'type' as format, (f ->> 'price')::numeric as price
     from products p cross join lateral jsonb_array_elements(p.attrs -> 'formats') f where p.attrs ->> 'author' = 'Mei Tanaka'`],
  ['json-table', `select p.id, f.type as format, f.price from products p, jsonb_to_recordset(p.attrs -> 'formats') as f(type text, price numeric)
     where p.attrs @> '{"author": "Mei Tanaka"}'`],
  ['json-table', `select p.id, jt.format, jt.price from products p, json_table(p.attrs, '$.formats[*]'
     columns (format text path '$.type', price numeric(8,2) path '$.price')) jt where p.attrs @> '{"author": "Mei Tanaka"}'`],
  ['jsonb-set-nested', `update products set attrs['specs']['warranty_years'] = '3' where attrs ->> 'brand' = 'Voltara'`],
  ['jsonb-set-nested', `update products set attrs = jsonb_set(attrs, array['specs', 'warranty_years'], to_jsonb(3)) where attrs @> '{"brand": "Voltara"}'`],
  ['jsonb-set-nested', `begin; update products set attrs = jsonb_set(attrs, '{specs,warranty_years}', '3', true) where attrs ->> 'brand' = 'Voltara'; commit;`],
  ['api-response', `select p.id, jsonb_build_object('name', p.name, 'price', p.price, 'reviews', coalesce(jsonb_agg(jsonb_build_object('rating', r.rating, 'body', r.body)
       order by r.created_at desc) filter (where r.id is not null), '[]'::jsonb)) as body
     from products p left join lateral (select * from reviews x where x.product_id = p.id order by x.created_at desc limit 3) r on true
     where p.id <= 20 group by p.id`],
  // json, not jsonb, with the keys in another order: the same value.
  ['api-response', `select p.id, json_build_object('reviews', coalesce((select json_agg(json_build_object('body', r.body, 'rating', r.rating) order by r.created_at desc)
       from (select * from reviews r where r.product_id = p.id order by r.created_at desc limit 3) r), '[]'), 'price', p.price, 'name', p.name) as body
     from products p where p.id between 1 and 20`],
  ['api-response', `select p.id, jsonb_build_object('name', p.name, 'price', p.price, 'reviews', coalesce((select jsonb_agg(to_jsonb(r))
       from (select rating, body from reviews r where r.product_id = p.id order by created_at desc limit 3) r), '[]')) as body
     from products p where p.id between 1 and 20`],
  ['eav-to-jsonb', `select product_id, jsonb_object_agg(name, case when value_type = 'text' then to_jsonb(value) else value::jsonb end) as specs
     from product_specs group by product_id`],
  ['eav-to-jsonb', `select product_id, json_object_agg(name, case value_type when 'number' then to_json(value::int) when 'boolean' then to_json(value::boolean) else to_json(value) end) as specs
     from product_specs group by 1`],
  ['eav-to-jsonb', `select s.product_id, (select jsonb_object_agg(x.name, case x.value_type when 'number' then to_jsonb(x.value::numeric) when 'boolean' then to_jsonb(x.value::boolean) else to_jsonb(x.value) end)
       from product_specs x where x.product_id = s.product_id) as specs from (select distinct product_id from product_specs) s`],
  // The old index dropped first, and the new one given its name.
  ['gin-path-ops', `DROP INDEX products_attrs_idx;\nCREATE INDEX products_attrs_idx ON products USING GIN (attrs jsonb_path_ops);`],
  ['gin-path-ops', `create index concurrently on products using gin (attrs jsonb_path_ops);\ndrop index concurrently products_attrs_idx`],
  ['gin-path-ops', `create index if not exists facets on public.products using gin (attrs jsonb_path_ops) with (fastupdate = off);\ndrop index if exists public.products_attrs_idx`],
  ['expression-partial-index', `create index on products ((cast(attrs ->> 'pages' as integer))) where category = 'books'`],
  ['expression-partial-index', `create index on products (((attrs ->> 'pages')::int) desc) where 'books' = category`],
  ['expression-partial-index', `create index long_books on products (((attrs->>'pages')::int), id) where category = 'books'`],
  ['check-constraint', `alter table products add constraint products_electronics_brand check (category <> 'electronics' or (attrs ? 'brand' and jsonb_typeof(attrs -> 'brand') = 'string'))`],
  ['check-constraint', `alter table products add constraint products_electronics_brand check (category <> 'electronics' or jsonb_typeof(attrs -> 'brand') is not distinct from 'string')`],
  ['check-constraint', `alter table products add constraint products_electronics_brand check (case when category = 'electronics' then coalesce(jsonb_typeof(attrs -> 'brand'), '') = 'string' else true end)`],
  ['expression-statistics', `create statistics brand_stats on ((attrs ->> 'brand')) from products; analyze products;`],
  ['expression-statistics', `create statistics on (attrs ->> 'brand') from products;\nvacuum analyze products;`],
  ['expression-statistics', `create statistics s1 on (attrs ->> 'brand') from public.products; analyze products (attrs);`],
];

const WRONG: [string, string, string][] = [
  ['extract-and-cast', 'all the laptops, whatever their RAM', `select id, name, (attrs #>> '{specs,ram_gb}')::int as ram_gb from products where attrs ->> 'type' = 'laptop'`],
  ['extract-and-cast', '16 GB included', `select id, name, (attrs #>> '{specs,ram_gb}')::int as ram_gb from products where attrs ->> 'type' = 'laptop' and (attrs #>> '{specs,ram_gb}')::int >= 16`],
  ['key-exists', 'a recall with a year', `select id, name from products where attrs @? '$.recall.year'`],
  ['path-filter-same-item', 'any ebook', `select id, name from products where attrs @> '{"formats": [{"type": "ebook"}]}'`],
  ['lax-mode', 'containment of a string only', `select id, name from products where category = 'clothing' and attrs @> '{"color": "navy"}'`],
  ['json-table', 'books without formats as a NULL row', `select p.id, f.format, f.price from products p left join json_table(p.attrs, '$.formats[*]'
     columns (format text path '$.type', price numeric path '$.price')) f on true where p.attrs ->> 'author' = 'Mei Tanaka'`],
  ['jsonb-set-nested', 'a string "3"', `update products set attrs = jsonb_set(attrs, '{specs,warranty_years}', '"3"') where attrs ->> 'brand' = 'Voltara'`],
  ['jsonb-set-nested', 'every electronics product', `update products set attrs = jsonb_set(attrs, '{specs,warranty_years}', '3') where category = 'electronics'`],
  ['api-response', 'all reviews', `select p.id, jsonb_build_object('name', p.name, 'price', p.price, 'reviews', coalesce((select jsonb_agg(jsonb_build_object('rating', r.rating, 'body', r.body) order by r.created_at desc)
       from reviews r where r.product_id = p.id), '[]')) as body from products p where p.id between 1 and 20`],
  ['api-response', 'the price as text', `select p.id, jsonb_build_object('name', p.name, 'price', p.price::text, 'reviews', coalesce((select jsonb_agg(jsonb_build_object('rating', r.rating, 'body', r.body) order by r.created_at desc)
       from (select * from reviews r where r.product_id = p.id order by r.created_at desc limit 3) r), '[]')) as body from products p where p.id between 1 and 20`],
  ['eav-to-jsonb', 'booleans as strings', `select product_id, jsonb_object_agg(name, case value_type when 'number' then to_jsonb(value::numeric) else to_jsonb(value) end) as specs from product_specs group by product_id`],
  ['gin-path-ops', 'a partial index', `create index on products using gin (attrs jsonb_path_ops) where category = 'electronics'`],
  ['expression-partial-index', 'the path operator', `create index on products (((attrs #>> '{pages}')::int)) where category = 'books'`],
  ['check-constraint', 'the key only', `alter table products add constraint products_electronics_brand check (category <> 'electronics' or attrs ? 'brand')`],
  ['expression-statistics', 'an expression index', `create index on products ((attrs ->> 'brand')); analyze products;`],
  ['expression-statistics', 'statistics without analyze', `create statistics on (attrs ->> 'brand') from products;`],
];

describe('right answers written differently pass', () => {
  it.each(RIGHT)('%s: %s', async (slug, sql) => {
    const r = await verdict(slug, sql);
    expect(r.error).toBeUndefined();
    expect(failed(r)).toEqual([]);
    expect(r.passed).toBe(true);
  }, 120_000);
});

describe('wrong answers nobody listed fail', () => {
  it.each(WRONG)('%s: %s', async (slug, _what, sql) => {
    const r = await verdict(slug, sql);
    expect(r.passed).toBe(false);
    expect(failed(r).length).toBeGreaterThan(0);
  }, 120_000);
});
