// Result checks compare values by their type, not only by how they print: a column of another
// type family than the reference's fails even when every value prints the same ('16' as text is
// not the number 16, a jsonb document as text is a string), while spellings of one number in one
// family (0.00 and 0, a real widened to double precision) still pass.
import { describe, it, expect } from 'vitest';
import { compareResults, canonicalNumber, typeFamily } from '../../src/lessons/checker.ts';

const rs = (type: string, ...values: (string | null)[]) => ({ columns: ['v'], types: [type], rows: values.map((v) => [v]) });

describe('type families of result columns', () => {
  it('groups the types whose values print alike', () => {
    expect(['integer', 'bigint', 'numeric', 'real', 'double precision'].map(typeFamily)).toEqual(Array(5).fill('number'));
    expect(['text', 'character varying', 'character', 'name'].map(typeFamily)).toEqual(Array(4).fill('text'));
    expect(['json', 'jsonb'].map(typeFamily)).toEqual(['json', 'json']);
    expect(typeFamily('integer[]')).toBe('number[]');
    expect(typeFamily('timestamp with time zone')).toBeUndefined();
  });

  it('fails text, json or boolean where the reference has numbers, though they print the same', () => {
    for (const type of ['text', 'jsonb', 'character varying']) {
      const r = compareResults(rs('integer', '16', '32'), rs(type, '16', '32'), { kind: 'result' });
      expect(r.passed, type).toBe(false);
      expect(r.message).toContain(type);
      expect(r.details.wrongTypes).toEqual(['v']);
    }
    expect(compareResults(rs('jsonb', '{"a": 1}'), rs('text', '{"a": 1}'), { kind: 'result' }).passed).toBe(false);
    expect(compareResults(rs('boolean', 'true'), rs('text', 'true'), { kind: 'result' }).passed).toBe(false);
    expect(compareResults(rs('text', '42'), rs('integer', '42'), { kind: 'result' }).passed).toBe(false);
    expect(compareResults(rs('integer[]', '{1,2}'), rs('text[]', '{1,2}'), { kind: 'result' }).passed).toBe(false);
  });

  it('lets the task compare printed text instead (asText)', () => {
    expect(compareResults(rs('integer', '16'), rs('text', '16'), { kind: 'result', asText: true }).passed).toBe(true);
  });

  it('passes other types of one family, and types outside the families as printed', () => {
    expect(compareResults(rs('numeric', '0.00', '1.50'), rs('numeric', '0', '1.5'), { kind: 'result' }).passed).toBe(true);
    expect(compareResults(rs('bigint', '7'), rs('numeric', '7.000'), { kind: 'result' }).passed).toBe(true);
    expect(compareResults(rs('text', 'a'), rs('character varying', 'a'), { kind: 'result' }).passed).toBe(true);
    expect(compareResults(rs('json', '{"a":1}'), rs('jsonb', '{"a": 1.0}'), { kind: 'result' }).passed).toBe(true);
    expect(compareResults(rs('regconfig', 'english'), rs('text', 'english'), { kind: 'result' }).passed).toBe(true);
  });

  it('compares a real with a double precision at the precision of a real', () => {
    // ts_rank() is a real: 0.0607927; the same value widened, ts_rank(…)::float8, prints 0.0607927003860474.
    const widened = String(Math.fround(0.0607927));
    expect(widened).not.toBe('0.0607927');
    expect(compareResults(rs('real', '0.0607927', '0.1'), rs('double precision', widened, String(Math.fround(0.1))), { kind: 'result' }).passed).toBe(true);
    expect(compareResults(rs('double precision', widened), rs('real', '0.0607927'), { kind: 'result' }).passed).toBe(true);
    // Another value stays another value, at real precision too.
    expect(compareResults(rs('real', '0.0607927'), rs('double precision', '0.0607937'), { kind: 'result' }).passed).toBe(false);
    // Two doubles keep 12 digits.
    expect(compareResults(rs('double precision', '0.0607927003860474'), rs('double precision', '0.0607927'), { kind: 'result' }).passed).toBe(false);
    expect(canonicalNumber('0.0607927003860474', 'real')).toBe(canonicalNumber('0.0607927', 'real'));
  });
});
