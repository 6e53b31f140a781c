// The database worker is the slowest thing on the page to get ready (PostgreSQL's wasm, the
// saved database), so the page's entry starts it before the app's code has even downloaded.
// The worker's name carries its start options: it opens the database at once, and the app's
// `init` call later finds it open or opening (see worker.ts).
import { startOptions, workerName } from './start-options.ts';

let early: Worker | undefined;

// Written out whole, so Vite sees the worker and bundles it.
const spawn = (name: string) => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });

export function startDatabaseWorker(): void {
  early ??= spawn(workerName(startOptions()));
}

/** The worker started early, the first time; a new one (after a Stop, a Reset) afterwards. */
export function databaseWorker(): Worker {
  const w = early;
  early = undefined;
  return w ?? spawn('pglab-db');
}
