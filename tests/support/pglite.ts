// One real PGlite per test file (create takes 1–3 s), created exactly like the app's.
import { createEngine } from '../../src/db/engine.ts';
import { LocalEngine } from '../../src/db/local-engine.ts';

export async function localEngine(): Promise<LocalEngine> {
  return new LocalEngine(await createEngine());
}
