// ADD CONSTRAINT UNIQUE / PRIMARY KEY builds its index under ACCESS EXCLUSIVE.
import { alterCmds, finding, ident, relSql, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

export const uniqueWithoutIndex: Rule = {
  check: 'unique_without_index',
  severity: 'warning',
  title: 'A unique or primary key constraint added without a prior concurrent index',
  findings(s, ctx) {
    return alterCmds(s, ctx, 'AT_AddConstraint')
      .filter(({ cmd }) => {
        const c = (cmd.def as Node).Constraint as Node;
        return (c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY') && !c.indexname;
      })
      .map(({ table, cmd }) => {
        const c = (cmd.def as Node).Constraint as Node;
        const keys = ((c.keys as Node[] | undefined) ?? []).map((k) => (k.String as Node).sval as string);
        const primary = c.contype === 'CONSTR_PRIMARY';
        const name = (c.conname as string | undefined) ?? `${table.table}_${primary ? 'pkey' : `${keys.join('_')}_key`}`;
        const t = relSql(table);
        const fix = keys.length
          ? `CREATE UNIQUE INDEX CONCURRENTLY ${ident(name)} ON ${t} (${keys.map(ident).join(', ')});\nALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} ${primary ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX ${ident(name)};`
          : undefined;
        return finding(this, s, ctx, { ...table, constraint: name, columns: keys }, `${primary ? 'primary key' : 'unique constraint'} ${name} is added to ${t}, building its index under the table's lock`,
          'Adding the constraint builds a unique index while the table is locked against writes (and reads, for the ALTER TABLE\'s ACCESS EXCLUSIVE). Build the unique index CONCURRENTLY first, then attach it with USING INDEX, which takes the strong lock only for an instant.',
          fix);
      });
  },
};
