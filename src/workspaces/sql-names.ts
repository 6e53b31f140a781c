// A name in SQL text, always quoted: a CSV header may be a keyword ("user", "order") or mixed case.
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
