import { describe, it, expect, afterAll } from 'vitest';
import { Session, type StatementResult } from '../../src/db/session.ts';
import { crosstab } from '../../src/db/psql-crosstab.ts';
import { localEngine } from '../support/pglite.ts';

// \gdesc and \crosstabview, run by the session on a real PGlite. The expected values are what
// psql prints for the same script against a native PostgreSQL 18 (psql -X -e, recorded once).
const engine = await localEngine();
afterAll(() => engine.db.close().catch(() => {}));

/** A result as psql's aligned output would read it: the header, then the rows ('' for NULL). */
function grid(r: StatementResult): string[] {
  if (r.error) return [`error: ${r.error.message}`];
  if (r.psql?.length) return r.psql.map((o) => (o.kind === 'error' ? `error: ${o.message}` : o.kind === 'text' ? o.text : o.kind));
  if (!r.columns.length) return [r.tag];
  return [r.columns.map((c) => c.name).join('|'), ...r.rows.map((row) => row.map((v) => (v === null ? '' : String(v))).join('|'))];
}
const run = async (session: Session, script: string) => (await session.run(script, { stopOnError: false })).results.map(grid);

const SALES = `create table if not exists ct_s (region text, quarter text, amount int, q int);
truncate ct_s;
insert into ct_s values ('north','Q2',5,2),('north','Q1',3,1),('south','Q1',7,1),(null,'Q3',1,3),('south',null,2,9);`;

describe('\\crosstabview', () => {
  it('pivots as psql does: headers in order of appearance, NULL as a value of its own, sortcolH by number', async () => {
    const s = new Session(engine);
    const out = await run(s, `${SALES}
select region, quarter, amount from ct_s \\crosstabview
select region, quarter, amount, q from ct_s \\crosstabview region quarter amount q
select region, quarter, amount, q from ct_s \\crosstabview 2 1 3
select region, quarter, amount from ct_s \\crosstabview REGION "quarter" Amount`);
    expect(out.slice(3)).toEqual([
      ['region|Q2|Q1|Q3|', 'north|5|3||', 'south||7||2', '|||1|'],
      ['region|Q1|Q2|Q3|', 'north|3|5||', 'south|7|||2', '|||1|'],
      ['quarter|north|south|', 'Q2|5||', 'Q1|3|7|', 'Q3|||1', '||2|'],
      ['region|Q2|Q1|Q3|', 'north|5|3||', 'south||7||2', '|||1|'],
    ]);
  });

  it("refuses what psql refuses, with psql's messages", async () => {
    const s = new Session(engine);
    const out = await run(s, `${SALES}
select region, quarter, amount, q from ct_s \\crosstabview
select region, quarter from ct_s \\crosstabview
select region, quarter, amount from ct_s \\crosstabview 1 1
select region, quarter, amount from ct_s \\crosstabview 1 5
select region, quarter, amount from ct_s \\crosstabview nope
select 'a' as k, 'x' as h, 1 as v union all select 'a', 'x', 2 \\crosstabview
create table ct_none (a int) \\crosstabview`);
    expect(out.slice(3)).toEqual([
      ['error: \\crosstabview: data column must be specified when query returns more than three columns'],
      ['error: \\crosstabview: query must return at least three columns'],
      ['error: \\crosstabview: vertical and horizontal headers must be different columns'],
      ['error: \\crosstabview: column number 5 is out of range 1..3'],
      ['error: \\crosstabview: column name not found: "nope"'],
      ['error: \\crosstabview: query result contains multiple data values for row "a", column "x"'],
      ['error: \\crosstabview: statement did not return a result set'],
    ]);
  });

  it('finds an ambiguous name (pure)', () => {
    expect(crosstab(['a', 'a', 'b'], [], ['a'])).toEqual({ error: '\\crosstabview: ambiguous column name: "a"' });
  });
});

