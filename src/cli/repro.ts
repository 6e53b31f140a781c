// `pglab repro URL "<query>"`: captures what reproduces the query's plan on a real server (the
// relations' DDL, their planner statistics, the settings that shape plans, the server's EXPLAIN)
// and writes a pglab link, or a .pglab file when the link would be too long. Only catalog queries
// and a plain EXPLAIN run on the server: the query itself is never executed.
//
// Exit status: 0 written (with --check: and the shapes match), 1 --check found another shape,
// 2 usage, connection or database error.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CliError, URL_PATTERN, openUrl } from './target.ts';
import type { CliIo } from './main.ts';

export const REPRO_USAGE = `pglab repro — reproduce a server's query plan anywhere: a link (or .pglab file) with the
schema, planner statistics and settings the plan depends on, and the plan the server chose

Usage:
  pglab repro URL "<query>" [options]

Options:
  -o, --output FILE.pglab     write a .pglab file (default: print a link, or write repro.pglab
                              when the link would be longer than 8,000 characters)
      --redact T.COL[,T.COL]  leave out these columns' sample values (most common values,
                              histogram bounds); repeatable; schema.table.column also works
      --app URL               the pglab app the link opens (default: PGLAB_APP_URL, else
                              http://localhost:5173/)
      --check                 open the pack here in PGlite too and say whether the plan shape matches
      --connect-timeout SECONDS
  -h, --help

Exit status: 0 written (and, with --check, same shape), 1 --check: another shape, 2 error.
`;

interface ReproOptions {
  url: string;
  sql: string;
  output?: string;
  redact: string[];
  app: string;
  check: boolean;
  connectTimeoutMs: number;
}

const HINT = 'Run pglab repro --help for usage.';

export function parseRepro(argv: string[], env: Record<string, string | undefined>): ReproOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        output: { type: 'string', short: 'o' }, redact: { type: 'string', multiple: true }, app: { type: 'string' },
        check: { type: 'boolean' }, url: { type: 'string' }, 'connect-timeout': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new CliError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), HINT);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return 'help';
  const urls = positionals.filter((p) => URL_PATTERN.test(p));
  const others = positionals.filter((p) => !URL_PATTERN.test(p));
  const url = urls[0] ?? v.url ?? env.DATABASE_URL;
  if (urls.length > 1 || (urls.length && v.url)) throw new CliError('give one server URL', HINT);
  if (!url) throw new CliError('repro needs a server: pglab repro postgresql://user@host/db "select …" (or set DATABASE_URL)', HINT);
  if (!others.length) throw new CliError('repro needs the query whose plan to reproduce, e.g. pglab repro URL "select * from t where a = 1"', HINT);
  if (others.length > 1) throw new CliError(`repro takes one query (quote it); unexpected argument '${others[1]}'`, HINT);
  if (v.output !== undefined && !/\.pglab$/i.test(v.output)) throw new CliError(`--output must name a .pglab file, got '${v.output}'`, HINT);
  let connectTimeoutMs = 10_000;
  if (v['connect-timeout'] !== undefined) {
    const s = Number(v['connect-timeout']);
    if (!Number.isFinite(s) || s <= 0) throw new CliError(`--connect-timeout must be a positive number of seconds, got '${v['connect-timeout']}'`, HINT);
    connectTimeoutMs = Math.round(s * 1000);
  }
  const app = v.app ?? env.PGLAB_APP_URL ?? 'http://localhost:5173/';
  if (!/^https?:\/\//i.test(app)) throw new CliError(`--app must be an http(s) address of the pglab app, got '${app}'`, HINT);
  return {
    url, sql: others[0], output: v.output, app: app.replace(/#.*$/, ''), check: !!v.check, connectTimeoutMs,
    redact: (v.redact ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean),
  };
}

export async function runRepro(argv: string[], io: CliIo): Promise<number> {
  const fail = async (e: unknown) => {
    const err = e as Error & { code?: string; hint?: string };
    const msg = e instanceof CliError ? e.message : err.code ? `database error ${err.code}: ${err.message}` : err.message;
    await io.err(`pglab: ${msg}\n${err.hint ? `  ${err.hint}\n` : ''}`);
    return 2;
  };
  let o: ReproOptions;
  try {
    const p = parseRepro(argv, io.env);
    if (p === 'help') {
      await io.out(REPRO_USAGE);
      return 0;
    }
    o = p;
  } catch (e) {
    return fail(e);
  }
  const [{ captureRepro }, { sharePack, LINK_LIMIT }, { PackError }] = await Promise.all([
    import('../share/capture.ts'), import('../share/codec.ts'), import('../share/format.ts'),
  ]);
  const target = await openUrl(o.url, o.connectTimeoutMs).catch((e) => e as Error);
  if (target instanceof Error) return fail(target);
  let capture;
  try {
    capture = await captureRepro(target.db, o.sql, { redact: o.redact });
  } catch (e) {
    const err = e as Error & { code?: string; position?: string };
    if (e instanceof PackError) return fail(new CliError(err.message));
    if (err.code) return fail(new CliError(`EXPLAIN failed: ${err.message}`, (err as { hint?: string }).hint));
    return fail(e);
  } finally {
    await target.close();
  }
  const { pack, relations } = capture;
  const out = sharePack(pack);
  await io.err(`pglab: captured ${relations.length} relation${relations.length === 1 ? '' : 's'} (${relations.join(', ')}), ${pack.stats!.attributes.length} column statistics, ${pack.settings.length} settings from ${pack.source}\n`);
  for (const n of pack.notes) await io.err(`pglab: note: ${n}\n`);
  if (pack.redacted.length) await io.err(`pglab: sample values redacted for ${pack.redacted.map((c) => `${c.schema}.${c.relation}.${c.column}`).join(', ')}\n`);
  const file = o.output ?? (out.fitsLink ? undefined : 'repro.pglab');
  if (file) {
    try {
      await writeFile(file, out.fileText);
    } catch (e) {
      return fail(new CliError(`cannot write ${file}: ${(e as Error).message}`));
    }
    if (!o.output) await io.err(`pglab: the link would be ${out.fragment.length.toLocaleString('en-US')} characters (over ${LINK_LIMIT.toLocaleString('en-US')}): wrote ${file} instead; open it in pglab with "Open .pglab file"\n`);
    await io.out(`${file}\n`);
  } else {
    await io.out(`${o.app}${out.fragment}\n`);
  }
  if (!o.check) return 0;

  const [{ createEngine }, { replayPack }] = await Promise.all([import('../db/engine.ts'), import('../share/replay.ts')]);
  const db = await createEngine();
  try {
    const r = await replayPack(db, pack);
    for (const w of r.warnings) await io.err(`pglab: warning: ${w}\n`);
    if (!r.ok) return fail(new CliError(`--check: the pack did not run in PGlite: ${r.error}`));
    if (r.comparison?.sameShape) {
      await io.err('pglab: --check: PGlite plans the same shape as the server\n');
      return 0;
    }
    await io.err(`pglab: --check: PGlite plans another shape:\n${(r.comparison?.changes ?? []).map((c) => `  ${c}\n`).join('')}`);
    return 1;
  } finally {
    await db.close().catch(() => undefined);
  }
}
