import { describe, it, expect } from 'vitest';
import { canonicalJson, exactNumber } from '../../src/lessons/json-compare.ts';
import { compareResults } from '../../src/lessons/checker.ts';

describe('canonicalJson', () => {
  it('ignores key order and whitespace, keeps array order', () => {
    expect(canonicalJson('{"b": 1, "a": [1, 2]}')).toBe(canonicalJson('{"a":[1,2],"b":1}'));
    expect(canonicalJson('[1, 2]')).not.toBe(canonicalJson('[2, 1]'));
  });
  it('keeps the last of duplicate keys, as jsonb does', () => {
    expect(canonicalJson('{"a": 1, "a": 2}')).toBe('{"a":2}');
  });
  it('compares numbers exactly, by value', () => {
    expect(canonicalJson('{"p": 1.50}')).toBe(canonicalJson('{"p": 1.5}'));
    expect(canonicalJson('[15e-1, 1E2, -0.0, 0.001e3]')).toBe('[1.5,100,0,1]');
    expect(canonicalJson('12345678901234567890')).toBe('12345678901234567890');
    expect(canonicalJson('12345678901234567890')).not.toBe(canonicalJson('12345678901234567891'));
    expect(exactNumber('1.2e-3')).toBe('0.0012');
  });
  it('tells strings from numbers and unescapes strings', () => {
    expect(canonicalJson('"1"')).not.toBe(canonicalJson('1'));
    expect(canonicalJson('"caf\\u00e9"')).toBe(canonicalJson('"café"'));
  });
  it('returns undefined for text that is not JSON', () => {
    for (const t of ['', 'abc', '{"a":1', '{"a" 1}', '[1,]', '1 2', "{'a':1}"]) expect(canonicalJson(t)).toBeUndefined();
  });
});

describe('result checks on json and jsonb columns', () => {
  const rs = (type: string, ...values: string[]) => ({ columns: ['doc'], types: [type], rows: values.map((v) => [v]) });
  it('passes the same value written differently (json against jsonb, key order, 1.0 against 1)', () => {
    const r = compareResults(rs('jsonb', '{"a": 1, "b": [1, 2]}'), rs('json', '{ "b" : [1,2], "a" : 1.0 }'), { kind: 'result' });
    expect(r.passed).toBe(true);
  });
  it('fails a different value, and an array in another order', () => {
    expect(compareResults(rs('jsonb', '{"a": 1}'), rs('jsonb', '{"a": 2}'), { kind: 'result' }).passed).toBe(false);
    expect(compareResults(rs('jsonb', '[1, 2]'), rs('jsonb', '[2, 1]'), { kind: 'result' }).passed).toBe(false);
    expect(compareResults(rs('jsonb', '{"a": "1"}'), rs('jsonb', '{"a": 1}'), { kind: 'result' }).passed).toBe(false);
  });
  it('compares as text when the task asks for it, or when one side is not json', () => {
    expect(compareResults(rs('jsonb', '{"a": 1}'), rs('json', '{"a":1}'), { kind: 'result', asText: true }).passed).toBe(false);
    expect(compareResults(rs('jsonb', '{"a": 1, "b": 2}'), rs('text', '{"b": 2, "a": 1}'), { kind: 'result' }).passed).toBe(false);
  });
});
