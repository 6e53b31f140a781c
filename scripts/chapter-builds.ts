// A chapter's two databases, built once per `npm test` and shared by every test file and the
// lessons' verification. A build runs the whole dataset script (5–10 s a copy on PGlite in
// Node); a dozen test files and the verification each built the same seven chapters again.
// The packed snapshots go to a directory (default node_modules/.cache/pglab-chapter-builds,
// emptied by `npm test` at its start) under the browser's own build key (src/lessons/
// build-cache.ts: the dataset and its seed, the extensions, the learner role) plus the text of
// the code that builds and snapshots, so a cached copy is exactly what a build would make now.
// Anything wrong with the cache (absent, unreadable, a full disk) only means building again.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineOptions } from '../src/db/engine.ts';
import { packSnapshot, unpackSnapshot, type DataDirSnapshot } from '../src/db/datadir-snapshot.ts';
import { buildHash } from '../src/lessons/build-cache.ts';
import type { Chapter, Variant } from '../src/lessons/format.ts';
import { ChapterSandbox, type SandboxOptions } from '../src/lessons/sandbox.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export const BUILDS_DIR = process.env.PGLAB_BUILDS_DIR ?? join(root, 'node_modules/.cache/pglab-chapter-builds');

let engineKey: string | undefined;

/** PGlite's version and the code a build runs through. */
function codeKey(): string {
  if (engineKey) return engineKey;
  // The package exports no package.json: its wasm, which is what a build runs, stands for it.
  const dist = createRequire(import.meta.url).resolve('@electric-sql/pglite').replace(/index\.c?js$/, '');
  const h = createHash('sha256').update(readFileSync(dist + 'pglite.wasm')).update(readFileSync(dist + 'pglite.data'));
  for (const f of ['src/lessons/sandbox.ts', 'src/lessons/sandbox-role.ts', 'src/lessons/loader.ts', 'src/db/datadir-snapshot.ts', 'src/db/settings.ts', 'src/db/engine.ts', 'src/db/extensions.ts', 'src/db/splitter.ts']) {
    h.update(f).update(readFileSync(join(root, f)));
  }
  engineKey = h.digest('hex');
  return engineKey;
}

/** The options a build's result can depend on (start parameters, extensions), not the wasm. */
function optionsKey(engineOptions: EngineOptions | (() => EngineOptions)): string {
  const o = typeof engineOptions === 'function' ? engineOptions() : engineOptions;
  return JSON.stringify([o.startParams ?? null, Object.keys(o.extensions ?? {}).sort(), o.dataDir ?? null, !!o.loadDataDir, !!o.fs]);
}

async function fileOf(chapter: Chapter, variant: Variant, engineOptions: EngineOptions | (() => EngineOptions)): Promise<string> {
  const key = await buildHash(chapter, variant, codeKey() + optionsKey(engineOptions));
  return join(BUILDS_DIR, `${chapter.id}.${variant}.${key.slice(0, 24)}.pack`);
}

async function read(file: string): Promise<DataDirSnapshot | undefined> {
  try {
    return await unpackSnapshot(new Blob([readFileSync(file)]));
  } catch {
    return undefined;
  }
}

async function write(file: string, snapshot: DataDirSnapshot) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(BUILDS_DIR, { recursive: true });
    writeFileSync(tmp, new Uint8Array(await packSnapshot(snapshot).arrayBuffer()));
    renameSync(tmp, file); // whole or not at all: a reader never sees half a file
  } catch {
    rmSync(tmp, { force: true });
  }
}

export interface SharedBuild {
  box: ChapterSandbox;
  /** The copies taken from the cache (the others were built here, and are in box.times). */
  cached: Variant[];
}

/**
 * A sandbox of the chapter with these copies, from the cache when an earlier process of this run
 * built them, else built here and cached for the next.
 */
export async function sharedBuild(chapter: Chapter, variants: Variant[] = ['main', 'perturbed'], engineOptions: EngineOptions | (() => EngineOptions) = {}, options: SandboxOptions = {}): Promise<SharedBuild> {
  const found: Partial<Record<Variant, DataDirSnapshot>> = {};
  for (const v of variants) {
    const s = await read(await fileOf(chapter, v, engineOptions));
    if (s) found[v] = s;
  }
  const box = ChapterSandbox.fromSnapshots(chapter, found, engineOptions, options);
  for (const v of variants) {
    if (found[v]) continue;
    await box.add(v);
    await write(await fileOf(chapter, v, engineOptions), box.snapshot(v));
  }
  return { box, cached: variants.filter((v) => found[v]) };
}

/** The sandbox alone, for tests. */
export async function sharedSandbox(chapter: Chapter, variants?: Variant[], engineOptions?: EngineOptions | (() => EngineOptions), options?: SandboxOptions): Promise<ChapterSandbox> {
  return (await sharedBuild(chapter, variants, engineOptions, options)).box;
}
