import { describe, it, expect } from 'vitest';
import { cpuMsAsync } from '../support/cpu-time.ts';
import { splitScript, statementAt, sourceOffset, type ScriptPiece } from '../../src/db/splitter.ts';

const texts = (pieces: ScriptPiece[]) => pieces.map((p) => p.text);
const kinds = (pieces: ScriptPiece[]) => pieces.map((p) => p.kind);

describe('splitScript', () => {
  it('splits plain statements and gives ranges into the text', async () => {
    const s = 'select 1;\n  select 2 ;\n\nselect 3';
    const pieces = await splitScript(s);
    expect(texts(pieces)).toEqual(['select 1', 'select 2', 'select 3']);
    for (const p of pieces) expect(s.slice(p.from, p.to)).toBe(p.text);
    expect(pieces.map((p) => (p.kind === 'sql' ? p.node : ''))).toEqual(['SelectStmt', 'SelectStmt', 'SelectStmt']);
  });

  it('keeps semicolons inside dollar quotes, E strings, quoted identifiers and comments', async () => {
    const s = [
      `create function f() returns text language plpgsql as $body$ begin return 'a;b'; end $body$;`,
      `select E'it\\'s; fine' as "semi;colon";`,
      `select $$;$$ /* a ; comment */, 'x' -- trailing; comment`,
      `;select 4`,
    ].join('\n');
    const pieces = await splitScript(s);
    expect(kinds(pieces)).toEqual(['sql', 'sql', 'sql', 'sql']);
    expect(pieces[0].text).toContain(`'a;b'; end $body$`);
    expect(pieces[1].text).toBe(`select E'it\\'s; fine' as "semi;colon"`);
    expect(pieces[2].text).toBe(`select $$;$$ /* a ; comment */, 'x'`);
    expect(pieces[3].text).toBe('select 4');
  });

  it('skips empty statements and comment-only text', async () => {
    expect(await splitScript(';;  -- nothing here\n/* nor here */;')).toEqual([]);
    expect(await splitScript('')).toEqual([]);
  });

  it('keeps a BEGIN ATOMIC body with its inner semicolons as one statement', async () => {
    const s = `create function g() returns int language sql begin atomic select 1; select 2; end; select 3`;
    const pieces = await splitScript(s);
    expect(kinds(pieces)).toEqual(['sql', 'sql']);
    expect(pieces[0].text).toBe(`create function g() returns int language sql begin atomic select 1; select 2; end`);
    expect(pieces[0].kind === 'sql' && pieces[0].node).toBe('CreateFunctionStmt');
  });

  it('finds psql backslash lines between statements but not inside strings', async () => {
    const s = `create table t (a int);\n\\d t\nselect 'line\n\\not a command';\n  \\x on\nselect 2`;
    const pieces = await splitScript(s);
    expect(kinds(pieces)).toEqual(['sql', 'backslash', 'sql', 'backslash', 'sql']);
    expect(pieces[1].text).toBe('\\d t');
    expect(pieces[2].text).toBe(`select 'line\n\\not a command'`);
    expect(pieces[3].text).toBe('\\x on');
    for (const p of pieces) expect(s.slice(p.from, p.to)).toBe(p.text);
  });

  it('treats a backslash line holding a quote as a command, not the start of a string', async () => {
    const pieces = await splitScript(`\\echo it's\nselect 1`);
    expect(kinds(pieces)).toEqual(['backslash', 'sql']);
    expect(pieces[1].text).toBe('select 1');
  });

  it('marks text the parser rejects as invalid with the position of the error', async () => {
    const s = `select 1;\nselec 2;\nselect 3`;
    const pieces = await splitScript(s);
    expect(kinds(pieces)).toEqual(['sql', 'invalid', 'sql']);
    const bad = pieces[1];
    expect(bad.kind === 'invalid' && bad.message).toContain('syntax error');
    expect(bad.kind === 'invalid' && s.slice(bad.position, bad.position + 5)).toBe('selec');
  });

  it('keeps the statements before an unterminated string', async () => {
    const s = `select 1; select 'abc; select 2`;
    const pieces = await splitScript(s);
    expect(kinds(pieces)).toEqual(['sql', 'invalid']);
    expect(pieces[1].text).toBe(`select 'abc; select 2`);
  });

  it('maps offsets correctly after multi-byte characters', async () => {
    const s = `select 'héllo 🐘';\nselect 'ok'`;
    const pieces = await splitScript(s);
    expect(texts(pieces)).toEqual([`select 'héllo 🐘'`, `select 'ok'`]);
    expect(s.slice(pieces[1].from, pieces[1].to)).toBe(`select 'ok'`);
  });
});

