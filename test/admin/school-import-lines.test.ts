import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Papa from 'papaparse';
import { MAX_IMPORT_LINES, parseSchoolCsv } from '../../server/admin/school-import.ts';

/**
 * Issue 16: the school import counts lines in one pass (it counted the newlines of everything
 * before each record: 16,000 blank lines took 17 s). The line each problem names is unchanged.
 */

/** The line each record starts on, counted as before issue 16: the newlines before its start. */
function referenceLines(input: string): Array<{ line: number; blank: boolean }> {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const firstLine = text.slice(0, text.indexOf('\n') < 0 ? undefined : text.indexOf('\n'));
  const delimiter = firstLine.split(';').length - 1 > 0 && firstLine.split(';').length >= firstLine.split(',').length ? ';' : ',';
  const lines: Array<{ line: number; blank: boolean }> = [];
  let start = 0;
  Papa.parse<string[]>(text, {
    delimiter,
    newline: '\n',
    quoteChar: '"',
    step: (result) => {
      lines.push({
        line: 1 + (text.slice(0, start).match(/\n/g)?.length ?? 0),
        blank: result.data.length === 1 && result.data[0]!.trim() === '',
      });
      start = result.meta.cursor + 1;
    },
  });
  return lines;
}

describe('school import line numbers', () => {
  it('names the same lines as before for any mix of blank lines, CRLF, quoted line breaks and bad rows', () => {
    let okRuns = 0;
    const cell = fc.oneof(
      fc.constantFrom('', 'x', 'School "A"', '12', 'nul'),
      fc.constantFrom('"twee\nregels"', '"drie\r\n\nregels"', '"a;b"'),
    );
    const row = fc.oneof(
      fc.constant(''),
      fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => cells.join(';')),
      fc.nat(1_000_000).map((i) => `School ${i};basis;${1 + (i % 50)}`),
      fc.nat(1_000_000).map((i) => `"School\n${i}";"basis";${1 + (i % 50)}`),
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.constantFrom('\n', '\r\n', '\r'), (rows, eol) => {
        const text = ['naam;benchmarkgroep;personeel', ...rows].join(eol);
        const parsed = parseSchoolCsv(text);
        const records = referenceLines(text).slice(1);
        if (parsed.ok) okRuns++;
        if (parsed.ok) {
          // Every row imported, each with the line its record starts on.
          expect(parsed.value.rows.map((r) => r.line)).toEqual(records.filter((r) => !r.blank).map((r) => r.line));
        } else {
          const starts = records.map((r) => r.line);
          for (const p of parsed.problems) if (p.line! > 1 && p.key !== 'admin.import.error.noRows') expect(starts).toContain(p.line);
        }
      }),
      { numRuns: 300 },
    );
    expect(okRuns).toBeGreaterThan(10);
  });

  it('reports the line of each bad row after blank lines and a quoted line break', () => {
    const text = ['naam;benchmarkgroep;personeel', '', '"Twee\nregels";basis;3', '', '', 'Slecht;basis;veel', 'Goed;basis;4'].join('\r\n');
    const r = parseSchoolCsv(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual([expect.objectContaining({ line: 7, column: 3 })]);
  });

  it(`refuses a file of more than ${MAX_IMPORT_LINES} lines before parsing it, naming the first line too many`, () => {
    const blank = parseSchoolCsv('naam;benchmarkgroep;personeel\n' + '\n'.repeat(1_000_000));
    expect(blank).toEqual({
      ok: false,
      problems: [expect.objectContaining({ key: 'request.import.tooManyLines', line: MAX_IMPORT_LINES + 1 })],
    });
    // Exactly at the limit is parsed (no schools in it: blank lines).
    const atLimit = parseSchoolCsv('naam;benchmarkgroep;personeel' + '\n'.repeat(MAX_IMPORT_LINES - 1));
    expect(atLimit.ok).toBe(false);
    if (!atLimit.ok) expect(atLimit.problems.map((p) => p.key)).toEqual(['admin.import.error.noRows']);
  });
});
