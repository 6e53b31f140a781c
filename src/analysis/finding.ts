// The one shape every analysis module reports in, identical in the app and the CLI.
import type { Queryable } from '../db/types.ts';

export type Severity = 'info' | 'warning' | 'error';

/** What a finding is about; only the parts that apply are set. */
export interface FindingObject {
  schema?: string;
  table?: string;
  index?: string;
  columns?: string[];
  constraint?: string;
  sequence?: string;
  /** A function with its argument types, e.g. `f(integer, text)`. */
  function?: string;
  policy?: string;
  extension?: string;
  query?: string;
  /** A plan node, for plan diagnoses: its id in the parsed tree and its label. */
  node?: string;
}

export interface Finding {
  /** Stable id, e.g. `unused_index`: documented, never renamed. */
  check: string;
  severity: Severity;
  object: FindingObject;
  /** One line: what was found, naming the objects. */
  message: string;
  /** Two or three sentences: why it matters. */
  why: string;
  /** SQL that mends it, when there is one. */
  fix?: string;
}

export interface Report<Facts> {
  facts: Facts;
  findings: Finding[];
}

export type { Queryable };

/** Quotes an identifier only when PostgreSQL would need it, so suggested SQL reads naturally. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** schema.name, leaving out `public`. */
export function qualified(schema: string, name: string): string {
  return schema === 'public' ? ident(name) : `${ident(schema)}.${ident(name)}`;
}
