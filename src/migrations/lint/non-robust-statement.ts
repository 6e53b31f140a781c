// Statements that fail when a migration is run again after failing halfway. A revision is one
// transaction and rolls back whole, except where a statement cannot run in a transaction (CREATE
// INDEX CONCURRENTLY, an enum value added and used, …): pglab's runner and Alembic's
// autocommit_block commit what came before it, and it commits on its own. If a later statement
// fails, those stay applied while the version table still says the revision did not run, so the
// retry runs them again: each needs IF [NOT] EXISTS (or OR REPLACE) to pass the second time.
import { charIndex, finding, ident, rel, relKey, relSql, type LintContext, type Rule } from './rule.ts';
import { cmds, type MigrationStatement, type Node } from '../statements.ts';

/** Statements committed before a later failure could undo them: up to the last one that runs outside a transaction. */
function exposed(s: MigrationStatement, ctx: LintContext): boolean {
  let inBlock = false;
  let last = -1;
  const blockOf = new Map<number, boolean>();
  for (const e of ctx.statements) {
    if (e.node === 'TransactionStmt') {
      const k = String(e.body.kind);
      if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') inBlock = true;
      else if (['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE'].includes(k)) inBlock = false;
      continue;
    }
    blockOf.set(e.index, inBlock);
    if (e.autocommit && !inBlock) last = e.index;
  }
  // Inside the script's own BEGIN … COMMIT everything rolls back together.
  return s.index <= last && !blockOf.get(s.index);
}

/** Inserts text right after a match at the start of the statement; undefined when it does not match there. */
function after(text: string, start: RegExp, insert: string): string | undefined {
  const m = start.exec(text);
  return m && m.index === 0 ? text.slice(0, m[0].length) + insert + text.slice(m[0].length) : undefined;
}

/** A name as it can appear in the text: quoted exactly, or unquoted in any case when it is a plain lower-case identifier. */
const nameRx = (name: string) => (ident(name) === name ? `(?:${name.replace(/[$]/g, '\\$')}|"${name.replace(/[$]/g, '\\$')}")` : `"${name.replace(/"/g, '""').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`);

const DROP_OBJECT = /^drop\s+(materialized\s+view|foreign\s+(table|data\s+wrapper)|text\s+search\s+\w+|access\s+method|event\s+trigger|operator\s+(class|family)|user\s+mapping|\w+)(\s+concurrently)?/i;

interface Repair { what: string; fix?: string }

