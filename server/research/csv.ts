import { setImmediate as nextTurn } from 'node:timers/promises';
import Papa from 'papaparse';
import type { Column } from './columns.ts';

/**
 * CSV dialects: `standard` (comma, decimal point, no BOM — for R, Python, SPSS) and `excel-nl`
 * (semicolon, decimal comma, UTF-8 byte order mark — what Excel with Belgian/Dutch regional settings
 * opens correctly by double-click).
 */
export type Dialect = 'standard' | 'excel-nl';

export interface DialectSpec {
  delimiter: string;
  decimalChar: string;
  /** written before the header; Excel needs it to read UTF-8 */
  bom: string;
}

export const DIALECTS: Record<Dialect, DialectSpec> = {
  standard: { delimiter: ',', decimalChar: '.', bom: '' },
  'excel-nl': { delimiter: ';', decimalChar: ',', bom: '\ufeff' },
};

export const LINE_TERMINATOR = '\r\n';

/** Decimals kept in `number` cells (rounded as `Number#toFixed` does), trailing zeros dropped. */
export const DECIMALS = 6;

/** A cell before formatting; `null` is an empty cell. */
export type Cell = string | number | boolean | null;

/** A finite number with at most DECIMALS decimals, never in exponent notation, no "-0". */
export function formatDecimal(value: number, decimalChar = '.'): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot export ${value}`);
  let s = value.toFixed(DECIMALS);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (/^-0$/.test(s)) s = '0';
  return decimalChar === '.' ? s : s.replace('.', decimalChar);
}

/**
 * Text a spreadsheet would run as a formula (CSV injection, OWASP) gets a leading apostrophe, in
 * every dialect: a "standard" file is opened in Excel or LibreOffice as often as in R, and a school
 * or wave name such as `=HYPERLINK(…)` is typed by an admin, not by the researcher who opens it.
 * Only text cells are escaped; numeric columns never are, and a text cell that is a plain number
 * (`-3`, `-0.5`, `-1,25`) is left alone: a spreadsheet reads it as that number, never as a formula.
 */
const FORMULA = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+([.,]\d+)?$/;

export function escapeFormula(text: string): string {
  return FORMULA.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

export function formatCell(value: Cell, column: Column, dialect: Dialect): string {
  if (value === null) return '';
  switch (column.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw new TypeError(`${column.name}: expected an integer, got ${String(value)}`);
      return String(value);
    case 'number':
      if (typeof value !== 'number') throw new TypeError(`${column.name}: expected a number, got ${String(value)}`);
      return formatDecimal(value, DIALECTS[dialect].decimalChar);
    case 'boolean':
      if (typeof value !== 'boolean') throw new TypeError(`${column.name}: expected a boolean, got ${String(value)}`);
      return value ? 'true' : 'false';
    case 'string':
      return escapeFormula(String(value));
  }
}

function unparse(rows: string[][], dialect: Dialect): string {
  if (!rows.length) return '';
  // Papa quotes a cell only when it holds the delimiter, a quote or a line break.
  return Papa.unparse(rows, { delimiter: DIALECTS[dialect].delimiter, newline: LINE_TERMINATOR, header: false }) + LINE_TERMINATOR;
}

/** Rows per `Papa.unparse` call: the file streams out in chunks of about this many rows. */
export const BATCH_ROWS = 500;

/**
 * A CSV file as a stream of text chunks: the header (with the BOM of the dialect), then the rows a
 * batch at a time, so a network wave never exists as one string.
 */
export async function* csvChunks(
  columns: readonly Column[],
  rows: AsyncIterable<readonly Cell[]> | Iterable<readonly Cell[]>,
  dialect: Dialect,
): AsyncGenerator<string> {
  yield DIALECTS[dialect].bom + unparse([columns.map((c) => c.name)], dialect);
  let batch: string[][] = [];
  for await (const row of rows) {
    if (row.length !== columns.length) throw new RangeError(`row has ${row.length} cells, expected ${columns.length}`);
    batch.push(row.map((v, i) => formatCell(v, columns[i]!, dialect)));
    if (batch.length >= BATCH_ROWS) {
      yield unparse(batch, dialect);
      batch = [];
      // Give the event loop a turn between batches, whatever the consumer: other requests are
      // served meanwhile, and V8 can finish its garbage collection (its tasks run on the loop).
      await nextTurn();
    }
  }
  if (batch.length) yield unparse(batch, dialect);
}

/** The whole file as one string: for small files (codebook) and tests only. */
export async function csvText(
  columns: readonly Column[],
  rows: AsyncIterable<readonly Cell[]> | Iterable<readonly Cell[]>,
  dialect: Dialect,
): Promise<string> {
  let out = '';
  for await (const chunk of csvChunks(columns, rows, dialect)) out += chunk;
  return out;
}
