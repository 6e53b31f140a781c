// Domain constraints: a CHECK (or NOT NULL) on a domain is checked against every column of every
// table using it whenever one is added, and a domain's NOT NULL does not hold everywhere.
import { charIndex, finding, ident, replaceAt, type Rule } from './rule.ts';
import type { MigrationStatement, Node } from '../statements.ts';

const names = (list: unknown) => ((list as Node[] | undefined) ?? []).map((n) => (n.String as Node).sval as string);
const domainSql = (parts: string[]) => parts.map(ident).join('.');
const sameDomain = (a: string[], b: string[]) => a[a.length - 1] === b[b.length - 1] && (a.length === 1 || b.length === 1 || a[0] === b[0]);

/** The domain was created earlier in this migration: no column uses it yet, so a new constraint checks nothing. */
function createdBefore(statements: MigrationStatement[], before: number, domain: string[]): boolean {
  return statements.slice(0, before).some((e) => e.node === 'CreateDomainStmt' && sameDomain(names(e.body.domainname), domain));
}

export const createDomainWithConstraint: Rule = {
  check: 'create_domain_with_constraint',
  severity: 'info',
  title: 'A domain created with a CHECK or NOT NULL constraint',
  findings(s, ctx) {
    if (s.node !== 'CreateDomainStmt') return [];
    const all = ((s.body.constraints as Node[] | undefined) ?? []).map((c) => c.Constraint as Node);
    const flagged = all.filter((c) => c.contype === 'CONSTR_CHECK' || c.contype === 'CONSTR_NOTNULL');
    if (!flagged.length) return [];
    const domain = names(s.body.domainname);
    // The statement without its CHECK / NOT NULL clauses: each runs from its location to the next
    // constraint's (constraints are listed in the order they are written) or to the end.
    const starts = all.map((c) => charIndex(s.text, c.location as number));
    let text = s.text;
    for (let i = all.length - 1; i >= 0; i--) {
      if (!flagged.includes(all[i])) continue;
      const end = i + 1 < all.length ? starts[i + 1] : text.length;
      text = text.slice(0, starts[i]) + text.slice(end);
    }
    const kinds = [...new Set(flagged.map((c) => (c.contype === 'CONSTR_CHECK' ? 'CHECK' : 'NOT NULL')))].join(' and ');
    return [finding(this, s, ctx, {}, `domain ${domainSql(domain)} is created with ${kinds}`,
      'Changing the rule later is costly: a constraint added to the domain reads every column of every table using it, locking each of those tables while it does; and a domain NOT NULL does not hold everywhere (an outer join, or a scalar subquery that finds no row, yields NULL of the domain type). A CHECK on a table\'s column can be added NOT VALID and validated while reads and writes go on, one table at a time: keep the domain a plain type and put CHECK and NOT NULL on the columns.',
      `${text.replace(/\s*$/, '')};\n-- and on each column of type ${domainSql(domain)}: ALTER TABLE … ADD CONSTRAINT … CHECK (…) NOT VALID, then VALIDATE CONSTRAINT`)];
  },
};

export const alterDomainAddConstraint: Rule = {
  check: 'alter_domain_add_constraint',
  severity: 'warning',
  title: 'A constraint added to an existing domain and validated at once',
  findings(s, ctx) {
    if (s.node !== 'AlterDomainStmt') return [];
    const domain = names(s.body.typeName);
    if (createdBefore(ctx.statements, s.index, domain)) return [];
    const d = domainSql(domain);
    const con = (s.body.def as Node | undefined)?.Constraint as Node | undefined;
    const isCheck = s.body.subtype === 'C' && con?.contype === 'CONSTR_CHECK';
    // Subtype 'O' is SET NOT NULL ('N' is DROP NOT NULL).
    const notNull = s.body.subtype === 'O' || (s.body.subtype === 'C' && con?.contype === 'CONSTR_NOTNULL');
    if (isCheck && !con!.skip_validation) {
      let name = con!.conname as string | undefined;
      let text: string | undefined = s.text;
      if (!name) {
        // PostgreSQL names an unnamed domain check <domain>_check: say so, so VALIDATE can name it.
        name = `${domain[domain.length - 1]}_check`;
        text = replaceAt(s.text, con!.location as number, /check\b/i, `CONSTRAINT ${ident(name)} CHECK`);
      }
      return [finding(this, s, ctx, { constraint: name }, `check constraint ${con!.conname ?? '(unnamed)'} is added to domain ${d} and validated at once`,
        'ADD CONSTRAINT on a domain reads every column of every table that uses the domain, holding a SHARE lock on each of those tables (writes wait) until the migration commits. Added NOT VALID it checks new values at once without reading any table; VALIDATE CONSTRAINT still reads the rows under SHARE (measured on PostgreSQL 18), but as a step of its own that can run at a quiet time, or be left out. To check old rows without blocking writes, use a CHECK on each table\'s column instead: its VALIDATE takes only SHARE UPDATE EXCLUSIVE.',
        text ? `${text.replace(/\s*$/, '')} NOT VALID;\nALTER DOMAIN ${d} VALIDATE CONSTRAINT ${ident(name)};` : undefined)];
    }
    if (notNull) {
      return [finding(this, s, ctx, {}, `domain ${d} is made NOT NULL`,
        'SET NOT NULL on a domain reads every column of every table that uses the domain, holding a SHARE lock on each table (writes wait), and fails on the first NULL; it cannot be added NOT VALID. Put NOT NULL on the columns instead, through a validated CHECK (col IS NOT NULL) first so the SET NOT NULL skips the scan.')];
    }
    return [];
  },
};
