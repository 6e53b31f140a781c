// psql's \crosstabview [colV [colH [colD [sortcolH]]]], pure: the result turned into a grid with
// one row per distinct colV value and one column per distinct colH value, in order of first
// appearance (or by the integer value of sortcolH). Messages and rules are psql 18's
// (crosstabview.c): at least three columns, distinct headers, one value per cell.

export interface Crosstab {
  /** Index of the vertical header column (the grid's first column), and of the data column. */
  rowsFrom: number;
  dataFrom: number;
  /** The horizontal header values: the grid's other column names. */
  headers: (string | null)[];
  rows: (string | null)[][];
}

const MAX_COLUMNS = 1600;

/** psql's indexOfColumn: a 1-based number, or a name (dequoted, or down-cased when unquoted). */
function indexOfColumn(arg: string, names: string[]): number | string {
  if (/^[0-9]+$/.test(arg)) {
    const idx = Number(arg) - 1;
    if (idx < 0 || idx >= names.length) return `\\crosstabview: column number ${idx + 1} is out of range 1..${names.length}`;
    return idx;
  }
  const name = /^".*"$/s.test(arg) ? arg.slice(1, -1).replace(/""/g, '"') : arg.toLowerCase();
  const found = names.flatMap((n, i) => (n === name ? [i] : []));
  if (found.length > 1) return `\\crosstabview: ambiguous column name: "${name}"`;
  if (!found.length) return `\\crosstabview: column name not found: "${name}"`;
  return found[0];
}

const show = (v: string | null) => (v === null ? '' : v);

export function crosstab(names: string[], rows: (string | null)[][], args: string[]): Crosstab | { error: string } {
  if (names.length < 3) return { error: '\\crosstabview: query must return at least three columns' };
  const pick = (i: number, fallback: number) => (args[i] === undefined ? fallback : indexOfColumn(args[i], names));
  const v = pick(0, 0);
  if (typeof v === 'string') return { error: v };
  const h = pick(1, 1);
  if (typeof h === 'string') return { error: h };
  if (v === h) return { error: '\\crosstabview: vertical and horizontal headers must be different columns' };
  let d: number;
  if (args[2] === undefined) {
    if (names.length !== 3) return { error: '\\crosstabview: data column must be specified when query returns more than three columns' };
    d = [0, 1, 2].find((i) => i !== v && i !== h)!;
  } else {
    const x = indexOfColumn(args[2], names);
    if (typeof x === 'string') return { error: x };
    d = x;
  }
  let sort = -1;
  if (args[3] !== undefined) {
    const x = indexOfColumn(args[3], names);
    if (typeof x === 'string') return { error: x };
    sort = x;
  }
  // Distinct values, in order of first appearance; NULL is a value of its own.
  const hIndex = new Map<string | null, number>();
  const hRank = new Map<string | null, number>();
  const vIndex = new Map<string | null, number>();
  for (const r of rows) {
    if (!hIndex.has(r[h])) {
      hIndex.set(r[h], hIndex.size);
      if (hIndex.size > MAX_COLUMNS) return { error: `\\crosstabview: maximum number of columns (${MAX_COLUMNS}) exceeded` };
      // psql reads the sort column with atoi: what is not a number counts as 0.
      if (sort >= 0) hRank.set(r[h], parseInt(r[sort] ?? '0', 10) || 0);
    }
    if (!vIndex.has(r[v])) vIndex.set(r[v], vIndex.size);
  }
  let headers = [...hIndex.keys()];
  if (sort >= 0) headers = headers.map((x, i) => [x, i] as const).sort((a, b) => hRank.get(a[0])! - hRank.get(b[0])! || a[1] - b[1]).map(([x]) => x);
  const column = new Map(headers.map((x, i) => [x, i + 1]));
  const grid: (string | null)[][] = [...vIndex.keys()].map((x) => [x, ...headers.map(() => null)]);
  const filled = new Set<string>();
  for (const r of rows) {
    const row = vIndex.get(r[v])!;
    const col = column.get(r[h])!;
    const key = `${row}:${col}`;
    if (filled.has(key)) return { error: `\\crosstabview: query result contains multiple data values for row "${show(r[v])}", column "${show(r[h])}"` };
    filled.add(key);
    grid[row][col] = r[d];
  }
  return { rowsFrom: v, dataFrom: d, headers, rows: grid };
}
