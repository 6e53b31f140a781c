// The playground's saved database: a storage backend for PGlite's MEMFS frontend that keeps
// the data directory in IndexedDB. Postgres works on memory; after each statement the frontend
// hands over what changed, and it is saved here in one transaction (all of it or none, so a
// tab that dies mid-save leaves the previous save whole). Layout: see store-layout.ts.
import { PGlite } from '@electric-sql/pglite';
import { MemfsFrontendFS, type ChangeSet, type FileWrite, type StorageBackend, type StorageEntry } from '@electric-sql/pglite/memfs-frontend';
import type { DataDirSnapshot } from './datadir-snapshot.ts';
import {
  assembleFile, livePages, manifestFrom, manifestRecord, packBase, pageCount, pagesOf, shouldCompact, subtreeOf,
  PAGE, type BaseImage, type FileMeta, type Manifest, type PageWrite,
} from './store-layout.ts';

const VERSION = 1;
/** 'manifest' and 'base' records, and 'baseId': the snapshot the base image was written from. */
const META = 'meta';
/** [path, page index] → the page's bytes. */
const PAGES = 'pages';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    // A failed request's error event reaches the transaction before the transaction aborts, so
    // tx.error is still null then: the request's own error carries the reason (QuotaExceededError
    // from a put that went over the quota), without which the page could not say the store is full.
    tx.onerror = (ev) => reject((ev.target as IDBRequest | null)?.error ?? tx.error ?? new DOMException('The save failed.', 'UnknownError'));
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
}

/** Page indexes saved since the base image, by file. */
type SavedPages = Map<string, Set<number>>;

const countPages = (saved: SavedPages) => [...saved.values()].reduce((n, set) => n + set.size, 0);

