import { ALPHA_THRESHOLD, ITEM_REST_THRESHOLD, type Layout, type Stat, type ThemeQuality } from '../../analysis/index.ts';
import { SUPPRESSION_CODES, type Column } from './columns.ts';
import { csvChunks, type Cell, type Dialect } from './csv.ts';
import type { QualityReport } from './quality.ts';

/**
 * `quality.csv` of a sealed wave (issue 20): one row per theme, one per item and one for the CFA
 * model, all about the network. Column descriptions are the file's codebook; the page lists them too.
 */

export const QUALITY_LEVELS = ['theme', 'item', 'model'] as const;

export function qualityColumns(layout: Layout): Column[] {
  const num = (name: string, description: string, extra: Partial<Column> = {}): Column => ({ name, type: 'number', description, ...extra });
  return [
    {
      name: 'wave_id',
      type: 'string',
      description:
        'Id (UUID) of the wave (bevraging). Every row is about the network: the schools of the wave’s network group, never a school or benchmark group.',
    },
    {
      name: 'level',
      type: 'string',
      enum: QUALITY_LEVELS,
      description:
        '`theme`: reliability of a theme; `item`: an item within its theme; `model`: the confirmatory factor analysis of all themes.',
    },
    {
      name: 'theme_id',
      type: 'string',
      enum: layout.themes.map((t) => t.id),
      description: 'Theme id (see codebook.csv); empty on the model row.',
    },
    { name: 'item_id', type: 'string', enum: layout.items.map((i) => i.id), description: 'Item id, on item rows only.' },
    {
      name: 'n',
      type: 'integer',
      minimum: 0,
      description:
        'Complete cases used: for theme and item rows the respondents who answered every item of the theme (listwise per theme; "weet niet / n.v.t." is missing); for the model row those who answered every item of the questionnaire.',
    },
    num('alpha', `Cronbach’s alpha of the theme (theme rows). Below ${ALPHA_THRESHOLD} is flagged low.`, { maximum: 1 }),
    num('std_alpha', 'Standardized alpha (from the mean inter-item correlation), as psych::alpha std.alpha.', { maximum: 1 }),
    num(
      'omega',
      `McDonald’s omega total from a one-factor minres solution, as psych::omega; needs 3 or more items. Below ${ALPHA_THRESHOLD} is flagged low.`,
      { maximum: 1 },
    ),
    { name: 'low', type: 'boolean', description: `Theme rows: true when alpha or omega is below ${ALPHA_THRESHOLD}.` },
    num(
      'item_rest_r',
      'Item rows: corrected item–rest correlation (the item with the sum of the theme’s other items), as psych::alpha r.drop.',
      { minimum: -1, maximum: 1 },
    ),
    num('alpha_if_deleted', 'Item rows: alpha of the theme without this item.', { maximum: 1 }),
    {
      name: 'weak',
      type: 'boolean',
      description: `Item rows: true when item_rest_r < ${ITEM_REST_THRESHOLD} or alpha_if_deleted > alpha of the theme.`,
    },
    num('chi_square', 'Model row: ML χ² of the CFA (every item loads on its own theme; themes correlate; lavaan::cfa defaults).', {
      minimum: 0,
    }),
    { name: 'df', type: 'integer', minimum: 0, description: 'Model row: degrees of freedom of χ².' },
    num('cfi', 'Model row: comparative fit index (≥ 0.95 good, Hu & Bentler 1999).', { maximum: 1 }),
    num('tli', 'Model row: Tucker–Lewis index (≥ 0.95 good).'),
    num('rmsea', 'Model row: root mean square error of approximation (≤ 0.06 good).', { minimum: 0 }),
    num('srmr', 'Model row: standardized root mean square residual (≤ 0.08 good).', { minimum: 0 }),
    {
      name: 'required_n',
      type: 'integer',
      minimum: 0,
      description:
        'Model row: complete cases the CFA needs: max(200, 10 × free parameters). Below it the model row has no fit numbers and unavailable = below-minimum.',
    },
    {
      name: 'suppressed',
      type: 'string',
      enum: Object.keys(SUPPRESSION_CODES),
      description:
        'Empty when released; otherwise the disclosure rule that withheld every number of the row (R1: fewer than k complete cases; R3: the network group is withheld).',
    },
    {
      name: 'unavailable',
      type: 'string',
      description:
        'Why a number of a released row is empty or to be read with care, as `statistic:reason` separated by `;` (e.g. `omega:few-items`, `cfa:below-minimum`, `cfa:improper` for a Heywood case or non-positive-definite factor covariances).',
    },
  ];
}

