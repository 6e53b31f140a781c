// Redaction of chosen columns' sample values. pg_stats holds real values of the data (most common
// values, histogram bounds, most common array elements, range histograms); a redacted column
// keeps only what carries no value: null fraction, average width, number of distinct values,
// correlation, and the element-count histogram.
//
// What it changes for the plan (said in docs/share.md too): without the most common values an
// equality on that column is estimated as 1/n_distinct for every constant (skew is lost); without
// the histogram a range (<, >, BETWEEN, LIKE 'abc%') falls back to PostgreSQL's default
// selectivity (one third for an inequality, 0.5% for an equality to a non-constant). Joins use
// n_distinct and are mostly unaffected; ORDER BY / merge choices use the correlation, which stays.
import { PackError, type AttributeStats, type RedactedColumn } from './format.ts';

/** Parses `table.column` or `schema.table.column` (double quotes allowed). */
export function parseColumnRef(ref: string, defaultSchema = 'public'): RedactedColumn {
  const parts: string[] = [];
  const re = /"((?:[^"]|"")*)"|([^."]+)/g;
  let m: RegExpExecArray | null;
  let rest = ref.trim();
  while ((m = re.exec(rest))) parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].toLowerCase());
  rest = rest.replace(re, '').replace(/\./g, '');
  if (rest.trim() || parts.length < 2 || parts.length > 3) throw new PackError(`'${ref}' is not a column: write table.column or schema.table.column.`, 'invalid');
  return parts.length === 3 ? { schema: parts[0], relation: parts[1], column: parts[2] } : { schema: defaultSchema, relation: parts[0], column: parts[1] };
}

/** Drops the value-bearing statistics of the named columns; unknown columns are an error (a typo would leak). */
export function redactStats(attributes: AttributeStats[], refs: string[], searchPath?: string): { attributes: AttributeStats[]; redacted: RedactedColumn[] } {
  const firstSchema = searchPath?.split(',').map((s) => s.trim().replace(/^"|"$/g, '')).find((s) => s && s !== '$user') ?? 'public';
  const cols = refs.map((r) => parseColumnRef(r, firstSchema));
  for (const c of cols) {
    if (!attributes.some((a) => a.schema === c.schema && a.relation === c.relation && a.attname === c.column)) {
      throw new PackError(`cannot redact ${c.schema}.${c.relation}.${c.column}: the captured statistics have no such column (check the name; nothing was written).`, 'invalid');
    }
  }
  const hit = (a: AttributeStats) => cols.some((c) => c.schema === a.schema && c.relation === a.relation && c.column === a.attname);
  return {
    attributes: attributes.map((a) => hit(a) ? {
      ...a,
      most_common_vals: null, most_common_freqs: null, histogram_bounds: null,
      most_common_elems: null, most_common_elem_freqs: null, range_length_histogram: null, range_bounds_histogram: null, range_empty_frac: null,
    } : a),
    redacted: cols,
  };
}
