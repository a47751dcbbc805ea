import { MIN_DRIVER_RESPONDENTS, type Layout } from '../../analysis/index.ts';
import type { Column } from './columns.ts';
import { csvChunks, type Cell, type Dialect } from './csv.ts';
import { DRIVER_RESAMPLES, type DriverReport, type DriverResult } from './drivers.ts';

/**
 * `drivers.csv` of a sealed wave (issue 20): one row per scope (network, benchmark group — never a
 * school), outcome item and theme. The column descriptions are the file's codebook; the page lists them.
 */

export const DRIVER_REFUSALS = ['too-few', 'constant-outcome', 'constant-predictor', 'collinear', 'unstable-bootstrap'] as const;

export function driverColumns(layout: Layout): Column[] {
  const num = (name: string, description: string, extra: Partial<Column> = {}): Column => ({ name, type: 'number', description, ...extra });
  const share = { minimum: 0, maximum: 100 };
  return [
    { name: 'wave_id', type: 'string', description: 'Id (UUID) of the wave (bevraging).' },
    {
      name: 'scope',
      type: 'string',
      enum: ['network', 'group'],
      description: 'The whole network or a benchmark group (school level). There are never rows about a single school.',
    },
    {
      name: 'scope_id',
      type: 'string',
      description:
        '`network`, or the benchmark group id. Computed over the same schools as the scope’s rows in themes.csv (see `schoolpols.scopes` in datapackage.json).',
    },
    {
      name: 'outcome_id',
      type: 'string',
      enum: layout.outcomes.map((o) => o.id),
      description: 'The outcome item explained (see codebook.csv: the items without a theme), recoded like every item.',
    },
    { name: 'theme_id', type: 'string', enum: layout.themes.map((t) => t.id), description: 'The theme whose share is on this row.' },
    {
      name: 'n',
      type: 'integer',
      minimum: 0,
      description:
        'Complete respondents used: an answer (1–5) to the outcome item and a score on every theme. Empty when suppressed or when fewer than k.',
    },
    num(
      'r2',
      'Explained variance (R², 0–100 %) of the linear regression of the outcome on all theme scores. The same on every row of the scope and outcome.',
      share,
    ),
    num('r2_ci_low', `Lower bound of the 95 % bootstrap percentile interval of r2 (${DRIVER_RESAMPLES} draws).`, share),
    num('r2_ci_high', 'Upper bound of the 95 % bootstrap percentile interval of r2.', share),
    num(
      'weight',
      'The theme’s general dominance weight (0–100 %): its average gain in R² when added to every subset of the other themes (Budescu 1993). The weights of a scope and outcome add up to r2.',
      share,
    ),
    num(
      'weight_ci_low',
      `Lower bound of the 95 % bootstrap percentile interval of weight (${DRIVER_RESAMPLES} draws over respondents, seeded from the wave, scope and outcome: the same on every download).`,
      share,
    ),
    num('weight_ci_high', 'Upper bound of the 95 % bootstrap percentile interval of weight.', share),
    num('share', 'weight as a percentage of r2 (the shares of a scope and outcome add up to 100).', share),
    { name: 'rank', type: 'integer', minimum: 1, description: 'Rank of the theme by weight within its scope and outcome (1 = largest).' },
    {
      name: 'refused',
      type: 'string',
      enum: DRIVER_REFUSALS,
      description: `Empty when computed. Otherwise why the analysis was refused and its numbers are empty: too-few = fewer than ${MIN_DRIVER_RESPONDENTS} complete respondents; constant-outcome / constant-predictor = an outcome or theme without variance; collinear = a theme score is a linear combination of the others; unstable-bootstrap = more than 5 % of the bootstrap draws were degenerate.`,
    },
    {
      name: 'suppressed',
      type: 'string',
      enum: ['R1', 'R3'],
      description:
        'Empty when the scope is released. Otherwise the disclosure rule that withheld the scope (R1: fewer than k respondents; R3: a benchmark group below its minimum schools or respondents), as in themes.csv: nothing is computed for it.',
    },
  ];
}

const pct = (x: number) => 100 * x;

function outcomeRows(result: DriverResult, layout: Layout, k: number): Array<Partial<Record<string, Cell>>> {
  if (!result.ok) {
    const n = result.n >= k ? result.n : null;
    return layout.themes.map((t) => ({ theme_id: t.id, n, refused: result.reason }));
  }
  const order = result.weights.map((w, j) => ({ w, j })).sort((a, b) => b.w - a.w || a.j - b.j);
  const rank = new Array<number>(result.weights.length);
  order.forEach((o, i) => (rank[o.j] = i + 1));
  const ci = result.intervals;
  return layout.themes.map((t, j) => ({
    theme_id: t.id,
    n: result.n,
    r2: pct(result.r2),
    r2_ci_low: pct(ci.r2.lower),
    r2_ci_high: pct(ci.r2.upper),
    weight: pct(result.weights[j]!),
    weight_ci_low: pct(ci.weights[j]!.lower),
    weight_ci_high: pct(ci.weights[j]!.upper),
    share: result.shares ? pct(result.shares[j]!) : null,
    rank: rank[j]!,
  }));
}

/** The rows in column order: scopes as in the report, then outcomes, then themes in questionnaire order. */
export function driverRows(report: DriverReport, layout: Layout, k: number): Cell[][] {
  const names = driverColumns(layout).map((c) => c.name);
  const rows: Cell[][] = [];
  for (const s of report.scopes) {
    for (const [oi, o] of layout.outcomes.entries()) {
      const d = s.outcomes[oi]!;
      const head = { wave_id: report.waveId, scope: s.scope, scope_id: s.scopeId, outcome_id: o.id };
      const body: Array<Partial<Record<string, Cell>>> =
        d.kind === 'suppressed' ? layout.themes.map((t) => ({ theme_id: t.id, suppressed: d.rule })) : outcomeRows(d.value, layout, k);
      for (const b of body) {
        const r: Partial<Record<string, Cell>> = { ...head, ...b };
        rows.push(names.map((name) => r[name] ?? null));
      }
    }
  }
  return rows;
}

export function driversCsv(report: DriverReport, layout: Layout, k: number, dialect: Dialect): AsyncGenerator<string> {
  return csvChunks(driverColumns(layout), driverRows(report, layout, k), dialect);
}
