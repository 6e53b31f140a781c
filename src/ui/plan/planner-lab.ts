// The planner lab: planner settings to try on a kept query, the SQL that tries them without
// touching the user's session (SET LOCAL inside a transaction or savepoint that is rolled back),
// and a line per changed setting on what it does and what it did to this plan.
import { comparePlans, describeMetric } from '../../analysis/plan/compare.ts';
import type { Plan, PlanNode } from '../../analysis/plan/types.ts';

export const LAB_TOGGLES = ['enable_seqscan', 'enable_indexscan', 'enable_bitmapscan', 'enable_hashjoin', 'enable_mergejoin', 'enable_nestloop'] as const;
export type LabToggle = (typeof LAB_TOGGLES)[number];
export type LabSettingName = LabToggle | 'random_page_cost' | 'work_mem';

export type LabSettings = Record<LabToggle, boolean> & { random_page_cost: string; work_mem: string };

/** PostgreSQL's defaults (the lab starts from the session's own values when it can read them). */
export const LAB_DEFAULTS: LabSettings = {
  enable_seqscan: true, enable_indexscan: true, enable_bitmapscan: true,
  enable_hashjoin: true, enable_mergejoin: true, enable_nestloop: true,
  random_page_cost: '4', work_mem: '4MB',
};

/** What each setting does, in one line. */
export const SETTING_WHAT: Record<LabSettingName, string> = {
  enable_seqscan: 'sequential scans get a prohibitive penalty, so the planner reads through an index wherever one can answer the query',
  enable_indexscan: 'index scans and index-only scans are avoided, leaving bitmap and sequential scans',
  enable_bitmapscan: 'bitmap scans (collect the matching row locations from an index, then read the table in physical order) are avoided',
  enable_hashjoin: 'hash joins (build a hash table from one input, probe it with the other) are avoided',
  enable_mergejoin: 'merge joins (both inputs sorted on the join key, then walked together) are avoided',
  enable_nestloop: 'nested loops (scan the inner input once per outer row) are avoided unless nothing else can do the join',
  random_page_cost: 'the estimated cost of reading a page out of order, against 1 for a sequential page (default 4; about 1.1 suits SSDs and cached data): lower makes index scans look cheaper',
  work_mem: 'the memory each sort or hash may use before spilling to temporary files: more lets sorts stay in memory and hashes run in one batch',
};

/** The node types a toggle is about. */
export const TOGGLE_NODES: Record<LabToggle, string[]> = {
  enable_seqscan: ['Seq Scan'],
  enable_indexscan: ['Index Scan', 'Index Only Scan'],
  enable_bitmapscan: ['Bitmap Heap Scan'],
  enable_hashjoin: ['Hash Join'],
  enable_mergejoin: ['Merge Join'],
  enable_nestloop: ['Nested Loop'],
};

export const LAB_SETTING_NAMES: LabSettingName[] = [...LAB_TOGGLES, 'random_page_cost', 'work_mem'];

/** The SQL that reads the session's current values, one column per setting. */
export const READ_SETTINGS_SQL = `select ${LAB_SETTING_NAMES.map((n) => `current_setting('${n}') as ${n}`).join(', ')}`;

/** Settings from READ_SETTINGS_SQL's row (text values). */
export function settingsFromRow(row: Record<string, unknown>): LabSettings {
  const s: LabSettings = { ...LAB_DEFAULTS };
  for (const t of LAB_TOGGLES) if (row[t] !== undefined) s[t] = String(row[t]) === 'on';
  if (row.random_page_cost !== undefined) s.random_page_cost = String(row.random_page_cost);
  if (row.work_mem !== undefined) s.work_mem = String(row.work_mem);
  return s;
}

export interface SettingChange {
  name: LabSettingName;
  from: string;
  to: string;
}

const show = (v: boolean | string) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : v.trim());

export function changedSettings(base: LabSettings, next: LabSettings): SettingChange[] {
  const out: SettingChange[] = [];
  for (const name of LAB_SETTING_NAMES) {
    const a = show(base[name]);
    const b = show(next[name]);
    if (name === 'random_page_cost' ? Number(a) !== Number(b) : a.replace(/\s+/g, '') !== b.replace(/\s+/g, '')) out.push({ name, from: a, to: b });
  }
  return out;
}

const WORK_MEM = /^\s*(\d+)\s*(kB|MB|GB)?\s*$/;

/** Why the values cannot be used, or null. Only numbers and sizes get through, never SQL. */
export function validateLab(s: LabSettings): string | null {
  const rpc = Number(s.random_page_cost);
  if (s.random_page_cost.trim() === '' || !Number.isFinite(rpc) || rpc < 0) return 'random_page_cost must be a number of 0 or more (4 is the default, about 1.1 suits SSDs).';
  const m = WORK_MEM.exec(s.work_mem);
  if (!m) return 'work_mem must be a size such as 4MB, 64MB or 512kB.';
  const kb = Number(m[1]) * (m[2] === 'GB' ? 1024 * 1024 : m[2] === 'MB' ? 1024 : 1);
  if (kb < 64 || kb > 2 * 1024 * 1024) return 'work_mem must be between 64kB and 2GB.';
  return null;
}

