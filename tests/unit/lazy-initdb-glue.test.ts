import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAst } from 'vite';
import { holdsInitdbGlue, lazyInitdbGlue } from '../../scripts/lazy-initdb-glue.ts';

const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
const modules = readdirSync(dist).filter((f) => f.endsWith('.js'));
const holders = modules.filter((f) => holdsInitdbGlue(readFileSync(join(dist, f), 'utf8')));

describe("the build step that loads initdb's glue only when initdb runs", () => {
  const copy = mkdtempSync(join(tmpdir(), 'pglab-pglite-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('finds the one module of the installed PGlite that holds the glue (a new PGlite layout fails here)', () => {
    expect(holders).toHaveLength(1);
  });

  it('replaces only the factory body with an import of dist/initdb.js', () => {
    const code = readFileSync(join(dist, holders[0]), 'utf8');
    const out = lazyInitdbGlue(code);
    expect(out).toBeDefined();
    expect(modules).toContain('initdb.js');
    const lazy = out as string;
    expect(lazy).toContain('(await import("./initdb.js")).default(moduleArg)');
    expect(code.length - lazy.length).toBeGreaterThan(60_000);
    // Everything before and after the factory's body is untouched.
    const at = lazy.indexOf('{return (await import(');
    expect(code.startsWith(lazy.slice(0, at))).toBe(true);
    expect(code.endsWith(lazy.slice(lazy.indexOf('.default(moduleArg)}') + '.default(moduleArg)}'.length))).toBe(true);
    expect(() => parseAst(lazy)).not.toThrow();
  });

  it('leaves other modules alone', () => {
    const other = modules.find((f) => f !== holders[0] && readFileSync(join(dist, f), 'utf8').includes('moduleArg')) as string;
    expect(other).toBeDefined();
    expect(lazyInitdbGlue(readFileSync(join(dist, other), 'utf8'))).toBeUndefined();
  });

  it('a PGlite so rewritten still makes a new cluster with initdb', async () => {
    // A copy of PGlite's dist folder (its modules copied: Node would resolve a link to the
    // original) whose glue module imports a marked copy of initdb.js.
    for (const f of readdirSync(dist)) {
      if (f.endsWith('.js')) writeFileSync(join(copy, f), readFileSync(join(dist, f)));
      else symlinkSync(join(dist, f), join(copy, f));
    }
    writeFileSync(join(copy, 'initdb-marked.js'), `${readFileSync(join(dist, 'initdb.js'), 'utf8')}\nglobalThis.pglabLazyInitdb = true;\n`);
    writeFileSync(join(copy, holders[0]), lazyInitdbGlue(readFileSync(join(dist, holders[0]), 'utf8'), './initdb-marked.js') as string);
    const { PGlite } = (await import(pathToFileURL(join(copy, 'index.js')).href)) as typeof import('@electric-sql/pglite');
    const db = await PGlite.create();
    try {
      expect((globalThis as { pglabLazyInitdb?: boolean }).pglabLazyInitdb).toBe(true);
      const { rows } = await db.query<{ v: string }>(`select current_setting('server_version_num') as v`);
      expect(Number(rows[0].v)).toBeGreaterThanOrEqual(180000);
    } finally {
      await db.close();
    }
  });
});
