// Catalog checks of the schema linter about security and portability: row-level security that
// does not do what it seems to, SECURITY DEFINER functions open to search_path tricks,
// extensions in public or behind their available version, and reg* columns. Catalog only:
// the results are the same on every engine (pg_available_extensions lists what is installed
// on that server, so the update check depends on it).
import type { Queryable } from '../db/types.ts';
import { ident, qualified, type Finding } from './finding.ts';
import { arr, bool, rows, str } from './util.ts';

export const SECURITY_CHECKS = [
  'rls_enabled_no_policy',
  'policy_without_rls',
  'multiple_permissive_policies',
  'function_search_path_mutable',
  'extension_in_public',
  'extension_update_available',
  'reg_type_column',
] as const;

export const SECURITY_DEPENDS_ON: Record<(typeof SECURITY_CHECKS)[number], string> = {
  rls_enabled_no_policy: 'the catalog only',
  policy_without_rls: 'the catalog only',
  multiple_permissive_policies: 'the catalog only (roles as they exist in this cluster)',
  function_search_path_mutable: 'the catalog only',
  extension_in_public: 'the catalog only',
  extension_update_available: 'the extension versions installed on this server (pg_available_extensions)',
  reg_type_column: 'the catalog only',
};

const SYSTEM = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'`;
const NOT_EXTENSION = (cls: string, oid: string) =>
  `not exists (select 1 from pg_depend dep where dep.classid = '${cls}'::regclass and dep.objid = ${oid} and dep.deptype = 'e')`;
const COMMANDS: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };

