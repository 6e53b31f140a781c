// What the page tells a learner whose work is not being saved: in words, with the browser's figures.
import type { Unsaved } from './protocol.ts';

/** 12.3 MB, 512 KB: sizes as people read them (decimal units, as browsers report quotas). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1e3))} KB`;
}

export function describeUnsaved(u: Unsaved): string {
  const figures: string[] = [];
  if (u.needed) figures.push(`the database is ${formatBytes(u.needed)} before the browser compresses it`);
  if (u.quota !== undefined && u.usage !== undefined) {
    const free = u.quota - u.usage;
    // Browsers may report a rounded or fixed quota (Chromium does under an override): a figure
    // that contradicts the refusal is said to, not passed off as the reason.
    figures.push(
      free < u.needed
        ? `this site may use ${formatBytes(u.quota)} and uses ${formatBytes(u.usage)}`
        : `the browser reports ${formatBytes(free)} free for this site, yet refused the save`,
    );
  }
  return (
    `Your work is not being saved: ${u.reason}${figures.length ? ` (${figures.join('; ')})` : ''}. ` +
    'Everything works in this tab, but a reload or closing it loses what you did since. ' +
    'pglab saves everything with the next statement once the browser gives it room (free some disk space, or leave a private window).'
  );
}
