// Whether something fits the room the browser gives this site, decided before anything is
// written: what it needs (from a file's size, an archive's declared size, …) against the
// browser's estimate (quota and usage). Pure: the page asks navigator.storage and passes it in.

export interface StorageEstimate {
  quota?: number;
  usage?: number;
}

/** What an import or a run will write, and how that was reckoned (said in the refusal). */
export interface RoomNeed {
  bytes: number;
  /** "This archive", "orders.csv", … : the subject of the message. */
  what: string;
  /** How `bytes` was reckoned: "its unpacked data directory", "twice the file's size". */
  basis?: string;
  /** What was not done, ending the message: "Nothing was written." by default. */
  unchanged?: string;
}

export type RoomVerdict =
  | { ok: true }
  | { ok: false; needed: number; free: number; missing: number; message: string };

/** A save writes more than the data (its manifest, the base image's pages): a tenth more. */
export const ROOM_MARGIN = 1.1;

export const megabytes = (n = 0) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * ok when `need.bytes` (plus the margin) fits in quota minus usage. A browser that reports no
 * quota gets ok: the save itself then decides (and a refused save is reported as unsaved).
 */
export function roomVerdict(need: RoomNeed, estimate: StorageEstimate | undefined): RoomVerdict {
  const quota = estimate?.quota;
  if (!quota || !Number.isFinite(quota)) return { ok: true };
  const usage = Math.max(0, estimate?.usage ?? 0);
  const needed = Math.round(Math.max(0, need.bytes) * ROOM_MARGIN);
  const free = Math.max(0, quota - usage);
  if (needed <= free) return { ok: true };
  const missing = needed - free;
  const basis = need.basis ? ` (${need.basis}, plus a tenth for saving)` : '';
  const unchanged = need.unchanged ?? 'Nothing was written.';
  const message =
    `${need.what} needs about ${megabytes(needed)}${basis}, but only ${megabytes(free)} is free: ` +
    `the browser gives this site ${megabytes(quota)} and ${megabytes(usage)} of it is used, so about ${megabytes(missing)} is missing. ` +
    `${unchanged} Free room by deleting a workspace (or a lesson's database in the browser's site settings), then try again.`;
  return { ok: false, needed, free, missing, message };
}

// What each kind of file needs once loaded. A script's text is kept (the imported dump waits in
// IndexedDB until its workspace opens) and the database it makes is about as big again; CSV rows
// travel inline in the COPY script, then become a table and its pages.

/** A SQL dump imported into a new workspace: the script kept, and the database it makes. */
export const dumpNeed = (fileBytes: number, what: string): RoomNeed => ({ bytes: fileBytes * 2, what, basis: "twice the file's size: the script and the database it makes" });
/** A CSV file (CSV import, `\copy … from` a file): the rows inline in COPY, then the table. */
export const csvNeed = (fileBytes: number, what: string, unchanged?: string): RoomNeed => ({ bytes: fileBytes * 3, what, basis: "three times the file's size: the rows sent to COPY and the table they make", unchanged });
/** A script opened in the editor (or included by `\i`): running it writes about its size in rows, and more in pages. */
export const scriptNeed = (fileBytes: number, what: string, unchanged = 'Nothing was opened.'): RoomNeed => ({ bytes: fileBytes * 2, what, basis: "twice the file's size: what running it writes", unchanged });
