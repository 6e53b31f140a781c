// Enum values: adding one cannot be used in the same transaction; renaming one breaks clients.
import { finding, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

const typeName = (b: Node) => ((b.typeName as Node[]) ?? []).map((n) => (n.String as Node).sval as string).join('.');

export const enumValueChange: Rule = {
  check: 'enum_value_change',
  severity: 'warning',
  title: 'An enum value added or renamed',
  findings(s, ctx) {
    if (s.node !== 'AlterEnumStmt') return [];
    const type = typeName(s.body);
    if (s.body.oldVal) {
      return [finding(this, s, ctx, {}, `value '${s.body.oldVal}' of enum ${type} is renamed to '${s.body.newVal}'`,
        'Rows keep working, but every client, CHECK, default and query text that spells the old value breaks the moment this commits. Add the new value, move rows and code to it, and stop using the old one (enum values cannot be dropped without recreating the type).')];
    }
    const used = s.autocommit !== undefined;
    return [finding(this, s, ctx, {}, `value '${s.body.newVal}' is added to enum ${type}${used ? ' and used later in this migration' : ''}`,
      `A value added inside a transaction cannot be used until that transaction commits (error 55P04), so adding and using it in one revision needs the ADD VALUE committed first${used ? ': pglab runs it outside the transaction, like Alembic\'s autocommit_block' : ''}. Removing or reordering values later means recreating the type, which rewrites every table using it; a lookup table or a CHECK constraint is easier to change.`)];
  },
};
