// `pglab lessons verify|pack|grade` as an instructor runs them: node bin/pglab.js in a child
// process, on the fixture chapter, with the real checker on PGlite.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exerciseHash, readPack } from '../../src/lessons/pack.ts';

const BIN = fileURLToPath(new URL('../../bin/pglab.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/packs/orchard', import.meta.url));
let scratch: string;

function pglab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: scratch, timeout: 300_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'pglab-lessons-cli-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('pglab lessons', () => {
  it('pack writes a pack that reads back with the manifest of the folder', async () => {
    const r = await pglab(['lessons', 'pack', FIXTURE, '-o', 'orchard.zip']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote orchard\.zip: pack "orchard" \(Orchard \(test fixture\)\), 1 chapter, 2 exercises, \d+ bytes/);
    const pack = await readPack(new Uint8Array(readFileSync(join(scratch, 'orchard.zip'))));
    expect(pack.manifest.id).toBe('orchard');
    expect(Object.keys(pack.files).sort()).toEqual(['orchard-basics/chapter.md', 'orchard-basics/dataset.sql', 'orchard-basics/exercises/01-cheap-fruit.md', 'orchard-basics/exercises/02-stock-value.md']);
  });

  it('pack and verify refuse a folder that does not load, with file:line, exit 2', async () => {
    const bad = join(scratch, 'bad');
    cpSync(FIXTURE, bad, { recursive: true });
    const f = join(bad, 'orchard-basics/chapter.md');
    writeFileSync(f, readFileSync(f, 'utf8').replace('order: 900', 'order: nine hundred'));
    for (const args of [['lessons', 'pack', bad, '-o', 'bad.zip'], ['lessons', 'verify', bad]]) {
      const r = await pglab(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('orchard-basics/chapter.md:2: order must be a number');
    }
  });

  it('verify proves every exercise of the pack with the real checker', async () => {
    const r = await pglab(['lessons', 'verify', 'orchard.zip']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('✓ orchard-basics/cheap-fruit: solution passes');
    expect(r.stdout).toContain('✓ orchard-basics/cheap-fruit / "Five included": fails result');
    expect(r.stdout).toContain('✓ orchard-basics/stock-value: a hard-coded copy of the reference rows fails on the second copy');
    expect(r.stdout).toMatch(/lessons: 12 passed, 0 failed/);
  }, 300_000);

  it('verify fails (exit 1) on a wrong answer that passes', async () => {
    const loose = join(scratch, 'loose');
    cpSync(FIXTURE, loose, { recursive: true });
    const f = join(loose, 'orchard-basics/exercises/02-stock-value.md');
    writeFileSync(f, readFileSync(f, 'utf8').replace('select avg(price * stock) as value from fruit;', 'select sum(stock * price) as value from fruit;'));
    const r = await pglab(['lessons', 'verify', loose]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('orchard-basics/exercises/02-stock-value.md: orchard-basics/stock-value: the wrong answer "The average" passes every check');
  }, 300_000);

  it('grade re-checks every claimed pass: a real pass counts, a wrong answer and a hand-made claim do not, a damaged file is refused', async () => {
    const pack = await readPack(new Uint8Array(readFileSync(join(scratch, 'orchard.zip'))));
    const [chapter] = pack.chapters;
    const [ex1, ex2] = chapter.exercises;
    const identity = { id: 'orchard', hash: pack.hash };
    const file = (learner: string, exercises: Record<string, unknown>) => JSON.stringify({ format: 'pglab-lesson-progress', version: 2, exportedAt: '2026-12-02T10:00:00.000Z', learner, exercises });
    const entry = (sql: string, hash: string | null) => ({ passed: true, hintsUsed: 0, solutionSeen: false, attempts: 1, answer: { sql, hash, pack: identity } });
    writeFileSync(join(scratch, 'ada.json'), file('Ada', {
      [ex1.id]: entry('SELECT f.id, f.name FROM fruit f WHERE f.price < 5 ORDER BY f.id', await exerciseHash(chapter, ex1)),
      [ex2.id]: entry('select sum(price * stock) as value from fruit', 'f'.repeat(64)),
    }));
    writeFileSync(join(scratch, 'bob.json'), file('Bob', { [ex1.id]: entry('select id, name from fruit where price <= 5 order by id', await exerciseHash(chapter, ex1)) }));
    writeFileSync(join(scratch, 'eve.json'), file('Eve', { [ex1.id]: { passed: true, hintsUsed: 0, solutionSeen: false, attempts: 1 }, [ex2.id]: { passed: false, hintsUsed: 0, solutionSeen: false, attempts: 0 } }));
    writeFileSync(join(scratch, 'cut.json'), file('Cut', {}).slice(0, 40));

    const r = await pglab(['lessons', 'grade', 'ada.json', 'bob.json', 'eve.json', '--pack', 'orchard.zip', '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const t = JSON.parse(r.stdout);
    const cell = (who: string, id: string) => t.rows.find((x: { learner: string }) => x.learner === who).cells[id].status;
    expect(cell('Ada', ex1.id)).toBe('passed');
    expect(cell('Ada', ex2.id)).toBe('passed-other-version');
    expect(cell('Bob', ex1.id)).toBe('failed');
    expect(cell('Eve', ex1.id)).toBe('unproven');
    expect(t.rows.map((x: { learner: string; solved: number }) => [x.learner, x.solved])).toEqual([['Ada', 2], ['Bob', 0], ['Eve', 0]]);

    const text = await pglab(['lessons', 'grade', 'ada.json', 'cut.json', '--pack', FIXTURE]);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^Ada\s+✓\s+✓\*\s+2\/2$/m);
    expect(text.stderr).toContain('cut.json: refused: The file is not JSON');
  }, 300_000);
});
