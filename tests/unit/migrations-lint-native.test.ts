// The migration lint on the native PostgreSQL 18: every rule's bad and good examples and fixes
// run there as on PGlite.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startNativePg, type NativePg } from '../support/native-pg.ts';
import { PgQueryable } from '../../src/cli/pg-queryable.ts';
import { CASES, checkCase } from './migrations-lint-cases.ts';

describe('the migration lint on the native PostgreSQL 18', () => {
  let server: NativePg;
  let conn: PgQueryable;
  beforeAll(async () => {
    server = await startNativePg();
    conn = await PgQueryable.connect(server.url);
  });
  afterAll(async () => {
    await conn?.close();
    await server?.stop();
  });

  it('is PostgreSQL 18', () => {
    expect(server.version).toMatch(/^18\./);
  });

  for (const c of CASES) {
    it(`${c.check}: the bad and good examples and the fix run on native PostgreSQL`, async () => {
      await checkCase(conn, c);
    });
  }
});
