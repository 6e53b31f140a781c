// Lesson packs: chapters in the lessons/<id>/ format handed out as one zip file (fflate), with a
// manifest `pglab-pack.json` { format, version, id, title }. Reading a pack runs nothing: the
// archive is bounded in size before and while it is unpacked, every entry name is checked (no
// path traversal, only the lesson layout), the text must be UTF-8, and the chapters go through
// the same loader as the built-in ones, so its errors are `file:line`. Works in Node and the page.
import { strToU8, unzipSync, zipSync, type Unzipped } from 'fflate';
import { loadLessons, LessonError, type LessonProblem } from './loader.ts';
import type { Chapter, Exercise } from './format.ts';

export const PACK_FORMAT = 'pglab-lesson-pack';
export const PACK_VERSION = 1;
export const MANIFEST = 'pglab-pack.json';

export const PACK_LIMITS = {
  /** The pack file as downloaded or chosen. */
  fileBytes: 8 * 1024 * 1024,
  /** All entries unpacked, as the archive declares them (fflate never writes past a declared size). */
  unpackedBytes: 32 * 1024 * 1024,
  entryBytes: 16 * 1024 * 1024,
  entries: 1000,
  chapters: 20,
};

export interface PackManifest {
  format: typeof PACK_FORMAT;
  version: typeof PACK_VERSION;
  /** Names the pack in the app and in progress files: lower-case words joined by dashes. */
  id: string;
  title: string;
  description?: string;
}

export interface LessonPack {
  manifest: PackManifest;
  /** Entry name → text, in the lesson layout (`<chapter>/chapter.md`, …). */
  files: Record<string, string>;
  chapters: Chapter[];
  /** SHA-256 of the files (hex), or null where the browser has no Web Crypto (plain http). */
  hash: string | null;
}

/** A pack that cannot be used; `problems` are `file[:line]: message`, as the loader's. */
export class PackError extends Error {
  constructor(readonly problems: LessonProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.message}`).join('\n'));
  }
}

const fail = (file: string, message: string): never => {
  throw new PackError([{ file, message }]);
};

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Whether an entry name is one a pack may hold; a message when not. */
export function entryProblem(name: string): string | undefined {
  if (name.includes('\\')) return 'the name has a backslash: entry names use "/"';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'the name is an absolute path';
  const parts = name.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return 'the name leaves the pack ("..")';
  if (parts.some((p) => !SEGMENT.test(p))) return 'the name has an empty part or characters other than letters, digits, ".", "_" and "-"';
  if (parts.length === 1 && name === MANIFEST) return undefined;
  if (parts.length === 2 && (parts[1] === 'chapter.md' || parts[1].endsWith('.sql'))) return undefined;
  if (parts.length === 3 && parts[1] === 'exercises' && parts[2].endsWith('.md')) return undefined;
  return `a pack holds only ${MANIFEST}, <chapter>/chapter.md, <chapter>/<dataset>.sql and <chapter>/exercises/NN-slug.md`;
}

function manifestOf(text: string): PackManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return fail(MANIFEST, `the manifest is not JSON (${(e as Error).message})`);
  }
  const m = data as Record<string, unknown>;
  if (!m || typeof m !== 'object' || Array.isArray(m) || m.format !== PACK_FORMAT) return fail(MANIFEST, `the manifest's "format" must be "${PACK_FORMAT}"`);
  if (m.version !== PACK_VERSION) {
    return fail(MANIFEST, `the pack has format version ${JSON.stringify(m.version)}; this pglab reads version ${PACK_VERSION}${typeof m.version === 'number' && m.version > PACK_VERSION ? ' (a newer pglab made it: update pglab)' : ''}`);
  }
  if (typeof m.id !== 'string' || !ID.test(m.id)) return fail(MANIFEST, '"id" must be lower-case letters, digits and dashes (at most 63), e.g. "acme-workshop"');
  if (typeof m.title !== 'string' || !m.title.trim() || m.title.length > 200) return fail(MANIFEST, '"title" must be a text of at most 200 characters');
  if (m.description !== undefined && (typeof m.description !== 'string' || m.description.length > 2000)) return fail(MANIFEST, '"description" must be a text of at most 2000 characters');
  for (const k of Object.keys(m)) if (!['format', 'version', 'id', 'title', 'description'].includes(k)) fail(MANIFEST, `unknown manifest key "${k}"`);
  const out: PackManifest = { format: PACK_FORMAT, version: PACK_VERSION, id: m.id, title: m.title.trim() };
  if (m.description) out.description = m.description as string;
  return out;
}

