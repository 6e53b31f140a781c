// How the playground's database starts: storage, prepared cluster or initdb, the extensions to
// load. The page reads them from the URL and localStorage; the first worker gets them in its name.
import type { Storage } from './protocol.ts';

export interface StartOptions {
  storage: Storage;
  /** false: a new database is made with initdb instead of the prepared one (for the bench). */
  seed: boolean;
  /** SQL names of the extensions the saved database uses (their files load at start). */
  extensions: string[];
  /** This page holds the store's lock (store-lock.ts): false, it works on a copy and saves nothing. */
  saving: boolean;
  /** The IndexedDB store of the open workspace (src/workspaces). */
  store: string;
}

const EXTENSIONS_KEY = 'pglab.extensions.v1';

/** IndexedDB by default (see README, "Storage"); `?storage=` picks another for comparison. */
export function pickStorage(search = location.search): Storage {
  return asStorage(new URLSearchParams(search).get('storage'));
}

const asStorage = (v: unknown): Storage => (v === 'idb' || v === 'idbfs' || v === 'memory' || v === 'opfs-ahp' ? v : 'idb');

/** The extensions the saved database uses, so the next start loads their files (see extensions.ts). */
export function savedExtensions(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(EXTENSIONS_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function saveExtensions(names: string[]) {
  try {
    localStorage.setItem(EXTENSIONS_KEY, JSON.stringify(names));
  } catch {
    // A full store costs only a restart when the extension is next used.
  }
}

export function startOptions(saving: boolean, store = 'pglab-db'): StartOptions {
  return { storage: pickStorage(), seed: new URLSearchParams(location.search).get('seed') !== '0', extensions: savedExtensions(), saving, store };
}

const PREFIX = 'pglab-db ';

/** A worker name that carries the options (early-worker.ts). */
export function workerName(o: StartOptions): string {
  return PREFIX + JSON.stringify(o);
}

/** The options a worker was started with, from its name (undefined: wait for init). */
export function startOptionsFromName(name: string): StartOptions | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  try {
    const o = JSON.parse(name.slice(PREFIX.length)) as StartOptions;
    return { storage: asStorage(o.storage), seed: o.seed !== false, extensions: Array.isArray(o.extensions) ? o.extensions.map(String) : [], saving: o.saving === true, store: typeof o.store === 'string' && o.store ? o.store : 'pglab-db' };
  } catch {
    return undefined;
  }
}

