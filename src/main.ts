// The page's entry is small on purpose: it starts the database worker, then loads the app.
import { startDatabaseWorker } from './db/early-worker.ts';

await startDatabaseWorker();
void import('./app.ts');
