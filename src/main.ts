// The page's entry is small on purpose: it starts the database worker, then loads the app.
import { startDatabaseWorker } from './db/early-worker.ts';
import { tabWorkspace } from './workspaces/saved-registry.ts';

// The database of the workspace this tab has open (src/workspaces).
await startDatabaseWorker(tabWorkspace().store);
void import('./app.ts');
