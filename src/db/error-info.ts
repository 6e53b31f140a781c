// An error from PGlite or node-postgres (both raise pg-protocol's DatabaseError, with the
// fields as strings) in the one shape the session layer, the worker protocol and the CLI use.
import type { DbErrorInfo } from './types.ts';

const ERROR_FIELDS = [
  'code', 'severity', 'detail', 'hint', 'internalQuery', 'where', 'schema', 'table', 'column', 'constraint',
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
