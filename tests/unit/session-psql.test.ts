import { describe, it, expect, afterAll } from 'vitest';
import { Session, type StatementResult } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';

// psql's scripting commands, run by the session on a real PGlite. Expected values are what
// psql -f prints for the same script (checked against psql with PostgreSQL 18).
const engine = await localEngine();
afterAll(() => engine.db.close().catch(() => {}));

/** What the run shows, one line per result: psql's text output, or the rows of a query, or the error. */
function shown(results: StatementResult[]): string[] {
  return results.map((r) => {
    if (r.error) return `error: ${r.error.message}`;
    if (r.psql) return r.psql.map((o) => (o.kind === 'error' ? `error: ${o.message}` : o.kind === 'table' ? o.columns.join('|') : o.kind === 'text' ? o.text : `${o.kind}: ${o.text}`)).join('\n');
    if (r.columns.length) return r.rows.map((row) => row.join('|')).join(';');
    return r.tag;
  });
}

const run = async (session: Session, script: string, stopOnError = false) => shown((await session.run(script, { stopOnError })).results);

describe('variables', () => {
  it('\\set concatenates its values; :x, :\'x\' and :"x" substitute in SQL and in arguments', async () => {
    const s = new Session(engine);
    expect(await run(s, `\\set x 5\n\\set y a b 'c d'\n\\echo :x :y :'y' :"y"\n\\set z 'it''s \\\\ back'\n\\echo :'z'\nselect :'z' as v, :x + 1 as n;`)).toEqual([
      "5 abc d 'abc d' \"abc d\"",
      " E'it''s \\\\ back'",
      "it's \\ back|6",
    ]);
    // Unset: left as written, like psql.
    expect(await run(s, `\\unset x\n\\echo :x`)).toEqual([':x']);
    expect((await run(s, '\\set')).join('\n')).toMatch(/^y = 'abc d'$/m);
  });

  it('keeps variables from run to run, as one psql session', async () => {
    const s = new Session(engine);
    await run(s, '\\set tbl pg_class');
    expect(await run(s, `select count(*) > 0 as some from :"tbl";`)).toEqual(['t']);
  });

  it('\\gset stores one row into variables, with a prefix; NULL unsets; refuses other shapes', async () => {
    const s = new Session(engine);
    expect(await run(s, 'select 1 as a, 2 as b \\gset p_\n\\echo :p_a :p_b')).toEqual(['SELECT 1', '1 2']);
    expect(await run(s, 'select null as p_a \\gset\n\\echo :p_a')).toEqual(['SELECT 1', ':p_a']);
    expect(await run(s, 'select 3 \\gset')).toEqual(['error: invalid variable name: "?column?"']);
    expect(await run(s, 'select 1 as v from generate_series(1, 2) \\gset')).toEqual(['error: more than one row returned for \\gset']);
    expect(await run(s, 'select 1 as v where false \\gset')).toEqual(['error: no rows returned for \\gset']);
  });

  it('sets ROW_COUNT, ERROR, SQLSTATE and LAST_ERROR_MESSAGE after each query', async () => {
    const s = new Session(engine);
    expect(await run(s, 'select 1/0;\n\\echo :ERROR :SQLSTATE :LAST_ERROR_MESSAGE\nselect generate_series(1, 3);\n\\echo :ROW_COUNT :ERROR')).toEqual([
      'error: division by zero', 'true 22012 division by zero', '1;2;3', '3 false',
    ]);
  });
});

describe('\\if, \\elif, \\else, \\endif', () => {
  it('runs only the branch taken, nested, with psql\'s boolean rule and messages', async () => {
    const s = new Session(engine);
    const out = await run(s, [
      '\\if 5', '\\echo five', '\\else', '\\echo not five', '\\endif',
      '\\if yes', '\\echo yes', '\\elif true', '\\echo elif', '\\else', '\\echo else', '\\endif',
      '\\set on_it off',
      '\\if :on_it', 'select 1/0;', '\\elif 0', '\\echo zero', '\\else', '\\if t', 'select \'nested\' as n;', '\\endif', '\\endif',
      '\\elif', '\\endif',
    ].join('\n'));
    expect(out).toEqual([
      'error: unrecognized value "5" for "\\if expression": Boolean expected', 'not five',
      'yes',
      'nested',
      'error: \\elif: no matching \\if', 'error: \\endif: no matching \\if',
    ]);
  });

  it('says when the script ends inside an \\if', async () => {
    expect(await run(new Session(engine), '\\if true\n\\if false\n\\echo no\n\\endif')).toEqual(['error: reached EOF without finding closing \\endif(s)']);
  });

  it('skips a query and the commands of a branch not taken, even a statement spread over lines', async () => {
    expect(await run(new Session(engine), '\\if false\nselect 1,\n\\echo hidden\n2;\n\\quit\n\\endif\nselect 3;')).toEqual(['3']);
  });
});

