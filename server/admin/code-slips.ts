import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import Papa from 'papaparse';
import QRCode from 'qrcode';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { formatCode } from '../teacher/access-codes.ts';
import { translator, type Lang } from '../platform/i18n.ts';
import type { Actor } from '../platform/audit-log.ts';
import { problem, type Checked } from '../platform/problems.ts';
import { issueCodes, issueCodesForWave, WaveError } from '../waves.ts';
import { isUuid } from './waves.ts';
import { slipSummaryLink, summaryUrl } from '../advocacy/staff-summary.ts';

/**
 * Access codes for one school in one wave, generated once and handed over once: as a printable
 * sheet of slips (code, answer URL, QR code, a short instruction) or as CSV. Only hashes are
 * stored (`issueCodes`); the codes exist in this response and nowhere else.
 */
export const MAX_CODES_PER_REQUEST = 5000;
export type CodeFormat = 'html' | 'csv';

export interface CodeRequestFields {
  schoolId: string;
  /** empty = the school's staff count */
  count: string;
  format: string;
}

export interface CodeRequest {
  schoolId: string;
  count: number;
  format: CodeFormat;
}

export interface Slip {
  /** grouped for reading: XXXX-XXXX-XXXXX */
  code: string;
  url: string;
  /** an inline SVG QR code of `url`, without style attributes (CSP `style-src 'self'`) */
  qrSvg: string;
}

export interface SlipSheet {
  schoolName: string;
  waveName: string;
  /** the base of the answer URLs, e.g. https://schoolpols.example */
  base: string;
  slips: Slip[];
  /**
   * "What happened with last time's answers": a link to the school's live staff summary of its
   * previous wave (issue 19), the same on every slip; null when there is none.
   */
  summary: SlipSummary | null;
}

export interface SlipSummary {
  /** the previous wave's name */
  waveName: string;
  url: string;
  /** an inline SVG QR code of `url`, as `Slip.qrSvg` */
  qrSvg: string;
}

export const answerUrl = (base: string, code: string) => `${base.replace(/\/+$/, '')}/c/${code}`;

/** Checks a request for codes: the school takes part in the wave; count 1..5000 (default its staff count). */
export async function checkCodeRequest(db: Kysely<Database>, waveId: string, raw: CodeRequestFields): Promise<Checked<CodeRequest>> {
  const school = isUuid(raw.schoolId)
    ? await db
        .selectFrom('wave_school')
        .innerJoin('school', 'school.id', 'wave_school.school_id')
        .select(['school.staff_count'])
        .where('wave_school.wave_id', '=', waveId)
        .where('wave_school.school_id', '=', raw.schoolId)
        .executeTakeFirst()
    : undefined;
  if (!school) return { ok: false, problems: [problem('schoolId', 'admin.codes.error.school')] };
  const text = raw.count.trim();
  const count = text === '' ? school.staff_count : Number(text);
  if (!/^\d*$/.test(text) || !Number.isInteger(count) || count < 1 || count > MAX_CODES_PER_REQUEST) {
    return { ok: false, problems: [problem('count', 'admin.codes.error.count', { max: MAX_CODES_PER_REQUEST })] };
  }
  if (raw.format !== 'html' && raw.format !== 'csv') return { ok: false, problems: [problem('format', 'admin.codes.error.format')] };
  return { ok: true, value: { schoolId: raw.schoolId, count, format: raw.format } };
}

/** The names printed on slips and in the CSV file name. */
async function names(db: Kysely<Database>, waveId: string, schoolId: string) {
  const wave = await db.selectFrom('wave').select('name').where('id', '=', waveId).executeTakeFirst();
  const school = await db.selectFrom('school').select(['name', 'instellingsnummer']).where('id', '=', schoolId).executeTakeFirst();
  if (!wave) throw new WaveError('not-found', 'wave not found');
  return { waveName: wave.name, schoolName: school?.name ?? '', schoolNumber: school?.instellingsnummer ?? null };
}

/** A QR code as inline SVG that a strict CSP allows: no `style` attribute or element, hidden from screen readers (the URL is printed beside it). */
export async function qrSvg(url: string): Promise<string> {
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return svg
    .replace(/<style[\s\S]*?<\/style>/gi, '')
    .replace(/\sstyle="[^"]*"/gi, '')
    .replace(/<svg\b/, '<svg class="qr" aria-hidden="true" focusable="false"');
}

export async function slipSheet(
  codes: string[],
  info: { base: string; schoolName: string; waveName: string },
  /** a link to the previous wave's staff summary (`slipSummaryLink`), if any */
  summary: { token: string; waveName: string } | null = null,
): Promise<SlipSheet> {
  const slips = await Promise.all(
    codes.map(async (code) => {
      const url = answerUrl(info.base, code);
      return { code: formatCode(code), url, qrSvg: await qrSvg(url) };
    }),
  );
  const url = summary && summaryUrl(info.base, summary.token);
  return {
    base: info.base,
    schoolName: info.schoolName,
    waveName: info.waveName,
    slips,
    summary: summary && url ? { waveName: summary.waveName, url, qrSvg: await qrSvg(url) } : null,
  };
}

