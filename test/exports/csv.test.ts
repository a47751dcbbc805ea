import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { BATCH_ROWS, csvChunks, csvText, formatCell, formatDecimal } from '../../server/research/csv.ts';
import type { Column } from '../../server/research/columns.ts';

const col = (name: string, type: Column['type']): Column => ({ name, type, description: name });

describe('CSV writer', () => {
  it('writes numbers with at most 6 decimals, no exponent, no "-0", in either decimal char', () => {
    expect(formatDecimal(3.4721687)).toBe('3.472169');
    expect(formatDecimal(50)).toBe('50');
    expect(formatDecimal(0.1 + 0.2)).toBe('0.3');
    expect(formatDecimal(1e-7)).toBe('0');
    expect(formatDecimal(-1e-9)).toBe('0');
    expect(formatDecimal(-0.25)).toBe('-0.25');
    expect(formatDecimal(123456.1234567)).toBe('123456.123457');
    expect(formatDecimal(2.5e-5, ',')).toBe('0,000025');
    expect(() => formatDecimal(Number.NaN)).toThrow(RangeError);
    expect(() => formatDecimal(Infinity)).toThrow(RangeError);
  });

  it('formats cells by column type and refuses a value of the wrong type', () => {
    expect(formatCell(null, col('mean', 'number'), 'standard')).toBe('');
    expect(formatCell(12, col('n', 'integer'), 'excel-nl')).toBe('12');
    expect(formatCell(true, col('reverse', 'boolean'), 'excel-nl')).toBe('true');
    expect(formatCell(3.5, col('mean', 'number'), 'excel-nl')).toBe('3,5');
    expect(() => formatCell(1.5, col('n', 'integer'), 'standard')).toThrow(TypeError);
    expect(() => formatCell('3', col('mean', 'number'), 'standard')).toThrow(TypeError);
    // Text a spreadsheet would run as a formula is neutralised in every dialect (issue 16).
    for (const s of ['=1+1', '+32 9', '-x', '@SUM(A1)']) {
      expect(formatCell(s, col('scope_label', 'string'), 'excel-nl')).toBe(`'${s}`);
      expect(formatCell(s, col('scope_label', 'string'), 'standard')).toBe(`'${s}`);
    }
  });

  it('quotes separators, quotes and line breaks so papaparse reads the cells back exactly', async () => {
    const columns = [col('label', 'string'), col('x', 'number')];
    const rows = [
      ['a, "b"; c', 1.25],
      ['two\nlines', null],
    ];
    for (const [dialect, delimiter] of [
      ['standard', ','],
      ['excel-nl', ';'],
    ] as const) {
      const text = await csvText(columns, rows, dialect);
      const parsed = Papa.parse<Record<string, string>>(text, { header: true, delimiter, skipEmptyLines: true });
      expect(parsed.errors).toEqual([]);
      expect(parsed.data).toEqual([
        { label: 'a, "b"; c', x: dialect === 'standard' ? '1.25' : '1,25' },
        { label: 'two\nlines', x: '' },
      ]);
      expect(text.startsWith('\ufeff')).toBe(dialect === 'excel-nl');
      expect(text.endsWith('\r\n')).toBe(true);
    }
  });

  it('streams a header chunk and then one chunk per batch of rows', async () => {
    const columns = [col('i', 'integer')];
    const rows = Array.from({ length: BATCH_ROWS * 2 + 3 }, (_, i) => [i]);
    const chunks: string[] = [];
    for await (const c of csvChunks(columns, rows, 'standard')) chunks.push(c);
    expect(chunks).toHaveLength(4);
    expect(chunks[0]).toBe('i\r\n');
    expect(chunks.slice(1).map((c) => c.split('\r\n').length - 1)).toEqual([BATCH_ROWS, BATCH_ROWS, 3]);
    await expect(csvText(columns, [[1, 2]], 'standard')).rejects.toThrow(/2 cells/);
  });
});
