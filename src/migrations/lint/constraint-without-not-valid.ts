// ADD CONSTRAINT … FOREIGN KEY / CHECK validated at once scans the table under a blocking lock.
import { alterCmds, finding, ident, relSql, replaceAt, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

export const constraintWithoutNotValid: Rule = {
  check: 'constraint_without_not_valid',
  severity: 'warning',
  title: 'A foreign key or check constraint added without NOT VALID',
  findings(s, ctx) {
    const all = alterCmds(s, ctx, 'AT_AddConstraint');
    return all
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
      });
  },
};
