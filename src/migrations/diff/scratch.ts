// The schema a SQL script describes, read without a second database: inside one transaction the
// database's own schemas are dropped, the script is run and the result inspected, and then
// everything is rolled back (PostgreSQL's DDL is transactional), so nothing of it remains.
// Used by the workbench's "autogenerate from this target" on the page's single PGlite.
import type { Engine } from '../../db/types.ts';
import { inspectSchema, type SchemaModel } from './inspect.ts';
import { lineOf, parseMigration } from '../statements.ts';

export class TargetScriptError extends Error {
  override name = 'TargetScriptError';
}

export async function modelOfScript(db: Engine, sql: string): Promise<SchemaModel> {
  const statements = await parseMigration(sql).catch((e: Error) => {
    throw new TargetScriptError(`the target script: ${e.message}`);
  });
  const outside = statements.find((s) => s.autocommit || s.node === 'TransactionStmt');
  if (outside) {
    throw new TargetScriptError(`the target script, line ${lineOf(sql, outside.from)}: ${outside.autocommit ?? 'transaction control'} cannot run inside the scratch transaction; describe the schema without it (CONCURRENTLY only changes how an index is built)`);
  }
  const probe = await db.run('select 1');
  if (probe.inTransaction) throw new TargetScriptError('the session has an open transaction: commit or roll it back first');
  const begin = await db.run('begin');
  if (!begin.ok) throw new TargetScriptError(begin.error.message);
  try {
    // public is dropped and made again: it keeps the privileges and comment it had (others than its owner's).
    const publicAcl = await db.query<{ g: string }>(`select format('grant %s on schema public to %s', x.privilege_type, case when x.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(x.grantee)) end) as g
      from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x where n.nspname = 'public' and x.grantee <> n.nspowner`);
    const publicComment = await db.query<{ c: string | null }>(`select format('comment on schema public is %L', obj_description(oid, 'pg_namespace')) as c from pg_namespace where nspname = 'public'`);
    const schemas = await db.query<{ s: string }>(`select quote_ident(nspname) as s from pg_namespace where nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and nspname not like 'pg_temp%' and nspname not like 'pg_toast_temp%'`);
    for (const { s } of schemas.rows) {
      const r = await db.run(`drop schema ${s} cascade`);
      if (!r.ok) throw new TargetScriptError(`preparing the scratch schema: ${r.error.message}`);
    }
    const r = await db.run('create schema public');
    if (!r.ok) throw new TargetScriptError(r.error.message);
    for (const sql of [...publicAcl.rows.map((x) => x.g), ...publicComment.rows.map((x) => x.c)]) {
      if (!sql) continue;
      const out = await db.run(sql);
      if (!out.ok) throw new TargetScriptError(`preparing the scratch schema: ${out.error.message}`);
    }
    for (const s of statements) {
      const out = await db.run(s.text);
      if (!out.ok) throw new TargetScriptError(`the target script, line ${lineOf(sql, s.from + (out.error.position ? out.error.position - 1 : 0))}: ${out.error.message}`);
    }
    return await inspectSchema(db);
  } finally {
    await db.run('rollback');
  }
}