const value = (s: Stat): number | null => (s.ok ? s.value : null);
const reasons = (entries: Array<[string, { ok: boolean; reason?: string }]>) =>
  entries.flatMap(([name, s]) => (s.ok ? [] : [`${name}:${s.reason}`])).join(';') || null;

type Row = Partial<Record<string, Cell>>;

function themeRows(layout: Layout, ti: number, t: ThemeQuality | null, rule: string | null): Row[] {
  const theme = layout.themes[ti]!;
  const items = theme.itemIndices.map((i) => layout.items[i]!.id);
  if (!t || t.withheld)
    return [
      { level: 'theme', theme_id: theme.id, suppressed: rule ?? 'R1' },
      ...items.map((id) => ({ level: 'item', theme_id: theme.id, item_id: id, suppressed: rule ?? 'R1' })),
    ];
  const r = t.reliability;
  const alpha = value(r.alpha.alpha);
  const omega = r.omega.ok ? r.omega.value : null;
  const themeRow: Row = {
    level: 'theme',
    theme_id: theme.id,
    n: r.n,
    alpha,
    std_alpha: value(r.standardizedAlpha),
    omega,
    low: (alpha !== null && alpha < ALPHA_THRESHOLD) || (omega !== null && omega < ALPHA_THRESHOLD),
    unavailable: reasons([
      ['alpha', r.alpha.alpha],
      ['std_alpha', r.standardizedAlpha],
      ['omega', r.omega],
    ]),
  };
  return [
    themeRow,
    ...items.map((id, j): Row => {
      const it = r.perItem[j]!;
      return {
        level: 'item',
        theme_id: theme.id,
        item_id: id,
        n: r.n,
        item_rest_r: value(it.itemRest),
        alpha_if_deleted: value(it.alphaIfDeleted),
        weak: it.weak,
        unavailable: reasons([
          ['item_rest_r', it.itemRest],
          ['alpha_if_deleted', it.alphaIfDeleted],
        ]),
      };
    }),
  ];
}

function modelRow(report: QualityReport, rule: string | null): Row {
  const m = report.quality?.model;
  if (!m) return { level: 'model', suppressed: rule };
  if (!m.ok) return { level: 'model', n: m.n, required_n: m.minimum, unavailable: `cfa:${m.reason}` };
  const f = m.fit;
  return {
    level: 'model',
    n: f.n,
    chi_square: f.chiSquare,
    df: f.df,
    cfi: f.cfi,
    tli: f.tli,
    rmsea: f.rmsea,
    srmr: f.srmr,
    required_n: m.minimum,
    unavailable: f.improper ? 'cfa:improper' : null,
  };
}

/** The rows in column order; a withheld network withholds every row with its rule. */
export function qualityRows(waveId: string, layout: Layout, report: QualityReport): Cell[][] {
  const q = report.quality;
  const rule = q ? null : report.withheld;
  const rows = [...layout.themes.flatMap((_, ti) => themeRows(layout, ti, q ? q.themes[ti]! : null, rule)), modelRow(report, rule)];
  const names = qualityColumns(layout).map((c) => c.name);
  return rows.map((r) => names.map((name) => (name === 'wave_id' ? waveId : (r[name] ?? null))));
}

export function qualityCsv(waveId: string, layout: Layout, report: QualityReport, dialect: Dialect): AsyncGenerator<string> {
  return csvChunks(qualityColumns(layout), qualityRows(waveId, layout, report), dialect);
}
