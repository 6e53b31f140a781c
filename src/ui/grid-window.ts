// Which rows of a large result to put in the DOM: only those in view plus a margin, so a
// 100,000-row result scrolls as smoothly as a 10-row one. Pure, so unit tests reach it.

/** Results up to this size render every row with rich cells (multi-line JSON, long values). */
export const FULL_RENDER_LIMIT = 1000;
export const ROW_HEIGHT = 22;
const OVERSCAN = 20;

export interface RowWindow {
  start: number;
  end: number;
  /** Heights of the spacer rows above and below the rendered ones. */
  before: number;
  after: number;
}

export function rowWindow(total: number, scrollTop: number, viewport: number, rowHeight = ROW_HEIGHT): RowWindow {
  const visible = Math.ceil(viewport / rowHeight);
  // A stale scroll position (the result just got shorter) still shows the last rows.
  const first = Math.min(Math.floor(Math.max(0, scrollTop) / rowHeight), Math.max(0, total - visible));
  const start = Math.max(0, Math.min(total, first - OVERSCAN));
  const end = Math.min(total, first + visible + OVERSCAN);
  return { start, end, before: start * rowHeight, after: (total - end) * rowHeight };
}

/** One line for a grid cell: newlines and tabs shown as visible marks. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\r?\n/g, '↵').replace(/\t/g, '⇥');
  return flat.length > max ? flat.slice(0, max) + '…' : flat;
}
