// Run history, kept across reloads in localStorage (small: the last 50 scripts).
const KEY = 'pglab.history.v1';
const MAX = 50;

export interface HistoryEntry { at: number; sql: string }

/** `key`: the workspace's (src/workspaces/registry.ts keysFor); the first workspace keeps the old one. */
export function loadHistory(store: Storage = localStorage, key = KEY): HistoryEntry[] {
  try {
    const v = JSON.parse(store.getItem(key) ?? '[]');
    return Array.isArray(v) ? v.filter((e) => typeof e?.sql === 'string') : [];
  } catch {
    return [];
  }
}

export function pushHistory(sql: string, store: Storage = localStorage, key = KEY): HistoryEntry[] {
  const list = loadHistory(store, key).filter((e) => e.sql !== sql);
  list.unshift({ at: Date.now(), sql });
  const kept = list.slice(0, MAX);
  try {
    store.setItem(key, JSON.stringify(kept));
  } catch {
    // A full store must not break running queries; history is a convenience.
  }
  return kept;
}