describe('sending the query buffer', () => {
  it('\\g, \\gx, and \\g with an empty buffer sends the previous query again; \\p shows it', async () => {
    const s = new Session(engine);
    const r = (await s.run("select 'x' as v \\g\n\\gx\n\\p", { stopOnError: false })).results;
    expect(shown(r)).toEqual(['x', 'x', "select 'x' as v"]);
    expect([r[0].expanded, r[1].expanded]).toEqual([undefined, true]);
  });

  it('a backslash line inside a statement runs first, then the whole statement', async () => {
    expect(await run(new Session(engine), 'select 1,\n\\echo mid\n2;')).toEqual(['mid', '1|2']);
  });

  it('\\gexec runs each value of the result as a statement', async () => {
    expect(await run(new Session(engine), "select 'select 42 as answer', null, 'select 43' \\gexec")).toEqual(['42', '43']);
  });

  it('after a statement the lexer cannot end cleanly (select ""), runs every later one', async () => {
    expect(await run(new Session(engine), 'select "";\nselect 2;\nselect 123abc;\nselect 3;')).toEqual([
      'error: zero-length delimited identifier at or near """"', '2', 'error: trailing junk after numeric literal at or near "123abc"', '3',
    ]);
  });

  it('\\quit ends the run; unknown commands answer as psql does', async () => {
    expect(await run(new Session(engine), '\\foo\nselect 1;\n\\q\nselect 2;')).toEqual(['error: invalid command \\foo\nTry \\? for help.', '1']);
    // Commands psql knows but a page cannot do say why, instead of "invalid command".
    expect((await run(new Session(engine), "\\i setup.sql"))[0]).toMatch(/^error: \\i: files cannot be opened by name here; in the playground \\i asks for the file/);
  });
});

describe('ON_ERROR_STOP', () => {
  it('\\set ON_ERROR_STOP on stops at the next error even when the page says go on; it lasts one run', async () => {
    const s = new Session(engine);
    const report = await s.run('select 1/0;\n\\set ON_ERROR_STOP on\nselect 1/0;\nselect 5;', { stopOnError: false });
    expect(shown(report.results)).toEqual(['error: division by zero', 'error: division by zero']);
    expect(report.stopped).toBe(true);
    expect(await run(s, 'select 1/0;\nselect 6;')).toEqual(['error: division by zero', '6']);
    expect(await run(s, '\\set ON_ERROR_STOP off\nselect 1/0;\nselect 7;', true)).toEqual(['error: division by zero', '7']);
  });
});

describe('\\errverbose and \\restrict', () => {
  it('\\errverbose shows the last error with its SQLSTATE', async () => {
    expect(await run(new Session(engine), '\\errverbose\nselect 1/0;\n\\errverbose')).toEqual([
      'There is no previous error.', 'error: division by zero', expect.stringMatching(/^ERROR:  22012: division by zero\nLOCATION:  int4div, int\.c:\d+$/),
    ]);
  });

  it('\\restrict KEY … \\unrestrict KEY (pg_dump 18) allows SQL and no other command in between', async () => {
    expect(await run(new Session(engine), '\\restrict abc\n\\echo in\nselect 1;\n\\unrestrict abc\n\\echo out')).toEqual([
      'error: backslash commands are restricted; only \\unrestrict is allowed', '1', 'out',
    ]);
  });
});

describe('AUTOCOMMIT and ON_ERROR_ROLLBACK', () => {
  it('\\set AUTOCOMMIT off opens a transaction before a statement, as psql does; ROLLBACK undoes it', async () => {
    const s = new Session(engine);
    const r = await s.run('\\set AUTOCOMMIT off\ncreate table ac_t (a int);\ninsert into ac_t values (1);', { stopOnError: true });
    expect(r.results.map((x) => x.error)).toEqual([undefined, undefined]);
    expect(s.inTransaction).toBe(true);
    await s.run('rollback;');
    expect(s.inTransaction).toBe(false);
    // VACUUM cannot run in a transaction: psql sends no BEGIN before it.
    expect(await run(s, 'vacuum;')).toEqual(['VACUUM']);
    expect(s.inTransaction).toBe(false);
    await s.run('\\set AUTOCOMMIT on');
    expect(await run(s, "select to_regclass('ac_t') is null as gone;")).toEqual(['t']);
  });

  it('\\set ON_ERROR_ROLLBACK on: a failing statement in a transaction undoes only itself', async () => {
    const s = new Session(engine);
    const out = await run(s, '\\set ON_ERROR_ROLLBACK on\nbegin;\ncreate table oer_t (a int);\ninsert into oer_t values (1);\nselect 1/0;\ninsert into oer_t values (2);\ncommit;\nselect count(*) from oer_t;');
    expect(out).toEqual(['BEGIN', 'CREATE TABLE', 'INSERT 0 1', 'error: division by zero', 'INSERT 0 1', 'COMMIT', '2']);
    // Without it, the transaction fails and COMMIT rolls it back (25P02 in between).
    const off = await run(s, '\\set ON_ERROR_ROLLBACK off\nbegin;\ninsert into oer_t values (3);\nselect 1/0;\ninsert into oer_t values (4);\ncommit;\nselect count(*) from oer_t;');
    expect(off[3]).toMatch(/current transaction is aborted/);
    expect(off.at(-2)).toBe('ROLLBACK');
    expect(off.at(-1)).toBe('2');
  });
});

describe('\\watch', () => {
  it('runs the query COUNT times at its interval, each result shown as it comes', async () => {
    const s = new Session(engine);
    const seen: number[] = [];
    const r = await s.run('select 7 as v \\watch 0.01 c=3\nselect 8;', { onResult: (x) => x.watch && seen.push(x.watch.n) });
    expect(shown(r.results)).toEqual(['7', '7', '7', '8']);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('repeats until stopWatch(), then the script goes on', async () => {
    const s = new Session(engine);
    const states: boolean[] = [];
    let runs = 0;
    const report = await s.run('select 1 as tick \\watch 0.01\nselect 2 as after;', {
      onWatch: (on) => states.push(on),
      onResult: (x) => { if (x.watch && ++runs === 5) s.stopWatch(); },
    });
    expect(runs).toBe(5);
    expect(states).toEqual([true, false]);
    expect(shown(report.results).at(-1)).toBe('2');
  });

  it('refuses a bad interval with psql\'s message', async () => {
    expect(await run(new Session(engine), 'select 1 \\watch soon')).toEqual(['error: \\watch: incorrect interval value "soon"']);
  });
});