/**
 * The codes as CSV the way Belgian Excel opens it directly: `;`-separated, UTF-8 with a byte-order
 * mark (so accented school names survive), one code per row.
 */
export function codesCsv(
  codes: string[],
  info: { base: string; schoolName: string; schoolNumber: string | null; waveName: string },
): string {
  return schoolsCodesCsv([{ schoolName: info.schoolName, schoolNumber: info.schoolNumber, codes }], info);
}

/**
 * Several schools' codes in one file, school by school, each with its official school number
 * (instellingsnummer, empty when not known): what a mail merge per school matches on.
 */
export function schoolsCodesCsv(
  schools: ReadonlyArray<{ schoolName: string; schoolNumber: string | null; codes: string[] }>,
  info: { base: string; waveName: string },
): string {
  const data = schools.flatMap(({ schoolName, schoolNumber, codes }) =>
    codes.map((c) => [schoolName, schoolNumber ?? '', info.waveName, formatCode(c), answerUrl(info.base, c)]),
  );
  const body = Papa.unparse(
    { fields: ['school', 'school_number', 'wave', 'code', 'url'], data },
    // A school name such as "=HYPERLINK(…)" must stay text in a spreadsheet.
    { delimiter: ';', newline: '\r\n', escapeFormulae: true },
  );
  return `\uFEFF${body}\r\n`;
}

export function csvFileName(schoolName: string, waveName: string): string {
  const slug = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60)
      .toLowerCase();
  return `codes-${slug(schoolName) || 'school'}-${slug(waveName) || 'wave'}.csv`;
}

export type GeneratedCodes =
  { format: 'csv'; fileName: string; csv: string; count: number } | { format: 'html'; sheet: SlipSheet; count: number };

/**
 * Issues the codes (hashes stored, audit entry with the count only) and returns them in the chosen
 * format. Throws `WaveError('already-closed')` for a closed wave, with nothing changed.
 */
export async function generateCodes(
  db: Kysely<Database>,
  waveId: string,
  request: CodeRequest,
  base: string,
  actor?: Actor,
): Promise<GeneratedCodes> {
  const info = { base, ...(await names(db, waveId, request.schoolId)) };
  const codes = await issueCodes(db, waveId, request.schoolId, request.count, actor);
  if (request.format === 'csv')
    return { format: 'csv', fileName: csvFileName(info.schoolName, info.waveName), csv: codesCsv(codes, info), count: codes.length };
  // Minted only for a sheet that is handed out: the link exists in this response and as a hash.
  const summary = await slipSummaryLink(db, waveId, request.schoolId);
  return { format: 'html', sheet: await slipSheet(codes, info, summary), count: codes.length };
}

/**
 * Codes for every school of a wave, each as many as its staff count (schools without a staff count
 * get none), in one transaction; returned once as one CSV. Throws `WaveError` with nothing changed.
 */
export async function generateCodesForAllSchools(
  db: Kysely<Database>,
  waveId: string,
  base: string,
  actor?: Actor,
): Promise<{ csv: string; fileName: string; count: number; schools: number }> {
  const wave = await db.selectFrom('wave').select('name').where('id', '=', waveId).executeTakeFirst();
  if (!wave) throw new WaveError('not-found', 'wave not found');
  const schools = await db
    .selectFrom('wave_school')
    .innerJoin('school', 'school.id', 'wave_school.school_id')
    .select(['school.id', 'school.name', 'school.instellingsnummer', 'school.staff_count'])
    .where('wave_school.wave_id', '=', waveId)
    .where('school.staff_count', '>', 0)
    .orderBy('school.name')
    .execute();
  const codes = await issueCodesForWave(
    db,
    waveId,
    schools.map((s) => ({ schoolId: s.id, count: s.staff_count })),
    actor,
  );
  const csv = schoolsCodesCsv(
    schools.map((s) => ({ schoolName: s.name, schoolNumber: s.instellingsnummer, codes: codes.get(s.id)! })),
    { base, waveName: wave.name },
  );
  return {
    csv,
    fileName: csvFileName('alle scholen', wave.name),
    count: schools.reduce((a, s) => a + s.staff_count, 0),
    schools: schools.length,
  };
}

/**
 * The sheet as one self-contained HTML document (the CLI writes it to a file that is opened from
 * disk, so the print style sheet is embedded; the web page links /static/slips.css instead).
 */
export async function slipsDocument(sheet: SlipSheet, lang: Lang = 'nl'): Promise<string> {
  const views = fileURLToPath(new URL('../../web/views', import.meta.url));
  const css = await readFile(fileURLToPath(new URL('../../web/static/slips.css', import.meta.url)), 'utf8');
  const eta = new Eta({ views, autoEscape: true });
  return eta.renderAsync('admin/slips-standalone', { sheet, css, lang, t: translator(lang), tnl: translator('nl'), ten: translator('en') });
}
