// `requires: [recursive cte]` must see a WITH RECURSIVE: the parse tree holds it as a WithClause
// body under the key `withClause`, without the node wrapper the other constructs have.
import { expect, it } from 'vitest';
import { constructCounts, parseScript } from '../../src/lessons/sql-shape.ts';

it('a WITH RECURSIVE is a recursive cte, a plain WITH is not', async () => {
  const rec = await parseScript('with recursive t as (select 1 as n union all select n + 1 from t where n < 3) select n from t;');
  expect(constructCounts(rec!).get('recursive cte')).toBe(1);
  expect(constructCounts(rec!).get('cte')).toBe(1);
  const plain = await parseScript('with t as (select 1 as n) select n from t;');
  expect(constructCounts(plain!).get('recursive cte')).toBeUndefined();
  // Nested in a subquery and in DML too.
  const nested = await parseScript('delete from x where id in (with recursive t(n) as (select 1 union all select n + 1 from t where n < 3) select n from t);');
  expect(constructCounts(nested!).get('recursive cte')).toBe(1);
});
