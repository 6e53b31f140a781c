// Packing and unpacking share packs: the round trip, and every kind of bad input refused with a
// clear message (PackError) before anything could run.
import { describe, expect, it } from 'vitest';
import { deflateSync, strToU8 } from 'fflate';
import { FILE_HEADER, LINK_LIMIT, SHARE_ROUTE, checkFileSize, crc32, decodePack, encodePack, sharePack, toBase64Url, fromBase64Url } from '../../src/share/codec.ts';
import { PackError, makePack, validatePack, type SharePack } from '../../src/share/format.ts';

function samplePack(over: Partial<SharePack> = {}): SharePack {
  return makePack({
    kind: 'script',
    source: 'pglab playground',
    setup: "create table t (id int primary key, v text);\ninsert into t select g, 'x' || g from generate_series(1, 1000) g;\nanalyze t;",
    settings: [{ name: 'work_mem', value: '64kB' }, { name: 'enable_seqscan', value: 'off' }],
    query: 'select * from t where id = 42',
    plan: [{ Plan: { 'Node Type': 'Index Scan', 'Relation Name': 't', 'Index Name': 't_pkey', 'Total Cost': 8.29, 'Plan Rows': 1 } }],
    stats: null,
    redacted: [],
    notes: [],
    created: '2026-12-02T06:00:00.000Z',
    ...over,
  });
}

function serverPack(): SharePack {
  return makePack({
    kind: 'server', source: 'PostgreSQL 18.4', setup: 'create table public.t (id integer not null, v text);', settings: [], query: 'select * from t', plan: null,
    stats: {
      relations: [{ schema: 'public', name: 't', kind: 'r', relpages: 100, reltuples: 10000, relallvisible: 0 }],
      attributes: [{
        schema: 'public', relation: 't', attname: 'id', inherited: false, null_frac: 0, avg_width: 4, n_distinct: -1,
        most_common_vals: null, most_common_freqs: null, histogram_bounds: '{1,100,200}', correlation: 1,
        most_common_elems: null, most_common_elem_freqs: null, elem_count_histogram: null,
        range_length_histogram: null, range_empty_frac: null, range_bounds_histogram: null,
      }],
      extended: [],
    },
    redacted: [], notes: [],
  });
}

/** Builds the encoded text from raw parts, for crafting hostile inputs. */
function craft(json: Uint8Array, opts: { version?: number; inner?: number; length?: number; crc?: number; body?: Uint8Array } = {}): string {
  const body = opts.body ?? deflateSync(json);
  const out = new Uint8Array(9 + body.length);
  const view = new DataView(out.buffer);
  out[0] = opts.inner ?? opts.version ?? 1;
  view.setUint32(1, opts.length ?? json.length, true);
  view.setUint32(5, opts.crc ?? crc32(json), true);
  out.set(body, 9);
  return `${opts.version ?? 1}.${toBase64Url(out)}`;
}

const jsonOf = (v: unknown) => strToU8(JSON.stringify(v));

