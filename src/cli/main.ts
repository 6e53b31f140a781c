// `pglab`: the analysis modules on a real PostgreSQL server (node-postgres) or on an in-memory
// PGlite loaded from a SQL script. The findings are exactly the app's, in JSON, Markdown or text.
//
// Exit status: 0 when it ran (findings are not errors), 1 when --fail-on is given and a finding
// reaches that severity, 2 on a usage, connection or database error (one line on stderr).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Finding, Report, Severity } from '../analysis/finding.ts';
import { CliError, URL_PATTERN, openScript, openUrl, type Target } from './target.ts';
import { findingsMarkdown, findingsText, planText, summaryLine, toJson, type OutputFormat } from './render.ts';
import { MIGRATION_COMMANDS, MIGRATIONS_USAGE, migrationsMain } from './migrations.ts';
import { percent } from '../analysis/percent.ts';

export const COMMANDS = ['inspect', 'indexes', 'lint', 'queries', 'explain', 'check'] as const;
export type Command = (typeof COMMANDS)[number];

export const USAGE = `pglab — PostgreSQL schema, index, query and plan analysis (the checks of the pglab app)

Usage:
  pglab <command> [TARGET] [options]
  pglab explain "<sql>" [TARGET] [--analyze] [options]
  pglab repro URL "<sql>" [-o FILE.pglab] [--redact T.COL] [--check]   (pglab repro --help)

Commands:
  inspect     Document the schema: tables, columns, constraints, indexes, views, functions, …
  indexes     Index analyzer: unused, duplicate, redundant, invalid indexes, unindexed foreign keys, …
  lint        Schema linter: missing primary keys, json, timestamp, serial, EAV, 1NF/2NF/3NF, …
  queries     Query analyzer from pg_stat_statements: slow, variable, spilling, cold statements
  explain     EXPLAIN a statement and diagnose the plan (--analyze executes it; writes are rolled back)
  check       indexes + lint + queries together
  repro       a link or .pglab file that reproduces the server's plan of a query in the browser

Target (one of):
  postgresql://user:pass@host:port/db   as the first argument after the command, or --url URL,
                                        or the DATABASE_URL environment variable
  --load FILE.sql                       run the script in an in-memory PGlite and analyze that

Options:
  -o, --output text|markdown|json   output format (default: text; inspect prints Markdown as text)
      --fail-on warning|error       exit 1 when a finding has at least this severity
      --schema NAME                 inspect / lint: only this schema
      --table NAME                  inspect: only this table (name or schema.name)
      --limit N                     queries / check: statements per top list (default 10)
      --analyze                     explain: run EXPLAIN ANALYZE (with BUFFERS)
      --connect-timeout SECONDS     server connection timeout (default 10)
  -h, --help                        this help
  -v, --version                     the version

Exit status: 0 ran, 1 a finding reached --fail-on, 2 usage, connection or database error.
JSON is { "findings": [{ check, severity, object, message, why, fix }], "facts": { … } }.
`;

