// A work-around for PGlite's session authorization (measured on 0.5.x): RESET SESSION
// AUTHORIZATION, SET SESSION AUTHORIZATION DEFAULT and DISCARD ALL leave the session at the role
// set before, where a stock server returns to the user who connected. The session sends the
// explicit SET SESSION AUTHORIZATION that a stock server would have done.
import type { Engine } from './types.ts';
import { ownStatement } from './own-statements.ts';
import { escapeIdentifier } from './psql-script.ts';

export type AuthStatement = 'set' | 'reset' | 'set-local' | 'discard-all';

/** Which session-authorization statement `sql` is (comments aside), for the nodes that can be one. */
export function authStatementOf(node: string, sql: string): AuthStatement | undefined {
  if (node !== 'VariableSetStmt' && node !== 'DiscardStmt') return undefined;
  const words = sql.replace(/\/\*[\s\S]*?\*\/|--[^\n]*/g, ' ').trim().toLowerCase().split(/\s+/);
  const w = words.join(' ');
  if (w === 'reset session authorization' || /^set (session )?session authorization default$/.test(w)) return 'reset';
  if (/^set local session authorization /.test(w)) return 'set-local';
  if (/^set (session )?session authorization /.test(w)) return 'set';
  if (w === 'discard all') return 'discard-all';
  return undefined;
}

export class SessionAuthorization {
  /** The user the session connected as, read before the first statement that could change it. */
  private connectedAs: string | undefined;
  /** The session-level role to return to when a transaction with SET LOCAL SESSION AUTHORIZATION ends. */
  private afterLocal: string | undefined;

  constructor(private readonly engine: Engine) {}

  /** Before sending `kind`: what to send instead (RESET → SET … TO the connected user), if anything. */
  async before(kind: AuthStatement): Promise<string | undefined> {
    this.connectedAs ??= await this.read('session_user');
    if (kind === 'set-local') this.afterLocal ??= await this.read(`current_setting('session_authorization')`);
    return kind === 'reset' && this.connectedAs ? `set session authorization ${escapeIdentifier(this.connectedAs)}` : undefined;
  }

  /** After a statement: puts the session back where a stock server would be. */
  async after(kind: AuthStatement | undefined, ok: boolean, inTransaction: boolean) {
    if (kind === 'discard-all' && ok && this.connectedAs) await this.setTo(this.connectedAs);
    if (this.afterLocal !== undefined && !inTransaction) {
      const expected = this.afterLocal;
      this.afterLocal = undefined;
      if ((await this.read('session_user')) !== expected) await this.setTo(expected);
    }
  }

  /** After the database restarted: a new backend, connected afresh. */
  reset() {
    this.connectedAs = undefined;
    this.afterLocal = undefined;
  }

  private async read(expr: string): Promise<string | undefined> {
    const out = await this.engine.run(ownStatement(`select ${expr}`));
    return out.ok ? (out.rows[0]?.[0] as string | undefined) : undefined;
  }

  private async setTo(role: string) {
    await this.engine.run(ownStatement(`set session authorization ${escapeIdentifier(role)}`));
  }
}
