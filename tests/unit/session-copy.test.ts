import { describe, it, expect, afterAll } from 'vitest';
import { Session } from '../../src/db/session.ts';
import { localEngine } from '../support/pglite.ts';
import { stdinAt } from '../../src/db/psql-copy.ts';

// COPY … FROM STDIN with its rows in the script, the way psql runs a pg_dump file.
const engine = await localEngine();
afterAll(() => engine.db.close().catch(() => {}));

const checksum = async (table: string) => {
  const r = await engine.query<{ n: number; h: string }>(`select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by id), '')) as h from ${table} t`);
  return r.rows[0];
};

describe('COPY … FROM STDIN with inline data', () => {
  it('round-trips a pg_dump-style script: the restored table holds the same rows', async () => {
    const session = new Session(engine);
    const setup = await session.run(`
      create schema src;
      create table src.items (id int primary key, name text, note text, price numeric(8,2), tags text[], doc jsonb, raw bytea, at timestamptz);
      insert into src.items values
        (1, 'plain', null, 1.50, '{a,b}', '{"k": [1, 2]}', '\\x00ff', '2026-01-02 03:04:05+00'),
        (2, E'tab\\there', E'line\\nbreak', 0, '{}', 'null', '', null),
        (3, E'back\\\\slash', 'quote '' and "double"', -3.25, '{"x y",NULL}', '{"s": "é🐘"}', '\\x5c2e', 'infinity'),
        (4, '\\.', E'\\\\.', null, null, null, null, null);
      create sequence src.items_id_seq; select setval('src.items_id_seq', 4);`);
    expect(setup.results.filter((r) => r.error)).toEqual([]);
    const before = await checksum('src.items');
    // The data section as pg_dump writes it: COPY's text format.
    const out = await session.run('copy src.items (id, name, note, price, tags, doc, raw, at) to stdout;');
    const data = out.results[0].rows.map((r) => `${r[0]}\n`).join('');
    const dump = `--
-- PostgreSQL database dump
--

\\restrict 8bJdSGm1n5cJp6

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

CREATE SCHEMA dst;

CREATE TABLE dst.items (
    id integer NOT NULL,
    name text,
    note text,
    price numeric(8,2),
    tags text[],
    doc jsonb,
    raw bytea,
    at timestamp with time zone
);

CREATE SEQUENCE dst.items_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;

--
-- Data for Name: items; Type: TABLE DATA; Schema: dst; Owner: -
--

COPY dst.items (id, name, note, price, tags, doc, raw, at) FROM stdin;
${data}\\.


SELECT pg_catalog.setval('dst.items_id_seq', 4, true);

ALTER TABLE ONLY dst.items
    ADD CONSTRAINT items_pkey PRIMARY KEY (id);

--
-- PostgreSQL database dump complete
--

\\unrestrict 8bJdSGm1n5cJp6
`;
    const restored = await new Session(engine).run(dump, { stopOnError: true });
    expect(restored.results.filter((r) => r.error).map((r) => r.error!.message)).toEqual([]);
    expect(restored.results.find((r) => r.sql.startsWith('COPY'))?.tag).toBe('COPY 4');
    expect(await checksum('dst.items')).toEqual(before);
    expect(before.n).toBe(4);
    const seq = await engine.query<{ v: string }>(`select last_value::text as v from dst.items_id_seq`);
    expect(seq.rows[0].v).toBe('4');
    await engine.run('reset all'); // the dump emptied search_path, as pg_dump's do
  });

  it('reports a bad data line with COPY\'s own context, and goes on after the data', async () => {
    const session = new Session(engine);
    const r = await session.run('create table c1 (a int, b text);\ncopy c1 from stdin;\n1\tok\nnot-a-number\tx\n\\.\nselect count(*) from c1;', { stopOnError: false });
    const copy = r.results[1];
    expect(copy.error?.message).toMatch(/invalid input syntax for type integer: "not-a-number"/);
    expect(copy.error?.where).toMatch(/COPY c1, line 2, column a/);
    expect(r.results[2].rows).toEqual([['0']]);
  });

  it('\\copy … from stdin reads the same inline data; CSV options pass through', async () => {
    const session = new Session(engine);
    const r = await session.run('create table c2 (a int, b text);\n\\copy c2 from stdin with (format csv)\n1,"x, y"\n2,\n\\.\nselect * from c2 order by a;', { stopOnError: true });
    expect(r.results.map((x) => x.error?.message)).toEqual([undefined, undefined, undefined]);
    expect(r.results[1].tag).toBe('COPY 2');
    expect(r.results[2].rows).toEqual([['1', 'x, y'], ['2', null]]);
  });

  it('inside a transaction the rows are part of it: ROLLBACK takes them back', async () => {
    const session = new Session(engine);
    await session.run('create table c3 (a int);');
    const r = await session.run('begin;\ncopy c3 from stdin;\n1\n2\n\\.\nrollback;\nselect count(*) from c3;');
    expect(r.results.map((x) => x.tag)).toEqual(['BEGIN', 'COPY 2', 'ROLLBACK', 'SELECT 1']);
    expect(r.results[3].rows).toEqual([['0']]);
  });

  it('finds the STDIN of FROM STDIN outside strings and quoted names', () => {
    expect(stdinAt(`copy t from stdin`)).toBe(12);
    expect(stdinAt(`copy "from stdin" (a) from stdin where a <> 'from stdin'`)).toBe(27);
    expect(stdinAt(`copy t to stdout`)).toBe(-1);
  });
});