export interface CliIo {
  out(text: string): Promise<void>;
  err(text: string): Promise<void>;
  env: Record<string, string | undefined>;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

export const processIo: CliIo = {
  out: (t) => write(process.stdout, t),
  err: (t) => write(process.stderr, t),
  env: process.env,
};

interface Options {
  command: Command;
  sql?: string;
  url?: string;
  load?: string;
  output: OutputFormat;
  failOn?: Severity;
  schema?: string;
  table?: string;
  limit?: number;
  analyze: boolean;
  connectTimeoutMs: number;
}

const HELP_HINT = 'Run pglab --help for usage.';

function usageError(message: string): CliError {
  return new CliError(message, HELP_HINT);
}

/** Parses argv (without node and the script); null for --help / --version, which print and exit 0. */
export function parseCli(argv: string[], env: Record<string, string | undefined>): Options | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        load: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'fail-on': { type: 'string' },
        schema: { type: 'string' },
        table: { type: 'string' },
        limit: { type: 'string' },
        analyze: { type: 'boolean' },
        'connect-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    // node:util's messages are already precise ("Unknown option '--foo'", "Option '--url <value>' argument missing").
    throw usageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values: v, positionals } = parsed;
  if (v.help) return 'help';
  if (v.version) return 'version';
  if (!positionals.length) throw usageError('missing command (inspect, indexes, lint, queries, explain or check)');
  const command = positionals[0];
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw usageError(`unknown command '${command}' (expected one of ${COMMANDS.join(', ')})`);
  }
  const rest = positionals.slice(1);
  const urls = rest.filter((p) => URL_PATTERN.test(p));
  const others = rest.filter((p) => !URL_PATTERN.test(p));
  let sql: string | undefined;
  if (command === 'explain') {
    if (others.length === 0) throw usageError('explain needs the statement to explain, e.g. pglab explain "select * from t where a = 1" URL');
    if (others.length > 1) throw usageError(`explain takes one statement (quote it); unexpected argument '${others[1]}'`);
    sql = others[0];
  } else if (others.length) {
    throw usageError(`unexpected argument '${others[0]}' (a target is a postgresql:// URL or --load FILE.sql)`);
  }
  if (urls.length > 1 || (urls.length && v.url)) throw usageError('give one target URL');
  let url = urls[0] ?? v.url;
  if (v.url !== undefined && !URL_PATTERN.test(v.url)) throw usageError(`--url must be a postgresql:// URL, got '${v.url}'`);
  if (url && v.load) throw usageError('give either a URL or --load FILE.sql, not both');
  if (!url && !v.load) {
    const fromEnv = env.DATABASE_URL;
    if (fromEnv) url = fromEnv;
    else throw usageError('no target: give a postgresql:// URL (or set DATABASE_URL), or --load FILE.sql');
  }

  const defaultOutput: OutputFormat = command === 'inspect' ? 'markdown' : 'text';
  const output = (v.output ?? defaultOutput) as OutputFormat;
  if (!['text', 'markdown', 'json'].includes(output)) throw usageError(`--output must be text, markdown or json, got '${v.output}'`);
  const failOn = v['fail-on'];
  if (failOn !== undefined && !['warning', 'error'].includes(failOn)) throw usageError(`--fail-on must be warning or error, got '${failOn}'`);
  let limit: number | undefined;
  if (v.limit !== undefined) {
    limit = Number(v.limit);
    if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a positive whole number, got '${v.limit}'`);
  }
  let connectTimeoutMs = 10_000;
  if (v['connect-timeout'] !== undefined) {
    const s = Number(v['connect-timeout']);
    if (!Number.isFinite(s) || s <= 0) throw usageError(`--connect-timeout must be a positive number of seconds, got '${v['connect-timeout']}'`);
    connectTimeoutMs = Math.round(s * 1000);
  }
  const onlyFor = (flag: string, allowed: Command[]) => {
    if (!allowed.includes(command as Command)) throw usageError(`${flag} applies to ${allowed.join(' and ')} only`);
  };
  if (v.table !== undefined) onlyFor('--table', ['inspect']);
  if (v.schema !== undefined) onlyFor('--schema', ['inspect', 'lint']);
  if (v.analyze) onlyFor('--analyze', ['explain']);
  if (v.limit !== undefined) onlyFor('--limit', ['queries', 'check']);
  return {
    command: command as Command,
    sql,
    url,
    load: v.load,
    output,
    failOn: failOn as Severity | undefined,
    schema: v.schema,
    table: v.table,
    limit,
    analyze: !!v.analyze,
    connectTimeoutMs,
  };
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A database error while analyzing, as one line. */
function databaseError(e: unknown): CliError {
  const err = e as Error & { code?: string; hint?: string };
  if (err.code === '42501') return new CliError(`permission denied: ${err.message}`, 'The analyzers read the system catalogs and statistics views; connect as the owner of the objects, or a role with pg_read_all_stats.');
  if (err.code === '57P01' || err.code === '57P03' || /Connection terminated|ECONNRESET/i.test(err.message)) return new CliError(`the server closed the connection: ${err.message}`);
  return new CliError(err.code ? `database error ${err.code}: ${err.message}` : err.message, err.hint);
}

interface Outcome {
  report: Report<unknown>;
  /** Text / Markdown rendering of the facts, printed before the findings. */
  factsText?: string;
  /** Markdown document replacing the findings rendering (inspect). */
  document?: string;
  /** Printed to stderr after the report, with exit status 2 (queries without pg_stat_statements). */
  fatal?: CliError;
  notes: string[];
}

async function runCommand(o: Options, target: Target): Promise<Outcome> {
  const db = target.db;
  const notes: string[] = [];
  switch (o.command) {
    case 'inspect': {
      const { inspectSchema, inspectorMarkdown } = await import('../analysis/inspector.ts');
      const facts = await inspectSchema(db, { schema: o.schema, table: o.table });
      if (o.table && !facts.tables.length) throw new CliError(`table ${o.table} not found${o.schema ? ` in schema ${o.schema}` : ''}`);
      if (o.schema && !facts.schemas.length) throw new CliError(`schema ${o.schema} not found`);
      return { report: { findings: [], facts }, document: inspectorMarkdown(facts), notes };
    }
    case 'indexes': {
      const { analyzeIndexes } = await import('../analysis/index-analyzer.ts');
      const r = await analyzeIndexes(db);
      const f = r.facts;
      const pct = (x: number | null) => (x === null ? 'n/a' : percent(x));
      return {
        report: r,
        factsText: `${f.indexCount} indexes; usage counted ${f.statsSince.text}; cache hit ratio: tables ${pct(f.cacheHitRatios.table)}, indexes ${pct(f.cacheHitRatios.index)}`,
        notes,
      };
    }
    case 'lint': {
      const { lintSchema } = await import('../analysis/schema-linter.ts');
      const r = await lintSchema(db, { schema: o.schema });
      if (o.schema && !r.facts.schemas.includes(o.schema)) throw new CliError(`schema ${o.schema} not found`);
      return { report: r, factsText: `${r.facts.tables.length} tables in ${r.facts.schemas.length} schema${r.facts.schemas.length === 1 ? '' : 's'} linted`, notes };
    }
    case 'queries': {
      const { analyzeQueries } = await import('../analysis/query-analyzer.ts');
      const r = await analyzeQueries(db, { limit: o.limit });
      if (!r.facts.available) {
        return {
          report: r,
          fatal: new CliError(
            `pg_stat_statements is not available: ${r.facts.unavailableReason}`,
            "Enable it: shared_preload_libraries = 'pg_stat_statements' in postgresql.conf, restart the server, then CREATE EXTENSION pg_stat_statements; in this database.",
          ),
          notes,
        };
      }
      return { report: r, factsText: queriesFacts(r.facts), notes };
    }
    case 'check': {
      const [{ analyzeIndexes }, { lintSchema }, { analyzeQueries }, { sortFindings }] = await Promise.all([
        import('../analysis/index-analyzer.ts'),
        import('../analysis/schema-linter.ts'),
        import('../analysis/query-analyzer.ts'),
        import('../analysis/util.ts'),
      ]);
      const indexes = await analyzeIndexes(db);
      const lint = await lintSchema(db);
      const queries = await analyzeQueries(db, { limit: o.limit });
      if (!queries.facts.available) notes.push(`note: query checks skipped, pg_stat_statements is not available: ${queries.facts.unavailableReason}`);
      const findings = sortFindings([...indexes.findings, ...lint.findings, ...queries.findings]);
      return {
        report: { findings, facts: { indexes: indexes.facts, lint: lint.facts, queries: queries.facts } },
        factsText: `indexes: ${indexes.findings.length} findings; lint: ${lint.findings.length} findings over ${lint.facts.tables.length} tables; queries: ${queries.facts.available ? `${queries.findings.length} findings over ${queries.facts.statementCount} statements` : 'pg_stat_statements not available'}`,
        notes,
      };
    }
    case 'explain': {
      const { explainQuery } = await import('../analysis/plan/explain.ts');
      let r;
      try {
        r = await explainQuery(db, o.sql!, { analyze: o.analyze });
      } catch (e) {
        const err = e as Error & { code?: string };
        if (err.code) throw new CliError(`EXPLAIN failed: ${err.message}`, (err as { hint?: string }).hint);
        throw new CliError(`EXPLAIN failed: ${err.message}`);
      }
      const { findings, ...facts } = r;
      if (r.rolledBack) notes.push('note: the statement writes; it ran inside a transaction that was rolled back.');
      const head = [
        `${facts.plan.analyzed ? 'EXPLAIN ANALYZE' : 'EXPLAIN'} ${facts.sql.replace(/\s+/g, ' ')}`,
        planText(facts.plan.root, findings).trimEnd(),
        facts.plan.planningTime !== undefined ? `Planning time: ${facts.plan.planningTime} ms` : '',
        facts.plan.executionTime !== undefined ? `Execution time: ${facts.plan.executionTime} ms` : '',
      ].filter(Boolean);
      return { report: { findings, facts }, factsText: head.join('\n'), notes };
    }
  }
}

function queriesFacts(f: import('../analysis/query-analyzer.ts').QueryAnalyzerFacts): string {
  const lines = [`${f.statementCount} statements, ${f.totalExecMs.toFixed(1)} ms in total${f.statsSince ? ` since ${f.statsSince}` : ''}`];
  if (f.topByTotalTime.length) {
    lines.push('Top statements by total time:');
    for (const s of f.topByTotalTime.slice(0, 5)) {
      const q = s.query.replace(/\s+/g, ' ').trim();
      lines.push(`  ${s.totalMs.toFixed(1).padStart(9)} ms  ${String(s.calls).padStart(6)} calls  ${s.meanMs.toFixed(2).padStart(8)} ms/call  ${q.length > 60 ? q.slice(0, 57) + '…' : q}`);
    }
  }
  return lines.join('\n');
}

function render(o: Options, target: Target, out: Outcome): string {
  if (o.output === 'json') return toJson(out.report);
  const findings = out.report.findings as Finding[];
  if (out.document) return out.document.endsWith('\n') ? out.document : out.document + '\n';
  if (o.output === 'markdown') {
    const parts = [`# pglab ${o.command} — ${target.label}`, ''];
    if (out.factsText) parts.push(o.command === 'explain' ? '```\n' + out.factsText + '\n```' : out.factsText, '');
    parts.push(`**${summaryLine(findings)}**`, '', findingsMarkdown(findings));
    return parts.join('\n').replace(/\n+$/, '\n');
  }
  const parts = [`pglab ${o.command} on ${target.label}`];
  if (out.factsText) parts.push(out.factsText);
  parts.push(summaryLine(findings), '');
  return parts.join('\n') + (findings.length ? '\n' + findingsText(findings) : '');
}

