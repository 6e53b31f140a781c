// The playground's saved database: a storage backend for PGlite's MEMFS frontend that keeps
// the data directory in IndexedDB. Postgres works on memory; after each statement the frontend
// hands over what changed, and it is saved here in one transaction (all of it or none, so a
// tab that dies mid-save leaves the previous save whole). Layout: see file-chunks.ts.
import { PGlite } from '@electric-sql/pglite';
import { MemfsFrontendFS, type ChangeSet, type FileWrite, type StorageBackend, type StorageEntry } from '@electric-sql/pglite/memfs-frontend';
import type { DataDirSnapshot } from './datadir-snapshot.ts';
import {
  assembleFile, manifestFrom, manifestRecord, packBase, pageCount, pagesOf, subtreeOf,
  PAGE, type BaseImage, type FileMeta, type Manifest, type PageWrite,
} from './file-chunks.ts';

const VERSION = 1;
/** 'manifest' and 'base' records. */
const META = 'meta';
/** [path, page index] → the page's bytes. */
const PAGES = 'pages';
/**
 * When the page records saved since the base image outnumber this, or half the base image's
 * pages, the next save folds everything into a new base image (so a big import rewrites the
 * base a few times, not once per 4 MB).
 */
const COMPACT_AT = 512;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('The save was aborted.', 'AbortError'));
  });
}

export function openDatabase(name: string): Promise<IDBDatabase> {
  const req = indexedDB.open(name, VERSION);
  req.onupgradeneeded = () => {
    req.result.createObjectStore(META);
    req.result.createObjectStore(PAGES);
  };
  return request(req);
}

export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
    req.onblocked = () => resolve();
  });
}

const pageKey = (path: string, index: number) => `${path}\u0000${index}`;
const pageRange = (path: string, from = 0) => IDBKeyRange.bound([path, from], [path, Infinity]);

interface MemfsNode {
  contents: Uint8Array | null;
  usedBytes: number;
}
interface EmscriptenFs {
  lookupPath(path: string): { node: MemfsNode };
}

interface Loaded {
  manifest: Manifest;
  base?: BaseImage;
  pages: Map<string, PageWrite[]>;
  pageKeys: Set<string>;
}

export class IdbStore implements StorageBackend {
  private db?: IDBDatabase;
  private opening?: Promise<IDBDatabase>;
  private reading?: Promise<Loaded>;
  private manifest: Manifest = new Map();
  /** Keys of the page records saved since the base image (pageKey). */
  private pageKeys = new Set<string>();
  /** Size of the base image, in pages. */
  private basePages = 0;
  /** Saving a prepared data directory as the base image (importSeed); saves wait for it. */
  private importing?: Promise<void>;
  /** The MEMFS the frontend mounts (set by IdbFs once PGlite has made it). */
  fs?: () => EmscriptenFs;

  /** `readOnly`: loads the saved database but never saves (another tab owns it). */
  constructor(readonly name: string, readonly readOnly = false) {}

  async init(): Promise<void> {
    this.db ??= await (this.opening ??= openDatabase(this.name));
  }

  private need(): IDBDatabase {
    if (!this.db) throw new Error('The database store is not open.');
    return this.db;
  }

  /**
   * Starts reading the saved database, so the read overlaps with compiling PostgreSQL; load()
   * then takes the result. Resolves to whether a data directory is saved here.
   */
  async prefetch(): Promise<boolean> {
    await this.init();
    const loaded = await (this.reading ??= this.read());
    return loaded.manifest.has('/PG_VERSION');
  }

  /**
   * Makes `seed` the stored database: it is saved as the base image while PostgreSQL starts
   * from it (load() yields it), so a first visit never waits for a full save.
   */
  importSeed(seed: DataDirSnapshot): void {
    const manifest: Manifest = new Map();
    const files: Array<[string, Uint8Array]> = [];
    for (const e of seed.entries) {
      if (e.kind === 'dir') manifest.set(e.path, { dir: true });
      else {
        manifest.set(e.path, { size: e.data.byteLength, baseLen: e.data.byteLength });
        files.push([e.path, e.data]);
      }
    }
    const base = packBase(files);
    this.reading = Promise.resolve({ manifest, base, pages: new Map(), pageKeys: new Set() });
    this.importing = (async () => {
      await this.init();
      const tx = this.need().transaction([META, PAGES], 'readwrite');
      const finished = done(tx);
      tx.objectStore(PAGES).clear();
      tx.objectStore(META).put(base, 'base');
      tx.objectStore(META).put(manifestRecord(manifest), 'manifest');
      await finished;
    })();
    this.importing.catch(() => {}); // the next save reports it
  }

  private async read(): Promise<Loaded> {
    const tx = this.need().transaction([META, PAGES], 'readonly');
    const meta = tx.objectStore(META);
    const [record, base, keys, values] = await Promise.all([
      request(meta.get('manifest') as IDBRequest<Parameters<typeof manifestFrom>[0]>),
      request(meta.get('base') as IDBRequest<BaseImage | undefined>),
      request(tx.objectStore(PAGES).getAllKeys() as IDBRequest<unknown> as IDBRequest<[string, number][]>),
      request(tx.objectStore(PAGES).getAll() as IDBRequest<Uint8Array[]>),
    ]);
    const pages = new Map<string, PageWrite[]>();
    const pageKeys = new Set<string>();
    keys.forEach(([path, index], i) => {
      let list = pages.get(path);
      if (!list) pages.set(path, (list = []));
      list.push({ index, data: values[i] });
      pageKeys.add(pageKey(path, index));
    });
    return { manifest: manifestFrom(record), base, pages, pageKeys };
  }

