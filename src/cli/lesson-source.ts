// Where the lessons commands read chapters from: a folder (of chapters, or one chapter) or a
// lesson pack file; and PGlite's wasm compiled once for every copy the checker builds.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import type { EngineOptions } from '../db/engine.ts';
import type { Chapter } from '../lessons/format.ts';
import { filesHash, loadPackChapters, MANIFEST, readPack, type PackManifest } from '../lessons/pack.ts';
import { CliError } from './target.ts';

export interface LessonSource {
  chapters: Chapter[];
  /** The lesson files, keyed as in a pack (`<chapter>/…`). */
  files: Record<string, string>;
  /** The manifest (a pack, or a folder with pglab-pack.json); undefined for plain chapter folders. */
  manifest?: PackManifest;
  hash: string | null;
}

/**
 * The .md and .sql files of a folder, keyed `<chapter>/…`: DIR is one chapter (it has a
 * chapter.md) or holds chapter folders.
 */
export function readLessonDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const single = statSync(join(dir, 'chapter.md'), { throwIfNoEntry: false })?.isFile();
  const base = single ? join(dir, '..') : dir;
  const walk = (d: string, depth: number) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (depth < 2 && !name.startsWith('.')) walk(p, depth + 1);
      } else if (/\.(md|sql)$/.test(name) && depth > 0) out[relative(base, p).split('\\').join('/')] = readFileSync(p, 'utf8');
    }
  };
  if (single) walk(dir, 1);
  else walk(dir, 0);
  return out;
}

function problemsError(e: unknown): CliError {
  const problems = (e as { problems?: { file: string; message: string }[] }).problems;
  if (problems) return new CliError(`${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p.file}: ${p.message}`).join('\n')}`);
  return new CliError((e as Error).message);
}

/** Reads chapters from a folder or a pack file; a problem is a CliError listing every `file:line`. */
export async function readLessonSource(path: string): Promise<LessonSource> {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new CliError(`no such file or folder: ${path}`);
  try {
    if (st.isFile()) {
      const pack = await readPack(new Uint8Array(readFileSync(path)));
      return { chapters: pack.chapters, files: pack.files, manifest: pack.manifest, hash: pack.hash };
    }
    const files = readLessonDir(path);
    let manifest: PackManifest | undefined;
    const m = join(path, MANIFEST);
    if (statSync(m, { throwIfNoEntry: false })?.isFile()) manifest = JSON.parse(readFileSync(m, 'utf8')) as PackManifest;
    const chapters = loadPackChapters(files);
    return { chapters, files, manifest, hash: await filesHash(files) };
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw problemsError(e);
  }
}

/** A pack id from a folder's name. */
export const idFromDir = (dir: string) => basename(dir.replace(/[\\/]+$/, '')).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'lessons';

let compiled: Promise<EngineOptions> | undefined;

/**
 * PGlite's wasm compiled once per process for every copy (PGlite compiles it on each create in
 * Node: a tenth of the CPU of a checker's fresh copy, measured on the adversarial tests).
 */
export function compiledPglite(): Promise<EngineOptions> {
  compiled ??= (async () => {
    const dist = createRequire(import.meta.url).resolve('@electric-sql/pglite').replace(/index\.c?js$/, '');
    const [pglite, initdb] = await Promise.all([WebAssembly.compile(readFileSync(dist + 'pglite.wasm')), WebAssembly.compile(readFileSync(dist + 'initdb.wasm'))]);
    return { pgliteWasmModule: pglite, initdbWasmModule: initdb, fsBundle: new Blob([readFileSync(dist + 'pglite.data')]) };
  })();
  return compiled;
}
