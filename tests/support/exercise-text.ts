// The Markdown of one small exercise file, for tests that load lessons from strings: a title, a
// task, a reference solution, a ## Checks block and one listed wrong answer (the loader requires
// one). Keeps the format's sections in one place, so a test says only what it is about.
export interface ExerciseText {
  title: string;
  /** Markdown of ## Task; default: the title, as a sentence. */
  task?: string;
  solution: string;
  /** The YAML inside ## Checks. */
  checks: string;
  wrong?: { title: string; sql: string; fails: string };
}

export function exerciseText({ title, task = `${title}.`, solution, checks, wrong = { title: 'Wrong', sql: 'select 1 as x;', fails: 'result' } }: ExerciseText): string {
  return `---
title: ${title}
---

## Task

${task}

## Solution

\`\`\`sql
${solution}
\`\`\`

## Checks

\`\`\`yaml
${checks}
\`\`\`

## Wrong answers

### ${wrong.title}

\`\`\`sql
${wrong.sql}
\`\`\`

fails: ${wrong.fails}
`;
}
