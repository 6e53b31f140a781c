// Part of `npm run bench`: parsing pasted plans, each input against one 4× its size in the same
// run (linear time: a ratio near 4; quadratic: near 16). Also `npx tsx scripts/bench-plans.ts`.
import { readFileSync } from 'node:fs';
import { parsePlan } from '../src/analysis/plan/parse.ts';
import { pasteForms, psqlAligned } from '../tests/fixtures/plans/paste-forms.ts';

function best(input: string, runs = 5): number {
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    parsePlan(input);
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

const mb = (s: string) => `${(s.length / 1048576).toFixed(2)} MB`;
const rows: string[][] = [];
function pair(name: string, small: string, large: string, runs = 5) {
  best(small, 1);
  const a = best(small, runs);
  const b = best(large, runs);
  rows.push([name, `${b.toFixed(1)} ms for ${mb(large)}`, `${a.toFixed(1)} ms for ${mb(small)}`, (b / a).toFixed(2)]);
}

const wide = (cols: number) => psqlAligned([
  'Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..0.020 rows=1.00 loops=1)',
  `  Filter: (x = ANY ('{${'1,'.repeat(cols / 2)}1}'::integer[]))`,
  '  ->  Seq Scan on u  (cost=0.00..1.00 rows=1 width=4)',
], { border: 2 });
pair('psql border 2, 80 000 vs 20 000 columns', wide(20_000), wide(80_000));
const deepText = (d: number) => ['Result  (cost=0.00..1.00 rows=1 width=4)', ...Array.from({ length: d - 1 }, (_, i) => ' '.repeat(6 * (i + 1) - 4) + '->  Result  (cost=0.00..1.00 rows=1 width=4)')].join('\n');
pair('TEXT nested 3 000 vs 1 500 deep', deepText(1500), deepText(3000), 2);
const deepJson = (d: number) => '[{"Plan": ' + '{"Node Type": "Result", "Plan Rows": 1, "Plans": ['.repeat(d) + '{"Node Type": "Result"}' + ']}'.repeat(d) + '}]';
pair('JSON nested 96 000 vs 24 000 deep (JSON.parse included)', deepJson(24_000), deepJson(96_000), 7);
const real = readFileSync(new URL('../tests/fixtures/plans/pg18/verbose-settings.txt', import.meta.url), 'utf8').trimEnd().split('\n');
const chat = (n: number) => Array.from({ length: n }, () => pasteForms(real, 'explain (analyze) select 1').chat).join('\n');
pair('a 62-line plan in a chat paste, 4 000 vs 1 000 copies (the first is read)', chat(1000), chat(4000));

console.log('\n| plan parsing | larger input | smaller input (same run) | ratio |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
