// A playground repro: the statement under the cursor with the script before it, packed on one
// PGlite and replayed on another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { createEngine } from '../../src/db/engine.ts';
import { LocalEngine } from '../../src/db/local-engine.ts';
import { packFromScript, stripExplain } from '../../src/share/from-script.ts';
import { decodePack, sharePack } from '../../src/share/codec.ts';
import { replayPack } from '../../src/share/replay.ts';

let sender: PGlite;
let receiver: PGlite;

const SCRIPT = `create table tickets (id int primary key, queue text not null, opened date not null);
insert into tickets select g, case when g % 100 = 0 then 'legal' else 'support' end, date '2026-01-01' + g % 300 from generate_series(1, 20000) g;
create index tickets_queue_idx on tickets (queue);
analyze tickets;
explain (analyze, buffers) select * from tickets where queue = 'legal';
select count(*) from tickets;`;

beforeAll(async () => {
  [sender, receiver] = await Promise.all([createEngine(), createEngine()]);
  const db = new LocalEngine(sender);
  for (const s of SCRIPT.split(';\n').slice(0, 4)) await db.run(s);
  await sender.query('set enable_indexscan = off');
}, 60_000);

afterAll(async () => {
  await sender?.close();
  await receiver?.close();
});

describe('playground share packs', () => {
  it('strips EXPLAIN and its options from the shared query', () => {
    expect(stripExplain('EXPLAIN (ANALYZE, BUFFERS) select 1;')).toBe('select 1');
    expect(stripExplain('explain analyze verbose select 1')).toBe('select 1');
    expect(stripExplain('explain select 1')).toBe('select 1');
    expect(stripExplain('select explain from t')).toBe('select explain from t');
  });

  it('packs the statement under the cursor, the script before it, the session settings and the plan', async () => {
    const cursor = SCRIPT.indexOf("queue = 'legal'");
    const pack = await packFromScript(new LocalEngine(sender), SCRIPT, cursor);
    expect(pack.kind).toBe('script');
    expect(pack.query).toBe("select * from tickets where queue = 'legal'");
    expect(pack.setup).toContain('generate_series(1, 20000)');
    expect(pack.setup).not.toContain('explain');
    expect(pack.setup).not.toContain('count(*)');
    expect(pack.settings).toContainEqual({ name: 'enable_indexscan', value: 'off' });
    expect(JSON.stringify(pack.plan)).toContain('Bitmap Heap Scan');

    const r = await replayPack(receiver, decodePack(sharePack(pack).fileText));
    expect(r.ok, r.error).toBe(true);
    expect(r.comparison?.sameShape).toBe(true);
    expect(JSON.stringify(r.plan)).toContain('Bitmap Heap Scan');
    // Without the setting the receiver plans otherwise: the setting is what the pack carried.
    await receiver.query('reset enable_indexscan');
    const plain = JSON.stringify((await receiver.query<Record<string, unknown>>("explain (format json) select * from tickets where queue = 'legal'")).rows[0]['QUERY PLAN']);
    expect(plain).toContain('"Index Scan"');
    expect(plain).not.toContain('Bitmap');
  });

  it('says where to put the cursor when there is no statement', async () => {
    await expect(packFromScript(new LocalEngine(sender), '  -- nothing here\n', 3)).rejects.toThrow(/Put the cursor in the statement/);
  });

  it('keeps going without a plan when the sender cannot explain the query, and says so', async () => {
    const pack = await packFromScript(new LocalEngine(sender), 'select * from nowhere;', 5);
    expect(pack.plan).toBeNull();
    expect(pack.notes[0]).toMatch(/could not explain the query: relation "nowhere" does not exist/);
  });
});