describe('COPY … FROM STDIN', () => {
  it('is known from the parse tree, not from the words in the text', async () => {
    // One script each: psql reads the lines after a COPY … FROM STDIN as its data.
    const scripts = [`copy t from stdin;`, `copy t from '/tmp/x' where note = 'from stdin';`, `copy t to stdout;`, `copy t from program 'cat';`];
    const reads = await Promise.all(scripts.map(async (s) => (await splitScript(s)).map((p) => p.kind === 'sql' && !!p.readsStdin)));
    expect(reads).toEqual([[true], [false], [false], [false]]);
  });
});

describe('statementAt', () => {
  it('finds the statement under or just before the cursor', async () => {
    const s = 'select 1;\nselect 2;\n\nselect 3';
    const pieces = await splitScript(s);
    expect(statementAt(pieces, 3)?.text).toBe('select 1');
    expect(statementAt(pieces, s.indexOf('2') + 2)?.text).toBe('select 2');
    expect(statementAt(pieces, s.length)?.text).toBe('select 3');
    expect(statementAt(pieces, 0)?.text).toBe('select 1');
  });
});

// The expected values below are what psql does with the same script (psql 15 and 18 agree;
// checked with psql -f against PostgreSQL 18): which text it sends, in which order.
describe('splitting as psql does', () => {
  const sent = async (s: string) => (await splitScript(s)).map((p) => (p.kind === 'backslash' ? `\\${p.name}${p.args ? ' ' + p.args : ''}` : p.text));

  it('sends every statement after one the server will reject, one by one (class 1)', async () => {
    const s = `select "";\nselect 2;\nselect 123abc;\nselect 3;\nselect E'\\u061';\n\\echo after\nselect 4;\nselect $$open;\nselect 5;`;
    expect(await sent(s)).toEqual(['select ""', 'select 2', 'select 123abc', 'select 3', "select E'\\u061'", '\\echo after', 'select 4', 'select $$open;\nselect 5;']);
    const pieces = await splitScript(s);
    expect(kinds(pieces)).toEqual(['invalid', 'sql', 'invalid', 'sql', 'invalid', 'backslash', 'sql', 'invalid']);
    // The parser's message and position, for the editor's mark; the server's error still decides.
    const bad = pieces[2];
    expect(bad.kind === 'invalid' && bad.message).toMatch(/trailing junk/);
  });

  it('takes a backslash command after SQL on the same line as the end of the statement (class 2)', async () => {
    expect(await sent('select 2 as two \\gset\nselect 1 \\gx\nselect 3 \\g\n\\echo done')).toEqual(['select 2 as two', '\\gset', 'select 1', '\\gx', 'select 3', '\\g', '\\echo done']);
    const [q, cmd] = await splitScript('select 2 as x \\gset p_');
    expect(q).toMatchObject({ kind: 'sql', end: 'backslash', node: 'SelectStmt' });
    expect(cmd).toMatchObject({ kind: 'backslash', name: 'gset', args: 'p_' });
  });

  it('keeps a statement open across a backslash line inside it: psql sends `select 1,\\n2` after running \\echo', async () => {
    const s = 'select 1,\n\\echo hi\n2;';
    const pieces = await splitScript(s);
    expect(await sent(s)).toEqual(['\\echo hi', 'select 1,\n2']);
    const q = pieces[1];
    expect(q.kind).toBe('sql');
    // Its range covers the whole statement in the editor, and offsets map back through the gap.
    expect([q.from, q.to]).toEqual([0, s.length - 1]);
    expect(sourceOffset(q as { from: number }, 'select 1,\n'.length)).toBe(s.indexOf('2;'));
  });

  it('puts statements joined with \\; into one query string', async () => {
    expect(await sent('select 1 \\; select 2;\nselect 3;')).toEqual(['select 1 ;select 2', 'select 3']);
  });

  it('knows `\\\\` (end of a command\'s arguments) and a second command on the same line', async () => {
    expect(await sent('\\set a 1 \\echo :a')).toEqual(['\\set a 1', '\\echo :a']);
    expect(await sent('\\x on \\\\ select 1;')).toEqual(['\\x on', 'select 1']);
  });

  it('reads a whole-line command (\\h, \\sf, \\copy) to the end of its line', async () => {
    expect(await sent("\\copy t from stdin with (delimiter '|')\n1|a\n\\.\nselect 1;")).toEqual(["\\copy t from stdin with (delimiter '|')", 'select 1']);
  });

  it('records psql variables outside strings only', async () => {
    const [p] = await splitScript(`select :x, :'y', :"z", ':w', "q:v", a::int, b[1:2]`);
    expect(p.kind === 'sql' || p.kind === 'invalid' ? p.vars?.map((v) => v.name + v.quote) : []).toEqual(['x', "y'", 'z"', '2']);
  });

  it('feeds the lines after COPY … FROM STDIN to it, up to \\. (class 3)', async () => {
    const s = 'copy t (a, b) from stdin;\n1\tx; not sql\n\\N\t\\.x\n\\.\nselect 1;';
    const pieces = await splitScript(s);
    expect(await sent(s)).toEqual(['copy t (a, b) from stdin', 'select 1']);
    expect(pieces[0].kind === 'sql' && pieces[0].copyData?.text).toBe('1\tx; not sql\n\\N\t\\.x\n');
    // Without a \. line the data runs to the end of the script, as psql reads it.
    const [open] = await splitScript('copy t from stdin;\n1\n2');
    expect(open.kind === 'sql' && open.copyData?.text).toBe('1\n2');
  });

  it('says so when a statement holds a NUL byte, and sends the others (class 6)', async () => {
    const pieces = await splitScript("select 'a\0b';\nselect 2;");
    expect(kinds(pieces)).toEqual(['invalid', 'sql']);
    expect(pieces[0]).toMatchObject({ unsendable: true, position: 9 });
    expect(pieces[0].kind === 'invalid' && pieces[0].message).toMatch(/NUL byte/);
  });

  it('splits in linear time: 8 times the input takes far less than 64 times as long (class 6)', async () => {
    // An unterminated quote at the start, then statements: was quadratic (11.4 s for 8 000).
    const script = (n: number) => "select 'open;\n" + Array.from({ length: n }, (_, i) => `select ${i} from t where a = 'x';\n\\echo ${i}\n`).join('');
    const mixed = (n: number) => Array.from({ length: n }, (_, i) => `select ${i} as "c;", $$;$$ from t; -- ;\n`).join('');
    const time = (s: string) => cpuMsAsync(() => splitScript(s));
    // 8 times the input: linear gives ~8, quadratic ~64 (the old splitter: 11.4 s at 8 000).
    // Both sizes are warmed up first (JIT, the parser's wasm memory), then measured in turns,
    // best of ten each (steady state: 7.9 measured), so a busy machine moves both alike.
    for (const make of [script, mixed]) {
      const [small, large] = [make(1000), make(8000)];
      await time(large);
      await time(small);
      const best = [Infinity, Infinity];
      for (let k = 0; k < 10; k++) {
        best[0] = Math.min(best[0], await time(small));
        best[1] = Math.min(best[1], await time(large));
      }
      expect(best[1] / best[0]).toBeLessThan(32);
    }
  });
});
