import Papa from 'papaparse';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { checkSchool, lockSchools, takenNames, takenNumbers, toRow, type SchoolFields, type SchoolInput } from './schools.ts';
import type { Checked, Problem } from '../platform/problems.ts';

/**
 * Importing schools from a CSV file (one school per row, a header row first): all rows or none.
 * Belgian Excel writes `;` as delimiter, other tools `,`; the header row decides. Every problem
 * names its line and column.
 */

/** Accepted header names (compared in lower case without spaces, `_` or `-`), Dutch and English. */
const COLUMNS: Record<keyof SchoolFields, string[]> = {
  name: ['name', 'naam', 'school', 'schoolnaam'],
  benchmarkGroup: ['benchmarkgroup', 'benchmarkgroep', 'schoollevel', 'level', 'schoolniveau', 'niveau', 'onderwijsniveau'],
  municipality: ['municipality', 'gemeente', 'city'],
  staffCount: ['staffcount', 'staff', 'personeel', 'personeelsleden', 'aantalpersoneelsleden'],
  number: ['instellingsnummer', 'instnr', 'schoolnummer', 'schoolnumber', 'number', 'nummer'],
  province: ['province', 'provincie'],
};

export const MAX_IMPORT_ROWS = 10_000;
/**
 * Lines a file may have (blank lines and quoted line breaks included): checked in one pass before
 * anything is parsed, so a file of millions of empty lines costs a scan, not a record per line.
 */
export const MAX_IMPORT_LINES = 2 * MAX_IMPORT_ROWS;

export interface ImportRow extends SchoolInput {
  line: number;
}

export interface ParsedImport {
  delimiter: ';' | ',';
  rows: ImportRow[];
  /** where names are, for problems found against the store */
  nameColumn: { column: number; header: string };
  /** where school numbers are, when the file has them */
  numberColumn: { column: number; header: string } | null;
}

const normalise = (header: string) =>
  header
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

function pickDelimiter(firstLine: string): ';' | ',' {
  const semi = firstLine.split(';').length - 1;
  const comma = firstLine.split(',').length - 1;
  return semi > 0 && semi >= comma ? ';' : ',';
}

/** Parses and checks the file on its own (no database): structure, header and every field. */
export function parseSchoolCsv(input: string): Checked<ParsedImport> {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const problems: Problem[] = [];
  const firstLine = text.slice(0, text.indexOf('\n') < 0 ? undefined : text.indexOf('\n'));
  if (!text.trim()) return { ok: false, problems: [{ field: '', key: 'admin.import.error.empty', line: 1 }] };
  const delimiter = pickDelimiter(firstLine);
  const tooLong = lineBeyond(text, MAX_IMPORT_LINES);
  if (tooLong)
    return {
      ok: false,
      problems: [
        { field: '', key: 'request.import.tooManyLines', params: { max: MAX_IMPORT_LINES, schools: MAX_IMPORT_ROWS }, line: tooLong },
      ],
    };

  // Each record with the line it starts on (a quoted field may span lines). Line breaks are counted
  // once each, from where the previous record started: one pass over the text in all.
  const records: Array<{ line: number; data: string[]; error: string | null }> = [];
  let start = 0;
  let counted = 0;
  let line = 1;
  Papa.parse<string[]>(text, {
    delimiter,
    newline: '\n',
    quoteChar: '"',
    step: (result) => {
      for (; counted < start; counted++) if (text.charCodeAt(counted) === 10) line++;
      records.push({ line, data: result.data, error: result.errors[0]?.code ?? null });
      start = result.meta.cursor + 1;
    },
  });

  const [header, ...body] = records;
  const columnOf = new Map<keyof SchoolFields, number>();
  header!.data.forEach((name, i) => {
    if (!name.trim()) return; // an empty column (Excel writes `;;` for cells it saw once) is ignored
    const field = (Object.keys(COLUMNS) as Array<keyof SchoolFields>).find((f) => COLUMNS[f].includes(normalise(name)));
    if (!field)
      problems.push({ field: name.trim(), key: 'admin.import.error.unknownColumn', params: { name: name.trim() }, line: 1, column: i + 1 });
    else if (columnOf.has(field))
      problems.push({
        field: name.trim(),
        key: 'admin.import.error.repeatedColumn',
        params: { name: name.trim() },
        line: 1,
        column: i + 1,
      });
    else columnOf.set(field, i);
  });
  for (const field of ['name', 'benchmarkGroup', 'staffCount'] as const) {
    if (!columnOf.has(field))
      problems.push({
        field: '',
        key: 'admin.import.error.missingColumn',
        params: { name: COLUMNS[field][0]!, other: COLUMNS[field].slice(1).join(', ') },
        line: 1,
      });
  }
  if (problems.length) return { ok: false, problems };

  const headerName = (field: keyof SchoolFields) => header!.data[columnOf.get(field)!]!.trim();
  const rows: ImportRow[] = [];
  const seen = new Map<string, number>();
  const seenNumbers = new Map<string, number>();
  for (const record of body) {
    if (record.data.length === 1 && record.data[0]!.trim() === '') continue; // an empty line
    if (record.error) {
      problems.push({
        field: '',
        key: record.error === 'MissingQuotes' ? 'admin.import.error.quotes' : 'admin.import.error.malformed',
        line: record.line,
      });
      continue;
    }
    // Empty cells past the last column (trailing delimiters) are not a problem.
    while (record.data.length > header!.data.length && record.data.at(-1)!.trim() === '') record.data.pop();
    while (record.data.length < header!.data.length && !header!.data[record.data.length]!.trim()) record.data.push('');
    if (record.data.length !== header!.data.length) {
      problems.push({
        field: '',
        key: 'admin.import.error.fieldCount',
        params: { expected: header!.data.length, found: record.data.length, delimiter },
        line: record.line,
      });
      continue;
    }
    const raw: SchoolFields = {
      name: record.data[columnOf.get('name')!]!,
      benchmarkGroup: record.data[columnOf.get('benchmarkGroup')!]!,
      municipality: columnOf.has('municipality') ? record.data[columnOf.get('municipality')!]! : '',
      staffCount: record.data[columnOf.get('staffCount')!]!,
      ...(columnOf.has('number') ? { number: record.data[columnOf.get('number')!]! } : {}),
      ...(columnOf.has('province') ? { province: record.data[columnOf.get('province')!]! } : {}),
    };
    const checked = checkSchool(raw);
    if (!checked.ok) {
      for (const p of checked.problems) {
        const field = p.field as keyof SchoolFields;
        problems.push({ ...p, field: headerName(field), line: record.line, column: columnOf.get(field)! + 1 });
      }
      continue;
    }
    const key = checked.value.name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({
        field: headerName('name'),
        key: 'admin.import.error.duplicateInFile',
        params: { line: earlier },
        line: record.line,
        column: columnOf.get('name')! + 1,
      });
      continue;
    }
    seen.set(key, record.line);
    const number = checked.value.number;
    if (number) {
      const earlierNumber = seenNumbers.get(number);
      if (earlierNumber !== undefined) {
        problems.push({
          field: headerName('number'),
          key: 'admin.import.error.duplicateNumberInFile',
          params: { line: earlierNumber },
          line: record.line,
          column: columnOf.get('number')! + 1,
        });
        continue;
      }
      seenNumbers.set(number, record.line);
    }
    rows.push({ ...checked.value, line: record.line });
  }
  if (!problems.length && !rows.length) problems.push({ field: '', key: 'admin.import.error.noRows', line: 2 });
  if (rows.length > MAX_IMPORT_ROWS)
    problems.push({ field: '', key: 'admin.import.error.tooMany', params: { max: MAX_IMPORT_ROWS }, line: rows[MAX_IMPORT_ROWS]!.line });
  if (problems.length) return { ok: false, problems: problems.slice(0, 200) };
  return {
    ok: true,
    value: {
      delimiter,
      rows,
      nameColumn: { column: columnOf.get('name')! + 1, header: headerName('name') },
      numberColumn: columnOf.has('number') ? { column: columnOf.get('number')! + 1, header: headerName('number') } : null,
    },
  };
}

