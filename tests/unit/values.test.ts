import { describe, it, expect } from 'vitest';
import { formatCell, formatJsonPretty, isNull, toCsv, toMarkdown, toTsv } from '../../src/db/values.ts';

describe('formatCell', () => {
  it('shows text values as they are and other engines values safely', () => {
    expect(formatCell('12345678901234567890.000001')).toBe('12345678901234567890.000001');
    expect(formatCell(12345678901234567890n)).toBe('12345678901234567890');
    expect(formatCell(new Uint8Array([0, 255, 16]))).toBe('\\x00ff10');
    expect(formatCell({ a: 1n })).toBe('{"a":"1"}');
    expect(formatCell(null)).toBe('NULL');
    expect(isNull(null) && isNull(undefined) && !isNull('')).toBe(true);
  });
});

describe('formatJsonPretty', () => {
  it('indents without changing numbers or strings', () => {
    const src = '{"a": [1, 2.50], "big": 12345678901234567890, "s": "x, {y}: \\"z\\"", "e": {}, "n": null}';
    expect(formatJsonPretty(src)).toBe(
      '{\n  "a": [\n    1,\n    2.50\n  ],\n  "big": 12345678901234567890,\n  "s": "x, {y}: \\"z\\"",\n  "e": {},\n  "n": null\n}',
    );
  });
  it('leaves scalars and broken text alone', () => {
    expect(formatJsonPretty('"just a string"')).toBe('"just a string"');
    expect(formatJsonPretty('{"a": ')).toBe('{"a": ');
  });
});

describe('copy formats', () => {
  const names = ['id', 'note'];
  const rows = [['1', 'plain'], ['2', 'with, comma and "quote"'], ['3', null], ['4', ''], ['5', 'tab\there|pipe\nline']];
  it('CSV tells NULL from the empty string', () => {
    expect(toCsv(names, rows)).toBe(
      'id,note\r\n1,plain\r\n2,"with, comma and ""quote"""\r\n3,\r\n4,""\r\n5,"tab\there|pipe\nline"\r\n',
    );
  });
  it('TSV escapes like COPY text format', () => {
    expect(toTsv(names, rows).split('\n')).toEqual([
      'id\tnote', '1\tplain', '2\twith, comma and "quote"', '3\t\\N', '4\t', '5\ttab\\there|pipe\\nline', '',
    ]);
  });
  it('Markdown escapes pipes and shows NULL', () => {
    const md = toMarkdown(names, rows).split('\n');
    expect(md[0]).toBe('| id | note |');
    expect(md[1]).toBe('| --- | --- |');
    expect(md[4]).toBe('| 3 | *NULL* |');
    expect(md[5]).toBe('| 4 | `` |');
    expect(md[6]).toBe('| 5 | tab\there\\|pipe<br>line |');
  });
});
