// The lesson verification's Python check: every ```python block of every lesson file is parsed by
// Python's own parser (Debian's python3); a block that does not parse names its file and line.
import { describe, expect, it } from 'vitest';
import { findPython, lessonPythonBlocks, pythonBlocks, verifyPython } from '../../scripts/verify-python.ts';
import { readLessonFiles } from '../../scripts/verify-lessons.ts';

const python = findPython();
const md = (s: string) => s.replace(/'''/g, '```');

describe('python blocks in Markdown', () => {
  it('finds ```python and ```py blocks with the line of their first code line, and no others', () => {
    const text = md(`# Title\n\n'''sql\nselect 1;\n'''\n\n'''python\nx = 1\n'''\n\n- item\n\n  '''py\n  def f():\n      return 2\n  '''\n`);
    const blocks = pythonBlocks('lessons/x/chapter.md', text);
    expect(blocks).toEqual([
      { file: 'lessons/x/chapter.md', line: 8, code: 'x = 1' },
      { file: 'lessons/x/chapter.md', line: 14, code: 'def f():\n    return 2' },
    ]);
  });

  it('a longer fence holds a shorter one inside', () => {
    const blocks = pythonBlocks('f.md', "````python\ns = '''\n```\n'''\n````\n");
    expect(blocks).toHaveLength(1);
    expect(blocks[0].code).toBe("s = '''\n```\n'''");
  });
});

describe.skipIf(!python)('Python\'s parser on the blocks', () => {
  it('a valid block passes; a block with a syntax error fails with the file and the line of the error', () => {
    const text = md(`intro\n\n'''python\nfrom sqlalchemy.orm import Mapped\n\nclass A:\n    id: Mapped[int]\n'''\n\ntext\n\n'''python\nclass B:\n    id: Mapped[int] =\n'''\n`);
    const r = verifyPython(pythonBlocks('lessons/demo/exercises/01-x.md', text), python);
    expect(r.checked).toBe(2);
    expect(r.problems).toHaveLength(1);
    // The second block starts on line 13; the error is on its second line.
    expect(r.problems[0]).toMatch(/^lessons\/demo\/exercises\/01-x\.md:14: the python block does not parse: invalid syntax/);
  });

  it('an indentation error is a parse error too', () => {
    const r = verifyPython([{ file: 'c.md', line: 5, code: 'def f():\nreturn 1' }], python);
    expect(r.problems).toEqual([expect.stringMatching(/^c\.md:6: the python block does not parse: expected an indented block/)]);
  });

  it('every python block of every chapter parses', () => {
    const blocks = lessonPythonBlocks(readLessonFiles());
    const r = verifyPython(blocks, python);
    expect(r.problems).toEqual([]);
    expect(r.checked).toBe(blocks.length);
  });
});

it('without python3 the check is skipped with a message, not passed', () => {
  const r = verifyPython([{ file: 'c.md', line: 1, code: 'x = (' }], null);
  expect(r.checked).toBe(0);
  expect(r.problems).toEqual([]);
  expect(r.skipped).toMatch(/no python3 found.*1 python blocks were not parsed/);
});