/** `SET LOCAL` for each change: valid for the transaction (or until the savepoint is rolled back). */
export function setLocalStatements(changes: SettingChange[]): string[] {
  return changes.map((c) => {
    const v = c.name === 'random_page_cost' ? String(Number(c.to)) : c.name === 'work_mem' ? c.to.replace(/\s+/g, '') : c.to;
    return `SET LOCAL ${c.name} = '${v}'`;
  });
}

/** The statements around the lab's EXPLAINs: a transaction, or a savepoint inside the user's. */
export function labBrackets(inTransaction: boolean): { open: string[]; close: string[] } {
  return inTransaction
    ? { open: ['SAVEPOINT pglab_lab'], close: ['ROLLBACK TO SAVEPOINT pglab_lab', 'RELEASE SAVEPOINT pglab_lab'] }
    : { open: ['BEGIN'], close: ['ROLLBACK'] };
}

function count(plan: Plan, types: string[]): number {
  let n = 0;
  const rec = (x: PlanNode) => {
    if (types.includes(x.nodeType)) n++;
    x.children.forEach(rec);
  };
  rec(plan.root);
  return n;
}

function sortsOnDisk(plan: Plan): number {
  return plan.nodes.filter((n) => n.sortSpaceType === 'Disk' || /external/i.test(n.sortMethod ?? '')).length;
}

function hashBatches(plan: Plan): number {
  return plan.nodes.reduce((m, n) => Math.max(m, n.hashBatches ?? 1, n.hashAggBatches ?? 1), 1);
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export interface LabReason {
  name: LabSettingName;
  change: string;
  text: string;
}

/** One line per changed setting: what the setting does, and what it did to this plan. */
export function labReasons(changes: SettingChange[], before: Plan, after: Plan): LabReason[] {
  const cmp = comparePlans(before, after);
  const scanChanges = cmp.changes.filter((c) => c.kind === 'scan').map((c) => c.text);
  const joinChange = cmp.changes.find((c) => c.kind === 'join_method')?.text;
  return changes.map((c) => {
    const change = `${c.name}: ${c.from} → ${c.to}`;
    let effect: string;
    if ((LAB_TOGGLES as readonly string[]).includes(c.name)) {
      const t = c.name as LabToggle;
      const kinds = TOGGLE_NODES[t];
      const what = kinds.join(' / ');
      const nb = count(before, kinds);
      const na = count(after, kinds);
      const off = c.to === 'off';
      if (off) {
        if (nb === 0) effect = `the plan had no ${what}, so there was nothing to replace.`;
        else if (na === 0) effect = `the plan's ${plural(nb, what)} ${nb === 1 ? 'was' : 'were'} replaced${t.endsWith('join') || t === 'enable_nestloop' ? (joinChange ? ` (${joinChange})` : '') : scanChanges.length ? ` (${scanChanges.join('; ')})` : ''}.`;
        else effect = `still ${plural(na, what)}: no other way to run ${na === 1 ? 'it' : 'them'} was found, so the planner kept ${na === 1 ? 'it' : 'them'} (shown as disabled).`;
        effect = `Off, ${SETTING_WHAT[t]}; here ${effect}`;
      } else {
        effect = `On again, ${kinds.join(' / ')} ${kinds.length > 1 ? 'are' : 'is'} allowed; here the plan has ${plural(na, what)} (before: ${nb}).`;
      }
    } else if (c.name === 'random_page_cost') {
      const idx = ['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan'];
      const ib = count(before, idx);
      const ia = count(after, idx);
      const dir = Number(c.to) < Number(c.from) ? 'cheaper' : 'dearer';
      effect = `It is ${SETTING_WHAT.random_page_cost}. Here index reads look ${dir}: ${ib === ia ? `still ${plural(ia, 'index or bitmap scan')}` : `${ib} → ${ia} index or bitmap scans`}${scanChanges.length ? ` (${scanChanges.join('; ')})` : ''}.`;
    } else {
      const db = sortsOnDisk(before);
      const da = sortsOnDisk(after);
      const hb = hashBatches(before);
      const ha = hashBatches(after);
      const parts: string[] = [];
      if (db || da) parts.push(`sorts on disk ${db} → ${da}`);
      if (hb > 1 || ha > 1) parts.push(`hash batches ${hb} → ${ha}`);
      if (!after.analyzed && !parts.length) parts.push('spills show only when the query is executed (tick ANALYZE)');
      if (!parts.length) parts.push('nothing here spilled before or after');
      effect = `It is ${SETTING_WHAT.work_mem}. Here ${parts.join(', ')}.`;
    }
    return { name: c.name, change, text: effect };
  });
}

/** `Total cost 2,041.5 → 87.48 (-96%)`. */
export function costLine(before: Plan, after: Plan): string {
  const m = comparePlans(before, after).metrics.find((x) => x.key === 'totalCost')!;
  return `Total cost ${describeMetric(m)}`;
}
