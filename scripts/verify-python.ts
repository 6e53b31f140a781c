// Every ```python block of every lesson file must at least parse. pglab runs no Python, so a
// chapter's Python is never executed; Python's own parser (`ast.parse`, run by Debian's python3)
// is the one judge of whether a block is valid Python. Without python3 the check is skipped and
// says so: it never passes silently.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface PythonBlock {
  file: string;
  /** 1-based line of the block's first code line (the line after the opening fence). */
  line: number;
  code: string;
}

export interface PythonReport {
  /** Blocks parsed; 0 when skipped. */
  checked: number;
  problems: string[];
  /** Why nothing was checked (no python3), else undefined. */
  skipped?: string;
  python?: string;
  ms: number;
}

/**
 * The ```python (or ```py) blocks of a Markdown text, found line by line as CommonMark fences
 * are: an opening fence of 3+ backticks or tildes, closed by a fence of the same character at
 * least as long; the opening fence's indentation is removed from the code lines.
 */
export function pythonBlocks(file: string, text: string): PythonBlock[] {
  const out: PythonBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    for (; j < lines.length && !close.test(lines[j]); j++) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    if (/^(python|py|python3)$/i.test(lang)) out.push({ file, line: i + 2, code: body.join('\n') });
    i = j;
  }
  return out;
}

/** Debian's python3 first (the one CI installs), else one on PATH; undefined when none runs. */
export function findPython(): string | undefined {
  for (const p of ['/usr/bin/python3', 'python3']) {
    if (p.startsWith('/') && !existsSync(p)) continue;
    try {
      execFileSync(p, ['-c', 'import ast'], { stdio: 'ignore' });
      return p;
    } catch {
      // not this one
    }
  }
  return undefined;
}

// Reads [{file, line, code}] as JSON on stdin and prints one problem per block that fails.
const PARSER = `
import ast, json, sys
for b in json.load(sys.stdin):
    try:
        ast.parse(b["code"], filename=b["file"])
    except (SyntaxError, ValueError) as e:
        line = b["line"] + (getattr(e, "lineno", None) or 1) - 1
        print(json.dumps(f'{b["file"]}:{line}: the python block does not parse: {getattr(e, "msg", None) or e}'))
`;

/** Parses every block with one python3 process (`python`: null = none; omitted = look for one). */
export function verifyPython(blocks: PythonBlock[], python?: string | null): PythonReport {
  const t0 = performance.now();
  if (python === undefined) python = findPython();
  if (!python) {
    return { checked: 0, problems: [], skipped: `no python3 found (looked for /usr/bin/python3 and python3 on PATH): the ${blocks.length} python blocks were not parsed; install Debian's python3 to check them`, ms: 0 };
  }
  const out = execFileSync(python, ['-c', PARSER], { input: JSON.stringify(blocks), encoding: 'utf8' });
  const problems = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as string);
  return { checked: blocks.length, problems, python, ms: performance.now() - t0 };
}

/** The python blocks of lesson files keyed by their path (as `readLessonFiles` gives them). */
export function lessonPythonBlocks(files: Record<string, string>): PythonBlock[] {
  return Object.entries(files)
    .filter(([f]) => f.endsWith('.md'))
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([f, text]) => pythonBlocks(f, text));
}
