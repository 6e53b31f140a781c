// Lesson packs: a round trip through the zip format, and malformed packs each refused with the
// file (and line) at fault. The reference-fails case runs the real checker on PGlite.
import { describe, it, expect } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { fileURLToPath } from 'node:url';
import { readLessonDir } from '../../src/cli/lesson-source.ts';
import { exerciseHash, PACK_LIMITS, PackError, readPack, writePack } from '../../src/lessons/pack.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { proveWithSandbox, type Proof } from '../../src/lessons/proofs.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/packs/orchard', import.meta.url));
const files = readLessonDir(FIXTURE);
const manifest = { id: 'orchard', title: 'Orchard' };
const MANIFEST_JSON = JSON.stringify({ format: 'pglab-lesson-pack', version: 1, ...manifest });

/** A zip holding exactly these entries (bypassing writePack's own checks). */
const rawZip = (entries: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, strToU8(v)])));
const withFiles = (change: Record<string, string | undefined>) => {
  const out: Record<string, string> = { 'pglab-pack.json': MANIFEST_JSON, ...files };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return rawZip(out);
};

async function problems(bytes: Uint8Array): Promise<string[]> {
  try {
    await readPack(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(PackError);
    return (e as PackError).problems.map((p) => `${p.file}: ${p.message}`);
  }
  throw new Error('the pack was accepted');
}

describe('a lesson pack', () => {
  it('round-trips the fixture chapter: same files, same chapters, same hash every time', async () => {
    const bytes = writePack(manifest, files);
    const pack = await readPack(bytes);
    expect(pack.manifest).toEqual({ format: 'pglab-lesson-pack', version: 1, ...manifest });
    expect(pack.files).toEqual(files);
    expect(pack.chapters.map((c) => [c.id, c.exercises.map((e) => e.id)])).toEqual([['orchard-basics', ['orchard-basics/cheap-fruit', 'orchard-basics/stock-value']]]);
    expect(pack.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(writePack(manifest, files)).toEqual(bytes);
    expect((await readPack(writePack(manifest, files))).hash).toBe(pack.hash);
  });

  it('gives an exercise a hash that changes with its checks, not with its wording', async () => {
    const [chapter] = (await readPack(writePack(manifest, files))).chapters;
    const reworded = { ...files, 'orchard-basics/exercises/01-cheap-fruit.md': files['orchard-basics/exercises/01-cheap-fruit.md'].replace('List the', 'Show the') };
    const checks = { ...files, 'orchard-basics/exercises/01-cheap-fruit.md': files['orchard-basics/exercises/01-cheap-fruit.md'].replace('ordered: true', 'ordered: false') };
    const h = await exerciseHash(chapter, chapter.exercises[0]);
    const [c2] = (await readPack(writePack(manifest, reworded))).chapters;
    const [c3] = (await readPack(writePack(manifest, checks))).chapters;
    expect(await exerciseHash(c2, c2.exercises[0])).toBe(h);
    expect(await exerciseHash(c3, c3.exercises[0])).not.toBe(h);
  });
});

describe('a malformed pack is refused with the file (and line) at fault', () => {
  const ex1 = 'orchard-basics/exercises/01-cheap-fruit.md';
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['not a zip', () => strToU8('select 1; -- not a pack'), /^\(pack\): this is not a lesson pack: it is not a zip file/],
    ['truncated', () => writePack(manifest, files).slice(0, 900), /^\(pack\): the zip file is damaged or cut short/],
    ['empty', () => new Uint8Array(0), /not a zip file/],
    ['no manifest', () => withFiles({ 'pglab-pack.json': undefined }), /^pglab-pack\.json: the pack has no pglab-pack\.json/],
    ['an unknown format version', () => withFiles({ 'pglab-pack.json': MANIFEST_JSON.replace('"version":1', '"version":7') }), /^pglab-pack\.json: the pack has format version 7; this pglab reads version 1 \(a newer pglab made it/],
    ['a manifest that is not JSON', () => withFiles({ 'pglab-pack.json': '{ id: orchard' }), /^pglab-pack\.json: the manifest is not JSON/],
    ['a bad pack id', () => withFiles({ 'pglab-pack.json': MANIFEST_JSON.replace('"orchard"', '"Orchard Pack!"') }), /^pglab-pack\.json: "id" must be lower-case/],
    ['missing chapter.md', () => withFiles({ 'orchard-basics/chapter.md': undefined }), /^orchard-basics\/chapter\.md: the folder "orchard-basics" has no chapter\.md/],
    ['bad front matter', () => withFiles({ 'orchard-basics/chapter.md': '---\ntitle: Orchard\nlevel: easy\n---\n# x\n' }), /^orchard-basics\/chapter\.md:2: unknown front matter key "level"/],
    ['a YAML error in the checks, with its line', () => withFiles({ [ex1]: files[ex1].replace('    ordered: true', '    ordered: [true') }), /^orchard-basics\/exercises\/01-cheap-fruit\.md:\d+: /],
    ['a path traversal name', () => withFiles({ '../../etc/evil.sql': 'drop table fruit;' }), /^\.\.\/\.\.\/etc\/evil\.sql: the name leaves the pack/],
    ['an absolute name', () => withFiles({ '/orchard-basics/x.sql': 'select 1;' }), /^\/orchard-basics\/x\.sql: the name is an absolute path/],
    ['a backslash name', () => withFiles({ 'orchard-basics\\exercises\\03-x.md': 'x' }), /backslash/],
    ['a file outside the layout', () => withFiles({ 'orchard-basics/run.js': 'alert(1)' }), /^orchard-basics\/run\.js: a pack holds only/],
    ['text that is not UTF-8', () => zipSync({ 'pglab-pack.json': strToU8(MANIFEST_JSON), 'orchard-basics/chapter.md': new Uint8Array([0xff, 0xfe, 0x00, 0xc3]) }), /^orchard-basics\/chapter\.md: the file is not UTF-8 text/],
    ['a chapter without exercises', () => rawZip({ 'pglab-pack.json': MANIFEST_JSON, 'orchard-basics/chapter.md': files['orchard-basics/chapter.md'], 'orchard-basics/dataset.sql': files['orchard-basics/dataset.sql'] }), /^orchard-basics\/chapter\.md: the chapter has no exercises/],
    ['a dataset without setseed(:seed)', () => withFiles({ 'orchard-basics/dataset.sql': 'create table fruit (id int);' }), /^orchard-basics\/dataset\.sql: the dataset must call setseed\(:seed\)/],
    ['oversize when unpacked (a zip bomb)', () => withFiles({ 'orchard-basics/big.sql': '-- ' + ' '.repeat(PACK_LIMITS.entryBytes + 10) }), /^orchard-basics\/big\.sql: unpacks to 16\.8 MB; one file may be at most 16 MB/],
    ['oversize as a file', () => new Uint8Array(PACK_LIMITS.fileBytes + 1).fill(0x50), /the file is 8\.4 MB; a pack may be at most 8 MB/],
  ];
  for (const [name, make, expected] of cases) {
    it(name, async () => {
      const p = await problems(make());
      expect(p.some((x) => expected.test(x)), p.join('\n')).toBe(true);
    });
  }

  it('refuses to write a pack with such names too', () => {
    expect(() => writePack(manifest, { ...files, '../x.sql': 'select 1;' })).toThrow(/leaves the pack/);
  });
});

describe('verifying a pack with the real checker', () => {
  it('reports an exercise whose reference fails, and one whose wrong answer passes', async () => {
    const bad = {
      ...files,
      'orchard-basics/exercises/01-cheap-fruit.md': files['orchard-basics/exercises/01-cheap-fruit.md'].replace('from fruit where price < 5 order by id;\n```\n\n## Explanation', 'from fruits where price < 5 order by id;\n```\n\n## Explanation'),
      'orchard-basics/exercises/02-stock-value.md': files['orchard-basics/exercises/02-stock-value.md'].replace('select avg(price * stock) as value from fruit;', 'select sum(stock * price) as value from fruit;'),
    };
    const [chapter] = (await readPack(writePack(manifest, bad))).chapters;
    const box = await ChapterSandbox.build(chapter, undefined, await compiledPglite());
    const failed: string[] = [];
    const passed: string[] = [];
    try {
      for (const ex of chapter.exercises) {
        try {
          await proveWithSandbox(box, chapter, ex, (p: Proof) => (p.ok ? passed : failed).push(p.text));
        } catch (e) {
          failed.push(`${ex.id}: ${(e as Error).message}`);
        }
      }
    } finally {
      await box.close();
    }
    expect(failed.some((t) => /^orchard-basics\/cheap-fruit: .*fruits/.test(t)), failed.join('\n')).toBe(true);
    expect(failed).toContain('orchard-basics/stock-value: the wrong answer "The average" passes every check');
    expect(passed.some((t) => t.startsWith('orchard-basics/stock-value / "Sum of prices times sum of stock": fails result — ')), passed.join('\n')).toBe(true);
  }, 180_000);
});
