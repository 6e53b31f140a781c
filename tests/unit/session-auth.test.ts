import { describe, it, expect, afterAll } from 'vitest';
import { Session } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';
import { authStatementOf } from '../../src/db/session-auth.ts';

// PGlite leaves current_user at the role set before after RESET SESSION AUTHORIZATION (every later
// CREATE then fails with 42501); the session makes these behave as on a stock PostgreSQL 18.
const engine = await localEngine();
afterAll(() => engine.db.close().catch(() => {}));

const who = async (s: Session) => (await s.run('select current_user, session_user;')).results[0].rows[0];

describe('session authorization, as on a stock server', () => {
  it('RESET SESSION AUTHORIZATION and SET SESSION AUTHORIZATION DEFAULT return to the user who connected', async () => {
    const s = new Session(engine);
    const r = await s.run('create role regress_u1; create role regress_u2;\nset session authorization regress_u1;\nselect current_user;\nreset session authorization;\ncreate table made_after_reset (a int);');
    expect(r.results.map((x) => x.error?.message)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(r.results.map((x) => x.tag)).toEqual(['CREATE ROLE', 'CREATE ROLE', 'SET', 'SELECT 1', 'RESET', 'CREATE TABLE']);
    expect(r.results[3].rows).toEqual([['regress_u1']]);
    expect(await who(s)).toEqual(['postgres', 'postgres']);
    await s.run('set session authorization regress_u2;\nset session authorization default;');
    expect(await who(s)).toEqual(['postgres', 'postgres']);
  });

  it('SET LOCAL SESSION AUTHORIZATION ends with its transaction; DISCARD ALL resets it too', async () => {
    const s = new Session(engine);
    await s.run('set session authorization regress_u1;\nbegin;\nset local session authorization regress_u2;');
    expect(await who(s)).toEqual(['regress_u2', 'regress_u2']);
    await s.run('commit;');
    expect(await who(s)).toEqual(['regress_u1', 'regress_u1']);
    await s.run('discard all;');
    expect(await who(s)).toEqual(['postgres', 'postgres']);
  });

  it('knows these statements by their words, whatever the spacing and case', () => {
    expect(authStatementOf('VariableSetStmt', 'RESET  SESSION\nAUTHORIZATION')).toBe('reset');
    expect(authStatementOf('VariableSetStmt', 'set session session authorization default')).toBe('reset');
    expect(authStatementOf('VariableSetStmt', 'SET LOCAL SESSION AUTHORIZATION x')).toBe('set-local');
    expect(authStatementOf('DiscardStmt', 'discard all')).toBe('discard-all');
    expect(authStatementOf('VariableSetStmt', 'set session authorization x')).toBe('set');
    expect(authStatementOf('VariableSetStmt', 'set role x')).toBeUndefined();
    expect(authStatementOf('SelectStmt', "select 'reset session authorization'")).toBeUndefined();
  });
});
