// A share pack as text: for a URL fragment (`#/share/1.<base64url>`) or a `.pglab` file holding
// the same text. The fragment never reaches a server.
//
// Bytes before base64url: [format version: 1 byte][JSON length: u32 LE][CRC-32 of the JSON: u32 LE]
// [raw DEFLATE of the JSON (fflate)]. The version is also written in the clear before the dot, so a
// link from a newer pglab is recognised before anything is decoded. The declared length bounds
// the decompression: output is inflated in small steps and abandoned as soon as it passes the
// length (or the limit), so a decompression bomb costs at most one step's output. The CRC catches
// damage that still inflates.
import { Inflate, deflateSync, strFromU8, strToU8 } from 'fflate';
import { LIMITS, PACK_VERSION, PackError, newerVersion, validatePack, type SharePack } from './format.ts';

import { FILE_HEADER, FILE_LIMIT, LINK_LIMIT, SHARE_ROUTE } from './limits.ts';

export { FILE_HEADER, FILE_LIMIT, LINK_LIMIT, SHARE_ROUTE };

const HEADER_BYTES = 9;
/** Compressed bytes fed to the inflater per step: DEFLATE expands at most ~1032×, so a step yields ≤ ~1 MB. */
const STEP = 1024;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE), as in gzip and PNG. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) {
    const bad = text.match(/[^A-Za-z0-9_-]/)![0];
    throw new PackError(`The link is damaged: it contains '${bad === ' ' ? 'a space' : bad}', which a pglab link never does (was it wrapped or edited?). Nothing was run.`, 'encoding');
  }
  if (text.length % 4 === 1) throw new PackError('The link is cut short or damaged (its length is not possible for its encoding). Copy the whole link again. Nothing was run.', 'truncated');
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The pack as the text after `#/share/`: `1.<base64url>`. */
export function encodePack(pack: SharePack): string {
  const json = strToU8(JSON.stringify(pack));
  const body = deflateSync(json, { level: 9 });
  const out = new Uint8Array(HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  out[0] = PACK_VERSION;
  view.setUint32(1, json.length, true);
  view.setUint32(5, crc32(json), true);
  out.set(body, HEADER_BYTES);
  return `${PACK_VERSION}.${toBase64Url(out)}`;
}

/** Inflates at most `limit` bytes; throws when the data wants more, or ends early, or is not DEFLATE. */
export function boundedInflate(data: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > limit) throw new PackError(tooBig(limit), 'too-big');
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    for (let i = 0; i < data.length; i += STEP) inflater.push(data.subarray(i, i + STEP), i + STEP >= data.length);
    if (!data.length) inflater.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof PackError) throw e;
    const msg = String((e as Error).message ?? e);
    // fflate says "unexpected EOF" for a stream that stops mid-block.
    if (/EOF/i.test(msg)) throw new PackError('The link is cut short: its compressed data ends too early. Copy the whole link again. Nothing was run.', 'truncated');
    throw new PackError(`The link is damaged: its compressed data is not valid (${msg}). Nothing was run.`, 'corrupted');
  }
  if (!ended) throw new PackError('The link is cut short: its compressed data ends too early. Copy the whole link again. Nothing was run.', 'truncated');
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function tooBig(limit: number): string {
  return `This pack would unpack to more than ${(limit / 1024 / 1024).toFixed(0)} MB, more than pglab lets a shared pack take in memory. Nothing was run.`;
}

/** Takes the text of a link, a fragment, or a `.pglab` file and returns the encoded part (`1.<…>`). */
export function packText(input: string): string {
  let t = input.trim();
  if (t.startsWith(FILE_HEADER)) t = t.slice(FILE_HEADER.length).trim();
  const hash = t.indexOf('#');
  if (hash >= 0) t = t.slice(hash);
  if (t.startsWith(SHARE_ROUTE)) t = t.slice(SHARE_ROUTE.length);
  else if (t.startsWith('#')) throw new PackError('This link does not hold a pglab share pack (its address has no #/share/ part). Nothing was run.', 'not-a-pack');
  return t;
}

/** Decodes and validates a pack from a link, a fragment or a `.pglab` file's text. Runs nothing. */
export function decodePack(input: string, limit: number = LIMITS.packBytes): SharePack {
  const t = packText(input);
  if (!t) throw new PackError('The link holds nothing after #/share/ (it was cut off). Copy the whole link again. Nothing was run.', 'empty');
  const dot = t.indexOf('.');
  if (dot < 0) throw new PackError('This is not a pglab share pack: it has no format version (a pglab link looks like #/share/1.…). Nothing was run.', 'not-a-pack');
  const versionText = t.slice(0, dot);
  if (!/^\d{1,6}$/.test(versionText)) throw new PackError(`This is not a pglab share pack: '${versionText.slice(0, 20)}' is not a format version. Nothing was run.`, 'not-a-pack');
  const version = Number(versionText);
  if (version > PACK_VERSION) throw newerVersion(version);
  if (version < 1) throw new PackError(`Share format version ${version} never existed. Nothing was run.`, 'not-a-pack');
  const bytes = fromBase64Url(t.slice(dot + 1));
  if (bytes.length < HEADER_BYTES + 2) throw new PackError('The link is cut short: it is too short to hold a pack. Copy the whole link again. Nothing was run.', 'truncated');
  if (bytes[0] !== version) throw new PackError(`The link is damaged: it says version ${version} in the clear but ${bytes[0]} inside. Nothing was run.`, 'corrupted');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(1, true);
  const crc = view.getUint32(5, true);
  if (length > limit) throw new PackError(tooBig(limit), 'too-big');
  const json = boundedInflate(bytes.subarray(HEADER_BYTES), length);
  if (json.length !== length) throw new PackError(`The link is damaged: it unpacks to ${json.length} bytes where it says ${length}. Nothing was run.`, 'corrupted');
  if (crc32(json) !== crc) throw new PackError('The link is damaged or was altered: its checksum does not match its content. Nothing was run.', 'corrupted');
  let text: string;
  try {
    text = strFromU8(json);
  } catch {
    throw new PackError('The link is damaged: its content is not UTF-8 text. Nothing was run.', 'corrupted');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PackError(`The pack is not valid JSON (${(e as Error).message}). Nothing was run.`, 'not-json');
  }
  return validatePack(value);
}

export interface ShareOutput {
  /** The fragment (`#/share/1.…`), always made. */
  fragment: string;
  /** True when the fragment is short enough to offer as a link. */
  fitsLink: boolean;
  /** The same content as a `.pglab` file. */
  fileText: string;
}

export function sharePack(pack: SharePack): ShareOutput {
  const encoded = encodePack(pack);
  const fragment = SHARE_ROUTE + encoded;
  return { fragment, fitsLink: fragment.length <= LINK_LIMIT, fileText: `${FILE_HEADER}\n${encoded}\n` };
}

/** Refuses a file before it is read when it is larger than any pack. */
export function checkFileSize(bytes: number): void {
  if (bytes > FILE_LIMIT) throw new PackError(`This file is ${(bytes / 1024 / 1024).toFixed(1)} MB; a .pglab file is at most ${FILE_LIMIT / 1024 / 1024} MB. Nothing was read or run.`, 'too-big');
}