/** What makes the statement fail on a second run, and the statement that would not. */
function repair(s: MigrationStatement, ctx: LintContext): Repair | undefined {
  const b = s.body;
  const t = s.text;
  switch (s.node) {
    case 'CreateStmt':
      return b.if_not_exists ? undefined : { what: `CREATE TABLE ${relSql(rel(b.relation))} without IF NOT EXISTS`, fix: after(t, /^create\s+((global\s+|local\s+)?(temp|temporary)\s+|unlogged\s+)?table/i, ' IF NOT EXISTS') };
    case 'CreateTableAsStmt':
      return b.if_not_exists ? undefined : { what: `CREATE ${b.objtype === 'OBJECT_MATVIEW' ? 'MATERIALIZED VIEW' : 'TABLE … AS'} ${relSql(rel((b.into as Node)?.rel))} without IF NOT EXISTS`, fix: after(t, /^create\s+((global\s+|local\s+)?(temp|temporary)\s+|unlogged\s+)?(materialized\s+view|table)/i, ' IF NOT EXISTS') };
    case 'CreateSeqStmt':
      return b.if_not_exists ? undefined : { what: `CREATE SEQUENCE ${relSql(rel(b.sequence))} without IF NOT EXISTS`, fix: after(t, /^create\s+((temp|temporary|unlogged)\s+)?sequence/i, ' IF NOT EXISTS') };
    case 'CreateSchemaStmt':
      // IF NOT EXISTS cannot be combined with schema elements (PostgreSQL refuses it).
      return b.if_not_exists ? undefined : { what: `CREATE SCHEMA ${ident(b.schemaname as string)} without IF NOT EXISTS`, fix: b.schemaElts ? undefined : after(t, /^create\s+schema/i, ' IF NOT EXISTS') };
    case 'CreateExtensionStmt':
      return b.if_not_exists ? undefined : { what: `CREATE EXTENSION ${ident(b.extname as string)} without IF NOT EXISTS`, fix: after(t, /^create\s+extension/i, ' IF NOT EXISTS') };
    case 'IndexStmt': {
      const table = rel(b.relation);
      const name = b.idxname as string | undefined;
      // IF NOT EXISTS needs a name; an unnamed index is simply built again under a new one.
      if (!name || indexDroppedBefore(s, ctx, name)) return undefined;
      const qualified = table.schema ? `${ident(table.schema)}.${ident(name)}` : ident(name);
      if (b.concurrent) {
        // A failed CONCURRENTLY build leaves an INVALID index behind, which IF NOT EXISTS would keep: drop it first.
        const fix = b.if_not_exists ? t : after(t, /^create\s+(unique\s+)?index\s+concurrently/i, ' IF NOT EXISTS');
        return { what: `CREATE INDEX CONCURRENTLY ${ident(name)} with no DROP INDEX CONCURRENTLY IF EXISTS before it`, fix: fix && `DROP INDEX CONCURRENTLY IF EXISTS ${qualified};\n${fix}` };
      }
      return b.if_not_exists ? undefined : { what: `CREATE INDEX ${ident(name)} without IF NOT EXISTS`, fix: after(t, /^create\s+(unique\s+)?index/i, ' IF NOT EXISTS') };
    }
    case 'ViewStmt':
      return b.replace ? undefined : { what: `CREATE VIEW ${relSql(rel(b.view))} without OR REPLACE`, fix: after(t, /^create/i, ' OR REPLACE') };
    case 'CreateFunctionStmt':
      return b.replace ? undefined : { what: `CREATE ${b.is_procedure ? 'PROCEDURE' : 'FUNCTION'} without OR REPLACE`, fix: after(t, /^create/i, ' OR REPLACE') };
    case 'CreateTrigStmt':
      // OR REPLACE is not allowed for constraint triggers.
      return b.replace || b.isconstraint ? undefined : { what: `CREATE TRIGGER ${ident(b.trigname as string)} without OR REPLACE`, fix: after(t, /^create/i, ' OR REPLACE') };
    case 'DropStmt': {
      if (b.missing_ok) return undefined;
      const kind = DROP_OBJECT.exec(t)?.[0].replace(/\s+/g, ' ').toUpperCase() ?? 'DROP';
      const objects = ((b.objects as Node[] | undefined) ?? []).map((o) => ((o.List as Node | undefined)?.items as Node[] | undefined)?.map((i) => (i.String as Node | undefined)?.sval).filter(Boolean).join('.')).filter(Boolean);
      return { what: `${kind}${objects.length ? ` ${objects.join(', ')}` : ''} without IF EXISTS`, fix: after(t, DROP_OBJECT, ' IF EXISTS') };
    }
    case 'AlterEnumStmt':
      return b.newVal && !b.oldVal && !b.skipIfNewValExists ? { what: `ADD VALUE '${b.newVal}' without IF NOT EXISTS`, fix: after(t, /^alter\s+type\s+.+?\s+add\s+value/is, ' IF NOT EXISTS') } : undefined;
    case 'AlterTableStmt':
      return alterTableRepair(s, ctx);
  }
  return undefined;
}

/** DROP INDEX … IF EXISTS of this index ran earlier in the migration: building it again after that reruns. */
function indexDroppedBefore(s: MigrationStatement, ctx: LintContext, name: string): boolean {
  return ctx.statements.slice(0, s.index).some((e) => e.node === 'DropStmt' && e.body.removeType === 'OBJECT_INDEX' && e.body.missing_ok
    && ((e.body.objects as Node[] | undefined) ?? []).some((o) => ((o.List as Node).items as Node[]).map((i) => (i.String as Node).sval).pop() === name));
}

/** DROP CONSTRAINT IF EXISTS of this name on this table ran earlier (in an earlier statement, or earlier in this ALTER): the pair reruns. */
function droppedBefore(s: MigrationStatement, ctx: LintContext, name: string, cmdIndex: number): boolean {
  const key = relKey(rel(s.body.relation));
  const drops = (list: Node[]) => list.some((c) => c.subtype === 'AT_DropConstraint' && c.missing_ok && c.name === name);
  if (drops(cmds(s.body).slice(0, cmdIndex))) return true;
  return ctx.statements.slice(0, s.index).some((e) => e.node === 'AlterTableStmt' && relKey(rel(e.body.relation)) === key && drops(cmds(e.body)));
}