export class IdbStore implements StorageBackend {
  private db?: IDBDatabase;
  private opening?: Promise<IDBDatabase>;
  private reading?: Promise<Loaded>;
  private manifest: Manifest = new Map();
  /** The page records saved since the base image. */
  private saved: SavedPages = new Map();
  /** Size of the base image, in pages. */
  private basePages = 0;
  /** Saving a prepared data directory as the base image (importSeed); saves wait for it. */
  private importing?: Promise<void>;
  /**
   * The stored base image is not the database the frontend believes saved (the import of the
   * prepared one was refused, e.g. by a tiny quota): the next save writes a whole new base.
   */
  private baseStale = false;
  /** Why the last save failed; undefined once a save succeeds (or none failed). */
  lastFailure?: Error;
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
   * from it (load() yields it), so a first visit never waits for a full save. When the stored
   * base image was written from this very snapshot (`seed.id`; a lesson chapter's Reset goes
   * back to the start it was made from), only the pages and the manifest are rewritten: a
   * chapter's 24-60 MB base is not written again, which PostgreSQL's first save waits for.
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
    this.reading = Promise.resolve({ manifest, base, pages: new Map() });
    this.importing = (async () => {
      await this.init();
      const tx = this.need().transaction([META, PAGES], 'readwrite');
      const finished = done(tx);
      const meta = tx.objectStore(META);
      tx.objectStore(PAGES).clear();
      meta.put(manifestRecord(manifest), 'manifest');
      // The look and the writes are one transaction: nothing can replace the base in between.
      const stored = seed.id ? meta.get('baseId') : undefined;
      const writeBase = () => {
        meta.put(base, 'base');
        if (seed.id) meta.put(seed.id, 'baseId');
        else meta.delete('baseId');
      };
      if (stored) stored.onsuccess = () => { if (stored.result !== seed.id) writeBase(); };
      else writeBase();
      await finished;
    })();
    this.importing.then(
      () => (this.importing = undefined),
      (e: Error) => {
        // The next save reports it, and writes everything then (the frontend thinks it saved).
        this.importing = undefined;
        this.baseStale = true;
        this.lastFailure = e;
      },
    );
  }

  /** Makes `seed` the stored database and waits until it is saved (a new workspace from an archive). */
  async storeSeed(seed: DataDirSnapshot): Promise<void> {
    this.importSeed(seed);
    await this.importing;
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
    keys.forEach(([path, index], i) => {
      let list = pages.get(path);
      if (!list) pages.set(path, (list = []));
      list.push({ index, data: values[i] });
    });
    return { manifest: manifestFrom(record), base, pages };
  }

  async *load(): AsyncIterable<StorageEntry> {
    await this.init();
    const { manifest, base, pages } = await (this.reading ??= this.read());
    this.reading = undefined; // the bytes are MEMFS's now: let the read be collected
    this.manifest = manifest;
    this.saved = new Map([...pages].map(([path, list]) => [path, new Set(list.map((p) => p.index))]));
    this.basePages = pageCount(base?.data.byteLength ?? 0);
    // Sorted paths: parents before their children.
    for (const path of [...manifest.keys()].sort()) {
      const e = manifest.get(path)!;
      if ('dir' in e) yield { kind: 'dir', path };
      else yield { kind: 'file', path, data: assembleFile(path, e, base, pages.get(path) ?? []) };
    }
  }

  /**
   * Saves one flush's changes. A save the browser refuses (a full or tiny quota) never fails the
   * statement: the store owes a whole save instead (saveWhole, tried after each run), and until
   * then only follows the data directory's names and sizes.
   */
  async apply(changes: ChangeSet): Promise<void> {
    if (this.readOnly) return;
    // Everything is read from MEMFS before the first await: until then it holds exactly the
    // state the change set describes.
    const manifest = new Map(this.manifest);
    let manifestChanged = changes.ops.length > 0;
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
    const puts: Array<{ path: string; page: PageWrite }> = [];
    const cuts: Array<{ path: string; fromPage: number }> = [];
    for (const w of writes) {
      const old = manifest.get(w.path);
      const before: FileMeta | undefined = old && !('dir' in old) ? old : undefined;
      const baseLen = w.full ? 0 : Math.min(before?.baseLen ?? 0, w.truncate ? w.size : Infinity);
      if (!before || before.size !== w.size || before.baseLen !== baseLen) {
        manifest.set(w.path, { size: w.size, baseLen });
        manifestChanged = true;
      }
      if (this.baseStale) continue;
      if (w.full) cuts.push({ path: w.path, fromPage: 0 });
      else if (w.truncate) cuts.push({ path: w.path, fromPage: pageCount(w.size) });
      for (const page of pagesOf(w, (index) => this.readPage(w.path, index, w.size))) puts.push({ path: w.path, page });
    }
    const compact = !this.baseStale && shouldCompact({ savedPages: countPages(this.saved), newPages: puts.length, basePages: this.basePages, livePages: livePages(manifest) });
    const base = compact ? this.baseFromMemfs(manifest) : undefined;
    // IndexedDB runs write transactions in the order they are made, but a failed import must
    // not be followed by saves that assume it.
    if (this.importing) await this.importing.catch(() => {});
    if (this.baseStale) {
      this.manifest = manifest;
      return;
    }
    if (base) for (const [path, e] of manifest) if (!('dir' in e)) manifest.set(path, { size: e.size, baseLen: e.size });
    try {
      await this.write((tx) => {
        const pagesStore = tx.objectStore(PAGES);
        if (base) {
          // The new base image holds every file whole: no page record is needed any more.
          pagesStore.clear();
          tx.objectStore(META).put(base, 'base');
          tx.objectStore(META).delete('baseId');
        } else {
          for (const path of removals) pagesStore.delete(pageRange(path));
          for (const { path, fromPage } of cuts) pagesStore.delete(pageRange(path, fromPage));
          for (const { path, page } of puts) pagesStore.put(page.data, [path, page.index]);
        }
        // Most statements change no size and no name: then the manifest record stays as it is.
        if (base || manifestChanged) tx.objectStore(META).put(manifestRecord(manifest), 'manifest');
      });
    } catch {
      // Nothing of this save was written (all or nothing): a whole save is owed now.
      this.baseStale = true;
      this.manifest = manifest;
      return;
    }
    // Only a complete save changes what we believe is stored.
    this.manifest = manifest;
    if (base) {
      this.saved = new Map();
      this.basePages = pageCount(base.data.byteLength);
    } else {
      for (const path of removals) this.saved.delete(path);
      for (const { path, fromPage } of cuts) {
        const set = this.saved.get(path);
        if (set) for (const i of set) if (i >= fromPage) set.delete(i);
      }
      for (const { path, page } of puts) {
        let set = this.saved.get(path);
        if (!set) this.saved.set(path, (set = new Set()));
        set.add(page.index);
      }
    }
  }

  /** One IndexedDB write transaction; remembers why it failed, or that the last one succeeded. */
  private async write(fill: (tx: IDBTransaction) => void): Promise<void> {
    try {
      const tx = this.need().transaction([META, PAGES], 'readwrite');
      const finished = done(tx);
      fill(tx);
      await finished;
      this.lastFailure = undefined;
    } catch (e) {
      this.lastFailure = e as Error;
      throw e;
    }
  }

  /** Whether a save is owed: the base on record is not this database (a save was refused). */
  get behind(): boolean {
    return !this.readOnly && this.baseStale;
  }

  /**
   * The save that is owed, of everything as one new base image. Call it between statements
   * (PGlite's exclusive section): MEMFS is read at once, the base is written after.
   */
  async saveWhole(): Promise<void> {
    if (!this.behind) return;
    if (this.importing) await this.importing.catch(() => {});
    const manifest = new Map(this.manifest);
    const base = this.baseFromMemfs(manifest);
    for (const [path, e] of manifest) if (!('dir' in e)) manifest.set(path, { size: e.size, baseLen: e.size });
    await this.write((tx) => {
      tx.objectStore(PAGES).clear();
      tx.objectStore(META).put(base, 'base');
      tx.objectStore(META).delete('baseId');
      tx.objectStore(META).put(manifestRecord(manifest), 'manifest');
    });
    this.manifest = manifest;
    this.saved = new Map();
    this.basePages = pageCount(base.data.byteLength);
    this.baseStale = false;
  }

  /** Bytes of the data directory this store keeps (what a save of everything writes). */
  get databaseBytes(): number {
    let n = 0;
    for (const e of this.manifest.values()) if (!('dir' in e)) n += e.size;
    return n;
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
