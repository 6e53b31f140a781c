// The list of the user's workspaces: several named databases in the browser, each kept in its
// own IndexedDB store (src/db/idb-store.ts), with its own editor draft and run history. Pure
// functions over a plain record; the page keeps the record in localStorage (registry-storage.ts).

/** The IndexedDB store of the single playground database pglab kept before workspaces. */
export const LEGACY_STORE = 'pglab-db';
/** The localStorage keys of that playground's draft and history: the first workspace keeps them. */
export const LEGACY_DRAFT_KEY = 'pglab.draft.v1';
export const LEGACY_HISTORY_KEY = 'pglab.history.v1';
export const LEGACY_REVISIONS_KEY = 'pglab.migrations.revisions';

export interface Workspace {
  id: string;
  name: string;
  /** The IndexedDB database holding its data directory. */
  store: string;
  created: number;
  /** Opened from a link or a file: shown as such until the user keeps it under a name. */
  scratch?: boolean;
}

export interface Registry {
  version: 1;
  workspaces: Workspace[];
  /** The workspace a new tab opens. */
  active: string;
}

export class WorkspaceError extends Error {}

export const MAX_NAME = 60;

/** A name as the user typed it, trimmed; a clear message when it cannot be one. */
export function checkName(reg: Registry, raw: string, except?: string): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  if (!name) throw new WorkspaceError('A workspace needs a name.');
  if (name.length > MAX_NAME) throw new WorkspaceError(`A workspace name has at most ${MAX_NAME} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new WorkspaceError('A workspace name cannot hold control characters.');
  const clash = reg.workspaces.find((w) => w.id !== except && w.name.toLowerCase() === name.toLowerCase());
  if (clash) throw new WorkspaceError(`There is already a workspace named “${clash.name}”.`);
  return name;
}

/** `base`, or `base 2`, `base 3`, … : the first name no workspace has. */
export function freeName(reg: Registry, base: string): string {
  const taken = new Set(reg.workspaces.map((w) => w.name.toLowerCase()));
  const stem = base.trim().slice(0, MAX_NAME - 4) || 'workspace';
  if (!taken.has(stem.toLowerCase())) return stem;
  for (let n = 2; ; n++) if (!taken.has(`${stem} ${n}`.toLowerCase())) return `${stem} ${n}`;
}

/** The registry of a browser that had only the playground: its store becomes the first workspace, as it is. */
export function migrate(now: number): Registry {
  // Adopting the store under its own name copies nothing, so nothing of it can be lost.
  const first: Workspace = { id: 'playground', name: 'playground', store: LEGACY_STORE, created: now };
  return { version: 1, workspaces: [first], active: first.id };
}

/** A stored record, checked; a damaged or missing one gives the migrated registry (the old store stays the first). */
export function readRegistry(raw: string | null, now: number): Registry {
  if (!raw) return migrate(now);
  try {
    const v = JSON.parse(raw) as Registry;
    if (v?.version !== 1 || !Array.isArray(v.workspaces)) return migrate(now);
    const seen = new Set<string>();
    const workspaces = v.workspaces.filter((w): w is Workspace => {
      const ok = !!w && typeof w.id === 'string' && typeof w.name === 'string' && typeof w.store === 'string' && !seen.has(w.id) && !seen.has(`store:${w.store}`);
      if (ok) seen.add(w.id).add(`store:${w.store}`);
      return ok;
    });
    if (!workspaces.length) return migrate(now);
    const active = workspaces.some((w) => w.id === v.active) ? v.active : workspaces[0].id;
    return { version: 1, workspaces, active };
  } catch {
    return migrate(now);
  }
}

export function find(reg: Registry, id: string): Workspace {
  const w = reg.workspaces.find((x) => x.id === id);
  if (!w) throw new WorkspaceError('That workspace does not exist (any more).');
  return w;
}

/** A new id; the store's name follows from it (never reused: a deleted store's name stays dead). */
export function newId(now: number, random: () => number = Math.random): string {
  return `w${now.toString(36)}${Math.floor(random() * 36 ** 4).toString(36).padStart(4, '0')}`;
}

export const storeFor = (id: string) => `pglab-ws-${id}`;

export function add(reg: Registry, name: string, opts: { now: number; id?: string; scratch?: boolean }): { reg: Registry; workspace: Workspace } {
  const id = opts.id ?? newId(opts.now);
  if (reg.workspaces.some((w) => w.id === id)) throw new WorkspaceError('A workspace with that id exists already.');
  const workspace: Workspace = { id, name: checkName(reg, name), store: storeFor(id), created: opts.now, ...(opts.scratch ? { scratch: true } : {}) };
  return { reg: { ...reg, workspaces: [...reg.workspaces, workspace] }, workspace };
}

export function rename(reg: Registry, id: string, name: string): Registry {
  find(reg, id);
  const checked = checkName(reg, name, id);
  return { ...reg, workspaces: reg.workspaces.map((w) => (w.id === id ? { ...w, name: checked } : w)) };
}

/** A scratch workspace kept under a name: it becomes one of the user's. */
export function keep(reg: Registry, id: string, name: string): Registry {
  const renamed = rename(reg, id, name);
  return { ...renamed, workspaces: renamed.workspaces.map((w) => (w.id === id ? { id: w.id, name: w.name, store: w.store, created: w.created } : w)) };
}

/** Removes a workspace from the list (its store is deleted by the caller); the last one cannot go. */
export function remove(reg: Registry, id: string): { reg: Registry; removed: Workspace } {
  const removed = find(reg, id);
  const workspaces = reg.workspaces.filter((w) => w.id !== id);
  if (!workspaces.length) throw new WorkspaceError('The last workspace cannot be deleted: create another first.');
  return { reg: { ...reg, workspaces, active: reg.active === id ? workspaces[0].id : reg.active }, removed };
}

export function activate(reg: Registry, id: string): Registry {
  find(reg, id);
  return { ...reg, active: id };
}

/** Where a workspace's editor draft and run history are kept (the first one keeps the old keys). */
/**
 * The localStorage keys of a workspace's draft, run history and migration revisions (the
 * revisions belong with the database whose alembic_version points into them). The first
 * workspace keeps the keys of the time before workspaces.
 */
export function keysFor(w: Workspace): { draft: string; history: string; revisions: string } {
  if (w.store === LEGACY_STORE) return { draft: LEGACY_DRAFT_KEY, history: LEGACY_HISTORY_KEY, revisions: LEGACY_REVISIONS_KEY };
  return { draft: `pglab.draft.v1:${w.id}`, history: `pglab.history.v1:${w.id}`, revisions: `pglab.migrations.revisions:${w.id}` };
}

/** Bytes a saved store holds, from its manifest record (directories `[path]`, files `[path, size, baseLen]`). */
export function manifestBytes(record: unknown): number {
  if (!Array.isArray(record)) return 0;
  let n = 0;
  for (const r of record) if (Array.isArray(r) && r.length === 3 && typeof r[1] === 'number') n += r[1];
  return n;
}

