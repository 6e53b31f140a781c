// Writes tests/unit-durations.json (seconds per unit test file) from the last `npm test` or
// `vitest run --reporter=json --outputFile=test-results/unit.json`, for the longest-first order
// (keyed from tests/, so a report from another checkout of the project records the same names).
import { readFileSync, writeFileSync } from 'node:fs';

const report = JSON.parse(readFileSync('test-results/unit.json', 'utf8'));
const out = {};
for (const t of report.testResults) out[t.name.slice(t.name.lastIndexOf('/tests/') + 1)] = Math.round((t.endTime - t.startTime) / 100) / 10;
const sorted = Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
writeFileSync('tests/unit-durations.json', JSON.stringify(sorted, null, 1) + '\n');
console.log(`${Object.keys(sorted).length} files recorded in tests/unit-durations.json`);