describe('\\gdesc', () => {
  it('describes without running: names and types with their modifiers; \\g then runs the query', async () => {
    const s = new Session(engine);
    const out = await run(s, `${SALES}
select 1 as a, 'x'::varchar(10) as b, 2.5::numeric(10,2) as c, now() as "Now" \\gdesc
insert into ct_s values ('e','Q9',1,1) returning region, amount \\gdesc
select count(*) from ct_s where region = 'e';
create table ct_t2 (a int) \\gdesc
select nosuch from ct_s \\gdesc
select 1 as a, 2 as a \\gdesc
\\g`);
    expect(out.slice(3)).toEqual([
      ['Column|Type', 'a|integer', 'b|character varying(10)', 'c|numeric(10,2)', 'Now|timestamp with time zone'],
      ['Column|Type', 'region|text', 'amount|integer'],
      ['count', '0'],
      ['The command has no result, or the result has no columns.'],
      ['error: column "nosuch" does not exist'],
      ['Column|Type', 'a|integer', 'a|integer'],
      ['a|a', '1|2'],
    ]);
    // Nothing was created by describing.
    expect(await run(s, "select to_regclass('ct_t2') is null as gone")).toEqual([['gone', 't']]);
  });

  it('inside a transaction leaves it open and usable; a failing describe aborts it, as on the server', async () => {
    const s = new Session(engine);
    const out = await run(s, `begin;
select 'x'::varchar(3) as v \\gdesc
select 1 as still_fine;
select nosuch \\gdesc
select 1;
rollback;`);
    expect(out[1]).toEqual(['Column|Type', 'v|character varying(3)']);
    expect(out[2]).toEqual(['still_fine', '1']);
    expect(out[3]).toEqual(['error: column "nosuch" does not exist']);
    expect(out[4][0]).toMatch(/current transaction is aborted/);
    expect(s.inTransaction).toBe(false);
  });
});

describe('\\i and \\ir: a file chosen by the user runs where the command stands', () => {
  const files: Record<string, string> = {
    'setup.sql': "create table inc_t (a int);\ninsert into inc_t values (1), (2);\n\\set from_file yes\nselect count(*) as n from inc_t;\n",
    'broken.sql': 'select 1 as before;\nselect nosuch;\nselect 2 as after;\n',
    'quits.sql': 'select 1 as one;\n\\q\nselect 2 as two;\n',
    'open-if.sql': '\\if true\nselect 1 as inside;\n',
  };
  const asked: string[] = [];
  const onInclude = async (f: string) => {
    asked.push(f);
    return files[f];
  };
  const runWith = async (s: Session, script: string, stopOnError = false) =>
    (await s.run(script, { stopOnError, onInclude })).results.map(grid);

  it('runs the file, then the rest of the script, with the variables it set; results sit on the \\i line', async () => {
    const s = new Session(engine);
    const script = "drop table if exists inc_t;\n\\i setup.sql\n\\echo :from_file\nselect sum(a) as total from inc_t;";
    const report = await s.run(script, { stopOnError: true, onInclude });
    expect(report.results.map(grid)).toEqual([['DROP TABLE'], ['CREATE TABLE'], ['INSERT 0 2'], ['n', '2'], ['yes'], ['total', '3']]);
    const line = script.indexOf('\\i setup.sql');
    for (const r of report.results.slice(1, 4)) expect([r.from, r.to]).toEqual([line, line + '\\i setup.sql'.length]);
    expect(asked.at(-1)).toBe('setup.sql');
  });

  it('stops the whole run at an error in the file with ON_ERROR_STOP, and goes on without it', async () => {
    const stopped = await runWith(new Session(engine), '\\set ON_ERROR_STOP on\n\\ir broken.sql\nselect 3 as later;');
    expect(stopped).toEqual([['before', '1'], ['error: column "nosuch" does not exist']]);
    const goesOn = await runWith(new Session(engine), '\\ir broken.sql\nselect 3 as later;');
    expect(goesOn).toEqual([['before', '1'], ['error: column "nosuch" does not exist'], ['after', '2'], ['later', '3']]);
  });

  it('\\q in the file ends only the file; an unclosed \\if is the file\'s own error, as in psql', async () => {
    expect(await runWith(new Session(engine), '\\i quits.sql\nselect 3 as after_quit;')).toEqual([['one', '1'], ['after_quit', '3']]);
    expect(await runWith(new Session(engine), '\\i open-if.sql\nselect 3 as later;')).toEqual([
      ['inside', '1'], ['error: reached EOF without finding closing \\endif(s)'], ['later', '3'],
    ]);
  });

  it('says what happened when no file is chosen, when the name is missing, and where files cannot be asked for', async () => {
    // Skipped: said, and the script goes on even when it stops at the first error.
    expect((await new Session(engine).run('\\i nosuch.sql\nselect 1 as a;', { stopOnError: true, onInclude })).results.map(grid)).toEqual([
      ['nosuch.sql was skipped (no file was chosen): its statements did not run.'], ['a', '1'],
    ]);
    expect(await runWith(new Session(engine), '\\i')).toEqual([['error: \\i: missing required argument']]);
    expect(await run(new Session(engine), '\\i setup.sql')).toEqual([[expect.stringMatching(/^error: \\i: files cannot be opened by name here/)]]);
  });
});

