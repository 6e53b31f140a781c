// Shapes that cross the worker boundary and that the session, analysis and UI share.

export interface Field {
  name: string;
  dataTypeID: number;
}

/** The one small query interface that analysis, lessons and migrations are written against. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; fields: Field[] }>;
}

export interface Notice {
  severity: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** Everything PostgreSQL said about an error; position is 1-based into the statement sent. */
export interface DbErrorInfo {
  message: string;
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: number;
  internalPosition?: number;
  internalQuery?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
  /** Where in PostgreSQL's source the error was raised (psql's LOCATION, for \errverbose). */
  file?: string;
  line?: string;
  routine?: string;
}

export type RunOutcome =
  | {
      ok: true; fields: Field[]; rows: unknown[][]; affectedRows?: number; /** PostgreSQL's own, when the engine has it. */ commandTag?: string; notices: Notice[]; durationMs: number; inTransaction: boolean;
      /** The statement ran but the browser refused to save the database (it stays in the tab until a later save). */
      unsaved?: DbErrorInfo;
    }
  | { ok: false; error: DbErrorInfo; notices: Notice[]; durationMs: number; inTransaction: boolean; broken?: boolean };

/** A database the session can drive: in-process PGlite (Node) or the Web Worker client. */
export interface Engine extends Queryable {
  /** Runs one statement alone (simple protocol), so it behaves exactly as in psql. */
  run(sql: string): Promise<RunOutcome>;
  /** Values as PostgreSQL's raw text, for psql's describe queries. */
  rawQuery(sql: string, params?: unknown[]): Promise<{ rows: Record<string, string | null>[]; fields: Field[] }>;
  /**
   * The columns a statement would return, without running it (psql's \gdesc: Parse and Describe
   * only). A statement the server rejects throws its error. Engines without it leave it out.
   */
  describe?(sql: string): Promise<Field[]>;
}
