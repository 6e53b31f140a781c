// A repro whose set-up loads rows written in the script itself (COPY … FROM STDIN and psql's
// \copy … from stdin, data lines ended by \.): the receiver's replay loads the same rows, once.
// A bare COPY FROM STDIN sent to PGlite would wait for rows no client sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { createEngine } from '../../src/db/engine.ts';
import { LocalEngine } from '../../src/db/local-engine.ts';
import { Session } from '../../src/db/session.ts';
import { packFromScript } from '../../src/share/from-script.ts';
import { decodePack, sharePack } from '../../src/share/codec.ts';
import { describeReplay, replayPack } from '../../src/share/replay.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

const SETUP = `create table parts (id int primary key, name text not null, kind text);
copy parts from stdin;
1\tbolt\thardware
2\tnut\t\\N
\\.
\\copy parts (id, name) from stdin with (format csv)
3,"washer, flat"
4,spring
\\.
create index parts_name_idx on parts (name);
analyze parts;
`;
const QUERY = "select * from parts where name = 'nut';";

let sender: PGlite;
let receiver: PGlite;

beforeAll(async () => {
  const wasm = await compiledPglite();
  [sender, receiver] = await Promise.all([createEngine(wasm), createEngine(wasm)]);
  const report = await new Session(new LocalEngine(sender)).run(SETUP);
  expect(report.results.map((r) => r.error?.message ?? r.tag)).toEqual(['CREATE TABLE', 'COPY 2', 'COPY 2', 'CREATE INDEX', 'ANALYZE']);
}, 60_000);

afterAll(async () => {
  await sender?.close();
  await receiver?.close();
});

describe('rows inline in the shared script', () => {
  it('are replayed with their COPY and \\copy, once, and the preview counts both as statements', async () => {
    const script = SETUP + QUERY;
    const pack = decodePack(sharePack(await packFromScript(new LocalEngine(sender), script, script.indexOf("'nut'"))).fileText);
    // The script makes these rows: nothing is carried besides it.
    expect(pack.setup).toBe(SETUP);
    expect((await describeReplay(pack)).setupStatements).toBe(5);
    const r = await replayPack(receiver, pack);
    expect(r.ok, r.error).toBe(true);
    expect(r.warnings).toEqual([]);
    const { rows } = await receiver.query<{ id: number; name: string; kind: string | null }>('select id, name, kind from parts order by id');
    expect(rows).toEqual([
      { id: 1, name: 'bolt', kind: 'hardware' },
      { id: 2, name: 'nut', kind: null },
      { id: 3, name: 'washer, flat', kind: null },
      { id: 4, name: 'spring', kind: null },
    ]);
  });

  it('a COPY whose rows do not parse stops the replay with the server\'s error, naming the statement', async () => {
    const db = await createEngine(await compiledPglite());
    try {
      const pack = { ...decodePack(sharePack(await packFromScript(new LocalEngine(sender), SETUP + QUERY, (SETUP + QUERY).indexOf("'nut'"))).fileText) };
      const broken = { ...pack, setup: SETUP.replace('2\tnut', 'two\tnut') };
      const r = await replayPack(db, broken);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/^Set-up statement 2 failed: invalid input syntax for type integer: "two"/);
    } finally {
      await db.close();
    }
  });
});
