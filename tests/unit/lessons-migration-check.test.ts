// The `migration` check kind: the real migration safety lint on the learner's SQL (no database),
// and the loader's messages for a bad block.
import { describe, expect, it } from 'vitest';
import { checkMigration, MIGRATION_LINT_IDS, MigrationCheckProblem, parseMigrationCheck } from '../../src/lessons/migration-check.ts';
import { loadLessons, LessonError } from '../../src/lessons/loader.ts';

const check = parseMigrationCheck({ lintSilent: ['non_concurrent_index', 'missing_lock_timeout'] });

describe('the migration check', () => {
  it('knows the lint\'s rule ids', () => {
    expect(MIGRATION_LINT_IDS).toContain('non_concurrent_index');
    expect(MIGRATION_LINT_IDS).toContain('constraint_without_not_valid');
    expect(MIGRATION_LINT_IDS.length).toBeGreaterThanOrEqual(22);
  });

  it('passes when the listed rules find nothing, whatever other rules say', async () => {
    const o = await checkMigration(`set lock_timeout = '5s';\ncreate index concurrently orders_c_idx on orders (customer_id);\nalter table orders drop column note;`, check);
    expect(o).toMatchObject({ kind: 'migration', passed: true });
  });

  it('fails with the finding and its fix when a listed rule fires', async () => {
    const o = await checkMigration(`set lock_timeout = '5s';\ncreate index orders_c_idx on orders (customer_id);`, check);
    expect(o.passed).toBe(false);
    expect(o.message).toMatch(/1 finding: non_concurrent_index: line 2/);
    expect(o.details.found?.[0]).toMatch(/fix: .*CONCURRENTLY/i);
  });

  it('reads the parse tree: a statement inside a comment or a string is not one', async () => {
    const o = await checkMigration(`set lock_timeout = '5s';\n-- create index x on orders (a);\nselect 'create index y on orders (b)';`, check);
    expect(o.passed).toBe(true);
  });

  it('fails, without throwing, on SQL that does not parse', async () => {
    const o = await checkMigration('create index concurrently on;', check);
    expect(o.passed).toBe(false);
    expect(o.message).toMatch(/could not read your SQL/);
  });

  it('refuses unknown ids and options', () => {
    expect(() => parseMigrationCheck({ lintSilent: ['no_such_rule'] })).toThrow(MigrationCheckProblem);
    expect(() => parseMigrationCheck({ lintSilent: [] })).toThrow(/lintSilent/);
    expect(() => parseMigrationCheck({ silent: ['non_concurrent_index'] })).toThrow(/unknown migration option "silent"/);
  });

  it('the loader reports a bad block with its file and line', () => {
    const files = {
      'lessons/x/chapter.md': '---\ntitle: X\norder: 1\nsummary: s\ndataset: dataset.sql\n---\n\n# X\n',
      'lessons/x/dataset.sql': 'select setseed(:seed);\ncreate table t (a int);\n',
      'lessons/x/exercises/01-a.md': '---\ntitle: A\n---\n\n## Task\n\nDo it.\n\n## Solution\n\n```sql\ncreate index concurrently t_a_idx on t (a);\n```\n\n## Explanation\n\nBecause.\n\n## Checks\n\n```yaml\n- migration:\n    lintSilent: [nope]\n```\n\n## Wrong answers\n\n### Plain\n\n```sql\ncreate index t_a_idx on t (a);\n```\n\nfails: migration\n\nIt blocks writes.\n',
    };
    expect(() => loadLessons(files)).toThrow(LessonError);
    try {
      loadLessons(files);
    } catch (e) {
      expect((e as Error).message).toMatch(/lessons\/x\/exercises\/01-a\.md:\d+: unknown migration lint id "nope"/);
    }
  });
});