describe('\\e', () => {
  it('offers the query buffer to the editor instead of running an external one', async () => {
    const s = new Session(engine);
    const r = (await s.run('select 41 + 1 as answer;\n\\e', { stopOnError: true })).results;
    expect(r[1].psql).toEqual([{ kind: 'edit', text: 'select 41 + 1 as answer', note: expect.stringMatching(/Open it in the editor/) }]);
    const empty = (await new Session(engine).run('\\e', { stopOnError: true })).results;
    expect(empty[0].psql?.[0]).toMatchObject({ kind: 'edit', text: '' });
    expect(grid((await new Session(engine).run('\\e setup.sql 3', { stopOnError: true })).results[0])).toEqual([expect.stringMatching(/^error: \\e FILE: files cannot be opened by name here/)]);
  });
});

describe('\\errverbose', () => {
  // psql 18 against PostgreSQL 18 (psql -X -e); LOCATION's line number depends on the build.
  it("prints every field in libpq's order: the statement's LINE and caret, DETAIL, HINT, CONTEXT, names, LOCATION", async () => {
    const s = new Session(engine);
    const out = await run(s, `create table ev_u (a int primary key);
insert into ev_u values (1);
insert into ev_u values (1);
\\errverbose
select nosuch_fn(1)
;
\\errverbose
do $$ begin perform 1/0; end $$;
\\errverbose`);
    const texts = out.filter((x) => /^ERROR:  /.test(x[0])).map((x) => x[0].replace(/(\.c):\d+$/m, '$1:N'));
    expect(texts).toEqual([
      'ERROR:  23505: duplicate key value violates unique constraint "ev_u_pkey"\nDETAIL:  Key (a)=(1) already exists.\nSCHEMA NAME:  public\nTABLE NAME:  ev_u\nCONSTRAINT NAME:  ev_u_pkey\nLOCATION:  _bt_check_unique, nbtinsert.c:N',
      'ERROR:  42883: function nosuch_fn(integer) does not exist\nLINE 1: select nosuch_fn(1)\n               ^\nHINT:  No function matches the given name and argument types. You might need to add explicit type casts.\nLOCATION:  ParseFuncOrColumn, parse_func.c:N',
      'ERROR:  22012: division by zero\nCONTEXT:  SQL statement "SELECT 1/0"\nPL/pgSQL function inline_code_block line 1 at PERFORM\nLOCATION:  int4div, int.c:N',
    ]);
  });

  it('puts the caret under the position on its own line of a statement of several lines', async () => {
    const { errorPositionLines } = await import('../../src/db/session.ts');
    expect(errorPositionLines('select 1,\n  nosuch;', 13)).toEqual(['LINE 2:   nosuch;', '          ^']);
  });
});

describe('\\bind, \\p and the query buffer', () => {
  it('\\bind sends the next query with its parameters; a later query goes without them', async () => {
    const s = new Session(engine);
    const out = await run(s, "select $1::int + 1 as n, $2 as t \\bind 41 'a b' \\g\nselect 2 as plain;\nselect $1 as missing;");
    expect(out).toEqual([['n|t', '42|a b'], ['plain', '2'], ['error: there is no parameter $1']]);
    const bad = await run(new Session(engine), 'select $1::int as n \\bind x \\g');
    expect(bad).toEqual([['error: invalid input syntax for type integer: "x"']]);
  });

  it('\\p shows the unfinished buffer (psql prints "select 2"), and \\r drops it so it never runs', async () => {
    const s = new Session(engine);
    const out = await run(s, 'select 1 as first;\nselect 2 \\p\n\\r\nselect 3 as third;');
    expect(out).toEqual([['first', '1'], ['select 2'], ['Query buffer reset (cleared).'], ['third', '3']]);
    // With an empty buffer, the previous query (psql's previous_buf).
    expect(await run(s, '\\p')).toEqual([['select 3 as third']]);
  });

  it("psql 17-18's named statements and pipelines say that they are not done here, not 'invalid command'", async () => {
    expect(await run(new Session(engine), '\\parse s1')).toEqual([[expect.stringMatching(/^error: \\parse: psql 17 and 18 use it/)]]);
  });
});
