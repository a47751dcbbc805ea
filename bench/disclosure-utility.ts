/**
 * What the disclosure rules leave visible on the synthetic network (issue 15, docs/analysis.md §2.4):
 * per school size, the share of schools that get their results, all theme results, their items, and
 * breakdowns with theme results. Pure analysis, no database:
 *
 *   npx tsx bench/disclosure-utility.ts [analysis dir] [rate range]
 *   npx tsx bench/disclosure-utility.ts                            # ./analysis, response rate 55–90 %
 *   npx tsx bench/disclosure-utility.ts /tmp/before/analysis 20-60 # another copy, a low-turnout wave
 *
 * Schools and sizes come from the benchmark's `schoolPlan` (3,700 schools, their staff), a response
 * rate per school drawn from the range (the demo's is 55–90 %), answers and background from
 * `server/demo/synthetic.ts`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadQuestionnaireFile, SHIPPED_QUESTIONNAIRE } from '../surveys/load.ts';
import { rng, schoolEffect, syntheticResponse } from '../server/demo/synthetic.ts';
import { FULL_RESPONSES, FULL_SCHOOLS, schoolPlan } from './network.ts';

const dir = path.resolve(process.argv[2] ?? 'analysis');
const [lowRate, highRate] = (process.argv[3] ?? '55-90').split('-').map((x) => Number(x) / 100) as [number, number];
const A = await import(pathToFileURL(path.join(dir, 'index.ts')).href);
const K = 5;
const q = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE);
const layout = A.layoutOf(q);
const random = rng(15);
const schools = schoolPlan(FULL_SCHOOLS, FULL_RESPONSES, random).map((p, i) => {
  const effect = schoolEffect(q, random);
  const n = Math.round(p.staff * (lowRate + random() * (highRate - lowRate)));
  return {
    id: `s${String(i).padStart(4, '0')}`,
    group: p.group,
    rows: Array.from({ length: n }, () => syntheticResponse(q, effect, random)),
  };
});
const background = q.background.map((b) => ({ id: b.id, options: b.options.map((o) => o.id) }));
const cellsOf = (rows: Array<{ background: Record<string, string> }>) => {
  const cells = new Map<string, { background: Record<string, string>; count: number }>();
  for (const r of rows) {
    const key = JSON.stringify(r.background);
    cells.set(key, { background: r.background, count: (cells.get(key)?.count ?? 0) + 1 });
  }
  return [...cells.values()];
};
// `sealed` since the rules stored decisions; copies of analysis/ from before call it `closed`.
const decideFor = (status: string) =>
  A.disclose(
    {
      waveId: 'utility',
      status,
      background,
      schools: schools.map((s) => ({ id: s.id, respondents: s.rows.length, cells: cellsOf(s.rows) })),
      benchmarkGroups: [...new Set(schools.map((s) => s.group))].map((g) => ({
        id: g,
        schoolIds: schools.filter((s) => s.group === g).map((s) => s.id),
      })),
    },
    { k: K },
  );
const d = (() => {
  try {
    return decideFor('sealed');
  } catch (err) {
    if (err instanceof RangeError && /unknown wave status/.test(err.message)) return decideFor('closed');
    throw err;
  }
})();
const newRules = typeof A.withholdMeasures === 'function';

const BANDS = [
  [1, 4],
  [5, 9],
  [10, 19],
  [20, 49],
  [50, Infinity],
] as const;
type Tally = {
  schools: number;
  released: number;
  allThemes: number;
  items: number;
  itemsShown: number;
  breakdown: number;
  both: number;
  breakdownThemes: number;
  breakdownThemesShown: number;
};
const tally = BANDS.map((): Tally => ({
  schools: 0,
  released: 0,
  allThemes: 0,
  items: 0,
  itemsShown: 0,
  breakdown: 0,
  both: 0,
  breakdownThemes: 0,
  breakdownThemesShown: 0,
}));
for (const s of schools) {
  const t = tally[BANDS.findIndex(([lo, hi]) => s.rows.length >= lo && s.rows.length <= hi)]!;
  t.schools++;
  t.items += layout.items.length;
  if (!d.school(s.id).released) continue;
  t.released++;
  const report = A.groupReport(A.sumResponses(s.rows, layout), layout, ...(newRules ? [K] : []));
  const themeShown = (r: { themes: Array<{ fewAnswers?: boolean; mean: { ok: boolean } }> }) =>
    r.themes.map((x) => !x.fewAnswers && x.mean.ok);
  if (themeShown(report).every(Boolean)) t.allThemes++;
  t.itemsShown += report.items.filter((x: { fewAnswers?: boolean; n: number }) => !x.fewAnswers && x.n > 0).length;
  type Group = { released: boolean; backgroundId: string; categories: Array<string | null> };
  const shownGroups: Group[] = d
    .breakdowns(s.id)
    .flatMap((b: { rule: string | null; groups: Group[] }) => (b.rule === null ? b.groups.filter((g) => g.released) : []));
  if (shownGroups.length === 0) continue;
  t.breakdown++;
  if (d.breakdowns(s.id).every((b: { rule: string | null }) => b.rule === null)) t.both++;
  // Inside the school: the measures withheld in every breakdown group (new rules only).
  let withheld = new Set<number>();
  if (newRules) {
    const combo = (r: { background: Record<string, string> }) => JSON.stringify(background.map((b) => r.background[b.id] ?? null));
    const atoms = [...new Set(s.rows.map(combo))].sort();
    const groups = [
      atoms.map((_, i) => i),
      ...shownGroups.map((g) =>
        atoms.flatMap((a, i) => (g.categories.includes(JSON.parse(a)[background.findIndex((b) => b.id === g.backgroundId)]) ? [i] : [])),
      ),
    ];
    const valid = atoms.map((a) =>
      A.validAnswers(
        A.sumResponses(
          s.rows.filter((r) => combo(r) === a),
          layout,
        ),
      ),
    );
    withheld = A.breakdownAnswersR3(groups, valid, A.measureCount(layout), K);
  }
  for (const g of shownGroups) {
    const rows = s.rows.filter((r) => g.categories.includes(r.background[g.backgroundId] ?? null));
    const r = A.groupReport(A.sumResponses(rows, layout), layout, ...(newRules ? [K] : []));
    const shown = themeShown(newRules ? A.withholdMeasures(r, withheld) : r);
    t.breakdownThemes += shown.length;
    t.breakdownThemesShown += shown.filter(Boolean).length;
  }
}
const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)} %`);
console.log(
  `rules: ${dir}${newRules ? ' (issue 15)' : ''}; response rate ${Math.round(lowRate * 100)}–${Math.round(highRate * 100)} %; ${schools.length} schools, ${schools.reduce((a, s) => a + s.rows.length, 0)} responses, k = ${K}`,
);
console.log(
  '| respondents | schools | results | all 8 themes | items shown | ≥ 1 breakdown | both breakdowns | theme means in shown breakdown groups |',
);
console.log('|---|---|---|---|---|---|---|---|');
BANDS.forEach(([lo, hi], i) => {
  const t = tally[i]!;
  console.log(
    `| ${hi === Infinity ? `${lo}+` : `${lo}–${hi}`} | ${t.schools} | ${pct(t.released, t.schools)} | ${pct(t.allThemes, t.schools)} | ${pct(t.itemsShown, t.items)} | ${pct(t.breakdown, t.schools)} | ${pct(t.both, t.schools)} | ${pct(t.breakdownThemesShown, t.breakdownThemes)} |`,
  );
});
