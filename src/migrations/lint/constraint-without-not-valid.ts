// ADD CONSTRAINT … FOREIGN KEY / CHECK validated at once scans the table under a blocking lock.
import { alterCmds, constraintsOf, finding, ident, relSql, replaceAt, type LintContext, type Rule } from './rule.ts';
import type { MigrationStatement, Node } from '../statements.ts';
import type { Finding } from '../../analysis/finding.ts';

export const constraintWithoutNotValid: Rule = {
  check: 'constraint_without_not_valid',
  severity: 'warning',
  title: 'A foreign key or check constraint added without NOT VALID',
  findings(s, ctx) {
    const all = alterCmds(s, ctx, 'AT_AddConstraint');
    return [...inlineFindings(this, s, ctx), ...all
      .filter(({ cmd }) => {
        const c = (cmd.def as Node).Constraint as Node;
        return (c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_CHECK') && !c.skip_validation;
      })
      .map(({ table, cmd }) => {
        const c = (cmd.def as Node).Constraint as Node;
        const kind = c.contype === 'CONSTR_FOREIGN' ? 'foreign key' : 'check constraint';
        const t = relSql(table);
        let fix: string | undefined;
        // A runnable rewrite when the statement adds just this constraint.
        if (all.length === 1 && (s.body.cmds as Node[]).length === 1) {
          let name = c.conname as string | undefined;
          let text: string | undefined = s.text;
          if (!name) {
            const cols = ((c.fk_attrs as Node[] | undefined) ?? []).map((a) => (a.String as Node).sval as string);
            name = c.contype === 'CONSTR_FOREIGN' ? `${table.table}_${cols.join('_')}_fkey` : `${table.table}_check`;
            text = replaceAt(s.text, c.location as number, /(foreign|check)\b/i, `CONSTRAINT ${ident(name)} $1`.replace('$1', c.contype === 'CONSTR_FOREIGN' ? 'FOREIGN' : 'CHECK'));
          }
          if (text) fix = `${text.replace(/\s*$/, '')} NOT VALID;\nALTER TABLE ${t} VALIDATE CONSTRAINT ${ident(name)};`;
        }
        return finding(this, s, ctx, { ...table, ...(c.conname ? { constraint: c.conname as string } : {}) }, `${kind} ${c.conname ?? '(unnamed)'} is added to ${t} and validated at once`,
          c.contype === 'CONSTR_FOREIGN'
            ? 'Adding a validated foreign key checks every existing row while holding SHARE ROW EXCLUSIVE locks on both tables: writes to both wait for the whole scan. Add it NOT VALID (instant, new rows are checked at once), then VALIDATE CONSTRAINT, which scans under a lock that lets reads and writes go on.'
            : 'Adding a validated check constraint scans the whole table under ACCESS EXCLUSIVE: nothing can read or write it meanwhile. Add it NOT VALID (instant, new rows are checked at once), then VALIDATE CONSTRAINT, which takes only SHARE UPDATE EXCLUSIVE.',
          fix);
      })];
  },
};

/**
 * ADD COLUMN … CHECK (…) / REFERENCES … on an existing table: PostgreSQL checks every existing row
 * under the ALTER's ACCESS EXCLUSIVE lock, and a column constraint cannot be written NOT VALID.
 */
function inlineFindings(rule: Rule, s: MigrationStatement, ctx: LintContext): Finding[] {
  return alterCmds(s, ctx, 'AT_AddColumn').flatMap(({ table, cmd }) => {
    const col = (cmd.def as Node | undefined)?.ColumnDef as Node | undefined;
    if (!col) return [];
    return constraintsOf(col).filter((c) => c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_CHECK').map((c) => {
      const kind = c.contype === 'CONSTR_FOREIGN' ? 'foreign key' : 'check constraint';
      const t = relSql(table);
      return finding(rule, s, ctx, { ...table, columns: [col.colname as string] }, `${kind} ${c.conname ?? '(unnamed)'} is added with the column ${col.colname} of ${t} and validated at once`,
        'A constraint written in ADD COLUMN is checked against every existing row while the ALTER holds ACCESS EXCLUSIVE on the table (a foreign key also locks the table it references), and a column constraint cannot be NOT VALID. Add the column alone, then the constraint with ALTER TABLE … ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT under a lock that lets reads and writes go on.');
    });
  });
}
