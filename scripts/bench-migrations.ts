// Part of `npm run bench` (when scripts/bench.mjs runs it): the migrations modules in PGlite
// (Node). Autogenerate on a 300-table schema against a modified copy, beside one catalog query on
// the same database in the same run; the lint of a 50-statement migration beside parsing it.
import { createEngine } from '../src/db/engine.ts';
import { LocalEngine } from '../src/db/local-engine.ts';
import { loadCatalog } from '../src/db/catalog.ts';
import { autogenerate, canonicalModel, inspectSchema, toScript } from '../src/migrations/diff/index.ts';
import { lintMigration } from '../src/migrations/lint/index.ts';
import { parseMigration } from '../src/migrations/statements.ts';
import { Migrator } from '../src/migrations/runner.ts';
import { makeRevision } from '../src/migrations/revision.ts';
import { measureMigration } from '../src/migrations/measure.ts';

const TABLES = 300;
function schema(modified: boolean): string {
  const ddl: string[] = ['create type status as enum (\'new\', \'done\'' + (modified ? ", 'void'" : '') + ');'];
  for (let i = 0; i < TABLES; i++) {
    const fk = i ? `, parent_id bigint references t${i - 1} (id)` : '';
    const extra = modified && i % 10 === 0 ? ', flag boolean not null default false' : '';
    const qty = modified && i % 15 === 0 ? 'bigint' : 'int';
    ddl.push(`create table t${i} (id bigint generated always as identity primary key, name text not null, qty ${qty}, st status default 'new', note varchar(40)${extra}${fk});`);
    if (i % 3 === 0) ddl.push(`create index t${i}_name on t${i} (name)${modified && i % 9 === 0 ? ' where qty > 0' : ''};`);
    if (i % 10 === 0) ddl.push(`comment on table t${i} is 'table ${i}${modified ? ' (v2)' : ''}';`);
    if (i % 20 === 0) ddl.push(`create view v${i} as select id, name, qty from t${i};`);
  }
  return ddl.join('\n');
}

async function load(sql: string): Promise<LocalEngine> {
  const db = new LocalEngine(await createEngine());
  await db.db.exec(sql);
  return db;
}

async function time(fn: () => Promise<unknown>, runs = 3): Promise<number> {
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    all.push(performance.now() - t0);
  }
  return all.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const a = await load(schema(false));
const b = await load(schema(true));
const reference = await time(() => loadCatalog(a));
let gen!: Awaited<ReturnType<typeof autogenerate>>;
const diffMs = await time(async () => {
  gen = await autogenerate(a, b);
});
const rows: string[][] = [];
rows.push([`autogenerate, ${TABLES}-table schema vs a modified copy (PGlite, Node; ${gen.upgrade.length} statements)`, `${diffMs.toFixed(0)} ms`, `catalog query ${reference.toFixed(0)} ms`, (diffMs / reference).toFixed(1)]);

// The proof on this size too: the upgrade applied gives the target's catalog.
const m = new Migrator(a, [makeRevision({ message: 'bench', upgrade: toScript(gen.upgrade), downgrade: toScript(gen.downgrade) })]);
const applyMs = await time(() => m.upgrade('head'), 1);
const same = canonicalModel(await inspectSchema(a)) === canonicalModel(await inspectSchema(b));
rows.push([`apply that upgrade (round trip ${same ? 'equal' : 'NOT EQUAL'})`, `${applyMs.toFixed(0)} ms`, '', '']);

const statements: string[] = ["set lock_timeout = '5s';"];
for (let i = 0; statements.length < 50; i++) {
  const t = `t${i}`;
  statements.push([`alter table ${t} add column c${i} text;`, `create index ${t}_c on ${t} (name);`, `alter table ${t} add constraint ${t}_q check (qty > 0);`, `alter table ${t} alter column qty type bigint;`, `create table n${i} (id serial primary key, at timestamp, code char(3));`][i % 5]);
}
const migration = statements.join('\n');
const parseMs = await time(() => parseMigration(migration), 5);
let findings = 0;
const lintMs = await time(async () => {
  findings = (await lintMigration(migration)).findings.length;
}, 5);
rows.push([`lint of a ${statements.length}-statement migration (${findings} findings)`, `${lintMs.toFixed(0)} ms`, `parsing it ${parseMs.toFixed(0)} ms`, (lintMs / parseMs).toFixed(1)]);

const chapter = await load(`create table orders (id bigint primary key, customer_id bigint, qty int, note text);
  insert into orders select g, g % 1000, g % 7, 'n' || g from generate_series(1, 100000) g;`);
const measureMs = await time(() => measureMigration(chapter, 'alter table orders add column flag boolean;\ncreate index orders_customer on orders (customer_id);\nalter table orders alter column qty type bigint;'), 1);
rows.push(['measured run of 3 statements on a 100,000-row table (PGlite, Node)', `${measureMs.toFixed(0)} ms`, '', '']);

for (const r of rows) console.log(`| ${r.join(' | ')} |`);
