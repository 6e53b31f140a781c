// PGlite's results carry no command tag, so we rebuild psql's tag from the parse node and
// the statement's leading keywords ("INSERT 0 3", "CREATE INDEX", "ROLLBACK").

const ROW_TAGS: Record<string, (n: number) => string> = {
  SelectStmt: (n) => `SELECT ${n}`,
  CreateTableAsStmt: (n) => `SELECT ${n}`,
  InsertStmt: (n) => `INSERT 0 ${n}`,
  UpdateStmt: (n) => `UPDATE ${n}`,
  DeleteStmt: (n) => `DELETE ${n}`,
  MergeStmt: (n) => `MERGE ${n}`,
  CopyStmt: (n) => `COPY ${n}`,
  FetchStmt: (n) => `FETCH ${n}`,
};

// Words that qualify an object kind but are not part of psql's tag.
const NOISE = new Set(['OR', 'REPLACE', 'UNIQUE', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'GLOBAL', 'LOCAL', 'CONCURRENTLY', 'RECURSIVE', 'MATERIALIZED_', 'TRUSTED', 'PROCEDURAL', 'DEFAULT']);

export function commandTag(node: string, sql: string, rowCount: number, affectedRows?: number, abortedTransaction = false): string {
  const rows = ROW_TAGS[node];
  if (rows) return rows(node === 'SelectStmt' || node === 'CreateTableAsStmt' || node === 'FetchStmt' ? rowCount : affectedRows ?? rowCount);
  const words = sql.replace(/^[\s(]+/, '').split(/\s+/).map((w) => w.toUpperCase().replace(/[^A-Z_]/g, ''));
  const first = words[0] ?? '';
  if (node === 'TransactionStmt') {
    if (first === 'COMMIT' || first === 'END') return abortedTransaction ? 'ROLLBACK' : 'COMMIT';
    if (first === 'ABORT') return 'ROLLBACK';
    if (first === 'START') return 'START TRANSACTION';
    if (first === 'RELEASE') return 'RELEASE';
    if (first === 'ROLLBACK' && words[1] === 'TO') return 'ROLLBACK';
    return first;
  }
  if (node === 'VariableSetStmt') return first === 'RESET' ? 'RESET' : 'SET';
  if (node === 'VacuumStmt') return first === 'ANALYZE' || first === 'ANALYSE' ? 'ANALYZE' : 'VACUUM';
  if (first === 'CREATE' || first === 'ALTER' || first === 'DROP') {
    const rest = words.slice(1).filter((w) => !NOISE.has(w));
    const kind = rest[0] === 'MATERIALIZED' || rest[0] === 'FOREIGN' || rest[0] === 'EVENT' || rest[0] === 'ACCESS' || rest[0] === 'TEXT'
      ? rest.slice(0, rest[0] === 'TEXT' ? 3 : 2).join(' ')
      : rest[0];
    return `${first} ${kind ?? ''}`.trim();
  }
  return first;
}
