// Adding and removing lesson packs in the page: read (nothing runs), validated by the lesson
// loader, verified in a lesson worker of its own, then kept in IndexedDB and shown beside the
// built-in chapters. Components call these methods and render the state.
import { PACK_LIMITS, PackError, readPack } from '../../lessons/pack.ts';
import { removePack, savePack } from '../../lessons/pack-store.ts';
import { verifyPackInWorker, type VerifyProgress } from '../../lessons/pack-verify.ts';
import type { LessonsState } from './lessons.svelte.ts';

export type PackPhase = 'idle' | 'reading' | 'verifying' | 'done' | 'failed';

export class PackState {
  phase = $state<PackPhase>('idle');
  /** What happens now or what came of it (role="status"). */
  message = $state('');
  progress = $state.raw<VerifyProgress | null>(null);
  /** Every problem found, `file:line: message` (role="alert"). */
  problems = $state.raw<string[]>([]);
  private abort?: AbortController;

  constructor(private ls: LessonsState) {}

  get busy() {
    return this.phase === 'reading' || this.phase === 'verifying';
  }

  /** A pack from a file the learner chose or dropped. */
  async addFile(file: File) {
    if (file.size > PACK_LIMITS.fileBytes) return this.failed([`(pack): the file is ${(file.size / 1e6).toFixed(1)} MB; a pack may be at most ${PACK_LIMITS.fileBytes / 1024 / 1024} MB`]);
    return this.add(new Uint8Array(await file.arrayBuffer()), file.name);
  }

  /** A pack from a URL: downloaded with a size limit, never run before it validates. */
  async addUrl(url: string) {
    let u: URL;
    try {
      u = new URL(url.trim(), location.href);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    } catch {
      return this.failed([`(pack): "${url}" is not an http(s) address`]);
    }
    this.start('reading', `Downloading ${u.href}…`);
    let bytes: Uint8Array;
    try {
      const r = await fetch(u.href, { credentials: 'omit' });
      if (!r.ok) throw new Error(`the server answered ${r.status} ${r.statusText}`);
      if (Number(r.headers.get('content-length') ?? 0) > PACK_LIMITS.fileBytes) throw new Error(`the file is larger than ${PACK_LIMITS.fileBytes / 1024 / 1024} MB`);
      bytes = await readLimited(r, PACK_LIMITS.fileBytes);
    } catch (e) {
      return this.failed([`(pack): the pack could not be downloaded from ${u.href}: ${(e as Error).message} (a pack on another site must be served with CORS allowed)`]);
    }
    return this.add(bytes, u.href);
  }

  private async add(bytes: Uint8Array, source: string) {
    this.start('reading', 'Reading the pack…');
    let pack;
    try {
      pack = await readPack(bytes);
    } catch (e) {
      return this.failed(e instanceof PackError ? e.problems.map((p) => `${p.file}: ${p.message}`) : [`(pack): ${(e as Error).message}`]);
    }
    const conflict = this.ls.packConflict(pack.manifest.id, pack.chapters);
    if (conflict) return this.failed([conflict]);
    this.start('verifying', `Verifying "${pack.manifest.title}" on its own copies of the data…`);
    this.abort = new AbortController();
    let problems: string[];
    try {
      problems = await verifyPackInWorker(pack.chapters, (p) => (this.progress = p), this.abort.signal);
    } catch (e) {
      return this.failed([`(pack): the verification stopped: ${(e as Error).message}`]);
    }
    if (problems.length) return this.failed(problems, `The pack "${pack.manifest.title}" was not added: ${problems.length} problem${problems.length === 1 ? '' : 's'} found.`);
    const identity = { id: pack.manifest.id, title: pack.manifest.title, hash: pack.hash };
    try {
      await savePack({ manifest: pack.manifest, files: pack.files, hash: pack.hash, source, addedAt: new Date().toISOString() });
    } catch (e) {
      this.message = `Verified, but not kept for offline use (${(e as Error).message}): it shows for this visit only.`;
    }
    this.ls.addPackChapters(identity, pack.chapters);
    const n = pack.chapters.reduce((k, c) => k + c.exercises.length, 0);
    this.phase = 'done';
    this.message = `Added "${pack.manifest.title}": ${pack.chapters.length} chapter${pack.chapters.length === 1 ? '' : 's'}, ${n} exercises, every one verified.`;
  }

  cancel() {
    this.abort?.abort();
  }

  async remove(id: string) {
    try {
      await removePack(id);
    } catch {
      // not stored (a failed save): removing it from the page is enough
    }
    const title = this.ls.packs.find((p) => p.id === id)?.title ?? id;
    this.ls.removePackChapters(id);
    this.phase = 'done';
    this.problems = [];
    this.message = `Removed the pack "${title}" (your progress in it is kept).`;
  }

  private start(phase: PackPhase, message: string) {
    this.phase = phase;
    this.message = message;
    this.problems = [];
    this.progress = null;
  }

  private failed(problems: string[], message = 'The pack was not added.') {
    this.phase = 'failed';
    this.message = message;
    this.problems = problems;
  }
}

/** The body of a response, refusing more than `limit` bytes however the server labels it. */
async function readLimited(r: Response, limit: number): Promise<Uint8Array> {
  const reader = r.body?.getReader();
  if (!reader) return new Uint8Array(await r.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`the file is larger than ${limit / 1024 / 1024} MB`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
