import { readFileSync, readdirSync } from 'node:fs';
import { parseYaml } from '../src/lessons/yaml.ts';
// @ts-ignore
import { parse as libParse } from '/tmp/checker-yaml/node_modules/yaml/dist/index.js';
const blocks: string[] = [];
for (const ch of ['indexes', 'query-optimization']) for (const f of readdirSync(`lessons/${ch}/exercises`)) {
  const m = /## Checks\s+```yaml\n([\s\S]*?)```/.exec(readFileSync(`lessons/${ch}/exercises/${f}`, 'utf8'));
  if (m) blocks.push(m[1]);
}
const time = (fn: () => void) => { for (let i = 0; i < 50; i++) fn(); const t = performance.now(); for (let i = 0; i < 500; i++) fn(); return (performance.now() - t) / 500; };
let same = 0;
for (const b of blocks) if (JSON.stringify(parseYaml(b, 1)) === JSON.stringify(libParse(b))) same++;
console.log(`blocks ${blocks.length}, same value ${same}`);
console.log(`own: ${time(() => blocks.forEach((b) => parseYaml(b, 1))).toFixed(3)} ms for all; yaml: ${time(() => blocks.forEach((b) => libParse(b))).toFixed(3)} ms`);