/** The first line number past `max` (1-based), or null when the text has at most `max` lines. */
function lineBeyond(text: string, max: number): number | null {
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) {
    if (++lines > max) return lines;
  }
  return null;
}

async function checkAgainstStore(db: Kysely<Database>, text: string): Promise<Checked<ParsedImport>> {
  const parsed = parseSchoolCsv(text);
  if (!parsed.ok) return parsed;
  const taken = await takenNames(
    db,
    parsed.value.rows.map((r) => r.name),
  );
  const problems: Problem[] = parsed.value.rows
    .filter((r) => taken.has(r.name.toLowerCase()))
    .map((r) => ({
      field: parsed.value.nameColumn.header,
      key: 'admin.import.error.nameTaken',
      params: { name: r.name },
      line: r.line,
      column: parsed.value.nameColumn.column,
    }));
  const numberColumn = parsed.value.numberColumn;
  if (numberColumn) {
    const takenNos = await takenNumbers(
      db,
      parsed.value.rows.flatMap((r) => (r.number ? [r.number] : [])),
    );
    for (const r of parsed.value.rows) {
      if (r.number && takenNos.has(r.number))
        problems.push({
          field: numberColumn.header,
          key: 'admin.import.error.numberTaken',
          params: { number: r.number },
          line: r.line,
          column: numberColumn.column,
        });
    }
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  }
  return problems.length ? { ok: false, problems: problems.slice(0, 200) } : parsed;
}

/** The preview: everything that would be imported, or every problem; nothing is written. */
export async function previewSchoolImport(db: Kysely<Database>, text: string): Promise<Checked<ParsedImport>> {
  return checkAgainstStore(db, text);
}

/** Imports every row in one transaction, checking again (the store may have changed since the preview). */
export async function importSchools(db: Kysely<Database>, text: string, actor: Actor): Promise<Checked<{ count: number }>> {
  const parsed = parseSchoolCsv(text);
  if (!parsed.ok) return parsed;
  return db.transaction().execute(async (trx) => {
    await lockSchools(trx);
    const checked = await checkAgainstStore(trx, text);
    if (!checked.ok) return checked;
    const rows = checked.value.rows;
    for (let i = 0; i < rows.length; i += 1000) {
      await trx
        .insertInto('school')
        .values(rows.slice(i, i + 1000).map(toRow))
        .execute();
    }
    await recordAction(trx, actor, 'school.import', `count:${rows.length}`);
    return { ok: true, value: { count: rows.length } };
  });
}
