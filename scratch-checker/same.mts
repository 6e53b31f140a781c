import { readFileSync } from 'node:fs';
import { createEngine } from '../src/db/engine.ts';
import { splitScript } from '../src/db/splitter.ts';
async function build(sql: string) {
  const db = await createEngine();
  for (const p of await splitScript(sql)) await db.exec(p.text);
  return db;
}
const sub = (s: string, v: 'main' | 'perturbed') => s.replace(/(?<![:\w]):seed\b/g, v === 'main' ? '0.42' : '-0.271828').replace(/(?<![:\w]):perturbed\b/g, String(v === 'perturbed'));
for (const [old, now, tables] of [['scratch-checker/ix-old.sql', 'lessons/indexes/dataset.sql', ['orders', 'customers']], ['scratch-checker/qo-old.sql', 'lessons/query-optimization/dataset.sql', ['orders', 'order_items', 'events']]] as const) {
  const a = await build(sub(readFileSync(old, 'utf8'), 'main'));
  const b = await build(sub(readFileSync(now, 'utf8'), 'main'));
  for (const t of tables) {
    const q = `select md5(string_agg(x::text, ',' order by x::text)) as h from ${t} x`;
    const [ha, hb] = [(await a.query<{ h: string }>(q)).rows[0].h, (await b.query<{ h: string }>(q)).rows[0].h];
    console.log(now, t, ha === hb ? 'SAME' : 'DIFFERENT');
  }
  await a.close(); await b.close();
  const p = await build(sub(readFileSync(now, 'utf8'), 'perturbed'));
  console.log(now, 'perturbed', JSON.stringify((await p.query(`select count(*) filter (where created_at = date_trunc('day', created_at)) as midnight, corr(id, extract(epoch from created_at)) as corr from orders`)).rows));
  if (now.includes('query')) console.log(JSON.stringify((await p.query(`select count(*) filter (where i.unit_price <> p.price) as discounted, count(*) from order_items i join products p on p.id = i.product_id`)).rows));
  await p.close();
}
