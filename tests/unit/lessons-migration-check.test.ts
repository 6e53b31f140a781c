// The `migration` check kind: the real migration safety lint on the learner's SQL (no database),
// the loader's messages for a bad block, and the locks and rewrites measured on a real PGlite copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMigration, lockModeOf, MIGRATION_LINT_IDS, MigrationCheckProblem, parseMigrationCheck } from '../../src/lessons/migration-check.ts';
import { loadLessons, LessonError } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import type { Exercise } from '../../src/lessons/format.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';

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

const NOT_VALID = 'alter table orders add constraint orders_total_check check (total >= 0) not valid;';
const VALIDATE = 'alter table orders validate constraint orders_total_check;';

describe('the migration check, measured: locks held and tables rewritten', () => {
  const chapterFiles = (checks: string, solution: string) => ({
    'lessons/m/chapter.md': '---\ntitle: M\norder: 1\nsummary: s\ndataset: dataset.sql\n---\n\n# M\n',
    'lessons/m/dataset.sql': 'select setseed(:seed);\ncreate table orders (id int primary key, customer_id int not null, total numeric not null);\ninsert into orders select g, g % 97, g from generate_series(1, 2000) g;\nvacuum analyze orders;\n',
    'lessons/m/exercises/01-a.md': `---\ntitle: A\n---\n\n## Task\n\nDo it.\n\n## Solution\n\n\`\`\`sql\n${solution}\n\`\`\`\n\n## Explanation\n\nBecause.\n\n## Checks\n\n\`\`\`yaml\n${checks}\`\`\`\n\n## Wrong answers\n\n### Locked\n\n\`\`\`sql\nlock table orders in access exclusive mode;\n\`\`\`\n\nfails: migration\n\nIt blocks everyone.\n`,
  });
  let box: ChapterSandbox;
  let locks: Exercise;
  let rewrites: Exercise;
  let timeouts: Exercise;
  let writes: Exercise;
  let scans: Exercise;
  beforeAll(async () => {
    const [a] = loadLessons(chapterFiles('- migration:\n    maxLock: { orders: SHARE UPDATE EXCLUSIVE }\n', 'create index concurrently orders_customer_idx on orders (customer_id);'));
    const [b] = loadLessons(chapterFiles('- migration:\n    rewrite: false\n', "alter table orders add column currency text not null default 'EUR';"));
    locks = a.exercises[0];
    rewrites = b.exercises[0];
    const [c] = loadLessons(chapterFiles('- migration:\n    lockTimeout: 5s\n', "set lock_timeout = '5s';\nalter table orders add column currency text not null default 'EUR';"));
    timeouts = c.exercises[0];
    const [d] = loadLessons(chapterFiles('- migration:\n    writes: false\n', 'alter table orders rename column total to amount;'));
    writes = d.exercises[0];
    const [e] = loadLessons(chapterFiles('- migration:\n    scanLock: { orders: ShareUpdateExclusiveLock }\n', `${NOT_VALID}\n${VALIDATE}`));
    scans = e.exercises[0];
    box = await ChapterSandbox.build(a, ['main'], await compiledPglite());
  }, 300_000);
  afterAll(() => box?.close());

  it('reads lock modes in either spelling and refuses others', () => {
    expect(locks.checks[0]).toMatchObject({ kind: 'migration', maxLock: { orders: 'ShareUpdateExclusiveLock' } });
    expect(lockModeOf('AccessExclusiveLock')).toBe('AccessExclusiveLock');
    expect(lockModeOf('row exclusive')).toBe('RowExclusiveLock');
    expect(() => parseMigrationCheck({ maxLock: { orders: 'EXCLUSIVE-ISH' } })).toThrow(/not a lock mode/);
    expect(() => parseMigrationCheck({ rewrite: true })).toThrow(/rewrite: false/);
    expect(() => parseMigrationCheck({})).toThrow(/needs lintSilent, maxLock, scanLock, rewrite: false, writes: false or lockTimeout/);
    expect(scans.checks[0]).toMatchObject({ kind: 'migration', scanLock: { orders: 'ShareUpdateExclusiveLock' } });
    expect(() => parseMigrationCheck({ scanLock: { orders: 'SOMEWHAT' } })).toThrow(/scanLock of orders: "SOMEWHAT" is not a lock mode/);
    expect(() => parseMigrationCheck({ writes: true })).toThrow(/writes: false/);
    expect(writes.checks[0]).toMatchObject({ kind: 'migration', writes: false });
    expect(timeouts.checks[0]).toMatchObject({ kind: 'migration', lockTimeout: 5000 });
    expect(() => parseMigrationCheck({ lockTimeout: '0' })).toThrow(/above 0/);
    expect(() => parseMigrationCheck({ lockTimeout: 'soon' })).toThrow(/lockTimeout/);
  });

  it('a plain CREATE INDEX holds SHARE on the table, which blocks writes: refused, with the statement named', async () => {
    const r = await checkExercise(box, locks, 'create index orders_customer_idx on orders (customer_id);');
    expect(r.passed).toBe(false);
    const m = r.checks.find((c) => c.kind === 'migration')!;
    expect(m.message).toMatch(/line 1 \(`create index orders_customer_idx.*`\) holds ShareLock on orders, which blocks writes/);
    expect(m.message).toMatch(/allows at most ShareUpdateExclusiveLock/);
  });

  it('CREATE INDEX CONCURRENTLY passes; a LOCK TABLE hidden in a transaction does not', async () => {
    const ok = await checkExercise(box, locks, 'create index concurrently orders_customer_idx on orders (customer_id);');
    expect(ok.passed, JSON.stringify(ok.checks)).toBe(true);
    expect(ok.checks.find((c) => c.kind === 'migration')!.message).toMatch(/no lock stronger than ShareUpdateExclusiveLock on orders/);
    const locked = await checkExercise(box, locks, 'begin;\nlock table orders in exclusive mode;\ncommit;\ncreate index concurrently orders_customer_idx on orders (customer_id);');
    expect(locked.passed).toBe(false);
    expect(locked.checks.find((c) => c.kind === 'migration')!.message).toMatch(/holds ExclusiveLock on orders/);
  });

  it('writes: false accepts a rename and refuses a copy into a new column, counting the rows each statement wrote', async () => {
    const ok = await checkExercise(box, writes, 'alter table orders rename column total to amount;');
    expect(ok.passed, JSON.stringify(ok.checks)).toBe(true);
    expect(ok.checks.find((c) => c.kind === 'migration')!.message).toMatch(/no row written/);
    const copy = 'alter table orders add column amount numeric;\nupdate orders set amount = total;\nalter table orders alter column amount set not null;\nalter table orders drop column total;';
    const bad = await checkExercise(box, writes, copy);
    expect(bad.passed).toBe(false);
    const m = bad.checks.find((c) => c.kind === 'migration')!.message;
    expect(m).toMatch(/line 2 \(`update orders set amount = total;?`\) wrote 2000 rows of orders/);
    expect(m, m).not.toMatch(/line [134] /);
    // Rows of a table the script creates are not counted: nobody else is using it yet.
    const fresh = await checkExercise(box, writes, 'create table notes (id int);\ninsert into notes values (1), (2);\nalter table orders rename column total to amount;');
    expect(fresh.passed, JSON.stringify(fresh.checks)).toBe(true);
  });

  it('rewrite: false refuses a volatile default (the table is copied) and accepts a constant one', async () => {
    const ok = await checkExercise(box, rewrites, "alter table orders add column currency text not null default 'EUR';");
    expect(ok.passed, JSON.stringify(ok.checks)).toBe(true);
    const bad = await checkExercise(box, rewrites, "alter table orders add column currency text not null default left('EUR' || random()::text, 3);");
    expect(bad.passed).toBe(false);
    expect(bad.checks.find((c) => c.kind === 'migration')!.message).toMatch(/rewrote orders/);
  });

  it('lockTimeout is measured: the lock_timeout the server holds when a blocking lock is taken, however it was set', async () => {
    const alter = "\nalter table orders add column currency text not null default 'EUR';";
    for (const ok of ["set lock_timeout = '5s';", "set lock_timeout = 2000;", "select set_config('lock_timeout', '1s', false);"]) {
      const r = await checkExercise(box, timeouts, ok + alter);
      expect(r.passed, `${ok} ${JSON.stringify(r.checks)}`).toBe(true);
    }
    const long = await checkExercise(box, timeouts, "set lock_timeout = '1h';" + alter);
    expect(long.passed).toBe(false);
    expect(long.checks.find((c) => c.kind === 'migration')!.message).toMatch(/line 2 .* waits for AccessExclusiveLock on orders with lock_timeout 3600s; the task allows a wait of at most 5s/);
    for (const none of ["set lock_timeout = '0.0';", "set lock_timeout = '0h';", ''] ) {
      const r = await checkExercise(box, timeouts, none + alter);
      expect(r.passed, none).toBe(false);
      expect(r.checks.find((c) => c.kind === 'migration')!.message).toMatch(/no lock_timeout \(0: it waits for ever\)/);
    }
    // Set after the ALTER: the ALTER waited without one.
    expect((await checkExercise(box, timeouts, alter.trim() + "\nset lock_timeout = '5s';")).passed).toBe(false);
    // A statement that takes no blocking lock needs no timeout.
    expect((await checkExercise(box, timeouts, 'create index concurrently orders_customer_idx on orders (customer_id);')).passed).toBe(true);
  });

  it('scanLock: the rows are read under the weak lock in a transaction of their own, whatever the transaction shape', async () => {
    for (const ok of [
      `${NOT_VALID}\n${VALIDATE}`,
      `${NOT_VALID}\nbegin;\n${VALIDATE}\ncommit;`,
      `begin;\n${NOT_VALID}\ncommit;\nbegin;\nset local lock_timeout = '5s';\n${VALIDATE}\nend;`,
    ]) {
      const r = await checkExercise(box, scans, ok);
      expect(r.passed, `${ok} ${JSON.stringify(r.checks)}`).toBe(true);
      expect(r.checks[0].message).toMatch(/the rows of orders read under no lock stronger than ShareUpdateExclusiveLock/);
    }
  });

  it('scanLock: a VALIDATE in the ADD\'s transaction, or a CHECK validated at once, reads the rows under the ADD\'s lock', async () => {
    const same = await checkExercise(box, scans, `begin;\n${NOT_VALID}\n${VALIDATE}\ncommit;`);
    expect(same.passed).toBe(false);
    expect(same.checks[0].message).toMatch(/line 3 \(`alter table orders validate constraint orders_total_check;?`\) reads 2000 rows of orders under AccessExclusiveLock, held by its transaction since line 2: AccessExclusiveLock blocks every read and write of the table, for the whole scan\. The task allows at most ShareUpdateExclusiveLock while the rows are read: commit before this statement/);
    const once = await checkExercise(box, scans, 'alter table orders add constraint orders_total_check check (total >= 0);');
    expect(once.passed).toBe(false);
    expect(once.checks[0].message).toMatch(/line 1 .* reads 2000 rows of orders under AccessExclusiveLock, held by its transaction: /);
    // A lock taken by hand before the VALIDATE, in its transaction, is held while it reads.
    const locked = await checkExercise(box, scans, `${NOT_VALID}\nbegin;\nlock table orders in share mode;\n${VALIDATE}\ncommit;`);
    expect(locked.passed).toBe(false);
    expect(locked.checks[0].message).toMatch(/under ShareLock, held by its transaction since line 3/);
  });
});
