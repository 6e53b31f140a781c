// VACUUM FULL and CLUSTER rewrite the table under ACCESS EXCLUSIVE.
import { finding, rel, relSql, type Rule } from './rule.ts';
import type { Node } from '../statements.ts';

export const vacuumFull: Rule = {
  check: 'vacuum_full',
  severity: 'error',
  title: 'VACUUM FULL or CLUSTER in a migration',
  findings(s, ctx) {
    const full = s.node === 'VacuumStmt' && ((s.body.options as Node[] | undefined) ?? []).some((o) => (o.DefElem as Node)?.defname === 'full');
    if (!full && s.node !== 'ClusterStmt') return [];
    const rels = s.node === 'ClusterStmt' ? (s.body.relation ? [rel(s.body.relation)] : []) : ((s.body.rels as Node[] | undefined) ?? []).map((r) => rel((r.VacuumRelation as Node).relation));
    const what = s.node === 'ClusterStmt' ? 'CLUSTER' : 'VACUUM FULL';
    const target = rels.length ? rels.map(relSql).join(', ') : 'every table';
    return [finding(this, s, ctx, rels.length === 1 ? rels[0] : {}, `${what} on ${target}`,
      `${what} writes a new copy of the table and its indexes while holding ACCESS EXCLUSIVE: no query can read or write it until it finishes, and it needs room for a second copy. A plain VACUUM (which does not block reads or writes) is what a migration wants; to shrink a bloated table online use pg_repack or pg_squeeze.`,
      rels.length ? `VACUUM (ANALYZE) ${rels.map(relSql).join(', ')};` : 'VACUUM (ANALYZE);')];
  },
};
