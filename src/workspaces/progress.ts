// How far a long export or import has got, as the workspaces panel shows it: the step under way,
// the figures (bytes, tables) and a fraction for the bar when one can be known. Pure.

export interface Progress {
  /** What is being done now: "Compressing the data directory". */
  step: string;
  /** 0..1 for the bar; undefined when the step's length cannot be known. */
  fraction?: number;
  /** The figures behind it: "12.3 MB of 30.1 MB". */
  figures?: string;
}

/** The user cancelled: nothing was written (the caller undoes what it began). */
export class Cancelled extends Error {
  constructor(message = 'Cancelled.') {
    super(message);
    this.name = 'Cancelled';
  }
}

export const throwIfCancelled = (signal: AbortSignal | undefined) => {
  if (signal?.aborted) throw new Cancelled();
};

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function bytesProgress(step: string, done: number, total: number): Progress {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : undefined;
  return { step, fraction, figures: `${mb(done)} of ${mb(total)}` };
}

/** "Compressing the data directory: 12.3 MB of 30.1 MB (40 %)." */
export function progressText(p: Progress): string {
  const pct = p.fraction === undefined ? '' : ` (${Math.floor(p.fraction * 100)} %)`;
  return `${p.step}${p.figures ? `: ${p.figures}` : ''}${pct}.`;
}

/**
 * Passes on a report only when it says something new: another step, the fraction moved by
 * `every` or more, or the end. A stream reports per chunk (64 KB), far more often than a bar needs.
 */
export function throttled(emit: (p: Progress) => void, every = 0.01): (p: Progress) => void {
  let last: Progress | undefined;
  return (p) => {
    const moved = p.fraction === undefined || last?.fraction === undefined || Math.abs(p.fraction - last.fraction) >= every || p.fraction === 1;
    if (last && last.step === p.step && !moved) return;
    last = p;
    emit(p);
  };
}
