// An error from PGlite or node-postgres (both raise pg-protocol's DatabaseError, with the
// fields as strings) in the one shape the session layer, the worker protocol and the CLI use.
import type { DbErrorInfo } from './types.ts';

const ERROR_FIELDS = [
  'code', 'severity', 'detail', 'hint', 'internalQuery', 'where', 'schema', 'table', 'column', 'constraint',
  'file', 'line', 'routine',
] as const;

export function toErrorInfo(e: unknown): DbErrorInfo {
  if (!(e instanceof Error)) return { message: String(e) };
  const src = e as Error & Record<string, unknown>;
  const info: DbErrorInfo = { message: src.message };
  for (const k of ERROR_FIELDS) if (typeof src[k] === 'string' && src[k]) (info as unknown as Record<string, unknown>)[k] = src[k];
  for (const k of ['position', 'internalPosition'] as const) {
    const v = src[k];
    if (v !== undefined && v !== null && v !== '') info[k] = Number(v);
  }
  return info;
}

/**
 * The browser store refused a save (quota exceeded, or the save was aborted). PGlite reports it
 * from the statement that ran before the save; the change stays in memory and the next save
 * tries again, so the instance is fine and nothing is lost unless the tab closes first.
 */
export function storageFailure(e: unknown): DbErrorInfo | undefined {
  const name = (e as { name?: unknown } | null)?.name;
  if (name !== 'QuotaExceededError' && name !== 'UnknownError' && name !== 'AbortError') return undefined;
  if (typeof (e as { message?: unknown }).message !== 'string' || 'severity' in (e as object)) return undefined;
  return {
    message: `The statement ran, but the browser would not save its changes (${name}${(e as Error).message ? `: ${(e as Error).message}` : ''}).`,
    detail: 'The changes are kept in this tab and are saved with the next statement that succeeds; closing or reloading the tab before then loses them.',
    hint: name === 'QuotaExceededError'
      ? "This site's storage is full: drop tables you no longer need, or export your work, then run a statement again."
      : 'Run a statement again to retry the save.',
  };
}
