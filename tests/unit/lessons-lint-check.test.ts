// The `lint` check kind: its options are validated with clear messages, and it runs the real
// schema linter on a real PGlite (a table with the findings fails, the mended table passes).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { checkLint, LintCheckProblem, parseLintCheck } from '../../src/lessons/lint-check.ts';
import { loadLessons } from '../../src/lessons/loader.ts';
import type { LocalEngine } from '../../src/db/local-engine.ts';
import { localEngine } from '../support/pglite.ts';

describe('parseLintCheck', () => {
  it('reads a list of check ids, all, and tables', () => {
    expect(parseLintCheck({ silent: ['serial_instead_of_identity'] })).toEqual({ kind: 'lint', silent: ['serial_instead_of_identity'] });
    expect(parseLintCheck({ silent: 'all', tables: ['t'] })).toEqual({ kind: 'lint', silent: 'all', tables: ['t'] });
  });
  it('rejects an unknown check id, naming it and the known ones', () => {
    expect(() => parseLintCheck({ silent: ['serial_is_bad'] })).toThrow(/unknown linter check id "serial_is_bad".*serial_instead_of_identity/);
  });
  it('rejects a missing or empty silent, a bad tables and an unknown option', () => {
    expect(() => parseLintCheck({})).toThrow(LintCheckProblem);
    expect(() => parseLintCheck({ silent: [] })).toThrow(/silent/);
    expect(() => parseLintCheck({ silent: 'all', tables: 'x' })).toThrow(/tables/);
    expect(() => parseLintCheck({ silent: 'all', table: ['x'] })).toThrow(/unknown lint option "table"/);
  });
  it('is wired into the loader, with the file and line on a bad block', () => {
    const ex = (checks: string) => `---\ntitle: T\n---\n\n## Task\n\nDo it.\n\n## Solution\n\n\`\`\`sql\nselect 1;\n\`\`\`\n\n## Checks\n\n\`\`\`yaml\n${checks}\n\`\`\`\n\n## Wrong answers\n\n### W\n\n\`\`\`sql\nselect 2;\n\`\`\`\n\nfails: lint\n`;
    const files = (checks: string) => ({ 'lessons/x/chapter.md': '---\ntitle: X\norder: 1\nsummary: S.\ndataset: dataset.sql\n---\n\n# X\n', 'lessons/x/dataset.sql': 'select setseed(:seed);\ncreate table t (id int primary key);', 'lessons/x/exercises/01-a.md': ex(checks) });
    const [ch] = loadLessons(files('- lint:\n    silent: [timestamp_without_time_zone]'));
    expect(ch.exercises[0].checks).toEqual([{ kind: 'lint', silent: ['timestamp_without_time_zone'] }]);
    expect(() => loadLessons(files('- lint:\n    silent: [nope]'))).toThrow(/01-a\.md.*unknown linter check id "nope"/s);
  });
});

describe('checkLint on real PGlite', () => {
  let db: LocalEngine;
  beforeAll(async () => {
    db = await localEngine();
    const r = await db.run(`create table events (id serial primary key, at timestamp not null, body text not null);
      create table other (id serial primary key, v text not null);
      insert into events (at, body) select timestamp '2025-01-01' + i * interval '1 hour', 'x' from generate_series(1, 50) i;`);
    expect(r.ok).toBe(true);
  });
  afterAll(() => db?.db.close());

  it('fails while the listed findings remain, naming them', async () => {
    const o = await checkLint(db, { kind: 'lint', silent: ['timestamp_without_time_zone', 'serial_instead_of_identity'], tables: ['events'] });
    expect(o.passed).toBe(false);
    expect(o.message).toMatch(/2 findings on events/);
    expect(o.details.found!.join('\n')).toMatch(/timestamp_without_time_zone/);
    expect(o.details.found!.join('\n')).toMatch(/serial_instead_of_identity/);
  });

  it('counts only the listed ids and tables', async () => {
    const onlyTs = await checkLint(db, { kind: 'lint', silent: ['timestamp_without_time_zone'] });
    expect(onlyTs.details.found).toHaveLength(1);
    const otherTable = await checkLint(db, { kind: 'lint', silent: ['timestamp_without_time_zone'], tables: ['other'] });
    expect(otherTable.passed).toBe(true);
  });

  it('passes once the schema is mended', async () => {
    const r = await db.run(`alter table events alter column at type timestamptz using at at time zone 'UTC';
      alter table events alter column id drop default; drop sequence events_id_seq;
      alter table events alter column id add generated always as identity (start with 51);`);
    expect(r.ok).toBe(true);
    const o = await checkLint(db, { kind: 'lint', silent: 'all', tables: ['events'] });
    expect(o.message).toMatch(/reports nothing/);
    expect(o.passed).toBe(true);
    expect((await checkLint(db, { kind: 'lint', silent: ['serial_instead_of_identity'] })).passed).toBe(false); // `other` still has serial
  });
});

describe('the recursive cte construct (found while writing the schema-design chapter)', () => {
  it('is seen in a SELECT with WITH RECURSIVE, and not in a plain WITH', async () => {
    const { parseScript, constructCounts } = await import('../../src/lessons/sql-shape.ts');
    const rec = constructCounts((await parseScript('with recursive r as (select 1 as n union all select n + 1 from r where n < 3) select * from r'))!);
    expect(rec.get('recursive cte')).toBe(1);
    const plain = constructCounts((await parseScript('with r as (select 1) select * from r'))!);
    expect(plain.get('recursive cte') ?? 0).toBe(0);
  });
});
