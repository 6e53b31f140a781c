// A throwaway copy of a server database for `migration measure`: CREATE DATABASE … TEMPLATE,
// measured there, dropped after. The original is only read (as the template).
import { CliError, connectionError, redactUrl } from './target.ts';
import { PgQueryable } from './pg-queryable.ts';

export async function copyOf(url: string, connectTimeoutMs: number): Promise<{ db: PgQueryable; drop(): Promise<void> }> {
  let admin: PgQueryable;
  try {
    admin = await PgQueryable.connect(url, { connectTimeoutMs });
  } catch (e) {
    throw connectionError(e, url);
  }
  const source = (await admin.query<{ d: string }>('select current_database() as d')).rows[0].d;
  const name = `pglab_measure_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  // The template must have no other session: this one moves to the maintenance database first.
  const u = new URL(url);
  u.pathname = source === 'postgres' ? '/template1' : '/postgres';
  await admin.close();
  let maint: PgQueryable;
  try {
    maint = await PgQueryable.connect(u.toString(), { connectTimeoutMs });
  } catch (e) {
    throw connectionError(e, u.toString());
  }
  try {
    await maint.query(`create database ${q(name)} template ${q(source)}`);
  } catch (e) {
    await maint.close();
    const err = e as Error & { code?: string };
    if (err.code === '55006') throw new CliError(`cannot copy ${source}: other sessions are connected to it (${err.message})`, 'CREATE DATABASE … TEMPLATE needs the database idle; measure on a staging copy, or use --load with a script that builds the data.');
    if (err.code === '42501') throw new CliError(`cannot copy ${source}: ${err.message}`, 'The role needs CREATEDB to make the throwaway copy.');
    throw new CliError(`cannot copy ${source}: ${err.message}`);
  }
  const cu = new URL(url);
  cu.pathname = `/${name}`;
  const db = await PgQueryable.connect(cu.toString(), { connectTimeoutMs });
  return {
    db,
    async drop() {
      await db.close().catch(() => undefined);
      await maint.query(`drop database if exists ${q(name)}`).catch(() => undefined);
      await maint.close().catch(() => undefined);
    },
  };
}

export { redactUrl };
