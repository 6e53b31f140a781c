// `call <function>` in a sql check's forbids/requires: a call of that function, read from the
// parse tree (a name inside a string or a comment is not a call), and the loader accepts the
// form and still refuses unknown constructs.
import { describe, it, expect } from 'vitest';
import { constructCounts, constructWords, parseScript } from '../../src/lessons/sql-shape.ts';
import { loadLessons } from '../../src/lessons/loader.ts';

const counts = async (sql: string) => constructCounts((await parseScript(sql))!);

describe('call constructs', () => {
  it('counts the calls of a function by name, qualified or not, in any case', async () => {
    const c = await counts("select id from articles where search @@ TO_TSQUERY('english', 'a & b') or search @@ pg_catalog.to_tsquery('b');");
    expect(c.get('call to_tsquery')).toBe(2);
    expect(c.get('call plainto_tsquery')).toBeUndefined();
  });
  it('does not see a name in a string or a comment', async () => {
    const c = await counts("-- to_tsquery('x')\nselect plainto_tsquery('english', 'to_tsquery(x)');");
    expect(c.get('call to_tsquery')).toBeUndefined();
    expect(c.get('call plainto_tsquery')).toBe(1);
  });
  it('says the function in messages', () => {
    expect(constructWords('call to_tsquery')).toBe('to_tsquery()');
    expect(constructWords('union')).toBe('UNION');
  });
  it('is accepted by the loader, unknown constructs are not', () => {
    const files = (forbids: string) => ({
      'lessons/t/chapter.md': '---\ntitle: T\norder: 1\nsummary: s\n---\n\n# T\n',
      'lessons/t/dataset.sql': 'select setseed(:seed);\ncreate table t (id int);',
      'lessons/t/exercises/01-x.md': `---\ntitle: X\n---\n\n## Task\n\nDo it.\n\n## Solution\n\n\`\`\`sql\nselect 1 as x;\n\`\`\`\n\n## Checks\n\n\`\`\`yaml\n- sql:\n    forbids: [${forbids}]\n\`\`\`\n\n## Wrong answers\n\n### A\n\n\`\`\`sql\nselect 2 as x;\n\`\`\`\n\nfails: sql\n`,
    });
    expect(loadLessons(files('call to_tsquery'))[0].exercises[0].checks[0]).toMatchObject({ kind: 'sql', forbids: ['call to_tsquery'] });
    expect(() => loadLessons(files('calls to_tsquery'))).toThrow(/unknown construct/);
  });
});
