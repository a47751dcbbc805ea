import type { WaveResults } from '../results/wave-results.ts';
import { MIN_DRIVER_RESPONDENTS } from '../../analysis/index.ts';
import { SUPPRESSION_CODES, type Column } from './columns.ts';
import { DECIMALS, DIALECTS, LINE_TERMINATOR, type Dialect } from './csv.ts';
import { columnsOf, exportScopes, PACKAGE_FILES, type PackageFile } from './wave-export.ts';

/**
 * The Frictionless Tabular Data Package (v1 profile `tabular-data-package`, which v2 readers also
 * accept) describing the CSV files of one sealed wave in the given dialect. Deterministic: the same
 * wave gives the same descriptor (no creation time), like the CSV files themselves.
 */

const PRIMARY_KEYS: Record<PackageFile, string[]> = {
  'themes.csv': ['wave_id', 'scope', 'scope_id', 'theme_id'],
  'items.csv': ['wave_id', 'scope', 'scope_id', 'item_id'],
  'codebook.csv': ['item_id'],
  'priorities.csv': ['wave_id', 'scope', 'scope_id', 'theme_id'],
  'drivers.csv': ['wave_id', 'scope', 'scope_id', 'outcome_id', 'theme_id'],
};

const TITLES: Record<PackageFile, string> = {
  'themes.csv': 'Theme statistics per scope',
  'items.csv': 'Item statistics per scope',
  'codebook.csv': 'Codebook: every item of the questionnaire version',
  'priorities.csv': 'The union’s priorities per scope',
  'drivers.csv': 'Key drivers of the outcome items per scope',
};

const DESCRIPTIONS: Record<PackageFile, string> = {
  'themes.csv':
    'One row per scope (network, benchmark group, school) and theme: n, mean, sd, 95% CI, % favourable and Cronbach’s alpha of theme scores.',
  'items.csv':
    'One row per scope and item: n, mean, sd, % favourable and the distribution (pct_1..pct_5) of recoded answers — reverse items are recoded 6 − x before any statistic, so pct_1..pct_5 are percentages of recoded values.',
  'codebook.csv':
    'Every item with its theme, Dutch and English wording, scale, direction and the labels of the recoded values; outcome items (intention to stay, satisfaction, wellbeing) have no theme.',
  'priorities.csv':
    'One row per scope and theme: how many answered the question which (at most three) themes the union should take up first at their school, and the percentage of them naming the theme. Only the header for a questionnaire version without the question.',
  'drivers.csv': `One row per scope (network, benchmark group — never a school), outcome item and theme: the variance of the outcome explained by all theme scores and each theme’s share of it (general dominance), with bootstrap intervals; refused below ${MIN_DRIVER_RESPONDENTS} complete respondents. Only the header for a questionnaire version without outcome items.`,
};

export interface TableField {
  name: string;
  type: Column['type'];
  description: string;
  decimalChar?: string;
  constraints?: { enum?: string[]; minimum?: number; maximum?: number; pattern?: string };
}

export function tableField(c: Column, dialect: Dialect): TableField {
  const field: TableField = { name: c.name, type: c.type, description: c.description };
  if (c.type === 'number' && DIALECTS[dialect].decimalChar !== '.') field.decimalChar = DIALECTS[dialect].decimalChar;
  const constraints: NonNullable<TableField['constraints']> = {};
  // No allowed value (drivers.csv without outcome items: a header alone) is no constraint: Table Schema wants ≥ 1.
  if (c.enum?.length) constraints.enum = [...c.enum];
  if (c.minimum !== undefined) constraints.minimum = c.minimum;
  if (c.maximum !== undefined) constraints.maximum = c.maximum;
  if (c.pattern !== undefined) constraints.pattern = c.pattern;
  if (Object.keys(constraints).length) field.constraints = constraints;
  return field;
}

export function csvDialect(dialect: Dialect) {
  return { delimiter: DIALECTS[dialect].delimiter, doubleQuote: true, lineTerminator: LINE_TERMINATOR, quoteChar: '"', header: true };
}

export function methodNote(k: number): string {
  return [
    `Aggregates of an anonymous school-climate survey wave (Schoolpols, COnneCt). No raw answers and no comments are exported. Numbers pass disclosure control (minimum group k = ${k}).`,
    'Suppression: a row whose `suppressed` cell holds a rule code has every number empty: ' +
      Object.entries(SUPPRESSION_CODES)
        .map(([code, text]) => `${code} = ${text}`)
        .join('; ') +
      '.',
    'Unavailable statistics: an empty number in a row whose `suppressed` cell is empty could not be computed (sd and CI need n ≥ 2; alpha needs ≥ 2 items, ≥ 2 complete cases and variance). Both kinds are empty strings in the CSV (missingValues [""]); only `suppressed` tells them apart.',
    'Benchmark groups and the network are computed over the respondents of the schools listed under `schoolpols.scopes` (schools with fewer than k respondents can be left out, so that no small school can be computed by differencing). Breakdowns by background are not exported.',
    'Recoding: negatively worded items (`reverse` in the codebook) are recoded 6 − x before every statistic; "weet niet / n.v.t." and unanswered items are missing. % favourable = share of recoded 4–5 among valid answers (0–100). A respondent’s theme score is the mean of their valid items when at least half are valid. CIs use Student’s t. Alpha is over complete cases.',
    `Numbers are rounded to ${DECIMALS} decimals; percentages are 0–100.`,
    'Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return, and not a plain number) start with an apostrophe in every dialect; strip a leading apostrophe from text cells to get the text as entered.',
  ].join('\n\n');
}

export function dataPackage(results: WaveResults, dialect: Dialect) {
  const q = results.questionnaire;
  const spec = DIALECTS[dialect];
  return {
    profile: 'tabular-data-package',
    name: `schoolpols-wave-${results.wave.id}`.toLowerCase(),
    title: `Schoolpols — ${results.wave.name}`,
    description:
      methodNote(results.disclosure.k) +
      (dialect === 'excel-nl' ? '\n\nDialect excel-nl: semicolon separators, decimal comma, UTF-8 with a byte order mark.' : ''),
    keywords: ['school climate', 'schoolklimaat', 'survey', 'aggregates'],
    resources: PACKAGE_FILES.map((file) => ({
      profile: 'tabular-data-resource',
      name: file.replace(/\.csv$/, ''),
      path: file,
      title: TITLES[file],
      description: DESCRIPTIONS[file],
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      dialect: csvDialect(dialect),
      schema: {
        fields: columnsOf(results, file).map((c) => tableField(c, dialect)),
        missingValues: [''],
        primaryKey: PRIMARY_KEYS[file],
      },
    })),
    schoolpols: {
      wave: { id: results.wave.id, name: results.wave.name },
      questionnaire: { key: q.id, version: q.version, title: q.title },
      k: results.disclosure.k,
      dialect: { name: dialect, delimiter: spec.delimiter, decimalChar: spec.decimalChar, byteOrderMark: spec.bom !== '' },
      themes: q.themes.map((t) => ({ id: t.id, label: t.label })),
      scopes: exportScopes(results)
        .filter((s) => s.scope !== 'school')
        .map((s) => ({
          scope: s.scope,
          scope_id: s.scopeId,
          suppressed: s.group.rule ?? '',
          school_ids: s.group.released ? [...s.group.schoolIds] : [],
        })),
    },
  };
}

export function dataPackageJson(results: WaveResults, dialect: Dialect): string {
  return JSON.stringify(dataPackage(results, dialect), null, 2) + '\n';
}
