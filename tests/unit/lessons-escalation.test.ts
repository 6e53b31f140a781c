// The learner's SQL cannot get back to the superuser (issue 12, class 3). PGlite's backend is a
// standalone one whose authenticated user is always the bootstrap superuser, so a way back exists
// in PostgreSQL's rules; these tests prove that no path the learner can write reaches it: top-level
// statements and DO blocks are read from the parse tree and refused, and every function the
// learner defines runs as SECURITY DEFINER, where PostgreSQL itself refuses to change the role.
// Each attack aims at something that would fool a check: a catalog write, ALTER SYSTEM, pg_index,
// a tablespace's costs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { Session } from '../../src/db/session.ts';
import type { Chapter, Exercise } from '../../src/lessons/format.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const CHAPTER = `---
title: Escalation
order: 9
summary: For the checker's tests.
---

# People
`;
const DATASET = `select setseed(:seed);
create table people (id int primary key, email text not null, city text not null);
insert into people select i, 'p' || i || '@mail.test', (array['Oslo','Rome','Lima'])[random(1, 3)] from generate_series(1, 5000) i;
create index people_city_idx on people (city);
vacuum analyze people;
`;
const EXERCISE = `---
title: Index the e-mail
---

## Task

Create an index for lookups by e-mail.

## Solution

\`\`\`sql
create index on people (email);
\`\`\`

## Checks

\`\`\`yaml
- catalog:
    index: { table: people, columns: [email] }
- plan:
    query:
      - select id from people where email = 'p42@mail.test'
      - select id from people where email = 'p4242@mail.test'
    uses: Index Scan
    relation: people
\`\`\`

## Wrong answers

### No index

\`\`\`sql
select 1;
\`\`\`

fails: catalog
`;

let box: ChapterSandbox;
let exercise: Exercise;

beforeAll(async () => {
  const [chapter]: Chapter[] = loadLessons({
    'lessons/e/chapter.md': CHAPTER, 'lessons/e/dataset.sql': DATASET, 'lessons/e/exercises/01-email.md': EXERCISE,
  });
  exercise = chapter.exercises[0];
  box = await ChapterSandbox.build(chapter, ['main'], await compiledPglite());
}, 120_000);
afterAll(() => box?.close());

// What each attack tries once it is superuser: each would make a check judge something untrue.
const HARM = [
  "update pg_catalog.pg_index set indisvalid = false where indexrelid = ''people_city_idx''::regclass",
  "alter system set enable_seqscan = off",
  "alter tablespace pg_default set (random_page_cost = 0.0001, seq_page_cost = 1000)",
  "update pg_catalog.pg_class set reltuples = 1 where relname = ''people''",
];

// Ways to switch back inside code the learner writes. `%H` is where the harm goes.
const FUNCTION_ATTACKS: Record<string, string> = {
  'a PL/pgSQL function, dynamic EXECUTE': `create function f() returns void language plpgsql as $$ begin execute 'reset role'; execute 'set session authorization postgres'; execute '%H'; end $$;
select f();`,
  'a function calling set_config in a subquery': `create function f() returns void language plpgsql as $$ begin perform (select set_config(x, 'postgres', false) from (values ('session_authorization')) v(x)); execute '%H'; end $$;
select f();`,
  'an SQL function': `create function f() returns int language sql as $$ set session authorization postgres; select 1 $$;
select f();`,
  'a function that declares SECURITY INVOKER, then ALTER back': `create function f() returns void language plpgsql security invoker as $$ begin execute 'reset session authorization'; execute '%H'; end $$;
alter function f() security invoker;
select f();`,
  'a function with SET role in its definition': `create function f() returns void language plpgsql as $$ begin execute '%H'; end $$;
alter function f() set session_authorization = 'postgres';
select f();`,
  'a procedure': `create procedure p() language plpgsql as $$ begin execute 'set session authorization postgres'; execute '%H'; end $$;
call p();`,
  'a trigger on the chapter table': `create function t() returns trigger language plpgsql as $$ begin execute 'set session authorization postgres'; execute '%H'; return new; end $$;
create trigger t before insert on people for each row execute function t();
insert into people values (900001, 'x@mail.test', 'Oslo');`,
  'a function created and called inside a DO block': `do $$ begin
  create function g() returns void language plpgsql as 'begin execute ''set session authorization postgres''; end';
  perform g();
end $$;`,
  'a function used as an index expression': `create function k(text) returns text language plpgsql immutable as $$ begin perform set_config('role', 'none', false); return $1; end $$;
create index on people (k(email));`,
  'a view over a function': `create function f() returns int language plpgsql as $$ begin execute 'set session authorization postgres'; execute '%H'; return 1; end $$;
create view v as select f();
select * from v;`,
};

