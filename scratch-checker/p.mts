import { parse } from 'libpg-query';
for (const q of [`select 1 where status = 'Pending'::text and 'a'::text = x`, `update t set a = 1 from u where t.id in (select 1) returning *`, `set session authorization postgres`, `set role x`, `discard all`, `select set_config('role','x',false)`, `select a, count(*) filter (where b) over () from t union select 1 order by 1 limit 3 offset 2`, `with x as (select 1) select * from x, lateral (select 1) y where not a in (select 1) and exists (select 1)`]) {
  console.log(JSON.stringify((await parse(q)).stmts[0].stmt));
}