function refused(input: string, reason: PackError['reason'], message: RegExp) {
  let err: unknown;
  try {
    decodePack(input);
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${input.slice(0, 60)} to be refused`).toBeInstanceOf(PackError);
  expect((err as PackError).reason).toBe(reason);
  expect((err as PackError).message).toMatch(message);
  expect((err as PackError).message).toMatch(/Nothing was (read or )?run/);
}

describe('share pack round trip', () => {
  it('decodes what it encodes, from the bare text, the fragment, a whole URL and a .pglab file', () => {
    const pack = samplePack();
    const out = sharePack(pack);
    expect(out.fragment.startsWith(SHARE_ROUTE + '1.')).toBe(true);
    expect(out.fitsLink).toBe(true);
    const encoded = out.fragment.slice(SHARE_ROUTE.length);
    for (const input of [encoded, out.fragment, `https://example.test/pglab/${out.fragment}`, out.fileText, `  ${out.fileText}  `]) {
      expect(decodePack(input)).toEqual(pack);
    }
    expect(out.fileText.startsWith(FILE_HEADER + '\n')).toBe(true);
  });

  it('round-trips a server pack with statistics and unicode', () => {
    const pack = serverPack();
    pack.query = "select * from t where v = 'Zürich — 東京 🐘'";
    expect(decodePack(encodePack(pack))).toEqual(pack);
  });

  it('uses only URL-safe characters and compresses repetitive scripts', () => {
    const setup = Array.from({ length: 200 }, (_, i) => `insert into t values (${i}, 'row ${i}');`).join('\n');
    const text = encodePack(samplePack({ setup }));
    expect(text).toMatch(/^1\.[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(setup.length / 3);
  });

  it('offers a file instead of a link past the link limit, with the same content', () => {
    // Random-looking text does not compress, so this passes the limit.
    let s = 1;
    const noise = Array.from({ length: 12000 }, () => ((s = (s * 48271) % 2147483647), String.fromCharCode(97 + (s % 26)))).join('');
    const out = sharePack(samplePack({ setup: `select '${noise}';` }));
    expect(out.fragment.length).toBeGreaterThan(LINK_LIMIT);
    expect(out.fitsLink).toBe(false);
    expect(decodePack(out.fileText).setup).toContain(noise);
  });
});

