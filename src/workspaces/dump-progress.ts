// How far pg_dump has got, seen from the queries it sends: it reads the catalogs, then each
// table's rows through a cursor (`DECLARE _pg_dump_cursor CURSOR FOR SELECT … FROM ONLY t`, then
// FETCHes). The bar weighs each table by its size on disk, the one being read counting by the
// bytes that came back for it (capped at its share: text rows are smaller than heap pages). Pure.
import type { Progress } from './progress.ts';

export interface DumpTable {
  schema: string;
  name: string;
  /** pg_relation_size of its heap. */
  bytes: number;
}

/** `"a"."b"`, `a.b`, `"x""y".z` → ['a', 'b'] …: a qualified name's parts as PostgreSQL reads them. */
export function nameParts(qualified: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^\s."]+))\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < qualified.length && (m = re.exec(qualified))) {
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].toLowerCase());
    if (!m[3]) break;
  }
  return parts;
}

const CURSOR = /declare\s+_pg_dump_cursor\s+cursor\s+for\s+select\s[\s\S]*?\sfrom\s+(?:only\s+)?((?:"(?:[^"]|"")*"|[^\s."]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[^\s."]+))?)/i;

/** The table a pg_dump query starts reading, or null for any other query. */
export function cursorTable(sql: string): { schema?: string; name: string } | null {
  const m = CURSOR.exec(sql);
  if (!m) return null;
  const parts = nameParts(m[1]);
  if (!parts.length) return null;
  return parts.length === 1 ? { name: parts[0] } : { schema: parts[0], name: parts[1] };
}

const MIN_WEIGHT = 8192;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export class DumpTracker {
  private readonly weight: number;
  private doneWeight = 0;
  private current: DumpTable | undefined;
  private currentBytes = 0;
  private seen = new Set<DumpTable>();
  /** Bytes of rows that came back in all. */
  received = 0;

  constructor(private readonly tables: DumpTable[]) {
    this.weight = tables.reduce((a, t) => a + Math.max(MIN_WEIGHT, t.bytes), 0);
  }

  /** A query pg_dump sent. */
  query(sql: string): void {
    const t = cursorTable(sql);
    if (!t) return;
    this.finishCurrent();
    this.current = this.tables.find((x) => x.name === t.name && (t.schema === undefined || x.schema === t.schema) && !this.seen.has(x));
    this.currentBytes = 0;
    if (this.current) this.seen.add(this.current);
  }

  /** Bytes of a reply. Only those while a table is read count towards it. */
  reply(bytes: number): void {
    if (!this.current) return;
    this.currentBytes += bytes;
    this.received += bytes;
  }

  private finishCurrent() {
    if (this.current) this.doneWeight += Math.max(MIN_WEIGHT, this.current.bytes);
    this.current = undefined;
  }

  get progress(): Progress {
    if (!this.tables.length) return { step: 'Writing the dump (no table has rows to read)' };
    if (!this.current && !this.seen.size) return { step: 'Reading the schema', fraction: 0, figures: `${this.tables.length.toLocaleString('en-US')} table${this.tables.length === 1 ? '' : 's'} to read` };
    const w = this.current ? Math.max(MIN_WEIGHT, this.current.bytes) : 0;
    const fraction = Math.min(1, (this.doneWeight + Math.min(this.currentBytes, w * 0.99)) / this.weight);
    const n = this.seen.size;
    const step = this.current
      ? `Reading table ${n} of ${this.tables.length} (${this.current.schema}.${this.current.name})`
      : `Read ${n} of ${this.tables.length} tables`;
    return { step, fraction, figures: `${mb(this.received)} of rows so far` };
  }
}