export async function securityChecks(db: Queryable, schema: string | null): Promise<Finding[]> {
  const findings: Finding[] = [];
  const inScope = `($1::text is null or n.nspname = $1::text)`;

  // Row-level security: tables with RLS and their policies.
  const tables = await rows(
    db,
    `select n.nspname as schema, c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
            (select json_agg(json_build_object('name', p.polname, 'cmd', p.polcmd::text, 'permissive', p.polpermissive,
                     'roles', (select json_agg(case when r = 0 then 'public' else pg_get_userbyid(r)::text end order by 1) from unnest(p.polroles) r),
                     'using', pg_get_expr(p.polqual, p.polrelid), 'check', pg_get_expr(p.polwithcheck, p.polrelid)) order by p.polname)
               from pg_policy p where p.polrelid = c.oid) as policies
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and ${SYSTEM} and ${inScope} and ${NOT_EXTENSION('pg_class', 'c.oid')}
        and (c.relrowsecurity or exists (select 1 from pg_policy p where p.polrelid = c.oid))
      order by 1, 2`,
    [schema],
  );
  for (const r of tables) {
    const t = qualified(str(r.schema), str(r.table));
    const obj = { schema: str(r.schema), table: str(r.table) };
    const policies = arr<{ name: string; cmd: string; permissive: boolean; roles: string[]; using: string | null; check: string | null }>(r.policies);
    if (bool(r.rls) && policies.length === 0) {
      findings.push({
        check: 'rls_enabled_no_policy', severity: 'warning', object: obj,
        message: `Row-level security is enabled on ${t} but it has no policy: roles other than the owner (and those with BYPASSRLS) see no rows and can change none.`,
        why:
          'With row-level security enabled and no policy, PostgreSQL applies a default deny to every role the policies would govern, which usually means a policy was forgotten or dropped; the owner is not subject to it unless FORCE ROW LEVEL SECURITY is set, so the problem does not show while testing as the owner. ' +
          'The fix states the present deny-all explicitly; replace false with the rule the rows should follow.',
        fix: `CREATE POLICY ${ident(`${str(r.table)}_deny_all`.slice(0, 63))} ON ${t} USING (false);  -- the current behaviour, made explicit: write the real rule here`,
      });
    }
    if (!bool(r.rls) && policies.length > 0) {
      findings.push({
        check: 'policy_without_rls', severity: 'error', object: obj,
        message: `${t} has ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'} (${policies.map((p) => p.name).join(', ')}) but row-level security is not enabled, so none of them applies.`,
        why:
          'Policies only take effect once ALTER TABLE … ENABLE ROW LEVEL SECURITY has been run; until then every role with a grant on the table reads and writes all rows, whatever the policies say. ' +
          'Enabling it makes the policies apply to everyone but the owner (add FORCE ROW LEVEL SECURITY to include the owner).',
        fix: `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;`,
      });
    }
    // multiple_permissive_policies: permissive policies are ORed, each evaluated for every row.
    const byRoleCmd = new Map<string, typeof policies>();
    for (const p of policies) {
      if (!p.permissive) continue;
      const cmds = p.cmd === '*' ? ['r', 'a', 'w', 'd'] : [p.cmd];
      for (const role of p.roles ?? ['public']) for (const c of cmds) {
        const k = `${role}\u0000${c}`;
        byRoleCmd.set(k, [...(byRoleCmd.get(k) ?? []), p]);
      }
    }
    const reported = new Set<string>();
    for (const [k, list] of byRoleCmd) {
      if (list.length < 2) continue;
      const names = list.map((p) => p.name);
      const id = names.join('\u0000');
      if (reported.has(id)) continue;
      reported.add(id);
      const [role, cmd] = k.split('\u0000');
      // A merged policy can be written when the policies cover the same roles and command.
      const same = list.every((p) => p.cmd === list[0].cmd && JSON.stringify(p.roles) === JSON.stringify(list[0].roles));
      let fix: string | undefined;
      if (same) {
        const c = list[0].cmd;
        const or = (xs: (string | null)[]) => xs.map((x) => `(${x ?? 'true'})`).join(' OR ');
        const using = c === 'a' ? '' : ` USING (${or(list.map((p) => p.using))})`;
        const check = c === 'r' || c === 'd' ? '' : ` WITH CHECK (${or(list.map((p) => p.check ?? p.using))})`;
        const roles = list[0].roles.map((x) => (x === 'public' ? 'PUBLIC' : ident(x))).join(', ');
        const merged = ident(names.join('_or_').slice(0, 63));
        fix = list.map((p) => `DROP POLICY ${ident(p.name)} ON ${t};`).join('\n') +
          `\nCREATE POLICY ${merged} ON ${t} AS PERMISSIVE FOR ${COMMANDS[c]} TO ${roles}${using}${check};`;
      }
      findings.push({
        check: 'multiple_permissive_policies', severity: 'info', object: { ...obj, policy: names.join(', ') },
        message: `${t} has ${list.length} permissive policies (${names.join(', ')}) for role ${role} and ${COMMANDS[cmd]}.`,
        why:
          'Permissive policies for the same role and command are combined with OR, and each one is evaluated for every row the query looks at, so two policies cost twice the checks; together they are also harder to read as one rule. ' +
          'One policy whose condition ORs the conditions says the same and is evaluated once (a restrictive policy is the tool for a rule that must always hold).',
        ...(fix ? { fix } : {}),
      });
    }
  }

  // function_search_path_mutable: SECURITY DEFINER without a fixed search_path.
  const fns = await rows(
    db,
    `select n.nspname as schema, p.proname as name, pg_get_function_identity_arguments(p.oid) as args, p.prokind::text as kind
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where p.prosecdef and ${SYSTEM} and ${inScope} and ${NOT_EXTENSION('pg_proc', 'p.oid')}
        and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search\\_path=%')
      order by 1, 2, 3`,
    [schema],
  );
  for (const r of fns) {
    const sig = `${ident(str(r.name))}(${str(r.args)})`;
    const full = `${str(r.schema) === 'public' ? '' : ident(str(r.schema)) + '.'}${sig}`;
    const kw = str(r.kind) === 'p' ? 'PROCEDURE' : 'FUNCTION';
    findings.push({
      check: 'function_search_path_mutable', severity: 'warning', object: { schema: str(r.schema), function: `${str(r.name)}(${str(r.args)})` },
      message: `SECURITY DEFINER ${kw.toLowerCase()} ${full} runs with its owner's rights but the caller's search_path.`,
      why:
        'A SECURITY DEFINER function runs with the privileges of its owner, and every unqualified name in its body is looked up through the search_path of whoever calls it. ' +
        'A caller who can create objects in a schema on that path (or in pg_temp, which is searched first unless listed) can put a function or table of the same name there and have it run with the owner\'s rights. ' +
        'Fix the search_path on the function, with pg_temp last; qualify any name from another schema in the body.',
      fix: `ALTER ${kw} ${full} SET search_path = ${ident(str(r.schema))}, pg_temp;`,
    });
  }

  // Extensions: in public, or behind the version this server has.
  {
    const exts = await rows(
      db,
      `select e.extname as name, e.extversion as version, n.nspname as schema, e.extrelocatable as relocatable,
              a.default_version as available
         from pg_extension e join pg_namespace n on n.oid = e.extnamespace
         left join pg_available_extensions a on a.name = e.extname
        where e.extname <> 'plpgsql' and ${inScope}
        order by 1`,
      [schema],
    );
    for (const r of exts) {
      const name = str(r.name);
      // pg_stat_statements is monitoring only, and monitoring tools look for it where CREATE EXTENSION put it.
      if (str(r.schema) === 'public' && name !== 'pg_stat_statements') {
        findings.push({
          check: 'extension_in_public', severity: 'info', object: { schema: 'public', extension: name },
          message: `Extension ${name} is installed in schema public.`,
          why:
            'An extension in public puts its functions, operators and types beside the application\'s own objects: they appear in every dump and listing of public, their names can clash with the application\'s, and anyone allowed to create objects in public can shadow them. ' +
            'A schema of its own (for example extensions, on the search_path of the roles that use it) keeps them apart. ' +
            (bool(r.relocatable) ? '' : 'This extension cannot be moved with SET SCHEMA: it has to be dropped and created again in the other schema, with what depends on it.'),
          ...(bool(r.relocatable)
            ? { fix: `CREATE SCHEMA IF NOT EXISTS extensions;\nALTER EXTENSION ${ident(name)} SET SCHEMA extensions;\n-- and add extensions to the search_path of the roles that use it, e.g. ALTER ROLE … SET search_path = "$user", public, extensions;` }
            : {}),
        });
      }
      const available = str(r.available);
      if (available && available !== str(r.version)) {
        findings.push({
          check: 'extension_update_available', severity: 'info', object: { schema: str(r.schema), extension: name },
          message: `Extension ${name} is at version ${str(r.version)}; this server has ${available}.`,
          why:
            'Installing a newer build of an extension on the server does not change the objects already created in a database: they stay at the old version, with its bugs and without its fixes, until ALTER EXTENSION … UPDATE runs in each database. ' +
            'Read the extension\'s release notes first: an update can change behaviour or rebuild objects.',
          fix: `ALTER EXTENSION ${ident(name)} UPDATE;`,
        });
      }
    }
  }

  // reg_type_column: object identifiers stored as data.
  const regs = await rows(
    db,
    `select n.nspname as schema, c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_type t on t.oid = a.atttypid
      where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p') and not c.relispartition and ${SYSTEM} and ${inScope}
        and ${NOT_EXTENSION('pg_class', 'c.oid')}
        and (t.typname ~ '^reg' or (t.typcategory = 'A' and (select et.typname from pg_type et where et.oid = t.typelem) ~ '^reg'))
        and t.typnamespace = 'pg_catalog'::regnamespace
      order by 1, 2, a.attnum`,
    [schema],
  );
  for (const r of regs) {
    const t = qualified(str(r.schema), str(r.table));
    const col = ident(str(r.column));
    const type = str(r.type);
    const isArray = type.endsWith('[]');
    findings.push({
      check: 'reg_type_column', severity: 'warning', object: { schema: str(r.schema), table: str(r.table), columns: [str(r.column)] },
      message: `Column ${t}.${col} is ${type}: it stores object identifiers (OIDs) of this cluster.`,
      why:
        `A ${type} value is an OID, shown as a name. OIDs differ between clusters, so the values depend on being re-resolved by name on restore: that fails if the object is missing or renamed, and pg_upgrade refuses tables with most reg* columns (all but regclass, regrole and regtype). ` +
        'No dependency is recorded either, so the object can be dropped and the column keeps a dangling number. Store the name as text (resolve it with ::regclass when needed), or reference a table of your own.',
      fix: `ALTER TABLE ${t} ALTER COLUMN ${col} TYPE text${isArray ? '[]' : ''} USING ${col}::text${isArray ? '[]' : ''};`,
    });
  }
  return findings;
}
