// The registry as the page keeps it: in localStorage (shared by the site's tabs), with the
// workspace this tab has open in sessionStorage (a reload keeps it; another tab may have
// another open). Every change is read-modify-write of the newest record, so two tabs' edits mix.
import { find, readRegistry, type Registry, type Workspace } from './registry.ts';

const KEY = 'pglab.workspaces.v1';
const TAB_KEY = 'pglab.workspace.tab';

export function loadRegistry(): Registry {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    // No localStorage (storage denied): the playground's store alone, as before workspaces.
  }
  const reg = readRegistry(raw, Date.now());
  if (!raw) saveRegistry(reg);
  return reg;
}

export function saveRegistry(reg: Registry): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(reg));
  } catch {
    // A full store: the change is not kept past this page (the caller's state still has it).
  }
}

/** Applies a change to the newest stored registry and saves it. */
export function updateRegistry(change: (reg: Registry) => Registry): Registry {
  const next = change(loadRegistry());
  saveRegistry(next);
  return next;
}

/** The workspace this tab opens: the one it had open, else the one last opened anywhere. */
export function tabWorkspace(reg = loadRegistry()): Workspace {
  let id: string | null = null;
  try {
    id = sessionStorage.getItem(TAB_KEY);
  } catch {
    /* no sessionStorage: the registry's choice */
  }
  const w = reg.workspaces.find((x) => x.id === id);
  return w ?? find(reg, reg.active);
}

export function setTabWorkspace(id: string): void {
  try {
    sessionStorage.setItem(TAB_KEY, id);
  } catch {
    /* the registry's active one still points at it */
  }
}