/** Runs SQL as the learner on a fresh copy, straight through the session (no parse-tree refusal), then reads what it did. */
async function attack(sql: string) {
  const { value } = await box.withDatabase('main', 'fresh', async (db) => {
    const report = await new Session(db).run(sql, { stopOnError: false });
    const who = await db.query<{ s: string; c: string }>('select session_user::text as s, current_user::text as c');
    const rows = await db.query<{ valid: boolean; tuples: number; spc: string[] | null; auto: string | null }>(
      `select (select indisvalid from pg_index where indexrelid = 'people_city_idx'::regclass) as valid,
              (select reltuples::float8 from pg_class where relname = 'people') as tuples,
              (select spcoptions from pg_tablespace where spcname = 'pg_default') as spc,
              (select setting from pg_settings where name = 'enable_seqscan' and source <> 'default') as auto`);
    return { errors: report.results.filter((r) => r.error).map((r) => r.error!.message), who: who.rows[0], after: rows.rows[0] };
  });
  return value;
}

describe('no function the learner writes can switch back to the superuser', () => {
  for (const [name, template] of Object.entries(FUNCTION_ATTACKS)) {
    for (const harm of name.includes('SQL function') || name.includes('DO block') || name.includes('index expression') ? [HARM[0]] : HARM) {
      it(`${name}: ${harm.slice(0, 40)}…`, async () => {
        const r = await attack(template.replaceAll('%H', harm));
        expect(r.errors.join(' | ')).toMatch(/cannot set parameter "(role|session_authorization)" within security-definer function/);
        expect(r.who).toEqual({ s: 'pglab_learner', c: 'pglab_learner' });
        expect(r.after.valid).toBe(true);
        expect(r.after.tuples).toBe(5000);
        expect(r.after.spc).toBeNull();
        expect(r.after.auto).toBeNull();
      });
    }
  }

  it('the learner cannot turn the guard off, replace it or drop it', async () => {
    for (const sql of [
      'alter event trigger pglab_secdef disable;',
      'drop event trigger pglab_secdef;',
      "create or replace function pglab_guard.secdef() returns event_trigger language plpgsql as 'begin end';",
      'set session_replication_role = replica;',
      'set event_triggers = off;',
    ]) {
      const r = await attack(sql);
      expect(r.errors.length, sql).toBe(1);
      expect(r.errors[0], sql).toMatch(/must be owner|permission denied/);
    }
  });

  it('a function the learner writes still works with the learner\'s own rights', async () => {
    const r = await attack(`create function n() returns bigint language sql stable as 'select count(*) from people';
create table counted as select n() as n;`);
    expect(r.errors).toEqual([]);
  });
});

describe('the checker refuses what it cannot read before it runs', () => {
  const refused: Record<string, [string, RegExp]> = {
    'EXECUTE of a built string in a DO block': ["do $$ begin execute 'reset ' || 'role'; execute 'update pg_index set indisvalid = false'; end $$;", /runs SQL built at run time/],
    'EXECUTE of a variable': ["do $$ declare q text := 'set session authorization postgres'; begin execute q; end $$;", /runs SQL built at run time/],
    'EXECUTE format(…)': ["do $$ begin execute format('set %s = %L', 'role', 'postgres'); end $$;", /runs SQL built at run time/],
    'FOR … IN EXECUTE': ["do $$ declare r record; begin for r in execute 'select ' || 1 loop end loop; end $$;", /runs SQL built at run time/],
    'a literal EXECUTE that switches': ["do $$ begin execute 'set session authorization postgres'; end $$;", /changes the role/],
    'SET ROLE as a PL/pgSQL statement': ['do $$ begin reset role; end $$;', /changes the role/],
    'a nested DO in a literal EXECUTE': ["do $$ begin execute 'do $x$ begin reset session authorization; end $x$'; end $$;", /changes the role/],
    'set_config in a subquery': ["select (select set_config(x, 'postgres', false) from (values ('session_authorization')) v(x));", /changes the role/],
    'set_config with a built name in a DO block': ["do $$ begin perform set_config('ro' || 'le', 'none', false); end $$;", /changes the role/],
    'SET role in a function definition': ["create function f() returns void language sql set role = 'postgres' as 'select';", /changes the role/],
    'a view that calls set_config': ["create view v as select set_config('role', 'postgres', false);", /changes the role/],
    '\\gexec': ["select 'set session authorization postgres' \\gexec", /psql command `\\gexec`/],
    '\\set and interpolation': ["\\set r 'reset role'\n:r;", /psql command `\\set`/],
  };
  for (const [name, [sql, message]] of Object.entries(refused)) {
    it(name, async () => {
      const r = await checkExercise(box, exercise, `${sql}\ncreate index on people (email);`);
      expect(r.passed).toBe(false);
      expect(r.error?.message).toMatch(message);
    });
  }

  it('the reference with a harmless DO block and a literal EXECUTE still passes', async () => {
    const r = await checkExercise(box, exercise, "do $$ begin execute 'create index on people (email)'; perform set_config('work_mem', '8MB', false); end $$;");
    expect(r.error).toBeUndefined();
    expect(r.passed).toBe(true);
  });
});
