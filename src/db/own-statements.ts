// pglab's own statements (the live catalog, type names, checkpoints, the analyzers' queries)
// carry a tag, so the query analyzer can leave them out of what pg_stat_statements recorded.

export const OWN_TAG = '/* pglab */';

/**
 * Puts the tag after the first keyword: PostgreSQL 18 records a statement's text from its first
 * token, so a leading comment would not reach pg_stat_statements.
 */
export function ownStatement(sql: string): string {
  return sql.replace(/^\s*[A-Za-z]+/, (word) => `${word} ${OWN_TAG}`);
}
