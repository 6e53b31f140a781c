// The database worker is the slowest thing on the page to get ready (PostgreSQL's wasm, the
// saved database), so the page's entry starts it before the app's code has even downloaded.
// The worker's name carries its start options: it opens the database at once, and the app's
// `init` call later finds it open or opening (see worker.ts).
import { startOptions, workerName, type StartOptions } from './start-options.ts';
import { holdStoreLock } from './store-lock.ts';

let early: Worker | undefined;

// Written out whole, so Vite sees the worker and bundles it.
const spawn = (name: string) => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });

let options: StartOptions | undefined;

/** Takes the lock of the store `store` (store-lock.ts), then starts the worker with the options it implies. */
export async function startDatabaseWorker(store = 'pglab-db'): Promise<void> {
  options ??= startOptions(await holdStoreLock(store), store);
  early ??= spawn(workerName(options));
}

/** The options the page started with (after startDatabaseWorker). */
export function pageStartOptions(): StartOptions {
  if (!options) throw new Error('The database worker was not started.');
  return options;
}

/** The worker started early, the first time; a new one (after a Stop, a Reset) afterwards. */
export function databaseWorker(): Worker {
  const w = early;
  early = undefined;
  return w ?? spawn('pglab-db');
}
