// Completion from the live catalog: lang-sql completes tables and qualified columns from
// its schema; this adds the unqualified columns of the tables named in FROM/JOIN.
import type { CompletionContext, CompletionResult, Completion } from '@codemirror/autocomplete';
import type { Catalog } from '../../db/catalog.ts';

export function sqlSchema(catalog: Catalog | null): Record<string, string[]> {
  const schema: Record<string, string[]> = {};
  for (const r of catalog?.relations ?? []) {
    const cols = r.columns.map((c) => c.name);
    schema[r.name] = cols;
    schema[`${r.schema}.${r.name}`] = cols;
  }
  return schema;
}

/** Names after FROM / JOIN in the statement around the cursor (a light scan, not a parse: it runs on every keystroke). */
export function tablesInScope(statement: string): string[] {
  const names: string[] = [];
  const re = /\b(?:from|join|update|into)\s+((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)/gi;
  for (const m of statement.matchAll(re)) names.push(m[1].replace(/"/g, '').toLowerCase());
  return names;
}

function statementAround(doc: string, pos: number): string {
  const start = doc.lastIndexOf(';', pos - 1) + 1;
  const end = doc.indexOf(';', pos);
  return doc.slice(start, end < 0 ? doc.length : end);
}

export function columnCompletion(getCatalog: () => Catalog | null) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const word = ctx.matchBefore(/[\w$]+/);
    if (!word && !ctx.explicit) return null;
    const before = ctx.state.sliceDoc(Math.max(0, (word?.from ?? ctx.pos) - 1), word?.from ?? ctx.pos);
    if (before === '.') return null; // qualified: lang-sql handles it
    const catalog = getCatalog();
    if (!catalog) return null;
    const scope = tablesInScope(statementAround(ctx.state.doc.toString(), ctx.pos));
    const options: Completion[] = [];
    for (const r of catalog.relations) {
      if (!scope.includes(r.name.toLowerCase()) && !scope.includes(`${r.schema}.${r.name}`.toLowerCase())) continue;
      for (const c of r.columns) options.push({ label: c.name, type: 'property', detail: `${r.name} · ${c.type}`, boost: 5 });
    }
    for (const f of catalog.functions) options.push({ label: f.name, type: 'function', detail: `(${f.args}) → ${f.result}` });
    if (!options.length) return null;
    return { from: word?.from ?? ctx.pos, options, validFor: /^[\w$]*$/ };
  };
}
