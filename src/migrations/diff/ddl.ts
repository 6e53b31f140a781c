// The DDL that turns one schema model into another, in dependency order: dependents that change
// are dropped first (policies, triggers, views, constraints, indexes), then types, sequences,
// functions and tables are created or altered, then constraints, indexes, views, triggers,
// policies, comments and privileges are recreated, and finally what is gone is dropped.
import type { Finding } from '../../analysis/finding.ts';
import { quoteIdent, splitQualified, type Column, type IdentityOptions, type SchemaModel, type Table, type View } from './inspect.ts';

export type Rename = { kind: 'table'; from: string; to: string } | { kind: 'column'; table: string; from: string; to: string };

export interface DiffResult {
  statements: string[];
  /** What the upgrade loses or may lose, and renames it could do instead of drop + add. */
  findings: Finding[];
  /** Drop + add pairs that look like renames; pass the ones you accept back in `renames`. */
  proposals: Rename[];
}

export interface DiffOptions {
  /** Renames the user accepted (from `proposals`): done as RENAME, keeping the data. */
  renames?: Rename[];
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const qn = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
const byKey = <T>(xs: T[], key: (x: T) => string) => new Map(xs.map((x) => [key(x), x]));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const STORAGE: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', m: 'MAIN', x: 'EXTENDED' };
const COMPRESSION: Record<string, string> = { p: 'pglz', l: 'lz4' };
const INT_RANGE: Record<string, [string, string]> = { smallint: ['-32768', '32767'], integer: ['-2147483648', '2147483647'], bigint: ['-9223372036854775808', '9223372036854775807'] };

/** An identity sequence's options that differ from what GENERATED … AS IDENTITY gives by default. */
function identityClauses(o: IdentityOptions): string[] {
  const [lo, hi] = INT_RANGE[o.type] ?? INT_RANGE.bigint;
  const asc = !o.increment.startsWith('-');
  const out: string[] = [];
  if (o.increment !== '1') out.push(`INCREMENT BY ${o.increment}`);
  if (o.min !== (asc ? '1' : lo)) out.push(`MINVALUE ${o.min}`);
  if (o.max !== (asc ? hi : '-1')) out.push(`MAXVALUE ${o.max}`);
  if (o.start !== (asc ? o.min : o.max)) out.push(`START WITH ${o.start}`);
  if (o.cache !== '1') out.push(`CACHE ${o.cache}`);
  if (o.cycle) out.push('CYCLE');
  return out;
}

/** ALTER COLUMN … SET … for an identity whose sequence options change (the type follows the column's). */
function identityAlter(o: IdentityOptions, n: IdentityOptions): string[] {
  const out: string[] = [];
  if (o.increment !== n.increment) out.push(`SET INCREMENT BY ${n.increment}`);
  if (o.min !== n.min) out.push(`SET MINVALUE ${n.min}`);
  if (o.max !== n.max) out.push(`SET MAXVALUE ${n.max}`);
  if (o.start !== n.start) out.push(`SET START WITH ${n.start}`);
  if (o.cache !== n.cache) out.push(`SET CACHE ${n.cache}`);
  if (o.cycle !== n.cycle) out.push(n.cycle ? 'SET CYCLE' : 'SET NO CYCLE');
  return out;
}

function columnSql(c: Column): string {
  let s = `${quoteIdent(c.name)} ${c.type}`;
  if (c.storage) s += ` STORAGE ${STORAGE[c.storage]}`;
  if (c.compression) s += ` COMPRESSION ${COMPRESSION[c.compression]}`;
  if (c.collation) s += ` COLLATE ${c.collation}`;
  if (c.generated) s += ` GENERATED ALWAYS AS (${c.default}) ${c.generated === 's' ? 'STORED' : 'VIRTUAL'}`;
  else if (c.default !== null) s += ` DEFAULT ${c.default}`;
  if (c.identity) s += ` ${identitySql(c)}`;
  if (c.notNull) s += ' NOT NULL';
  return s;
}

function identitySql(c: Column): string {
  const opts = c.identityOptions ? identityClauses(c.identityOptions) : [];
  return `GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${opts.length ? ` (${opts.join(' ')})` : ''}`;
}

/**
 * ALTER COLUMN clauses that bring a column's storage, compression and statistics target from
 * `have` to `want`. `have` is what the column holds at that point: after a type change the
 * storage and compression are the new type's defaults (PostgreSQL resets them), the target stays.
 */
function columnSettings(have: Pick<Column, 'storage' | 'compression' | 'statistics'>, want: Column): string[] {
  const col = quoteIdent(want.name);
  const out: string[] = [];
  if (have.storage !== want.storage) out.push(`ALTER COLUMN ${col} SET STORAGE ${want.storage ? STORAGE[want.storage] : 'DEFAULT'}`);
  if (have.compression !== want.compression) out.push(`ALTER COLUMN ${col} SET COMPRESSION ${want.compression ? COMPRESSION[want.compression] : 'DEFAULT'}`);
  if (have.statistics !== want.statistics) out.push(`ALTER COLUMN ${col} SET STATISTICS ${want.statistics ?? 'DEFAULT'}`);
  return out;
}

function createTable(t: Table): string {
  const by = t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : '';
  const wth = t.options.length ? ` WITH (${t.options.join(', ')})` : '';
  if (t.partitionOf) return `CREATE ${t.unlogged ? 'UNLOGGED ' : ''}TABLE ${t.qualified} PARTITION OF ${t.partitionOf.parent} ${t.partitionOf.bound}${by}${wth}`;
  // A child lists only its own columns: the inherited ones come from INHERITS.
  const own = t.columns.filter((c) => !c.inherited);
  return `CREATE ${t.unlogged ? 'UNLOGGED ' : ''}TABLE ${t.qualified} (\n${own.map((c) => `  ${columnSql(c)}`).join(',\n')}\n)${t.inherits.length ? ` INHERITS (${t.inherits.join(', ')})` : ''}${by}${wth}`;
}

/** Tables in an order where each comes after its partition parent and its INHERITS parents. */
function tableOrder(tables: Table[]): Table[] {
  const map = new Map(tables.map((t) => [t.qualified, t]));
  const out: Table[] = [];
  const seen = new Set<string>();
  const visit = (t: Table) => {
    if (seen.has(t.qualified)) return;
    seen.add(t.qualified);
    for (const p of [...(t.partitionOf ? [t.partitionOf.parent] : []), ...t.inherits]) if (map.has(p)) visit(map.get(p)!);
    out.push(t);
  };
  tables.forEach(visit);
  return out;
}

/** Type changes that keep every value (integer widening, longer or unlimited text). */
function widening(from: string, to: string): boolean {
  const ints = ['smallint', 'integer', 'bigint'];
  if (ints.includes(from) && ints.includes(to)) return ints.indexOf(to) >= ints.indexOf(from);
  const vc = (t: string) => /^character varying(?:\((\d+)\))?$/.exec(t);
  const f = vc(from);
  if (f && (to === 'text' || (vc(to) && (!vc(to)![1] || (f[1] && Number(vc(to)![1]) >= Number(f[1])))))) return true;
  if (from === 'character varying' && to === 'text') return true;
  const num = (t: string) => /^numeric(?:\((\d+),(\d+)\))?$/.exec(t);
  const nf = num(from), nt = num(to);
  if (nf && nt) return !nt[1] || (!!nf[1] && Number(nt[2]) >= Number(nf[2]) && Number(nt[1]) - Number(nt[2]) >= Number(nf[1]) - Number(nf[2]));
  return from === to;
}

/** Views in an order where each comes after what it reads. */
function viewOrder(views: View[]): View[] {
  const map = byKey(views, (v) => v.qualified);
  const out: View[] = [];
  const seen = new Set<string>();
  const visit = (v: View) => {
    if (seen.has(v.qualified)) return;
    seen.add(v.qualified);
    for (const d of v.dependsOn) if (map.has(d)) visit(map.get(d)!);
    out.push(v);
  };
  views.forEach(visit);
  return out;
}

const POLICY_CMD: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };

/** What the diff cannot write DDL for: said, naming the object, never guessed. */
function unsupportedFinding(object: Finding['object'], message: string, why: string): Finding {
  return { check: 'diff_unsupported', severity: 'error', object, message, why };
}

function loss(check: string, severity: Finding['severity'], object: Finding['object'], message: string, why: string, fix?: string): Finding {
  return { check, severity, object, message, why, ...(fix ? { fix } : {}) };
}

