// Pure functions the schema linter applies to sampled column values (PostgreSQL's text
// form, null for NULL): delimited lists and functional dependencies. No database access.

/** A list needs at least this many non-null sampled values: fewer tell nothing about a habit. */
export const DELIMITED_MIN_VALUES = 5;
/** Share of non-null values that must look like lists: a few stray commas are just punctuation. */
export const DELIMITED_MIN_SHARE = 0.3;
/** Longest list item: longer pieces are prose or addresses, not atomic items. */
export const DELIMITED_MAX_ITEM_LENGTH = 40;
/** Most words per item: "red", "New York" and "sci-fi books" are items, clauses are not. */
export const DELIMITED_MAX_ITEM_WORDS = 3;

/** A determinant must repeat at least this many of its values: fewer is as likely chance as a rule. */
export const FD_MIN_REPEATED_VALUES = 3;
/** Rows in repeated groups that must agree: a rule seen on a handful of rows is an accident. */
export const FD_MIN_SUPPORT_ROWS = 10;

const DELIMITERS = [',', ';', '|'] as const;
const THOUSANDS = /^-?\d{1,3}([,.]\d{3})+([.,]\d+)?$/;

export interface DelimitedList {
  delimiter: string;
  /** Values that hold two or more items. */
  listValues: number;
  nonNull: number;
  maxItems: number;
  examples: string[];
}

function itemsOf(value: string, delimiter: string): string[] | null {
  const items = value.split(delimiter).map((s) => s.trim());
  if (items.length < 2) return null;
  for (const it of items) {
    if (it === '' || it.length > DELIMITED_MAX_ITEM_LENGTH) return null;
    if (it.split(/\s+/).length > DELIMITED_MAX_ITEM_WORDS) return null;
  }
  return items;
}

/**
 * Sampled values that hold delimited lists of short items. Besides the share of list-shaped
 * values, the number of items must vary between rows and reach three somewhere: "Smith, John"
 * or "street, city" always have the same number of parts, a list of tags does not.
 */
export function findDelimitedList(values: (string | null)[]): DelimitedList | null {
  const texts = values.filter((v): v is string => v !== null).map((v) => v.trim()).filter((v) => v !== '');
  if (texts.length < DELIMITED_MIN_VALUES) return null;
  let best: DelimitedList | null = null;
  for (const d of DELIMITERS) {
    const sizes = new Set<number>();
    let listValues = 0;
    let maxItems = 1;
    const examples: string[] = [];
    for (const v of texts) {
      if (v.startsWith('{') || v.startsWith('[') || THOUSANDS.test(v)) { sizes.add(1); continue; }
      if (!v.includes(d)) { sizes.add(1); continue; }
      const items = itemsOf(v, d);
      if (!items) continue; // prose that happens to contain the delimiter
      listValues++;
      sizes.add(items.length);
      maxItems = Math.max(maxItems, items.length);
      if (examples.length < 3) examples.push(v);
    }
    if (listValues / texts.length < DELIMITED_MIN_SHARE || sizes.size < 2 || maxItems < 3) continue;
    if (!best || listValues > best.listValues) best = { delimiter: d, listValues, nonNull: texts.length, maxItems, examples };
  }
  return best;
}

/** One column's sampled values as small integer codes (-1 = NULL). */
export interface Coded {
  codes: Int32Array;
  distinct: number;
  nulls: number;
  /** Rows per code. */
  counts: number[];
}

export function encode(values: (string | null)[]): Coded {
  const ids = new Map<string, number>();
  const codes = new Int32Array(values.length);
  const counts: number[] = [];
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) { codes[i] = -1; nulls++; return; }
    let id = ids.get(v);
    if (id === undefined) { id = ids.size; ids.set(v, id); counts.push(0); }
    counts[id]++;
    codes[i] = id;
  });
  return { codes, distinct: ids.size, nulls, counts };
}

export interface Evidence {
  /** Determinant values that occur in two or more sampled rows. */
  repeatedValues: number;
  /** Rows holding those repeated values: the rows on which the rule was tested. */
  supportRows: number;
}

/** Whether a column has enough repeated values to be tested as a determinant. */
export function determinantEvidence(a: Coded): Evidence | null {
  let repeatedValues = 0;
  let supportRows = 0;
  for (const c of a.counts) if (c >= 2) { repeatedValues++; supportRows += c; }
  if (repeatedValues < FD_MIN_REPEATED_VALUES || supportRows < FD_MIN_SUPPORT_ROWS) return null;
  return { repeatedValues, supportRows };
}

/**
 * True when every non-null value of `a` comes with exactly one value of `b` (NULL counts as a
 * value) and `b` takes at least two values on the repeated rows, so the rule is not a constant.
 */
export function determines(a: Coded, b: Coded): boolean {
  const seen = new Int32Array(a.distinct).fill(-2);
  let firstB = -2;
  let varies = false;
  for (let r = 0; r < a.codes.length; r++) {
    const x = a.codes[r];
    if (x < 0) continue;
    const y = b.codes[r];
    if (seen[x] === -2) seen[x] = y;
    else if (seen[x] !== y) return false;
    if (a.counts[x] >= 2) {
      if (firstB === -2) firstB = y;
      else if (firstB !== y) varies = true;
    }
  }
  return varies;
}
