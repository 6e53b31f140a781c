// A playground repro as a share pack: the statement under the cursor is the question, the
// script before it is the set-up (as the user wrote it: generate_series stays a generator), the
// session's plan settings that differ from the server's defaults are carried, and the plan is
// this database's plain EXPLAIN of the query (plain: nothing is executed).
import type { Queryable } from '../db/types.ts';
import { splitScript, statementAt } from '../db/splitter.ts';
import { explainSql } from './replay.ts';
import { LIMITS, makePack, PLAN_SETTINGS, PackError, type PackSetting, type SharePack } from './format.ts';
import { loadedRows, ROWS_BUDGET } from './loaded-rows.ts';

/** `EXPLAIN (…) q` or `EXPLAIN ANALYZE q` → `q`: the pack holds the query, the receiver explains it. */
export function stripExplain(sql: string): string {
  let s = sql.trim().replace(/;\s*$/, '');
  const m = /^explain\b\s*/i.exec(s);
  if (!m) return s;
  s = s.slice(m[0].length);
  if (s.startsWith('(')) {
    const close = s.indexOf(')');
    if (close > 0) s = s.slice(close + 1);
  } else {
    s = s.replace(/^((analyze|analyse|verbose)\b\s*)+/i, '');
  }
  return s.trim();
}

/** Plan settings the session changed (SET), by current value. */
export async function sessionSettings(db: Queryable): Promise<PackSetting[]> {
  const { rows } = await db.query<{ name: string; value: string }>(
    "select name, current_setting(name) as value from pg_settings where source = 'session' and name = any($1::text[]) order by name",
    [[...PLAN_SETTINGS]],
  );
  return rows;
}

export async function packFromScript(db: Queryable, doc: string, cursor: number): Promise<SharePack> {
  const pieces = await splitScript(doc);
  const piece = statementAt(pieces, cursor) ?? [...pieces].reverse().find((p) => p.kind === 'sql');
  if (!piece || piece.kind !== 'sql' || !piece.text.trim()) {
    throw new PackError('Put the cursor in the statement whose plan you want to share (the script before it is the set-up).', 'empty');
  }
  const query = stripExplain(piece.text);
  const notes: string[] = [];
  let plan: unknown = null;
  try {
    const { rows } = await db.query<Record<string, unknown>>(explainSql(query));
    plan = rows[0]?.['QUERY PLAN'] ?? null;
    if (typeof plan === 'string') plan = JSON.parse(plan);
  } catch (e) {
    notes.push(`The sender's database could not explain the query: ${(e as Error).message}`);
  }
  // Rows the script does not make (\copy from a file, a CSV import, a dump) are carried after it
  // while they fit, and named when they do not (loaded-rows.ts).
  let setup = doc.slice(0, piece.from).trim() + '\n';
  const room = Math.min(ROWS_BUDGET, LIMITS.setupChars - setup.length - 4096);
  const loaded = await loadedRows(db, setup, query, Math.max(0, room)).catch((e) => {
    notes.push(`Whether the tables' rows come from the script could not be checked: ${(e as Error).message}`);
    return null;
  });
  if (loaded) setup = loaded.setup;
  if (loaded) notes.push(...loaded.notes);
  return makePack({
    kind: 'script', source: 'pglab playground', setup, settings: await sessionSettings(db),
    query, plan, stats: null, redacted: [], notes,
  });
}
