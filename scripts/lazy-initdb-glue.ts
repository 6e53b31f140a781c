// A build step for PGlite 0.5: its bundle carries initdb's Emscripten glue (88 KB, 29 KB gzip)
// inside a chunk every start imports, though initdb runs only when a new cluster is made without
// pglab's prepared one. This swaps that copy of the glue for a dynamic import of the same glue,
// which PGlite also ships as its own file (dist/initdb.js), so a start downloads it only when
// initdb runs. If PGlite's layout changes, nothing is rewritten and the build says so.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAst, type Plugin } from 'vite';

/** The ESTree nodes this step reads (the subset of a Program it walks). */
interface Node {
  type: string;
  start: number;
  end: number;
  async?: boolean;
  params?: Array<{ type: string; left?: { type: string; name?: string } }>;
  body?: Node | Node[];
}

/** An Emscripten module factory: `async function NAME(moduleArg = {}) { … }`. */
function isFactory(node: Node): boolean {
  const first = node.params?.[0];
  return node.type === 'FunctionDeclaration' && !!node.async && first?.type === 'AssignmentPattern' && first.left?.name === 'moduleArg';
}

/** Whether this module of PGlite's is the one holding initdb's runner and glue. */
export const holdsInitdbGlue = (code: string): boolean => code.includes('moduleArg') && code.includes('--allow-group-access');

/**
 * The module with its initdb factory's body replaced by a dynamic import of `glueSpecifier`,
 * or undefined when the module does not have exactly one such factory.
 */
export function lazyInitdbGlue(code: string, glueSpecifier = './initdb.js'): string | undefined {
  if (!holdsInitdbGlue(code)) return undefined;
  const program = parseAst(code) as unknown as Node;
  const factories = (program.body as Node[]).filter(isFactory);
  if (factories.length !== 1) return undefined;
  const body = factories[0].body as Node;
  const lazy = `{return (await import(${JSON.stringify(glueSpecifier)})).default(moduleArg)}`;
  return code.slice(0, body.start) + lazy + code.slice(body.end);
}

/** The Vite plugin (worker bundles): applies lazyInitdbGlue to PGlite's dist modules. */
export function lazyInitdb(): Plugin {
  return {
    name: 'pglab:lazy-initdb-glue',
    apply: 'build',
    transform(code, id) {
      if (!/[\\/]@electric-sql[\\/]pglite[\\/]dist[\\/][^\\/]+\.js$/.test(id) || !holdsInitdbGlue(code)) return null;
      const glue = join(dirname(id), 'initdb.js');
      const out = existsSync(glue) ? lazyInitdbGlue(code) : undefined;
      if (!out) {
        this.warn("PGlite's bundle changed: initdb's glue stays in the start-up JavaScript (scripts/lazy-initdb-glue.ts)");
        return null;
      }
      return { code: out, map: null };
    },
  };
}