describe('refused links and files (nothing runs)', () => {
  const good = encodePack(samplePack());
  const goodServer = encodePack(serverPack());

  it('01 empty input', () => refused('', 'empty', /holds nothing/));
  it('02 only the route', () => refused('#/share/', 'empty', /holds nothing/));
  it('03 another route of the app', () => refused('https://x.test/#/lessons/indexes', 'not-a-pack', /no #\/share\//));
  it('04 no version prefix', () => refused(good.slice(2), 'not-a-pack', /no format version/));
  it('05 version that is not a number', () => refused('v1.' + good.slice(2), 'not-a-pack', /not a format version/));
  it('06 newer format version in the clear', () => refused('2.' + good.slice(2), 'newer-version', /newer pglab.*version 2/));
  it('07 version 0', () => refused('0.' + good.slice(2), 'not-a-pack', /never existed/));
  it('08 characters outside base64url (spaces from wrapping)', () => refused(good.slice(0, 30) + ' ' + good.slice(30), 'encoding', /a space/));
  it('09 standard base64 characters', () => refused(good.slice(0, 30) + '+/' + good.slice(32), 'encoding', /damaged/));
  it('10 truncated to an impossible length', () => refused(good.slice(0, 2 + 4 * 10 + 1), 'truncated', /cut short/));
  it('11 truncated to a few bytes', () => refused(good.slice(0, 8), 'truncated', /cut short/));
  it('12 truncated in the compressed data', () => refused(good.slice(0, Math.floor(good.length * 0.6)), 'truncated', /cut short/));
  it('13 truncated by one character', () => refused(good.slice(0, -4), 'truncated', /cut short/));
  it('14 a changed character in the compressed body', () => {
    const i = Math.floor(good.length * 0.7);
    const swapped = good.slice(0, i) + (good[i] === 'A' ? 'B' : 'A') + good.slice(i + 1);
    expect(() => decodePack(swapped)).toThrow(PackError);
    try { decodePack(swapped); } catch (e) { expect(['corrupted', 'truncated']).toContain((e as PackError).reason); }
  });
  it('15 inner version differs from the clear one', () => refused(craft(jsonOf(samplePack()), { inner: 3 }), 'corrupted', /version 1 in the clear but 3 inside/));
  it('16 wrong checksum (content altered after packing)', () => refused(craft(jsonOf(samplePack()), { crc: 12345 }), 'corrupted', /checksum/));
  it('17 declared length smaller than the content', () => refused(craft(jsonOf(samplePack()), { length: 10 }), 'too-big', /more than 0 MB|unpack to more/));
  it('18 declared length larger than the content', () => refused(craft(jsonOf(samplePack()), { length: 100000 }), 'corrupted', /unpacks to \d+ bytes where it says 100000/));
  it('19 declared length beyond the memory limit', () => refused(craft(jsonOf(samplePack()), { length: 2 ** 31 }), 'too-big', /more than 16 MB/));
  it('20 decompression bomb: small link, honest huge length', () => {
    const zeros = new Uint8Array(20 * 1024 * 1024);
    const body = deflateSync(zeros, { level: 9 });
    expect(body.length).toBeLessThan(100_000);
    refused(craft(zeros, { body, length: zeros.length, crc: 0 }), 'too-big', /more than 16 MB/);
  });
  it('21 decompression bomb: lying small length, output stops at the bound', () => {
    const zeros = new Uint8Array(20 * 1024 * 1024);
    const body = deflateSync(zeros, { level: 9 });
    refused(craft(zeros, { body, length: 1000, crc: 0 }), 'too-big', /unpack to more/);
  });
  it('22 not DEFLATE data at all', () => refused(craft(jsonOf(samplePack()), { body: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }), 'corrupted', /not valid|damaged/));
  it('23 compressed text that is not JSON', () => refused(craft(strToU8('{"format": "pglab-share", oops')), 'not-json', /not valid JSON/));
  it('24 invalid UTF-8 bytes', () => refused(craft(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 'not-json', /not valid JSON|UTF-8/));
  it('25 JSON that is not an object', () => refused(craft(jsonOf([1, 2, 3])), 'invalid', /must be a JSON object/));
  it('26 another JSON document', () => refused(craft(jsonOf({ hello: 'world' })), 'not-a-pack', /not a pglab share pack/));
  it('27 newer version inside a hand-made pack', () => refused(craft(jsonOf({ ...samplePack(), version: 7 })), 'newer-version', /version 7/));
  it('28 version that is not a whole number', () => refused(craft(jsonOf({ ...samplePack(), version: 1.5 })), 'invalid', /version must be a whole number/));
  it('29 unknown kind', () => refused(craft(jsonOf({ ...samplePack(), kind: 'dump' })), 'invalid', /kind must be/));
  it('30 missing query', () => {
    const { query: _q, ...rest } = samplePack();
    refused(craft(jsonOf(rest)), 'invalid', /query is missing/);
  });
  it('31 empty query', () => refused(craft(jsonOf({ ...samplePack(), query: '   ' })), 'invalid', /query is empty/));
  it('32 setup that is not text', () => refused(craft(jsonOf({ ...samplePack(), setup: { sql: 'x' } })), 'invalid', /setup must be text/));
  it('33 a setting that does not shape plans', () => refused(craft(jsonOf({ ...samplePack(), settings: [{ name: 'session_authorization', value: 'x' }] })), 'invalid', /not a setting that shapes plans/));
  it('34 the same setting twice', () => refused(craft(jsonOf({ ...samplePack(), settings: [{ name: 'work_mem', value: '1MB' }, { name: 'work_mem', value: '2MB' }] })), 'invalid', /work_mem twice/));
  it('35 setting value that is not text', () => refused(craft(jsonOf({ ...samplePack(), settings: [{ name: 'work_mem', value: 4 }] })), 'invalid', /value must be text/));
  it('36 bad date', () => refused(craft(jsonOf({ ...samplePack(), created: 'yesterday' })), 'invalid', /created must be a date/));
  it('37 plan that is a string', () => refused(craft(jsonOf({ ...samplePack(), plan: 'Seq Scan' })), 'invalid', /plan must be EXPLAIN/));
  it('38 absurdly nested plan', () => {
    let p: Record<string, unknown> = {};
    const root = p;
    for (let i = 0; i < 2000; i++) { const c = {}; p.Plans = [c]; p = c; }
    refused(craft(jsonOf({ ...samplePack(), plan: root })), 'invalid', /nested deeper/);
  });
  it('39 server pack without statistics', () => refused(craft(jsonOf({ ...serverPack(), stats: null })), 'invalid', /stats is missing/));
  it('40 playground pack with statistics', () => refused(craft(jsonOf({ ...samplePack(), stats: serverPack().stats })), 'invalid', /stats must be null/));
  it('41 negative relpages', () => {
    const p = serverPack();
    p.stats!.relations[0].relpages = -5;
    refused(craft(jsonOf(p)), 'invalid', /relpages must be at least -1/);
  });
  it('42 reltuples that is not a number', () => {
    const p = JSON.parse(JSON.stringify(serverPack()));
    p.stats.relations[0].reltuples = '10000';
    refused(craft(jsonOf(p)), 'invalid', /reltuples must be a finite number/);
  });
  it('43 relation kind not known', () => {
    const p = JSON.parse(JSON.stringify(serverPack()));
    p.stats.relations[0].kind = 'v';
    refused(craft(jsonOf(p)), 'invalid', /kind must be 'r'/);
  });
  it('44 a name longer than PostgreSQL allows', () => {
    const p = serverPack();
    p.stats!.relations[0].name = 'x'.repeat(64);
    refused(craft(jsonOf(p)), 'invalid', /longer than 63 bytes/);
  });
  it('45 null_frac above 1', () => {
    const p = serverPack();
    p.stats!.attributes[0].null_frac = 1.5;
    refused(craft(jsonOf(p)), 'invalid', /null_frac must be at most 1/);
  });
  it('46 most common values without their frequencies', () => {
    const p = serverPack();
    p.stats!.attributes[0].most_common_vals = '{1,2}';
    refused(craft(jsonOf(p)), 'invalid', /most_common_vals without most_common_freqs/);
  });
  it('47 histogram that is not an array literal (an attempt at SQL)', () => {
    const p = serverPack();
    p.stats!.attributes[0].histogram_bounds = "'); drop table t; --";
    refused(craft(jsonOf(p)), 'invalid', /array literal/);
  });
  it('48 frequencies with a string inside', () => {
    const p = JSON.parse(JSON.stringify(serverPack()));
    p.stats.attributes[0].most_common_vals = '{1}';
    p.stats.attributes[0].most_common_freqs = ['0.5'];
    refused(craft(jsonOf(p)), 'invalid', /finite numbers/);
  });
  it('49 inherited that is not a boolean', () => {
    const p = JSON.parse(JSON.stringify(serverPack()));
    p.stats.attributes[0].inherited = 'no';
    refused(craft(jsonOf(p)), 'invalid', /inherited must be true or false/);
  });
  it('50 too many settings', () => refused(craft(jsonOf({ ...samplePack(), settings: Array.from({ length: 201 }, () => ({ name: 'work_mem', value: '1MB' })) })), 'invalid', /more than 200 entries/));
  it('51 notes that are not text', () => refused(craft(jsonOf({ ...samplePack(), notes: [42] })), 'invalid', /notes\[0\] must be text/));
  it('52 a NUL in a name', () => {
    const p = serverPack();
    p.stats!.relations[0].schema = 'pub\0lic';
    refused(craft(jsonOf(p)), 'invalid', /NUL/);
  });
  it('53 a valid server pack still decodes (control)', () => expect(decodePack(goodServer).stats!.relations[0].relpages).toBe(100));

  it('54 a file larger than any pack is refused before it is read', () => {
    expect(() => checkFileSize(100 * 1024 * 1024)).toThrow(/at most 24 MB/);
    expect(() => checkFileSize(1000)).not.toThrow();
  });

  it('validatePack and base64url agree with the encoder', () => {
    expect(validatePack(JSON.parse(JSON.stringify(samplePack())))).toEqual(samplePack());
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
  });
});

