// Part of `npm run bench`: the analysis modules on a 300-table schema in PGlite (Node), each
// beside the schema browser's single catalog query on the same database, in the same run.
import { createEngine } from '../src/db/engine.ts';
import { LocalEngine } from '../src/db/local-engine.ts';
import { loadCatalog } from '../src/db/catalog.ts';
import { inspectSchema } from '../src/analysis/inspector.ts';
import { analyzeIndexes } from '../src/analysis/index-analyzer.ts';
import { lintSchema } from '../src/analysis/schema-linter.ts';
import { analyzeQueries } from '../src/analysis/query-analyzer.ts';

const TABLES = 300;
const db = new LocalEngine(await createEngine());
await db.db.exec('create extension if not exists pg_stat_statements');
const ddl: string[] = [];
for (let i = 0; i < TABLES; i++) {
  const fk = i ? `, parent_id int references t${i - 1} (id)` : '';
  ddl.push(`create table t${i} (id int generated always as identity primary key, name text not null, note varchar(40), created timestamp default now(), payload json${fk});`);
  ddl.push(`insert into t${i} (name, note${i ? ', parent_id' : ''}) select 'n' || g, 'x' || (g % 7)${i ? ', 1' : ''} from generate_series(1, 20) g;`);
  if (i % 3 === 0) ddl.push(`create index on t${i} (name);`);
}
await db.db.exec(ddl.join('\n'));
await db.db.exec('analyze');

async function time(fn: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[1];
}

const reference = await time(() => loadCatalog(db));
const rows: string[][] = [];
const all = await time(async () => {
  await inspectSchema(db);
  await analyzeIndexes(db);
  await lintSchema(db);
  await analyzeQueries(db);
});
rows.push([`all four analyzers, ${TABLES}-table schema (PGlite, Node)`, `${all.toFixed(0)} ms`, `catalog query ${reference.toFixed(0)} ms`, (all / reference).toFixed(1)]);
for (const [name, fn] of [
  ['  schema inspector', () => inspectSchema(db)],
  ['  index analyzer', () => analyzeIndexes(db)],
  ['  schema linter', () => lintSchema(db)],
  ['  query analyzer', () => analyzeQueries(db)],
] as const) {
  const ms = await time(fn);
  rows.push([name, `${ms.toFixed(0)} ms`, `catalog query ${reference.toFixed(0)} ms`, (ms / reference).toFixed(1)]);
}
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
await db.db.close();
