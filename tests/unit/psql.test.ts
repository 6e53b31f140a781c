import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { runBackslash, type PsqlOutput, type PsqlState } from '../../src/db/psql.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { localEngine } from '../support/pglite.ts';

let engine: LocalEngine;
const off: PsqlState = { expanded: false, timing: false };

beforeAll(async () => {
  engine = await localEngine();
  await engine.db.exec(`
    create table t (id int primary key, email text not null unique);
    create function add_one(a int) returns int language sql as 'select a + 1';
    create schema lab;
    create table secured (owner text, n int);
    alter table secured enable row level security;
    create policy own on secured using (owner = current_user) with check (n > 0);
  `);
});
afterAll(() => engine.db.close());

const run = (line: string, state = off) => runBackslash(line, engine, state);

/** The single table a describe command answered with (fails on errors or extra output). */
async function table(line: string) {
  const { outputs } = await run(line);
  expect(outputs.map((o) => o.kind), JSON.stringify(outputs)).toEqual(['table']);
  return outputs[0] as Extract<PsqlOutput, { kind: 'table' }>;
}

const column = (t: Extract<PsqlOutput, { kind: 'table' }>, name: string) => t.rows.map((r) => r[t.columns.indexOf(name)]);

describe('runBackslash: describe commands', () => {
  it('\\d t shows columns with Nullable and the indexes in the footer', async () => {
    const t = await table('\\d t');
    expect(t.title).toBe('Table "public.t"');
    expect(t.columns).toEqual(['Column', 'Type', 'Collation', 'Nullable', 'Default']);
    expect(t.rows).toEqual([
      ['id', 'integer', '', 'not null', ''],
      ['email', 'text', '', 'not null', ''],
    ]);
    expect(t.footer).toEqual([
      'Indexes:',
      '    "t_pkey" PRIMARY KEY, btree (id)',
      '    "t_email_key" UNIQUE CONSTRAINT, btree (email)',
    ]);
  });

  it('\\d keeps both expressions of a policy (its query has two columns named pg_get_expr)', async () => {
    const t = await table('\\d secured');
    expect(t.footer).toContain('Policies:');
    expect(t.footer).toContain('    POLICY "own"');
    expect(t.footer).toContain('      USING ((owner = CURRENT_USER))');
    expect(t.footer).toContain('      WITH CHECK ((n > 0))');
  });

  it('\\dt lists tables, with psql\'s row count footer', async () => {
    const t = await table('\\dt');
    expect(t.title).toBe('List of tables');
    expect(column(t, 'Name')).toEqual(['secured', 't']);
    expect(t.footer).toEqual(['(2 rows)']);
  });

  it('\\di lists the indexes with their tables', async () => {
    const t = await table('\\di');
    expect(t.title).toBe('List of indexes');
    expect(t.rows.map((r) => `${r[t.columns.indexOf('Name')]} on ${r[t.columns.indexOf('Table')]}`)).toEqual(['t_email_key on t', 't_pkey on t']);
  });

  it('\\dx lists installed extensions', async () => {
    const t = await table('\\dx');
    expect(t.title).toBe('List of installed extensions');
    expect(column(t, 'Name')).toContain('plpgsql');
  });

  it('\\df lists a created function with its arguments', async () => {
    const t = await table('\\df');
    expect(t.rows).toEqual([['public', 'add_one', 'integer', 'a integer', 'func']]);
  });

  it('\\dn lists schemas', async () => {
    const t = await table('\\dn');
    expect(column(t, 'Name')).toEqual(['lab', 'public']);
  });

  it('a pattern that matches nothing answers with psql\'s message as an error', async () => {
    expect((await run('\\d nope')).outputs).toEqual([{ kind: 'error', message: 'Did not find any relation named "nope".' }]);
    expect((await run('\\dt nope*')).outputs).toEqual([{ kind: 'error', message: 'Did not find any tables named "nope*".' }]);
  });
});

describe('runBackslash: settings and errors', () => {
  it('\\x toggles expanded display, or sets it', async () => {
    const on = await run('\\x');
    expect(on.state).toEqual({ expanded: true, timing: false });
    expect(on.outputs).toEqual([{ kind: 'text', text: 'Expanded display is on.' }]);
    const back = await run('\\x', on.state);
    expect(back.state.expanded).toBe(false);
    expect((await run('\\x on', on.state)).state.expanded).toBe(true);
    expect((await run('\\x off', on.state)).outputs).toEqual([{ kind: 'text', text: 'Expanded display is off.' }]);
    const bad = await run('\\x maybe', on.state);
    expect(bad.state).toBe(on.state);
    expect(bad.outputs[0].kind).toBe('error');
  });

  it('\\timing toggles and sets timing', async () => {
    expect(await run('\\timing')).toEqual({ outputs: [{ kind: 'text', text: 'Timing is on.' }], state: { expanded: false, timing: true } });
    expect((await run('\\timing off', { expanded: true, timing: true })).state).toEqual({ expanded: true, timing: false });
  });

  it('an unknown command is an error that points to \\?', async () => {
    expect((await run('\\foo')).outputs).toEqual([{ kind: 'error', message: 'invalid command \\foo\nTry \\? for help.' }]);
    // Unknown members of the \d family are rejected by psql's own dispatcher.
    expect((await run('\\dZ')).outputs).toEqual([{ kind: 'error', message: 'invalid command \\dZ\nTry \\? for help.' }]);
  });

  it('\\? lists the supported commands', async () => {
    const { outputs } = await run('\\?');
    expect(outputs).toHaveLength(1);
    const help = (outputs[0] as { text: string }).text;
    for (const cmd of ['\\d[S+]', '\\dt', '\\di', '\\x', '\\timing', '\\conninfo']) expect(help).toContain(cmd);
  });

  it('\\conninfo names the database and user', async () => {
    const { outputs } = await run('\\conninfo');
    expect(outputs[0]).toMatchObject({ kind: 'text', text: expect.stringContaining('database "postgres" as user "postgres"') });
  });

  it('never throws: a failing database becomes an error output', async () => {
    const broken = { rawQuery: async () => { throw new Error('instance is gone'); } };
    expect((await runBackslash('\\dt', broken, off)).outputs).toEqual([{ kind: 'error', message: 'instance is gone' }]);
  });
});

describe('\\du with a connection limit (psql-describe called an undefined ngettext)', () => {
  it('prints "N connections" as psql 18 does', async () => {
    await engine.db.exec(`create role lim3 connection limit 3; create role lim1 connection limit 1 nologin;`);
    const { outputs } = await run('\\du lim*');
    expect(outputs).toHaveLength(1);
    const table = outputs[0];
    expect(table.kind).toBe('table');
    if (table.kind !== 'table') return;
    expect(table.columns).toEqual(['Role name', 'Attributes']);
    expect(table.rows).toEqual([['lim1', 'Cannot login\n1 connection'], ['lim3', 'Cannot login\n3 connections']]);
  });
});