/** Runs the CLI; resolves with the exit status. Never throws. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const fail = async (e: CliError) => {
    await io.err(`pglab: ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}`);
    return 2;
  };
  // repro has its own options and output (src/cli/repro.ts).
  if (argv[0] === 'repro') return (await import('./repro.ts')).runRepro(argv.slice(1), io);
  if (MIGRATION_COMMANDS.includes(argv[0])) return migrationsMain(argv, io);
  if (argv[0] === 'lessons') return (await import('./lessons.ts')).lessonsMain(argv.slice(1), io);
  let opts: Options;
  try {
    const parsed = parseCli(argv, io.env);
    if (parsed === 'help') {
      await io.out(`${USAGE}\n${MIGRATIONS_USAGE}\n${(await import('./lessons.ts')).LESSONS_USAGE}`);
      return 0;
    }
    if (parsed === 'version') {
      await io.out(`pglab ${version()}\n`);
      return 0;
    }
    opts = parsed;
  } catch (e) {
    return fail(e instanceof CliError ? e : new CliError(String((e as Error).message ?? e)));
  }

  let target: Target | undefined;
  try {
    target = opts.load
      ? await openScript(opts.load, (line) => void io.err(`pglab: ${line}\n`))
      : await openUrl(opts.url!, opts.connectTimeoutMs);
    const outcome = await runCommand(opts, target);
    await io.out(render(opts, target, outcome));
    for (const n of outcome.notes) await io.err(`pglab: ${n}\n`);
    if (outcome.fatal) return await fail(outcome.fatal);
    const findings = outcome.report.findings as Finding[];
    if (opts.failOn && findings.some((f) => RANK[f.severity] >= RANK[opts.failOn!])) return 1;
    return 0;
  } catch (e) {
    if (io.env.PGLAB_DEBUG) await io.err(`${(e as Error).stack ?? e}\n`);
    return fail(e instanceof CliError ? e : databaseError(e));
  } finally {
    await target?.close();
  }
}
