import { it, expect, afterAll } from 'vitest';
import { Session } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';

// Runaway SQL recursion leaves PGlite answering with nothing at all (platform notes): the
// session must call that broken, so the page restarts the database from its saved state.
const engine = await localEngine();
afterAll(() => engine.db.close().catch(() => {}));

it('reports a broken instance after runaway recursion instead of showing an empty result', async () => {
  const session = new Session(engine);
  const { results, broken } = await session.run(
    `create function runaway(i int) returns int language sql as 'select runaway(i + 1)';\nselect runaway(1) as x;\nselect 'never reached';`,
  );
  expect(broken).toBe(true);
  expect(results).toHaveLength(2);
  expect(results[0].tag).toBe('CREATE FUNCTION');
  expect(results[1].error?.message).toMatch(/stopped answering.*restarting/);
});
