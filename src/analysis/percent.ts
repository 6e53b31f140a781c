// A share as a percentage that never rounds onto a boundary it has not reached: 99.98 % of a
// sequence's range is not "100.0%" (the sequence still has room), and 0.03 % of blocks read from
// cache is not "0.0%". Rounding that would land on 0 or 100 keeps more digits instead.

/** `ratio` (0..1) as "12.3%", with `digits` decimals, or more when rounding would reach 0 or 100. */
export function percent(ratio: number, digits = 1): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  const p = ratio * 100;
  if (p <= 0 || p >= 100) return `${p.toFixed(digits)}%`;
  for (let d = digits; d <= 6; d++) {
    const s = p.toFixed(d);
    const back = Number(s);
    if (back > 0 && back < 100) return `${s}%`;
  }
  return p < 50 ? '< 0.000001%' : '> 99.999999%';
}