/** Drop + add pairs that look like renames. */
export function proposeRenames(from: SchemaModel, to: SchemaModel): Rename[] {
  const out: Rename[] = [];
  const fromT = byKey(from.tables, (t) => t.qualified);
  const toT = byKey(to.tables, (t) => t.qualified);
  // Same column types, and at least half the column names in common.
  const sig = (t: Table) => JSON.stringify(t.columns.map((c) => c.type).sort());
  const alike = (a: Table, b: Table) => {
    const names = new Set(a.columns.map((c) => c.name));
    return sig(a) === sig(b) && b.columns.filter((c) => names.has(c.name)).length * 2 >= b.columns.length;
  };
  const gone = from.tables.filter((t) => !toT.has(t.qualified));
  const added = to.tables.filter((t) => !fromT.has(t.qualified));
  for (const g of gone) {
    const match = added.filter((a) => alike(a, g) && a.schema === g.schema);
    if (match.length === 1) out.push({ kind: 'table', from: g.qualified, to: match[0].qualified });
  }
  for (const t of from.tables) {
    const u = toT.get(t.qualified);
    if (!u) continue;
    const names = new Set(u.columns.map((c) => c.name));
    const oldNames = new Set(t.columns.map((c) => c.name));
    const dropped = t.columns.filter((c) => !names.has(c.name));
    const addedCols = u.columns.filter((c) => !oldNames.has(c.name));
    for (const d of dropped) {
      const m = addedCols.filter((a) => a.type === d.type);
      if (m.length === 1 && dropped.filter((x) => x.type === d.type).length === 1) out.push({ kind: 'column', table: t.qualified, from: d.name, to: m[0].name });
    }
  }
  return out;
}

/** The from-model as it is after the accepted renames ran. */
function applyRenames(m: SchemaModel, renames: Rename[]): SchemaModel {
  const c: SchemaModel = JSON.parse(JSON.stringify(m));
  for (const r of renames) {
    if (r.kind === 'table') {
      const t = c.tables.find((x) => x.qualified === r.from);
      if (!t) throw new Error(`rename: no table ${r.from}`);
      const [, name] = splitQualified(r.to);
      t.name = name;
      t.qualified = r.to;
      for (const x of [...c.constraints, ...c.indexes, ...c.triggers, ...c.policies]) if (x.table === r.from) x.table = r.to;
      for (const g of c.grants) if (g.object === r.from) g.object = r.to;
      const esc = r.from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      for (const cm of c.comments) cm.target = cm.target.replace(new RegExp(`^(TABLE|COLUMN) ${esc}(?=$|\\.)`), `$1 ${r.to}`).replace(new RegExp(`^((?:POLICY|TRIGGER|CONSTRAINT) .+ ON) ${esc}$`), `$1 ${r.to}`);
    } else {
      const t = c.tables.find((x) => x.qualified === r.table);
      const col = t?.columns.find((x) => x.name === r.from);
      if (!col) throw new Error(`rename: no column ${r.from} in ${r.table}`);
      col.name = r.to;
      for (const g of c.grants) if (g.object === r.table && g.column === r.from) g.column = r.to;
      for (const cm of c.comments) if (cm.target === `COLUMN ${r.table}.${quoteIdent(r.from)}`) cm.target = `COLUMN ${r.table}.${quoteIdent(r.to)}`;
    }
  }
  return c;
}