describe('\\copy with a file', () => {
  it('to FILE gives COPY\'s output as a download; from FILE asks for the file, then loads it', async () => {
    const session = new Session(engine);
    await session.run("create table cf (a int, b text); insert into cf values (1, 'x'), (2, null);");
    const out = (await session.run("\\copy cf to 'cf.csv' with (format csv, header)")).results[0];
    expect(out.tag).toBe('COPY 2');
    expect(out.psql).toEqual([{ kind: 'download', file: 'cf.csv', text: 'a,b\n1,x\n2,\n' }]);
    const ask = (await session.run("\\copy cf (a, b) from 'rows.csv' with (format csv)\nselect 1;")).results;
    expect(ask).toHaveLength(2);
    const req = ask[0].psql?.[0];
    expect(req).toMatchObject({ kind: 'file-request', file: 'rows.csv', sql: 'copy cf (a, b) from stdin with (format csv)' });
    const loaded = await session.copyFromFile(req!.kind === 'file-request' ? req!.sql : '', '3,"y, z"\n4,\n');
    expect(loaded.tag).toBe('COPY 2');
    expect((await session.run('select count(*) from cf;')).results[0].rows).toEqual([['4']]);
  });
});

describe('\\copy finds its FROM or TO after the table or the query', () => {
  it('skips the FROMs of a query, quoted names and strings', async () => {
    const { copyDirectionAt } = await import('../../src/db/psql-copy.ts');
    const at = (s: string) => { const i = copyDirectionAt(s); return i < 0 ? '' : /^\w+/.exec(s.slice(i))![0]; };
    expect(at("(select * from t where b = ' to ') to 'f.csv'")).toBe('to');
    expect(at('"from" (a, "to") from stdin')).toBe('from');
    expect(at('(select (select 1 from x) as y /* from */) to stdout')).toBe('to');
    expect(at('s."Order ""to"" lines" to stdout')).toBe('to');
    expect(at('t')).toBe('');
    const session = new Session(engine);
    await session.run("create table qd (a int, b text); insert into qd values (1, 'from'), (2, 'to');");
    const out = (await session.run("\\copy (select b from qd where b <> 'to' order by a) to 'q.csv' with (format csv)")).results[0];
    expect(out.psql).toEqual([{ kind: 'download', file: 'q.csv', text: 'from\n' }]);
  });
});