function alterTableRepair(s: MigrationStatement, ctx: LintContext): Repair | undefined {
  const table = relSql(rel(s.body.relation));
  const parts: string[] = [];
  // Insertions as [character index, text], applied from the end so earlier indexes stay right.
  const edits: [number, string][] = [];
  const before: string[] = [];
  let fixable = true;
  const t = s.text;
  const insertBeforeName = (keyword: string, name: string) => {
    const m = new RegExp(`\\b${keyword}\\s+(?=${nameRx(name)}(?![\\w$]))`, 'i').exec(t);
    if (m) edits.push([m.index + m[0].length, 'IF EXISTS ']);
    else fixable = false;
  };
  cmds(s.body).forEach((c, i) => {
    const name = c.name as string | undefined;
    if (c.subtype === 'AT_AddColumn' && !c.missing_ok) {
      const col = (c.def as Node).ColumnDef as Node;
      parts.push(`ADD COLUMN ${ident(col.colname as string)} without IF NOT EXISTS`);
      edits.push([charIndex(t, col.location as number), 'IF NOT EXISTS ']);
    } else if (c.subtype === 'AT_DropColumn' && !c.missing_ok && name) {
      parts.push(`DROP COLUMN ${ident(name)} without IF EXISTS`);
      insertBeforeName('drop(?:\\s+column)?', name);
    } else if (c.subtype === 'AT_DropConstraint' && !c.missing_ok && name) {
      parts.push(`DROP CONSTRAINT ${ident(name)} without IF EXISTS`);
      insertBeforeName('drop\\s+constraint', name);
    } else if (c.subtype === 'AT_AddConstraint') {
      // There is no ADD CONSTRAINT IF NOT EXISTS: dropping it first (IF EXISTS) makes the pair rerunnable.
      // Unnamed, it is added again under a new name rather than failing; with USING INDEX the drop would take the index too.
      const con = (c.def as Node).Constraint as Node;
      const cname = con.conname as string | undefined;
      if (!cname || con.indexname || droppedBefore(s, ctx, cname, i)) return;
      parts.push(`ADD CONSTRAINT ${ident(cname)} with no DROP CONSTRAINT IF EXISTS before it`);
      before.push(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${ident(cname)};`);
    }
  });
  if (!parts.length) return undefined;
  let text = t;
  for (const [at, ins] of edits.sort((a, b) => b[0] - a[0])) text = text.slice(0, at) + ins + text.slice(at);
  return { what: parts.join(', '), fix: fixable ? [...before, text].join('\n') : undefined };
}

export const nonRobustStatement: Rule = {
  check: 'non_robust_statement',
  severity: 'warning',
  title: 'A statement that fails when a half-applied migration is run again',
  findings(s, ctx) {
    if (!exposed(s, ctx)) return [];
    const r = repair(s, ctx);
    if (!r) return [];
    return [finding(this, s, ctx, objectOf(s), `${r.what}: committed before the migration ends, it runs again when a failed migration is retried`,
      'A statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY, an enum value added and used, …) commits on its own, and what ran before it is committed first. If the migration then fails, those statements stay applied while the version table says the revision never ran, so running it again fails on the objects they already made. Written with IF [NOT] EXISTS or OR REPLACE, the retry passes them; a CONCURRENTLY build that failed leaves an INVALID index under its name, so that one is dropped IF EXISTS first and built again.',
      r.fix ? `${r.fix.replace(/\s*$/, '')};` : undefined)];
  },
};

function objectOf(s: MigrationStatement) {
  const r = s.body.relation ?? s.body.sequence ?? s.body.view ?? (s.body.into as Node | undefined)?.rel;
  if (!r) return {};
  const o = rel(r);
  if (s.node === 'CreateSeqStmt') return { ...(o.schema ? { schema: o.schema } : {}), sequence: o.table };
  return s.node === 'IndexStmt' && s.body.idxname ? { ...o, index: s.body.idxname as string } : o;
}