/** Unzips with every size checked against the limits first. */
function unzipBounded(bytes: Uint8Array): Unzipped {
  if (bytes.length > PACK_LIMITS.fileBytes) fail('(pack)', `the file is ${(bytes.length / 1e6).toFixed(1)} MB; a pack may be at most ${PACK_LIMITS.fileBytes / 1024 / 1024} MB`);
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) fail('(pack)', 'this is not a lesson pack: it is not a zip file (make one with "pglab lessons pack DIR -o FILE")');
  let total = 0;
  let count = 0;
  const problems: LessonProblem[] = [];
  let files: Unzipped;
  try {
    files = unzipSync(bytes, {
      filter(f) {
        if (f.name.endsWith('/')) return false; // a folder entry
        if (++count > PACK_LIMITS.entries) throw new PackError([{ file: '(pack)', message: `the pack has more than ${PACK_LIMITS.entries} files` }]);
        const bad = entryProblem(f.name);
        if (bad) {
          problems.push({ file: f.name, message: bad });
          return false;
        }
        if (f.originalSize > PACK_LIMITS.entryBytes) throw new PackError([{ file: f.name, message: `unpacks to ${(f.originalSize / 1e6).toFixed(1)} MB; one file may be at most ${PACK_LIMITS.entryBytes / 1024 / 1024} MB` }]);
        total += f.originalSize;
        if (total > PACK_LIMITS.unpackedBytes) throw new PackError([{ file: '(pack)', message: `the pack unpacks to more than ${PACK_LIMITS.unpackedBytes / 1024 / 1024} MB` }]);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof PackError) throw e;
    return fail('(pack)', `the zip file is damaged or cut short (${(e as Error).message}): download or copy it again`);
  }
  if (problems.length) throw new PackError(problems);
  return files;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads and validates a pack (nothing is run). Throws PackError with every problem found. */
export async function readPack(bytes: Uint8Array): Promise<LessonPack> {
  const entries = unzipBounded(bytes);
  const files: Record<string, string> = {};
  for (const [name, data] of Object.entries(entries)) {
    try {
      files[name] = decoder.decode(data);
    } catch {
      fail(name, 'the file is not UTF-8 text (or the archive is damaged)');
    }
  }
  if (!(MANIFEST in files)) fail(MANIFEST, `the pack has no ${MANIFEST} (make packs with "pglab lessons pack DIR -o FILE")`);
  const manifest = manifestOf(files[MANIFEST]);
  delete files[MANIFEST];
  return { manifest, files, chapters: loadPackChapters(files), hash: await filesHash(files) };
}

/** The pack's chapters through the lesson loader; its problems become the pack's. */
export function loadPackChapters(files: Record<string, string>): Chapter[] {
  const folders = new Set(Object.keys(files).map((n) => n.split('/')[0]));
  for (const f of folders) {
    if (!(`${f}/chapter.md` in files)) fail(`${f}/chapter.md`, `the folder "${f}" has no chapter.md`);
    if (!ID.test(f)) fail(`${f}/chapter.md`, 'a chapter folder is named with lower-case letters, digits and dashes');
  }
  if (!folders.size) fail('(pack)', 'the pack holds no chapter');
  if (folders.size > PACK_LIMITS.chapters) fail('(pack)', `the pack holds ${folders.size} chapters; at most ${PACK_LIMITS.chapters}`);
  let chapters: Chapter[];
  try {
    chapters = loadLessons(files);
  } catch (e) {
    if (e instanceof LessonError) throw new PackError(e.problems);
    throw e;
  }
  for (const c of chapters) if (!c.exercises.length) fail(`${c.id}/chapter.md`, 'the chapter has no exercises (add exercises/NN-slug.md)');
  return chapters;
}

/** A pack's bytes from its manifest and lesson files (the layout of readPack). */
export function writePack(manifest: Omit<PackManifest, 'format' | 'version'>, files: Record<string, string>): Uint8Array {
  const m: PackManifest = { format: PACK_FORMAT, version: PACK_VERSION, ...manifest };
  manifestOf(JSON.stringify(m)); // the same rules as reading
  for (const name of Object.keys(files)) {
    const bad = entryProblem(name);
    if (bad || name === MANIFEST) fail(name, bad ?? 'reserved name');
  }
  loadPackChapters(files);
  const entries: Record<string, Uint8Array> = { [MANIFEST]: strToU8(JSON.stringify(m, null, 2) + '\n') };
  for (const name of Object.keys(files).sort()) entries[name] = strToU8(files[name]);
  // A fixed date: the same files give the same bytes.
  return zipSync(entries, { level: 9, mtime: new Date('2026-01-01T00:00:00Z') });
}

// ---------------------------------------------------------------- identity

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

/** SHA-256 of a text (hex); null without Web Crypto (a page served over plain http). */
export async function sha256(text: string): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  return hex(await subtle.digest('SHA-256', strToU8(text)));
}

export async function filesHash(files: Record<string, string>): Promise<string | null> {
  return sha256(JSON.stringify(Object.keys(files).sort().map((k) => [k, files[k]])));
}

/**
 * What decides whether an answer passes, hashed: the chapter's dataset, seeds and extensions, and
 * the exercise's setup, solution, checks and isolation. A reworded task keeps the hash; a changed
 * check or dataset does not, so grading sees an answer given to another version of the exercise.
 */
export function exerciseHash(chapter: Chapter, ex: Exercise): Promise<string | null> {
  return sha256(JSON.stringify({
    dataset: chapter.dataset, seeds: chapter.seeds, extensions: chapter.extensions,
    setup: ex.setup, solution: ex.solution, checks: ex.checks, isolation: ex.isolation,
  }));
}
