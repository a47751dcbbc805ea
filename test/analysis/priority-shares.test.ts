/**
 * The union's priorities (issue 20): per school, benchmark group and network, the share of the
 * respondents who answered the priority question that named each theme. Expected values come from R
 * (test/fixtures/analysis/make-priorities.R), which computes them from the respondent rows directly;
 * here they go through the per-school sums and their combination, as every output does.
 * Tolerance: 1e-9 (percent); counts exactly.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  combineResponseSums,
  groupReport,
  priorityShares,
  sumPriorities,
  sumResponses,
  type Layout,
  type ResponseSums,
} from '../../analysis/index.ts';

const dir = new URL('../fixtures/analysis/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('priorities.json', dir), 'utf8')) as Record<
  string,
  { answered: number; named: number[]; shares: Array<number | 'NA'> }
>;
const [header, ...lines] = readFileSync(new URL('priorities.csv', dir), 'utf8').trim().split('\n');
const columns = header!.split(',').map((c) => c.replace(/"/g, ''));
const themeIds = columns.slice(2);

// One item per theme (unanswered here), then one priority position per theme: the v2 layout's shape.
const layout: Layout = {
  items: themeIds.map((id) => ({ id: `${id}_1`, themeId: id, reverse: false })),
  themes: themeIds.map((id, i) => ({ id, itemIndices: [i] })),
  outcomes: [],
  priority: { max: 3, start: themeIds.length },
  width: 2 * themeIds.length,
};
const rows = lines.map((line) => {
  const cells = line.split(',').map((c) => c.replace(/"/g, ''));
  return {
    school: cells[0]!,
    group: cells[1]!,
    answers: [...themeIds.map(() => null), ...cells.slice(2).map((c) => (c === '' ? null : Number(c)))],
  };
});
const schools = [...new Set(rows.map((r) => r.school))];
const sums = new Map<string, ResponseSums>(
  schools.map((s) => [
    s,
    sumResponses(
      rows.filter((r) => r.school === s),
      layout,
    ),
  ]),
);
const TOL = 1e-9;

function check(key: string, s: ResponseSums) {
  const want = expected[key]!;
  const got = priorityShares(s.priority, layout)!;
  expect(got.n, key).toBe(want.answered);
  expect(
    got.themes.map((t) => t.named),
    key,
  ).toEqual(want.named);
  got.themes.forEach((t, i) => {
    expect(t.themeId).toBe(themeIds[i]);
    expect(t.share.ok, `${key} ${t.themeId}`).toBe(true);
    if (t.share.ok) expect(Math.abs(t.share.value - Number(want.shares[i])), `${key} ${t.themeId}`).toBeLessThan(TOL);
  });
}

describe('priority shares equal R', () => {
  it('per school', () => {
    for (const s of schools) check(`school:${s}`, sums.get(s)!);
  });

  it('per benchmark group and for the network, from the schools’ sums combined', () => {
    for (const g of ['basis', 'secundair']) {
      const members = schools.filter((s) => rows.find((r) => r.school === s)!.group === g);
      check(
        `group:${g}`,
        combineResponseSums(
          members.map((s) => sums.get(s)!),
          layout,
        ),
      );
    }
    check('network', combineResponseSums([...sums.values()], layout));
  });

  it('are part of a group report, and withheld with the question’s other numbers below k answers (R1)', () => {
    const few = sumResponses(rows.filter((r) => r.answers[themeIds.length] !== null).slice(0, 4), layout);
    const report = groupReport(few, layout, 5);
    expect(report.priority).toMatchObject({ n: 0, fewAnswers: true });
    expect(report.priority!.themes.every((t) => t.named === 0 && !t.share.ok && t.share.reason === 'few-answers')).toBe(true);
    const enough = groupReport(sums.get(schools[0]!)!, layout, 5);
    expect(enough.priority!.fewAnswers).toBe(false);
  });
});

describe('priority shares: edge cases and refusals', () => {
  it('nobody answered: every share is no-data; without the question: null', () => {
    const none = priorityShares({ answered: 0, named: themeIds.map(() => 0) }, layout)!;
    expect(none.themes.every((t) => !t.share.ok && t.share.reason === 'no-data')).toBe(true);
    expect(priorityShares({ answered: 0, named: [] }, { ...layout, priority: null, width: themeIds.length })).toBeNull();
  });

  it('refuses answers the form cannot give: more than max named, a mix of skipped and answered, a value not 0/1', () => {
    const row = (p: Array<number | null>) => [{ answers: [...themeIds.map(() => null), ...p] }];
    expect(() => sumPriorities(row([1, 1, 1, 1, 0, 0, 0, 0]), layout)).toThrow(RangeError);
    expect(() => sumPriorities(row([1, null, 0, 0, 0, 0, 0, 0]), layout)).toThrow(RangeError);
    expect(() => sumPriorities(row([2, 0, 0, 0, 0, 0, 0, 0]), layout)).toThrow(RangeError);
    expect(() => sumPriorities(row([0, 0, 0, 0, 0, 0, 0, 0]), layout)).toThrow(RangeError);
    expect(() => priorityShares({ answered: 3, named: [4, 0, 0, 0, 0, 0, 0, 0] }, layout)).toThrow(RangeError);
  });
});
