// A CSV file read for loading into a table: papaparse splits it (quotes, embedded newlines and
// delimiters, a guessed delimiter, a BOM), this module guesses each column's type from its values
// and writes the SQL that loads it: COPY … FROM stdin in CSV format, run by pglab's psql-style
// runner, so PostgreSQL itself parses the values and names the line of a bad one.
import Papa from 'papaparse';
import { quoteIdent } from './sql-names.ts';

export type GuessedType = 'integer' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'text';

export interface CsvPreview {
  delimiter: string;
  columns: string[];
  types: GuessedType[];
  /** Data rows (the header excluded). */
  rows: string[][];
  /** Whether the file's first line names the columns. */
  header: boolean;
  /** Problems by line of the file (1-based, the header is line 1 when there is one). */
  errors: Array<{ line: number; message: string }>;
}

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOL = /^(true|false|t|f|yes|no)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TS = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/** The narrowest type every non-empty value fits (an empty value is NULL); text when in doubt. */
export function guessType(values: string[]): GuessedType {
  const present = values.filter((v) => v !== '');
  if (!present.length) return 'text';
  const all = (re: RegExp) => present.every((v) => re.test(v));
  if (all(INT)) return present.every((v) => Math.abs(Number(v)) <= 2147483647) ? 'integer' : present.every((v) => /^[+-]?\d{1,18}$/.test(v)) ? 'bigint' : 'numeric';
  if (all(NUM)) return 'numeric';
  if (all(BOOL)) return 'boolean';
  if (all(DATE) && present.every((v) => !Number.isNaN(Date.parse(v)))) return 'date';
  if (all(TS)) return 'timestamptz';
  return 'text';
}

export function readCsv(text: string, opts: { header: boolean; delimiter?: string }): CsvPreview {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { delimiter: opts.delimiter ?? '', skipEmptyLines: 'greedy' });
  // Rows of the wrong width are reported below, by the file's line; an undetected delimiter is a comma.
  const errors = parsed.errors.filter((e) => e.type !== 'FieldMismatch' && e.type !== 'Delimiter').map((e) => ({ line: (e.row ?? 0) + 1, message: e.message }));
  const all = parsed.data;
  const head = opts.header ? (all[0] ?? []) : [];
  const rows = opts.header ? all.slice(1) : all;
  const width = Math.max(head.length, ...rows.map((r) => r.length), 0);
  const columns = Array.from({ length: width }, (_, i) => (head[i]?.trim() || `column${i + 1}`));
  rows.forEach((r, i) => {
    if (r.length !== width) errors.push({ line: i + 1 + (opts.header ? 1 : 0), message: `${r.length} fields where the file has ${width}.` });
  });
  const types = columns.map((_, i) => guessType(rows.map((r) => r[i] ?? '')));
  return { delimiter: parsed.meta.delimiter, header: opts.header, columns, types, rows, errors: errors.sort((a, b) => a.line - b.line) };
}

/** The script that loads the rows: CREATE TABLE for a new table, then COPY with the rows inline. */
export function loadScript(p: CsvPreview, table: string, opts: { create: boolean }): string {
  const cols = p.columns.map(quoteIdent);
  const create = opts.create ? `create table ${table} (${cols.map((c, i) => `${c} ${p.types[i]}`).join(', ')});\n` : '';
  // The header line goes too (HEADER true): COPY's line numbers in its errors are then the file's.
  const data = Papa.unparse(p.header ? [p.columns, ...p.rows] : p.rows, { newline: '\n', quotes: false });
  // A line \. ends COPY's inline data: a value that is exactly \. is quoted so it cannot end it early.
  const safe = data.split('\n').map((l) => (l === '\\.' ? '"\\."' : l)).join('\n');
  return `${create}copy ${table} (${cols.join(', ')}) from stdin with (format csv${p.header ? ', header true' : ''});\n${safe}\n\\.\n`;
}

/** A result grid's rows as CSV (a header row of the column names). */
export function toCsv(columns: string[], rows: Array<Array<string | null>>): string {
  return Papa.unparse({ fields: columns, data: rows.map((r) => r.map((v) => v ?? '')) }, { newline: '\r\n' });
}

/**
 * The psql command that exports a relation as a CSV file with a header, as the user could type it:
 * a table is copied directly, a view through a query (COPY cannot read a view by name).
 */
export function exportCsvCommand(schema: string, name: string, kind: 'table' | 'view' | 'materialized view' | 'partitioned table' | 'foreign table'): string {
  const rel = `${quoteIdent(schema)}.${quoteIdent(name)}`;
  const file = `${name.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'table'}.csv`;
  const source = kind === 'table' ? rel : `(select * from ${rel})`;
  return `\\copy ${source} to '${file}' with (format csv, header)`;
}
