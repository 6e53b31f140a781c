// The unprivileged role the checker runs learners' SQL as (see sandbox.ts, checker.ts).
import type { Engine } from '../db/types.ts';

/**
 * The role the learner's SQL and the checks run as: it owns the chapter's objects but is no
 * superuser, so it cannot write the system catalogs, run ALTER SYSTEM or change a tablespace.
 */
export const LEARNER_ROLE = 'pglab_learner';

/**
 * PGlite's backend is a standalone one: its authenticated user is always the bootstrap superuser,
 * so `SET SESSION AUTHORIZATION postgres` (or RESET) gets back to it from any role, and PGlite's
 * `username` option is only a SET ROLE. What makes the way back impossible is PostgreSQL's own
 * rule that role and session_authorization cannot be set inside a SECURITY DEFINER function (or
 * anything it calls). This event trigger turns every function and procedure the learner's role
 * creates or alters into SECURITY DEFINER (owned by the learner, so with the learner's rights):
 * no function body, trigger, operator or cast the learner writes can switch. Top-level statements
 * and DO blocks are read from the parse tree before they run (sql-shape.ts: roleEscape).
 */
export const GUARD = 'pglab_secdef';

/** Creates the learner's role and hands it the chapter's objects in public (idempotent). */
export const LEARNER_ROLE_SQL = `
do $pglab$
declare r record;
begin
  if not exists (select from pg_catalog.pg_roles where rolname = '${LEARNER_ROLE}') then
    create role ${LEARNER_ROLE} nosuperuser nocreaterole nocreatedb noreplication nobypassrls;
  end if;
  execute format('grant create, temporary on database %I to ${LEARNER_ROLE}', current_database());
  grant all on schema public to ${LEARNER_ROLE};
  grant pg_read_all_stats, pg_read_all_settings to ${LEARNER_ROLE};
  grant execute on function pg_catalog.pg_stat_force_next_flush() to ${LEARNER_ROLE};
  grant execute on function pg_catalog.pg_stat_reset() to ${LEARNER_ROLE};
  for r in select c.oid::regclass as name, c.relkind from pg_catalog.pg_class c
           where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
  loop
    execute format('alter table %s owner to ${LEARNER_ROLE}', r.name);
  end loop;
  -- Sequences not owned by a column (those follow their table).
  for r in select c.oid::regclass as name from pg_catalog.pg_class c
           where c.relnamespace = 'public'::regnamespace and c.relkind = 'S'
             and not exists (select from pg_catalog.pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i'))
  loop
    execute format('alter sequence %s owner to ${LEARNER_ROLE}', r.name);
  end loop;
  for r in select p.oid::regprocedure as name, p.prokind from pg_catalog.pg_proc p
           where p.pronamespace = 'public'::regnamespace
             and not exists (select from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e')
  loop
    execute format('alter %s %s owner to ${LEARNER_ROLE}', case r.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end, r.name);
  end loop;
  for r in select t.oid::regtype as name from pg_catalog.pg_type t
           where t.typnamespace = 'public'::regnamespace and t.typtype in ('e', 'd', 'r', 'c')
             and (t.typtype <> 'c' or (select relkind from pg_catalog.pg_class where oid = t.typrelid) = 'c')
             and not exists (select from pg_catalog.pg_depend d where d.objid = t.oid and d.deptype = 'e')
  loop
    execute format('alter type %s owner to ${LEARNER_ROLE}', r.name);
  end loop;
  -- A dataset's other schemas (material an exercise's setup copies from): readable.
  for r in select n.nspname as name from pg_catalog.pg_namespace n
           where n.nspname not in ('public', 'information_schema', 'pglab_guard') and n.nspname not like 'pg\\_%'
  loop
    execute format('grant usage on schema %I to ${LEARNER_ROLE}', r.name);
    execute format('grant select on all tables in schema %I to ${LEARNER_ROLE}', r.name);
  end loop;
  -- The guard (see GUARD below): every function the learner's role defines becomes SECURITY DEFINER.
  if not exists (select from pg_catalog.pg_namespace where nspname = 'pglab_guard') then
    create schema pglab_guard;
  end if;
  create or replace function pglab_guard.secdef() returns event_trigger language plpgsql
  set search_path = pg_catalog as $guard$
  declare r record;
  begin
    -- Inert for everyone else: the learner's own database runs as the superuser.
    if current_user <> '${LEARNER_ROLE}' then return; end if;
    for r in select c.objid, p.prokind from pg_catalog.pg_event_trigger_ddl_commands() c
             join pg_catalog.pg_proc p on p.oid = c.objid
             where c.classid = 'pg_catalog.pg_proc'::regclass and p.prokind in ('f', 'p') and not p.prosecdef
    loop
      execute format('alter %s %s security definer', case r.prokind when 'p' then 'procedure' else 'function' end, r.objid::regprocedure);
    end loop;
  end $guard$;
  if not exists (select from pg_catalog.pg_event_trigger where evtname = '${GUARD}') then
    create event trigger ${GUARD} on ddl_command_end
      when tag in ('CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE PROCEDURE', 'ALTER PROCEDURE')
      execute function pglab_guard.secdef();
    alter event trigger ${GUARD} enable always;
  end if;
end $pglab$;`;

/**
 * Switches the session to the learner's role. A snapshot without the role or the guard (the
 * learner's own database, or one stored by an older pglab) gets them first.
 */
export async function becomeLearner(db: Engine): Promise<void> {
  const ready = await db.query<{ ok: boolean }>(
    `select exists (select from pg_catalog.pg_roles where rolname = '${LEARNER_ROLE}')
        and exists (select from pg_catalog.pg_event_trigger where evtname = '${GUARD}' and evtenabled = 'A') as ok`);
  if (ready.rows[0]?.ok) {
    const r = await db.run(`set session authorization ${LEARNER_ROLE}`);
    if (r.ok) return;
  }
  const made = await db.run(LEARNER_ROLE_SQL);
  if (!made.ok) throw new Error(`Could not create the learner's role: ${made.error.message}`);
  const again = await db.run(`set session authorization ${LEARNER_ROLE}`);
  if (!again.ok) throw new Error(`Could not switch to the learner's role: ${again.error.message}`);
}
