import { describe, it, expect } from 'vitest';
import { splitScript, statementAt, type ScriptPiece } from '../../src/db/splitter.ts';

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