export function diffModels(source: SchemaModel, to: SchemaModel, opts: DiffOptions = {}): DiffResult {
  const renames = opts.renames ?? [];
  // A copy: the enum rebuild below notes the converted columns in it.
  const from = applyRenames(source, renames);
  const out: string[] = [];
  const findings: Finding[] = [];
  const emit = (s: string) => out.push(s);

  // --- what changes, computed up front -------------------------------------------------
  const fT = byKey(from.tables, (t) => t.qualified), tT = byKey(to.tables, (t) => t.qualified);
  const fV = byKey(from.views, (v) => v.qualified), tV = byKey(to.views, (v) => v.qualified);
  const fE = byKey(from.enums, (e) => qn(e.schema, e.name)), tE = byKey(to.enums, (e) => qn(e.schema, e.name));
  /** Tables whose columns change type, generation or go away: views over them are rebuilt. */
  const reshaped = new Set<string>();
  for (const t of to.tables) {
    const f = fT.get(t.qualified);
    if (!f) continue;
    const tc = byKey(t.columns, (c) => c.name);
    for (const c of f.columns) {
      const n = tc.get(c.name);
      if (!n || n.type !== c.type || n.generated !== c.generated || n.collation !== c.collation) reshaped.add(t.qualified);
    }
  }
  for (const t of from.tables) if (!tT.has(t.qualified)) reshaped.add(t.qualified);
  // A table that becomes partitioned, stops being, or gets a new key is rebuilt: renamed away, created
  // anew with its partitions, the rows copied through it, the old one dropped. Only a table outside
  // any inheritance whose old partitions all go (their names are then free); otherwise reported.
  const rebuiltTables = new Set(to.tables.filter((t) => {
    const f = fT.get(t.qualified);
    if (!f || (f.kind === t.kind && f.partitionKey === t.partitionKey)) return false;
    const inTree = (m: SchemaModel, x: Table) => !!x.partitionOf || x.inherits.length > 0 || m.tables.some((y) => y.inherits.includes(x.qualified));
    const oldParts = from.tables.filter((x) => x.partitionOf?.parent === t.qualified);
    return !inTree(from, f) && !inTree(to, t) && oldParts.every((x) => !tT.has(x.qualified) && !from.tables.some((y) => y.partitionOf?.parent === x.qualified));
  }).map((t) => t.qualified));
  for (const k of rebuiltTables) reshaped.add(k);
  /** The table a foreign key's definition references, quoted and qualified. */
  const referenced = (def: string) => {
    const m = /REFERENCES ((?:"(?:[^"]|"")+"|[^\s(."]+)(?:\.(?:"(?:[^"]|"")+"|[^\s(."]+))?)\(/.exec(def);
    if (!m) return null;
    const parts = splitQualified(m[1]);
    return parts.length === 1 ? qn('public', parts[0]) : qn(parts[0], parts[1]);
  };
  /** Constraints on a rebuilt table, and foreign keys to one, are dropped before and added after. */
  const conRebuilt = (c: { table: string; type: string; def: string }) => rebuiltTables.has(c.table) || (c.type === 'f' && rebuiltTables.has(referenced(c.def) ?? ''));
  // Enums whose labels are removed or reordered are recreated, and so are the columns using them.
  const recreatedEnums = new Set<string>();
  for (const [k, e] of fE) {
    const n = tE.get(k);
    if (!n || same(n.labels, e.labels)) continue;
    const keptOrder = e.labels.every((l) => n.labels.includes(l)) && e.labels.map((l) => n.labels.indexOf(l)).every((x, i, a) => i === 0 || x > a[i - 1]);
    const renamedOnly = n.labels.length === e.labels.length && n.labels.filter((l, i) => l !== e.labels[i]).length >= 1 && !n.labels.some((l, i) => l !== e.labels[i] && e.labels.includes(l));
    if (!keptOrder && !renamedOnly) recreatedEnums.add(k);
  }
  const enumTypeNames = (k: string) => {
    const [s, n] = splitQualified(k);
    return new Set([k, quoteIdent(n), `${quoteIdent(s)}.${quoteIdent(n)}`, n]);
  };
  const enumColumns = (k: string) => {
    const names = enumTypeNames(k);
    return from.tables.flatMap((t) => t.columns.filter((c) => names.has(c.type.replace(/\[\]$/, ''))).map((c) => ({ table: t, col: c })));
  };
  for (const k of recreatedEnums) for (const { table } of enumColumns(k)) reshaped.add(table.qualified);
  // Domains whose base type or collation changes are rebuilt (ALTER DOMAIN cannot): a new domain,
  // the columns converted to it, the old one dropped and the new one renamed. Only when nothing
  // but table columns uses it: another domain, a composite, a range or a routine signature would
  // have to follow, and is reported instead.
  const fDom = byKey(from.domains, (d) => qn(d.schema, d.name));
  const domainUsers = (k: string) => {
    const names = enumTypeNames(k);
    const uses = (type: string) => names.has(type.replace(/\[\]$/, ''));
    const [, n] = splitQualified(k);
    const word = new RegExp(`(^|[^\\w"])("?${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?)($|[^\\w"])`);
    return [...from.domains.filter((d) => uses(d.base)).map((d) => `domain ${qn(d.schema, d.name)}`),
      ...from.composites.filter((c) => c.attrs.some((a) => uses(a.type))).map((c) => `type ${qn(c.schema, c.name)}`),
      ...from.ranges.filter((r) => word.test(r.def)).map((r) => `range ${qn(r.schema, r.name)}`),
      ...from.functions.filter((f) => word.test(f.def.slice(0, Math.max(0, f.def.indexOf('\n LANGUAGE')) || f.def.length))).map((f) => `function ${f.key}`),
      ...from.aggregates.filter((a) => word.test(a.def)).map((a) => `aggregate ${a.key}`)];
  };
  const rebuiltDomains = new Set(to.domains.map((d) => qn(d.schema, d.name)).filter((k) => {
    const f = fDom.get(k), d = to.domains.find((x) => qn(x.schema, x.name) === k)!;
    return f && (f.base !== d.base || f.collation !== d.collation) && domainUsers(k).length === 0;
  }));
  for (const k of rebuiltDomains) for (const { table } of enumColumns(k)) reshaped.add(table.qualified);

  const viewChanged = (v: View) => {
    const n = tV.get(v.qualified);
    return !n || n.def !== v.def || n.materialized !== v.materialized || !same(n.options, v.options);
  };
  // Functions whose signature (arguments, their names and defaults, result, kind) changes cannot
  // be replaced in place: they are dropped and created, with the views that call them.
  const header = (def: string) => def.slice(0, Math.max(0, def.indexOf('\n LANGUAGE')) || def.length);
  const fFn = byKey(from.functions, (f) => f.key);
  const recreatedFunctions = new Set(to.functions.filter((f) => {
    const o = fFn.get(f.key);
    return o && (o.kind !== f.kind || header(o.def).replace(/^CREATE OR REPLACE (FUNCTION|PROCEDURE)/, '') !== header(f.def).replace(/^CREATE OR REPLACE (FUNCTION|PROCEDURE)/, ''));
  }).map((f) => f.key));
  // A function whose argument names or OUT parameters change keeps its input types: the new one
  // would replace it in place, which PostgreSQL refuses, so the old one goes first.
  const toKeys = new Set(to.functions.map((f) => f.key));
  for (const f of from.functions) {
    if (!toKeys.has(f.key) && to.functions.some((t) => t.schema === f.schema && t.name === f.name && t.types === f.types)) recreatedFunctions.add(f.key);
  }
  for (const k of recreatedFunctions) {
    const o = fFn.get(k)!;
    if (o.usedBy.length) findings.push(unsupportedFinding({ function: k }, `function ${k} changes its signature and must be dropped and created, but ${o.usedBy.join(', ')} entries use it`,
      'PostgreSQL cannot change a function\'s result type, argument names or defaults in place, and cannot drop it while a default, check, index, policy or trigger calls it. Drop those users in the migration, recreate the function, then recreate them.'));
  }
  // Views to drop: changed or gone, or reading (transitively) a reshaped table or a dropped view.
  const dropViews = new Set<string>();
  // Aggregates whose definition changes are dropped and created (with the views calling them),
  // and so is one over a support function that is recreated.
  const fA = byKey(from.aggregates, (a) => a.key), tA = byKey(to.aggregates, (a) => a.key);
  const recreatedAggregates = new Set(from.aggregates.filter((a) => tA.has(a.key) && (tA.get(a.key)!.def !== a.def
    || [...recreatedFunctions].some((k) => a.def.includes(`= ${k.slice(0, k.indexOf('('))}`)))).map((a) => a.key));
  const routineKept = (k: string) => (to.functions.some((f) => f.key === k) && !recreatedFunctions.has(k)) || (tA.has(k) && !recreatedAggregates.has(k));
  let grew = true;
  for (const v of from.views) if (viewChanged(v) || v.functions.some((k) => !routineKept(k))) dropViews.add(v.qualified);
  while (grew) {
    grew = false;
    for (const v of from.views) {
      if (dropViews.has(v.qualified)) continue;
      if (v.dependsOn.some((d) => reshaped.has(d) || dropViews.has(d))) {
        dropViews.add(v.qualified);
        grew = true;
      }
    }
  }
  const recreated = new Set([...dropViews].filter((v) => tV.has(v)));

  /** Types dropped and created again (their comments and privileges are set again). */
  const rebuiltTypes = new Set<string>(recreatedEnums);
  /** `table column` of columns added or dropped and added: they start with no privileges. */
  const freshColumns = new Set<string>();

  // --- 0. accepted renames (everything after uses the new names), schemas, extensions -----
  for (const r of renames) {
    if (r.kind === 'table') emit(`ALTER TABLE ${r.from} RENAME TO ${quoteIdent(splitQualified(r.to)[1])}`);
    else emit(`ALTER TABLE ${r.table} RENAME COLUMN ${quoteIdent(r.from)} TO ${quoteIdent(r.to)}`);
  }
  for (const s of to.schemas) if (!from.schemas.includes(s)) emit(`CREATE SCHEMA ${quoteIdent(s)}`);
  const fX = byKey(from.extensions, (x) => x.name);
  for (const x of to.extensions) if (!fX.has(x.name)) emit(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(x.name)} WITH SCHEMA ${quoteIdent(x.schema)}`);

  // --- 1. drop dependents that change or go ----------------------------------------------
  const tPol = byKey(to.policies, (p) => `${p.table} ${p.name}`);
  // Policies and triggers on a table whose columns change type are rebuilt: a column they read
  // cannot change type under them.
  const policyRebuilt = (p: { table: string; name: string }) => !same(tPol.get(`${p.table} ${p.name}`), fPolAll.get(`${p.table} ${p.name}`)) || reshaped.has(p.table);
  const fPolAll = byKey(from.policies, (p) => `${p.table} ${p.name}`);
  for (const p of from.policies) if (policyRebuilt(p) && fT.has(p.table)) emit(`DROP POLICY IF EXISTS ${quoteIdent(p.name)} ON ${p.table}`);
  const tTrg = byKey(to.triggers, (t) => `${t.table} ${t.name}`);
  const fTrgAll = byKey(from.triggers, (t) => `${t.table} ${t.name}`);
  const triggerRebuilt = (t: { table: string; name: string }) => fTrgAll.get(`${t.table} ${t.name}`)?.def !== tTrg.get(`${t.table} ${t.name}`)?.def || recreated.has(t.table) || reshaped.has(t.table);
  for (const t of from.triggers) if (triggerRebuilt(t) && (fT.has(t.table) || fV.has(t.table))) emit(`DROP TRIGGER IF EXISTS ${quoteIdent(t.name)} ON ${t.table}`);
  // Identity goes before sequences are created: a serial's new sequence may take its sequence's name.
  for (const t of to.tables) {
    const f = fT.get(t.qualified);
    if (!f) continue;
    for (const o of f.columns) {
      const c = t.columns.find((x) => x.name === o.name);
      if (c && o.identity && !c.identity && !c.inherited) emit(`ALTER TABLE ${t.qualified} ALTER COLUMN ${quoteIdent(c.name)} DROP IDENTITY`);
    }
  }
  for (const v of [...viewOrder(from.views)].reverse()) if (dropViews.has(v.qualified)) emit(`DROP ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} IF EXISTS ${v.qualified}`);
  const tCon = byKey(to.constraints, (c) => `${c.table} ${c.name}`);
  const conChanged = (c: { table: string; name: string; type: string; def: string }) => tCon.get(`${c.table} ${c.name}`)?.def !== c.def || conRebuilt(c);
  for (const c of [...from.constraints].sort((a, b) => (a.type === 'f' ? 0 : 1) - (b.type === 'f' ? 0 : 1))) {
    if (conChanged(c) && fT.has(c.table)) emit(`ALTER TABLE ${c.table} DROP CONSTRAINT IF EXISTS ${quoteIdent(c.name)}`);
  }
  const tIdx = byKey(to.indexes, (i) => qn(i.schema, i.name));
  for (const i of from.indexes) if ((tIdx.get(qn(i.schema, i.name))?.def !== i.def || rebuiltTables.has(i.table)) && !dropViews.has(i.table)) emit(`DROP INDEX IF EXISTS ${qn(i.schema, i.name)}`);
  // After the views that call them are gone.
  // Operators and casts that change are dropped and created (after the functions they call).
  const fOp = byKey(from.operators, (o) => o.key), tOp = byKey(to.operators, (o) => o.key);
  const fCast = byKey(from.casts, (c) => c.key), tCast = byKey(to.casts, (c) => c.key);
  const recreatedOperators = from.operators.filter((o) => tOp.has(o.key) && tOp.get(o.key)!.def !== o.def).map((o) => o.key);
  const recreatedCasts = from.casts.filter((c) => tCast.has(c.key) && tCast.get(c.key)!.def !== c.def).map((c) => c.key);
  for (const k of recreatedCasts) emit(`DROP CAST IF EXISTS ${k}`);
  for (const k of recreatedAggregates) emit(`DROP AGGREGATE IF EXISTS ${k}`);
  for (const k of recreatedOperators) emit(`DROP OPERATOR IF EXISTS ${k}`);
  for (const k of recreatedFunctions) emit(`DROP ${fFn.get(k)!.kind === 'p' ? 'PROCEDURE' : 'FUNCTION'} IF EXISTS ${k}`);

  // --- 2. types ----------------------------------------------------------------------------
  for (const [k, e] of tE) {
    const f = fE.get(k);
    if (!f) {
      emit(`CREATE TYPE ${k} AS ENUM (${e.labels.map(lit).join(', ')})`);
      continue;
    }
    if (same(f.labels, e.labels)) continue;
    if (recreatedEnums.has(k)) {
      const removed = f.labels.filter((l) => !e.labels.includes(l));
      if (removed.length) findings.push(loss('diff_enum_value_removed', 'warning', { schema: e.schema }, `enum ${k} loses value${removed.length > 1 ? 's' : ''} ${removed.map(lit).join(', ')}`, 'An enum value cannot be dropped: the type is recreated and every column using it is converted through text, which fails if a row still holds a removed value. Move those rows to another value first.'));
      const old = qn(e.schema, `${e.name}__pglab_old`);
      emit(`ALTER TYPE ${k} RENAME TO ${quoteIdent(`${e.name}__pglab_old`)}`);
      emit(`CREATE TYPE ${k} AS ENUM (${e.labels.map(lit).join(', ')})`);
      for (const { table, col } of enumColumns(k)) {
        if (!tT.has(table.qualified)) continue;
        const arr = col.type.endsWith('[]') ? '[]' : '';
        if (col.default !== null) emit(`ALTER TABLE ${table.qualified} ALTER COLUMN ${quoteIdent(col.name)} DROP DEFAULT`);
        emit(`ALTER TABLE ${table.qualified} ALTER COLUMN ${quoteIdent(col.name)} TYPE ${k}${arr} USING ${quoteIdent(col.name)}::text${arr}::${k}${arr}`);
        col.type = `${k}${arr}`;
        col.default = col.default === null ? null : '\u0000dropped';
      }
      emit(`DROP TYPE ${old}`);
      continue;
    }
    if (f.labels.length === e.labels.length && !e.labels.some((l, i) => l !== f.labels[i] && f.labels.includes(l))) {
      e.labels.forEach((l, i) => {
        if (l !== f.labels[i]) emit(`ALTER TYPE ${k} RENAME VALUE ${lit(f.labels[i])} TO ${lit(l)}`);
      });
      continue;
    }
    // Only additions, order kept: ADD VALUE each in place.
    e.labels.forEach((l, i) => {
      if (f.labels.includes(l)) return;
      const after = e.labels.slice(0, i).reverse().find((x) => f.labels.includes(x) || e.labels.indexOf(x) < i);
      emit(`ALTER TYPE ${k} ADD VALUE ${lit(l)}${after !== undefined ? ` AFTER ${lit(after)}` : e.labels.length > 1 ? ` BEFORE ${lit(e.labels[1])}` : ''}`);
    });
  }
  // Domains change in place (ALTER DOMAIN), so columns using them stay; a new base type or
  // collation cannot be altered and is reported.
  const fD = byKey(from.domains, (d) => qn(d.schema, d.name));
  const notValid = (def: string) => /\bNOT VALID$/.test(def);
  for (const d of to.domains) {
    const k = qn(d.schema, d.name);
    const f = fD.get(k);
    if (f && f.def === d.def && same(f.checks, d.checks)) continue;
    if (!f) {
      emit(`CREATE DOMAIN ${k} AS ${d.base}${d.collation ? ` COLLATE ${d.collation}` : ''}${d.default !== null ? ` DEFAULT ${d.default}` : ''}${d.notNull ? ' NOT NULL' : ''}${d.checks.filter((c) => !notValid(c.def)).map((c) => ` CONSTRAINT ${quoteIdent(c.name)} ${c.def}`).join('')}`);
      for (const c of d.checks.filter((c) => notValid(c.def))) emit(`ALTER DOMAIN ${k} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
      continue;
    }
    if (rebuiltDomains.has(k)) {
      const tmpName = `${d.name}__pglab_new`, tmp = qn(d.schema, tmpName);
      emit(`CREATE DOMAIN ${tmp} AS ${d.base}${d.collation ? ` COLLATE ${d.collation}` : ''}${d.default !== null ? ` DEFAULT ${d.default}` : ''}${d.notNull ? ' NOT NULL' : ''}${d.checks.filter((c) => !notValid(c.def)).map((c) => ` CONSTRAINT ${quoteIdent(c.name)} ${c.def}`).join('')}`);
      const users = enumColumns(k).filter(({ table }) => tT.has(table.qualified));
      if (users.length) {
        const check = users.map(({ table, col }) => `SELECT ${lit(table.qualified)} AS "table", ${lit(col.name)} AS "column", ${quoteIdent(col.name)}::text AS value FROM ${table.qualified} WHERE NOT pg_input_is_valid(${quoteIdent(col.name)}::text, ${lit(`${d.base}${col.type.endsWith('[]') ? '[]' : ''}`)})`).join(' UNION ALL ');
        findings.push(loss('diff_domain_rebuild', 'warning', { schema: d.schema, table: users[0].table.name, columns: users.map(({ col }) => col.name) },
          `domain ${k} changes its base type (${f.base} → ${d.base}): it is rebuilt and ${users.map(({ table, col }) => `${table.qualified}.${quoteIdent(col.name)}`).join(', ')} converted`,
          'ALTER DOMAIN cannot change a base type, so the migration creates the new domain, converts every column to it (rewriting those tables under an ACCESS EXCLUSIVE lock) and drops the old one. The conversion fails on values the new base type does not hold (the migration then changes nothing): the fix lists them.',
          `${check};`));
      }
      for (const { table, col } of users) {
        const arr = col.type.endsWith('[]') ? '[]' : '';
        const c = quoteIdent(col.name);
        if (col.default !== null) emit(`ALTER TABLE ${table.qualified} ALTER COLUMN ${c} DROP DEFAULT`);
        // Within one type (a new length or precision) the assignment cast errors on a value that does
        // not fit, where an explicit USING cast would truncate a string: leave USING out there.
        const retypmod = f.base.replace(/\(.*\)$/, '') === d.base.replace(/\(.*\)$/, '');
        emit(`ALTER TABLE ${table.qualified} ALTER COLUMN ${c} TYPE ${tmp}${arr}${retypmod ? '' : ` USING ${c}::${tmp}${arr}`}`);
        // The column now has the target's type (named as the target names it) and no default.
        col.type = tT.get(table.qualified)?.columns.find((x) => x.name === col.name)?.type ?? `${k}${arr}`;
        col.default = col.default === null ? null : '\u0000dropped';
      }
      emit(`DROP DOMAIN ${k}`);
      emit(`ALTER DOMAIN ${tmp} RENAME TO ${quoteIdent(d.name)}`);
      for (const c of d.checks.filter((c) => notValid(c.def))) emit(`ALTER DOMAIN ${k} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
      rebuiltTypes.add(k);
      continue;
    }
    if (f.base !== d.base || f.collation !== d.collation) {
      findings.push(unsupportedFinding({ schema: d.schema }, `domain ${k} changes its base type or collation (${f.base} → ${d.base}), and ${domainUsers(k).join(', ')} use it`,
        'ALTER DOMAIN cannot change the base type, and the objects using it would have to be rebuilt with it: create a new domain, convert them to it, and drop the old one, in a migration written by hand.'));
      continue;
    }
    if (f.default !== d.default) emit(`ALTER DOMAIN ${k} ${d.default !== null ? `SET DEFAULT ${d.default}` : 'DROP DEFAULT'}`);
    if (f.notNull !== d.notNull) emit(`ALTER DOMAIN ${k} ${d.notNull ? 'SET' : 'DROP'} NOT NULL`);
    const tc = byKey(d.checks, (c) => c.name);
    const fc = byKey(f.checks, (c) => c.name);
    for (const c of f.checks) {
      const n = tc.get(c.name);
      if (n && n.def === c.def) continue;
      // NOT VALID → valid is VALIDATE, not a rebuild.
      if (n && notValid(c.def) && c.def.replace(/ NOT VALID$/, '') === n.def) continue;
      emit(`ALTER DOMAIN ${k} DROP CONSTRAINT ${quoteIdent(c.name)}`);
    }
    for (const c of d.checks) {
      const o = fc.get(c.name);
      if (o && o.def === c.def) continue;
      if (o && notValid(o.def) && o.def.replace(/ NOT VALID$/, '') === c.def) emit(`ALTER DOMAIN ${k} VALIDATE CONSTRAINT ${quoteIdent(c.name)}`);
      else emit(`ALTER DOMAIN ${k} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
    }
  }
  // Composite types change in place too (ALTER TYPE … ADD / DROP / ALTER ATTRIBUTE).
  const fC = byKey(from.composites, (d) => qn(d.schema, d.name));
  for (const d of to.composites) {
    const k = qn(d.schema, d.name);
    const f = fC.get(k);
    if (f && f.attributes === d.attributes) continue;
    if (!f) {
      emit(`CREATE TYPE ${k} AS (${d.attributes})`);
      continue;
    }
    const ta = byKey(d.attrs, (a) => a.name), fa = byKey(f.attrs, (a) => a.name);
    const acts: string[] = [];
    for (const a of f.attrs) if (!ta.has(a.name)) acts.push(`DROP ATTRIBUTE ${quoteIdent(a.name)}`);
    for (const a of d.attrs) {
      const o = fa.get(a.name);
      if (!o) acts.push(`ADD ATTRIBUTE ${quoteIdent(a.name)} ${a.type}`);
      else if (o.type !== a.type) acts.push(`ALTER ATTRIBUTE ${quoteIdent(a.name)} TYPE ${a.type}`);
    }
    const kept = f.attrs.filter((a) => ta.has(a.name)).map((a) => a.name);
    const wanted = d.attrs.filter((a) => fa.has(a.name)).map((a) => a.name);
    if (!same(kept, wanted)) {
      findings.push(unsupportedFinding({ schema: d.schema }, `composite type ${k} reorders its attributes`, 'ALTER TYPE cannot move an attribute: rebuild the type by hand.'));
      continue;
    }
    if (acts.length) emit(`ALTER TYPE ${k} ${acts.join(', ')}`);
  }
  // Range types: created with their options; a changed one is rebuilt only when nothing uses it.
  const fR = byKey(from.ranges, (r) => qn(r.schema, r.name));
  const tR = byKey(to.ranges, (r) => qn(r.schema, r.name));
  const rangeUsed = (k: string) => from.tables.some((t) => t.columns.some((c) => c.type.replace(/\[\]$/, '') === k || k.endsWith(`.${c.type.replace(/\[\]$/, '')}`)));
  for (const r of to.ranges) {
    const k = qn(r.schema, r.name);
    const f = fR.get(k);
    if (f && f.def === r.def) continue;
    if (f) {
      if (rangeUsed(k)) {
        findings.push(unsupportedFinding({ schema: r.schema }, `range type ${k} changes (${f.def} → ${r.def}) while columns use it`, 'A range type cannot be altered: create a new one, convert the columns, drop the old one, by hand.'));
        continue;
      }
      emit(`DROP TYPE ${k}`);
      rebuiltTypes.add(k);
    }
    emit(`CREATE TYPE ${k} AS RANGE (${r.def})`);
  }

  // --- 3. sequences --------------------------------------------------------------------------
  const fS = byKey(from.sequences, (s) => qn(s.schema, s.name));
  for (const s of to.sequences) {
    const k = qn(s.schema, s.name);
    const f = fS.get(k);
    const opts = `AS ${s.type} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} START WITH ${s.start} CACHE ${s.cache} ${s.cycle ? 'CYCLE' : 'NO CYCLE'}`;
    if (!f) emit(`CREATE ${s.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${k} ${opts}`);
    else if (!same({ ...f, ownedBy: null, unlogged: null }, { ...s, ownedBy: null, unlogged: null })) {
      // New bounds are checked against the current value: restart inside them (and say so).
      const bounds = f.min !== s.min || f.max !== s.max || f.type !== s.type;
      if (bounds) findings.push(loss('diff_sequence_restart', 'warning', { schema: s.schema, sequence: s.name }, `sequence ${k} gets new bounds and restarts at ${s.start}`,
        'PostgreSQL checks the current value against new bounds, so the generated DDL restarts the sequence at its START value. If it feeds a key column already holding higher values, set it past them afterwards with setval().'));
      emit(`ALTER SEQUENCE ${k} ${opts}${bounds ? ` RESTART WITH ${s.start}` : ''}`);
    }
    // Before the tables: ALTER TABLE SET [UN]LOGGED below carries the sequences it owns along.
    if (f && !f.unlogged !== !s.unlogged) emit(`ALTER SEQUENCE ${k} SET ${s.unlogged ? 'UNLOGGED' : 'LOGGED'}`);
  }

  // --- 4. functions that tables may use (bodies checked later) ------------------------------
  const fF = byKey(from.functions, (f) => f.key);
  const newTables = new Set(to.tables.filter((t) => !fT.has(t.qualified)).map((t) => t.qualified));
  // A signature naming a table or view that is created here waits for it (written qualified, or
  // bare when its schema is on the search path).
  const relNames = [...newTables, ...to.views.filter((v) => !fV.has(v.qualified) || dropViews.has(v.qualified)).map((v) => v.qualified)].flatMap((t) => {
    const [sch, name] = splitQualified(t);
    return sch === 'public' ? [t, quoteIdent(name)] : [t];
  });
  const mentions = (text: string, name: string) => new RegExp(`(^|[^\\w."])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w"])`).test(text);
  const late = (def: string) => /\bBEGIN ATOMIC\b/i.test(def) || relNames.some((t) => mentions(header(def), t));
  const changedFunctions = to.functions.filter((f) => fF.get(f.key)?.def !== f.def);
  if (changedFunctions.length) emit('SET check_function_bodies = off');
  for (const f of changedFunctions) if (!late(f.def)) emit(f.def.trim());
  // Operators before the aggregates (a SORTOP), casts last; an operator's COMMUTATOR not made yet becomes a shell its own CREATE fills.
  for (const o of to.operators) if (!fOp.has(o.key) || recreatedOperators.includes(o.key)) emit(o.def);
  for (const a of to.aggregates) if (!fA.has(a.key) || recreatedAggregates.has(a.key)) emit(a.def);
  for (const c of to.casts) if (!fCast.has(c.key) || recreatedCasts.includes(c.key)) emit(c.def);

  // --- 5. tables ---------------------------------------------------------------------------
  const ordered = tableOrder(to.tables);
  for (const t of ordered) {
    const f = fT.get(t.qualified);
    const parentColumn = (name: string) => [...(t.partitionOf ? [t.partitionOf.parent] : []), ...t.inherits].map((p) => tT.get(p)?.columns.find((x) => x.name === name)).find((x) => x);
    // Per-table column settings go through ONLY: a partition or child states its own.
    const alterOnly = (what: string[]) => what.forEach((w) => emit(`ALTER TABLE ONLY ${t.qualified} ${w}`));
    /** A column as ADD COLUMN or CREATE TABLE leaves it: inherited ones copy the parent's storage and compression. */
    const asCreated = (c: Column) => {
      const pc = c.inherited ? parentColumn(c.name) : undefined;
      return pc ? { storage: pc.storage, compression: pc.compression } : { storage: c.storage, compression: c.compression };
    };
    if (f && rebuiltTables.has(t.qualified)) {
      findings.push(loss('diff_table_rebuild', 'warning', { schema: t.schema, table: t.name }, `table ${t.qualified} changes its partitioning (${f.partitionKey ?? 'not partitioned'} → ${t.partitionKey ?? 'not partitioned'}): it is rebuilt and its rows copied`,
        'A table cannot be partitioned, unpartitioned or given a new key in place: the migration renames it away, creates the new one with its partitions, copies every row (a row no new partition accepts fails the revision, which then changes nothing) and drops the old one, holding an ACCESS EXCLUSIVE lock throughout. The fix shows how much is copied.',
        `SELECT count(*) AS rows, pg_size_pretty(pg_total_relation_size(${lit(t.qualified)})) AS size FROM ${t.qualified};`));
      emit(`ALTER TABLE ${t.qualified} RENAME TO ${quoteIdent(`${t.name}__pglab_old`)}`);
    }
    if (!f || rebuiltTables.has(t.qualified)) {
      emit(createTable(t));
      for (const c of t.columns) {
        alterOnly(columnSettings(asCreated(c), c));
        freshColumns.add(`${t.qualified} ${c.name}`);
      }
      continue;
    }
    const alter = (what: string) => emit(`ALTER TABLE ${t.qualified} ${what}`);
    if (f.kind !== t.kind || f.partitionKey !== t.partitionKey) {
      findings.push(unsupportedFinding({ schema: t.schema, table: t.name }, `table ${t.qualified} changes its partitioning (${f.partitionKey ?? 'not partitioned'} → ${t.partitionKey ?? 'not partitioned'})`,
        'A table cannot be partitioned, unpartitioned or given a new partition key in place: create the new table, move the rows, and swap the names, in a migration written by hand.'));
    }
    // Partition membership: detach from the old parent (or old bounds), attach to the new.
    const fp = f.partitionOf, tp = t.partitionOf;
    if (fp && (!tp || fp.parent !== tp.parent || fp.bound !== tp.bound)) emit(`ALTER TABLE ${fp.parent} DETACH PARTITION ${t.qualified}`);
    if (tp && (!fp || fp.parent !== tp.parent || fp.bound !== tp.bound)) emit(`ALTER TABLE ${tp.parent} ATTACH PARTITION ${t.qualified} ${tp.bound}`);
    // INHERITS parents.
    for (const p of f.inherits) if (!t.inherits.includes(p)) alter(`NO INHERIT ${p}`);
    for (const p of t.inherits) if (!f.inherits.includes(p)) alter(`INHERIT ${p}`);
    if (f.unlogged !== t.unlogged) alter(`SET ${t.unlogged ? 'UNLOGGED' : 'LOGGED'}`);
    if (!same(f.options, t.options)) {
      const key = (o: string) => o.slice(0, o.indexOf('='));
      const gone = f.options.filter((o) => !t.options.some((n) => key(n) === key(o))).map(key);
      if (gone.length) alter(`RESET (${gone.join(', ')})`);
      if (t.options.length) alter(`SET (${t.options.join(', ')})`);
    }
    const fc = byKey(f.columns, (c) => c.name);
    const tc = byKey(t.columns, (c) => c.name);
    // A partition's (and a child's) inherited columns come and go with the parent's; only what
    // it keeps locally (a default, NOT NULL) is altered here.
    const ownChange = (c: Column) => !c.inherited || !(t.partitionOf || t.inherits.length);
    const parentHas = (name: string) => [...(t.partitionOf ? [t.partitionOf.parent] : []), ...t.inherits].some((p) => {
      const pt = tT.get(p), pf = fT.get(p);
      return (pt && pt.columns.some((c) => c.name === name)) || (pf && pf.columns.some((c) => c.name === name));
    });
    // Generated columns read other columns, whose types may change here: those are added last,
    // and existing ones are rebuilt around the type changes.
    const typeChanges = t.columns.some((c) => fc.has(c.name) && (fc.get(c.name)!.type !== c.type || fc.get(c.name)!.collation !== c.collation));
    const rebuilt = typeChanges ? t.columns.filter((c) => c.generated && fc.get(c.name)?.generated) : [];
    // Columns that go away first: a generated one among them may read a column changing type.
    for (const c of f.columns) {
      if (tc.has(c.name)) continue;
      if (c.inherited && parentHas(c.name)) continue;
      findings.push(loss('diff_drop_column', 'warning', { schema: t.schema, table: t.name, columns: [c.name] }, `column ${c.name} is dropped from ${t.qualified}: its data is lost`,
        'The generated upgrade drops the column, and its values with it; the downgrade can bring the column back but not the data. If it was renamed, accept the proposed rename instead.'));
      alter(`DROP COLUMN ${quoteIdent(c.name)}`);
    }
    for (const c of rebuilt) alter(`DROP COLUMN ${quoteIdent(c.name)}`);
    for (const c of t.columns) if (!fc.has(c.name) && !c.generated && !(c.inherited && parentHas(c.name))) alter(`ADD COLUMN ${columnSql(c)}`);
    for (const c of t.columns) {
      const o = fc.get(c.name);
      if (!o || rebuilt.includes(c)) continue;
      const col = quoteIdent(c.name);
      const typeChanged = o.type !== c.type || o.collation !== c.collation;
      // A type change (here or recursing from the parent) resets storage and compression to the new type's.
      const parentRetyped = c.inherited && [...(t.partitionOf ? [t.partitionOf.parent] : []), ...t.inherits].some((p) => {
        const a = fT.get(p)?.columns.find((x) => x.name === c.name), b = tT.get(p)?.columns.find((x) => x.name === c.name);
        return a && b && (a.type !== b.type || a.collation !== b.collation);
      });
      const settings = () => alterOnly(columnSettings(typeChanged || parentRetyped ? { statistics: o.statistics } : o, c));
      if (!ownChange(c) || (o.inherited && parentHas(c.name))) {
        settings();
        // Inherited: the type, generation and identity follow the parent; a local default may differ.
        const pDefault = [...(t.partitionOf ? [t.partitionOf.parent] : []), ...t.inherits].map((p) => tT.get(p)?.columns.find((x) => x.name === c.name)?.default ?? null)[0] ?? null;
        if (!c.generated && o.default !== c.default && c.default !== pDefault) alter(`ALTER COLUMN ${col} ${c.default !== null ? `SET DEFAULT ${c.default}` : 'DROP DEFAULT'}`);
        else if (!c.generated && o.default !== c.default && c.default === null) alter(`ALTER COLUMN ${col} DROP DEFAULT`);
        continue;
      }
      const genChanged = o.generated !== c.generated || (c.generated && o.default !== c.default);
      if (genChanged && (!o.generated || !c.generated || o.generated !== c.generated)) {
        if (o.generated && !c.generated && c.generated === '' && o.generated === 's') alter(`ALTER COLUMN ${col} DROP EXPRESSION`);
        else {
          // Plain ↔ generated: the column is recreated (its values are computed, or were).
          alter(`DROP COLUMN ${col}`);
          alter(`ADD COLUMN ${columnSql(c)}`);
          freshColumns.add(`${t.qualified} ${c.name}`);
          alterOnly(columnSettings(asCreated(c), c));
          continue;
        }
      } else if (genChanged) alter(`ALTER COLUMN ${col} SET EXPRESSION AS (${c.default})`);
      const defaultChanged = !c.generated && o.default !== c.default;
      if ((defaultChanged || typeChanged) && o.default !== null && !o.generated && o.default !== '\u0000dropped') alter(`ALTER COLUMN ${col} DROP DEFAULT`);
      if (typeChanged) {
        if (!widening(o.type, c.type)) {
          findings.push(loss('diff_type_change', 'warning', { schema: t.schema, table: t.name, columns: [c.name] }, `column ${c.name} of ${t.qualified} changes type from ${o.type} to ${c.type}`,
            'The conversion rewrites the table and may fail or lose precision on existing values (a narrower type, text to a number). Check the data before it runs, or write the USING expression yourself.'));
        }
        alter(`ALTER COLUMN ${col} TYPE ${c.type}${c.collation ? ` COLLATE ${c.collation}` : ''} USING ${col}::${c.type}`);
      }
      if ((defaultChanged || typeChanged || o.default === '\u0000dropped') && c.default !== null && !c.generated) alter(`ALTER COLUMN ${col} SET DEFAULT ${c.default}`);
      if (c.identity && !o.identity) alter(`ALTER COLUMN ${col} ADD ${identitySql(c)}`);
      else if (c.identity && o.identity !== c.identity) alter(`ALTER COLUMN ${col} SET GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'}`);
      if (c.identity && o.identity && o.identityOptions && c.identityOptions) {
        // A type change carries the sequence along: bounds that were the old type's become the new type's.
        const io = o.identityOptions, [olo, ohi] = INT_RANGE[io.type] ?? INT_RANGE.bigint, [nlo, nhi] = INT_RANGE[c.identityOptions.type] ?? INT_RANGE.bigint;
        const have = { ...io, type: c.identityOptions.type, min: io.min === olo ? nlo : io.min, max: io.max === ohi ? nhi : io.max };
        const sets = identityAlter(have, c.identityOptions);
        const bounds = have.min !== c.identityOptions.min || have.max !== c.identityOptions.max;
        if (bounds) findings.push(loss('diff_sequence_restart', 'warning', { schema: t.schema, table: t.name, columns: [c.name] }, `identity column ${c.name} of ${t.qualified} gets new bounds and restarts at ${c.identityOptions.start}`,
          'PostgreSQL checks the current value against new bounds, so the generated DDL restarts the identity at its START value. If the column already holds higher values, set the sequence past them afterwards.',
          `SELECT setval(pg_get_serial_sequence(${lit(t.qualified)}, ${lit(c.name)}), (SELECT max(${col}) FROM ${t.qualified}));`));
        if (sets.length) alter(`ALTER COLUMN ${col} ${sets.join(' ')}${bounds ? ` RESTART WITH ${c.identityOptions.start}` : ''}`);
      }
      if (o.notNull !== c.notNull && !c.identity) {
        if (c.notNull) findings.push(loss('diff_set_not_null', 'warning', { schema: t.schema, table: t.name, columns: [c.name] }, `column ${c.name} of ${t.qualified} becomes NOT NULL`,
          'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock and fails if any row holds NULL there. Backfill the NULLs first (or add a CHECK … NOT VALID, validate it, then SET NOT NULL).'));
        alter(`ALTER COLUMN ${col} ${c.notNull ? 'SET' : 'DROP'} NOT NULL`);
      }
      settings();
    }
    for (const c of [...t.columns.filter((c) => !fc.has(c.name) && c.generated), ...rebuilt]) alter(`ADD COLUMN ${columnSql(c)}`);
    for (const c of t.columns) {
      if (!fc.has(c.name) || rebuilt.includes(c)) {
        freshColumns.add(`${t.qualified} ${c.name}`);
        alterOnly(columnSettings(asCreated(c), c));
      }
    }
    if (f.rls !== t.rls) alter(`${t.rls ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`);
    if (f.forceRls !== t.forceRls) alter(`${t.forceRls ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY`);
  }
  // The rebuilt tables' rows, copied once every new partition exists (and before the constraints).
  for (const k of rebuiltTables) {
    const f = fT.get(k)!, t = tT.get(k)!;
    const old = qn(t.schema, `${t.name}__pglab_old`);
    const cols = t.columns.filter((c) => !c.generated && f.columns.some((o) => o.name === c.name && !o.generated)).map((c) => quoteIdent(c.name));
    if (cols.length) emit(`INSERT INTO ${k} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${cols.join(', ')} FROM ${old}`);
    for (const c of t.columns.filter((c) => c.identity)) emit(`SELECT setval(pg_get_serial_sequence(${lit(k)}, ${lit(c.name)}), max(${quoteIdent(c.name)})) FROM ${k} HAVING max(${quoteIdent(c.name)}) IS NOT NULL`);
    // A serial's sequence would go with the old table: kept apart, owned again below.
    for (const sq of from.sequences) if (sq.ownedBy?.startsWith(`${k}.`)) emit(`ALTER SEQUENCE ${qn(sq.schema, sq.name)} OWNED BY NONE`);
    emit(`DROP TABLE ${old}`);
  }
  for (const t of to.tables) {
    if (fT.has(t.qualified) && !rebuiltTables.has(t.qualified)) continue;
    if (t.rls) emit(`ALTER TABLE ${t.qualified} ENABLE ROW LEVEL SECURITY`);
    if (t.forceRls) emit(`ALTER TABLE ${t.qualified} FORCE ROW LEVEL SECURITY`);
  }
  // Dropped tables: partitions first.
  for (const t of [...tableOrder(from.tables)].reverse()) {
    if (tT.has(t.qualified)) continue;
    // A rebuilt table's old partitions went with it, their rows copied.
    if (t.partitionOf && rebuiltTables.has(t.partitionOf.parent)) continue;
    findings.push(loss('diff_drop_table', 'error', { schema: t.schema, table: t.name }, `table ${t.qualified} is dropped: all its rows are lost`,
      'The generated upgrade drops the table and its data; the downgrade recreates an empty one. If it was renamed, accept the proposed rename instead.'));
    emit(`DROP TABLE IF EXISTS ${t.qualified}`);
  }
  for (const s of from.sequences) if (!to.sequences.some((x) => x.schema === s.schema && x.name === s.name)) emit(`DROP SEQUENCE IF EXISTS ${qn(s.schema, s.name)}`);
  for (const s of to.sequences) {
    const f = fS.get(qn(s.schema, s.name));
    const owner = s.ownedBy ? rebuiltTables.has(s.ownedBy.slice(0, s.ownedBy.lastIndexOf('.'))) : false;
    if ((f?.ownedBy ?? null) !== s.ownedBy || owner) emit(`ALTER SEQUENCE ${qn(s.schema, s.name)} OWNED BY ${s.ownedBy ?? 'NONE'}`);
  }

  // --- 6. constraints, indexes, views, late functions, triggers, policies --------------------
  const fCon = byKey(from.constraints, (c) => `${c.table} ${c.name}`);
  const addCons = to.constraints.filter((c) => fCon.get(`${c.table} ${c.name}`)?.def !== c.def || conRebuilt(c));
  for (const c of addCons.sort((a, b) => (a.type === 'f' ? 1 : 0) - (b.type === 'f' ? 1 : 0))) emit(`ALTER TABLE ${c.table} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  const fIdx = byKey(from.indexes, (i) => qn(i.schema, i.name));
  const idxSql = (def: string) => def.replace(/ ON ONLY /, ' ON ');
  const viewIndexes: string[] = [];
  for (const i of to.indexes) {
    if (fIdx.get(qn(i.schema, i.name))?.def === i.def && !recreated.has(i.table) && !rebuiltTables.has(i.table)) continue;
    if (tV.has(i.table)) viewIndexes.push(idxSql(i.def));
    else emit(idxSql(i.def));
  }
  for (const v of viewOrder(to.views)) {
    if (fV.has(v.qualified) && !dropViews.has(v.qualified)) continue;
    const checkOption = v.options.find((o) => o.startsWith('check_option='));
    const opts = v.options.filter((o) => o !== checkOption);
    emit(`CREATE ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${v.qualified}${opts.length ? ` WITH (${opts.join(', ')})` : ''} AS\n${v.def.trim().replace(/;$/, '')}${checkOption ? ` WITH ${checkOption.slice(13).toUpperCase()} CHECK OPTION` : ''}`);
  }
  viewIndexes.forEach(emit);
  // View column defaults (for INSERTs through the view): a created view starts with none.
  for (const v of to.views) {
    const o = fV.has(v.qualified) && !dropViews.has(v.qualified) ? fV.get(v.qualified)!.defaults ?? {} : {};
    const n = v.defaults ?? {};
    for (const c of Object.keys(o)) if (!(c in n)) emit(`ALTER VIEW ${v.qualified} ALTER COLUMN ${quoteIdent(c)} DROP DEFAULT`);
    for (const [c, d] of Object.entries(n)) if (o[c] !== d) emit(`ALTER VIEW ${v.qualified} ALTER COLUMN ${quoteIdent(c)} SET DEFAULT ${d}`);
  }
  // CLUSTER ON marks one index of a table; an index dropped and recreated above lost the mark.
  for (const t of to.tables) {
    const f = fT.get(t.qualified);
    const recreatedIndex = (name: string) => {
      const i = fIdx.get(qn(t.schema, name));
      if (i) return tIdx.get(qn(t.schema, name))?.def !== i.def;
      const k = fCon.get(`${t.qualified} ${name}`);
      return !k || conChanged(k);
    };
    const have = f?.clusteredOn && !rebuiltTables.has(t.qualified) && !recreatedIndex(f.clusteredOn) ? f.clusteredOn : undefined;
    if (have === t.clusteredOn) continue;
    if (t.clusteredOn) emit(`ALTER TABLE ${t.qualified} CLUSTER ON ${quoteIdent(t.clusteredOn)}`);
    else if (have) emit(`ALTER TABLE ${t.qualified} SET WITHOUT CLUSTER`);
  }
  for (const f of changedFunctions) if (late(f.def)) emit(f.def.trim());
  const fTrg = byKey(from.triggers, (t) => `${t.table} ${t.name}`);
  const trgState: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS', O: 'ENABLE' };
  for (const t of to.triggers) {
    const o = fTrg.get(`${t.table} ${t.name}`);
    const re = !o || triggerRebuilt(t);
    if (re) emit(t.def);
    if ((re ? 'O' : o!.enabled) !== t.enabled) emit(`ALTER TABLE ${t.table} ${trgState[t.enabled] ?? 'ENABLE'} TRIGGER ${quoteIdent(t.name)}`);
  }
  for (const p of to.policies) {
    if (fPolAll.has(`${p.table} ${p.name}`) && !policyRebuilt(p)) continue;
    emit(`CREATE POLICY ${quoteIdent(p.name)} ON ${p.table} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${POLICY_CMD[p.cmd] ?? 'ALL'} TO ${p.roles.join(', ')}${p.using ? ` USING (${p.using})` : ''}${p.check ? ` WITH CHECK (${p.check})` : ''}`);
  }

  // --- 7. comments and privileges -------------------------------------------------------------
  const relOf = (target: string) => {
    const m = /^(?:TABLE|VIEW|MATERIALIZED VIEW|INDEX|SEQUENCE|COLUMN) (.+)$/.exec(target);
    if (!m) return null;
    const parts = splitQualified(m[1]);
    return `${quoteIdent(parts[0])}.${quoteIdent(parts[1])}`;
  };
  // Objects dropped and created again above lost their comments: set them again.
  const rebuiltTargets = new Set<string>([
    ...to.policies.filter((p) => fPolAll.has(`${p.table} ${p.name}`) && policyRebuilt(p)).map((p) => `POLICY ${quoteIdent(p.name)} ON ${p.table}`),
    ...to.triggers.filter((t) => fTrg.has(`${t.table} ${t.name}`) && triggerRebuilt(t)).map((t) => `TRIGGER ${quoteIdent(t.name)} ON ${t.table}`),
    ...to.constraints.filter((c) => fCon.has(`${c.table} ${c.name}`) && conChanged(fCon.get(`${c.table} ${c.name}`)!)).map((c) => `CONSTRAINT ${quoteIdent(c.name)} ON ${c.table}`),
    ...to.indexes.filter((i) => fIdx.has(qn(i.schema, i.name)) && (fIdx.get(qn(i.schema, i.name))!.def !== i.def || recreated.has(i.table) || rebuiltTables.has(i.table))).map((i) => `INDEX ${qn(i.schema, i.name)}`),
    ...[...rebuiltTables].flatMap((k) => [`TABLE ${k}`, ...tT.get(k)!.columns.map((c) => `COLUMN ${k}.${quoteIdent(c.name)}`)]),
    ...[...recreatedFunctions].map((k) => `${fFn.get(k)!.kind === 'p' ? 'PROCEDURE' : 'FUNCTION'} ${k}`),
    ...[...recreatedAggregates].map((k) => `AGGREGATE ${k}`),
    ...[...rebuiltTypes].flatMap((k) => [`TYPE ${k}`, `DOMAIN ${k}`]),
  ]);
  const fCm = byKey(from.comments, (c) => c.target);
  const tCm = byKey(to.comments, (c) => c.target);
  for (const c of to.comments) {
    const rel = relOf(c.target);
    if (fCm.get(c.target)?.text !== c.text || (rel && recreated.has(rel)) || rebuiltTargets.has(c.target)) emit(`COMMENT ON ${c.target} IS ${lit(c.text)}`);
  }
  const onTable = (target: string, kind: string) => new RegExp(`^${kind} (.+) ON (.+)$`).exec(target);
  const exists = (target: string) => {
    const rel = relOf(target);
    if (rel) {
      if (target.startsWith('COLUMN ')) {
        const parts = splitQualified(target.slice(7));
        // A view's columns are not in the model: a kept view keeps them.
        return !!tT.get(rel)?.columns.some((c) => c.name === parts[2]) || (tV.has(rel) && !recreated.has(rel));
      }
      return tT.has(rel) || tV.has(rel) || to.indexes.some((i) => qn(i.schema, i.name) === rel) || to.sequences.some((s) => qn(s.schema, s.name) === rel);
    }
    if (target.startsWith('FUNCTION ') || target.startsWith('PROCEDURE ')) return to.functions.some((f) => target.endsWith(f.key));
    if (target.startsWith('AGGREGATE ')) return tA.has(target.slice(10));
    if (target.startsWith('SCHEMA ')) return to.schemas.some((s) => target === `SCHEMA ${quoteIdent(s)}`);
    if (target.startsWith('CONSTRAINT ')) return to.constraints.some((k) => target === `CONSTRAINT ${quoteIdent(k.name)} ON ${k.table}`);
    if (onTable(target, 'POLICY')) return to.policies.some((p) => target === `POLICY ${quoteIdent(p.name)} ON ${p.table}`);
    if (onTable(target, 'TRIGGER')) return to.triggers.some((t) => target === `TRIGGER ${quoteIdent(t.name)} ON ${t.table}`);
    return [...to.enums, ...to.domains, ...to.composites, ...to.ranges].some((t) => target.endsWith(qn(t.schema, t.name)));
  };
  for (const c of from.comments) if (!tCm.has(c.target) && exists(c.target)) emit(`COMMENT ON ${c.target} IS NULL`);
  // An extension's comment: set where it differs from the control file's, put back where it no longer does.
  for (const x of to.extensions) {
    const f = fX.get(x.name);
    const have = f && 'comment' in f ? f.comment : undefined;
    const want = 'comment' in x ? x.comment : undefined;
    if (have === want) continue;
    const text = want !== undefined ? want : (f?.defaultComment ?? null);
    emit(`COMMENT ON EXTENSION ${quoteIdent(x.name)} IS ${text === null ? 'NULL' : lit(text)}`);
  }

  // Privileges. An object created here starts with its kind's default ACL (EXECUTE on a function
  // and USAGE on a type to PUBLIC, nothing on the rest); a kept one with what it had.
  type G = SchemaModel['grants'][number];
  const gObj = (g: Pick<G, 'kind' | 'object' | 'column'>) => `${g.kind} ${g.object}${g.column !== undefined ? ` ${g.column}` : ''}`;
  const gKey = (g: G) => `${gObj(g)} ${g.grantee} ${g.privilege}`;
  const fresh = new Map<string, G[]>();
  const freshen = (kind: string, object: string, column?: string) => {
    const dflt = kind === 'FUNCTION' || kind === 'PROCEDURE' ? 'EXECUTE' : kind === 'TYPE' || kind === 'DOMAIN' ? 'USAGE' : null;
    const g = { kind, object, ...(column !== undefined ? { column } : {}) };
    fresh.set(gObj(g), dflt ? [{ ...g, grantee: 'PUBLIC', privilege: dflt }] : []);
  };
  for (const f of to.functions) if (!fFn.has(f.key) || recreatedFunctions.has(f.key)) freshen(f.kind === 'p' ? 'PROCEDURE' : 'FUNCTION', f.key);
  for (const a of to.aggregates) if (!fA.has(a.key) || recreatedAggregates.has(a.key)) freshen('FUNCTION', a.key);
  const typeKeys = (m: SchemaModel) => new Set([...m.enums, ...m.composites, ...m.ranges].map((x) => qn(x.schema, x.name)));
  const fTypes = typeKeys(from), fDomains = new Set(from.domains.map((d) => qn(d.schema, d.name)));
  for (const k of typeKeys(to)) if (!fTypes.has(k) || rebuiltTypes.has(k)) freshen('TYPE', k);
  for (const d of to.domains) if (!fDomains.has(qn(d.schema, d.name)) || rebuiltTypes.has(qn(d.schema, d.name))) freshen('DOMAIN', qn(d.schema, d.name));
  for (const sc of to.schemas) if (!from.schemas.includes(sc)) freshen('SCHEMA', quoteIdent(sc));
  for (const v of [...recreated, ...rebuiltTables]) freshen('TABLE', v);
  for (const g of [...from.grants, ...to.grants]) {
    if (g.column !== undefined && (freshColumns.has(`${g.object} ${g.column}`) || recreated.has(g.object) || !fT.has(g.object) && !fV.has(g.object))) freshen('TABLE', g.object, g.column);
  }
  const baseline = [...from.grants.filter((g) => !fresh.has(gObj(g))), ...[...fresh.values()].flat()];
  const fG = byKey(baseline, gKey), tG = byKey(to.grants, gKey);
  const priv = (g: G) => `${g.privilege}${g.column !== undefined ? ` (${quoteIdent(g.column)})` : ''}`;
  const grantable = (g: G) => {
    switch (g.kind) {
      case 'TABLE': return g.column !== undefined ? !!tT.get(g.object)?.columns.some((c) => c.name === g.column) || tV.has(g.object) : tT.has(g.object) || tV.has(g.object);
      case 'SEQUENCE': return to.sequences.some((s) => qn(s.schema, s.name) === g.object);
      // The same key may turn from a procedure into a function: the kind must match.
      case 'FUNCTION': return to.functions.some((f) => f.key === g.object && f.kind !== 'p') || tA.has(g.object);
      case 'PROCEDURE': return to.functions.some((f) => f.key === g.object && f.kind === 'p');
      case 'SCHEMA': return to.schemas.some((sc) => quoteIdent(sc) === g.object);
      default: return typeKeys(to).has(g.object) || to.domains.some((d) => qn(d.schema, d.name) === g.object);
    }
  };
  for (const g of to.grants) {
    const o = fG.get(gKey(g));
    if (!o || (g.grantable && !o.grantable)) emit(`GRANT ${priv(g)} ON ${g.kind} ${g.object} TO ${g.grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
    else if (o.grantable && !g.grantable) emit(`REVOKE GRANT OPTION FOR ${priv(g)} ON ${g.kind} ${g.object} FROM ${g.grantee}`);
  }
  for (const g of baseline) if (!tG.has(gKey(g)) && grantable(g)) emit(`REVOKE ${priv(g)} ON ${g.kind} ${g.object} FROM ${g.grantee}`);

  // --- 8. what is gone ----------------------------------------------------------------------
  const tF = byKey(to.functions, (f) => f.key);
  for (const r of from.ranges) if (!tR.has(qn(r.schema, r.name))) emit(`DROP TYPE IF EXISTS ${qn(r.schema, r.name)}`);
  // Not the ones dropped before their successor was made: DROP FUNCTION ignores argument names,
  // so it would drop the successor.
  for (const c of from.casts) if (!tCast.has(c.key)) emit(`DROP CAST IF EXISTS ${c.key}`);
  for (const a of from.aggregates) if (!tA.has(a.key)) emit(`DROP AGGREGATE IF EXISTS ${a.key}`);
  for (const o of from.operators) if (!tOp.has(o.key)) emit(`DROP OPERATOR IF EXISTS ${o.key}`);
  for (const f of from.functions) if (!tF.has(f.key) && !recreatedFunctions.has(f.key)) emit(`DROP ${f.kind === 'p' ? 'PROCEDURE' : 'FUNCTION'} IF EXISTS ${f.key}`);
  for (const c of from.composites) if (!to.composites.some((x) => x.schema === c.schema && x.name === c.name)) emit(`DROP TYPE IF EXISTS ${qn(c.schema, c.name)}`);
  for (const d of from.domains) if (!to.domains.some((x) => x.schema === d.schema && x.name === d.name)) emit(`DROP DOMAIN IF EXISTS ${qn(d.schema, d.name)}`);
  for (const [k] of fE) if (!tE.has(k)) emit(`DROP TYPE IF EXISTS ${k}`);
  const tX = byKey(to.extensions, (x) => x.name);
  for (const x of from.extensions) if (!tX.has(x.name)) emit(`DROP EXTENSION IF EXISTS ${quoteIdent(x.name)}`);
  for (const s of from.schemas) if (!to.schemas.includes(s)) emit(`DROP SCHEMA IF EXISTS ${quoteIdent(s)}`);

  // Objects compared but not generated: every difference is reported.
  const uKey = (u: { kind: string; name: string }) => `${u.kind} ${u.name}`;
  const fU = byKey(from.unsupported, uKey), tU = byKey(to.unsupported, uKey);
  for (const k of new Set([...fU.keys(), ...tU.keys()])) {
    const a = fU.get(k), b = tU.get(k);
    if (a?.def === b?.def) continue;
    const u = (b ?? a)!;
    findings.push(unsupportedFinding({ query: `${u.kind} ${u.name}` }, `${u.kind} ${u.name} ${!a ? 'is added' : !b ? 'is removed' : 'changes'}: autogenerate does not write this, add it to the migration by hand`,
      'pglab compares this kind of object so the difference is not lost, but writes no DDL for it.'));
  }

  const proposals = renames.length ? [] : proposeRenames(source, to);
  for (const p of proposals) {
    findings.push(loss('diff_rename_candidate', 'info', p.kind === 'table' ? { table: p.from } : { table: p.table, columns: [p.from, p.to] },
      p.kind === 'table' ? `table ${p.from} is dropped and ${p.to} added with columns of the same types: a rename?` : `column ${p.from} of ${p.table} is dropped and ${p.to} added with the same type: a rename?`,
      'A diff cannot tell a rename from a drop and an add (Alembic cannot either): as generated, the data in the old one is lost. Accept the rename to keep it.',
      p.kind === 'table' ? `ALTER TABLE ${p.from} RENAME TO ${quoteIdent(splitQualified(p.to)[1])};` : `ALTER TABLE ${p.table} RENAME COLUMN ${quoteIdent(p.from)} TO ${quoteIdent(p.to)};`));
  }
  return { statements: out, findings, proposals };
}

/** Statements as a script (each ends with `;`). */
export const toScript = (statements: string[]) => statements.map((s) => (/;\s*$/.test(s) ? s.trim() : `${s};`)).join('\n\n') + (statements.length ? '\n' : '');