  async *load(): AsyncIterable<StorageEntry> {
    await this.init();
    const { manifest, base, pages, pageKeys } = await (this.reading ??= this.read());
    this.reading = undefined; // the bytes are MEMFS's now: let the read be collected
    this.manifest = manifest;
    this.pageKeys = pageKeys;
    this.basePages = pageCount(base?.data.byteLength ?? 0);
    for (const [path, e] of manifestRecord(manifest).map((r) => [r[0], manifest.get(r[0])!] as const)) {
      if ('dir' in e) yield { kind: 'dir', path };
      else yield { kind: 'file', path, data: assembleFile(path, e, base, pages.get(path) ?? []) };
    }
  }

  async apply(changes: ChangeSet): Promise<void> {
    if (this.readOnly) return;
    // Everything is read from MEMFS before the first await: until then it holds exactly the
    // state the change set describes.
    const manifest = new Map(this.manifest);
    const pageKeys = new Set(this.pageKeys);
    const removals: string[] = [];
    for (const op of changes.ops) {
      if (op.op === 'remove') {
        for (const p of subtreeOf(manifest, op.path)) {
          manifest.delete(p);
          removals.push(p);
        }
      } else manifest.set(op.path, { dir: true });
    }
    const writes: FileWrite[] = [...changes.files.wal, ...changes.files.data, ...changes.files.control];
    const puts: Array<{ path: string; page: PageWrite; fromPage?: number }> = [];
    const cuts: Array<{ path: string; fromPage: number }> = [];
    for (const w of writes) {
      const old = manifest.get(w.path);
      const before: FileMeta = old && !('dir' in old) ? old : { size: 0, baseLen: 0 };
      const meta: FileMeta = w.full ? { size: w.size, baseLen: 0 } : { size: w.size, baseLen: Math.min(before.baseLen, w.truncate ? w.size : before.baseLen) };
      manifest.set(w.path, meta);
      if (w.full) cuts.push({ path: w.path, fromPage: 0 });
      else if (w.truncate) cuts.push({ path: w.path, fromPage: pageCount(w.size) });
      for (const page of pagesOf(w, (index) => this.readPage(w.path, index, w.size))) puts.push({ path: w.path, page });
    }
    const compact = pageKeys.size + puts.length > Math.max(COMPACT_AT, this.basePages / 2);
    const base = compact ? this.baseFromMemfs(manifest) : undefined;

    // IndexedDB runs write transactions in the order they are made, but a failed import must
    // not be followed by saves that assume it.
    if (this.importing) await this.importing;
    const tx = this.need().transaction([META, PAGES], 'readwrite');
    const finished = done(tx);
    const pagesStore = tx.objectStore(PAGES);
    const metaStore = tx.objectStore(META);
    if (base) {
      // The new base image holds every file whole: no page record is needed any more.
      pagesStore.clear();
      pageKeys.clear();
      metaStore.put(base, 'base');
      for (const [path, e] of manifest) if (!('dir' in e)) manifest.set(path, { size: e.size, baseLen: e.size });
    } else {
      for (const path of removals) {
        pagesStore.delete(pageRange(path));
        for (const k of [...pageKeys]) if (k.startsWith(`${path}\u0000`)) pageKeys.delete(k);
      }
      for (const { path, fromPage } of cuts) {
        pagesStore.delete(pageRange(path, fromPage));
        for (const k of [...pageKeys]) {
          const [p, i] = k.split('\u0000');
          if (p === path && Number(i) >= fromPage) pageKeys.delete(k);
        }
      }
      for (const { path, page } of puts) {
        pagesStore.put(page.data, [path, page.index]);
        pageKeys.add(pageKey(path, page.index));
      }
    }
    metaStore.put(manifestRecord(manifest), 'manifest');
    await finished;
    // Only a complete save changes what we believe is stored.
    this.manifest = manifest;
    this.pageKeys = pageKeys;
    if (base) this.basePages = pageCount(base.data.byteLength);
  }

  /** Page `index` of a file as MEMFS holds it now (short at the end of the file). */
  private readPage(path: string, index: number, size: number): Uint8Array {
    const bytes = this.fileBytes(path);
    const start = index * PAGE;
    const end = Math.min(start + PAGE, size);
    const out = new Uint8Array(Math.max(0, end - start));
    out.set(bytes.subarray(start, Math.min(end, bytes.byteLength)));
    return out;
  }

  private fileBytes(path: string): Uint8Array {
    if (!this.fs) throw new Error('The store cannot read the file system: use IdbFs.');
    const node = this.fs().lookupPath(PGlite.paths.PGDATA + path).node;
    return node.contents ? node.contents.subarray(0, node.usedBytes) : new Uint8Array(0);
  }

  private baseFromMemfs(manifest: Manifest): BaseImage {
    const files: Array<[string, Uint8Array]> = [];
    for (const [path, e] of manifest) if (!('dir' in e)) files.push([path, this.fileBytes(path)]);
    return packBase(files);
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.opening = undefined;
    this.reading = undefined;
  }
}

/** PGlite's MEMFS frontend over an IdbStore, which it lets read the files it saves. */
export class IdbFs extends MemfsFrontendFS {
  constructor(readonly store: IdbStore) {
    super(store);
  }

  override async init(pg: PGlite, opts: Parameters<MemfsFrontendFS['init']>[1]) {
    this.store.fs = () => (pg as unknown as { Module: { FS: EmscriptenFs } }).Module.FS;
    return super.init(pg, opts);
  }
}
