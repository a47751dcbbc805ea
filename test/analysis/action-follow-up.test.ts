/** The network's follow-up of action plans (issue 19): counts, "done by the next wave", and group means of released changes only. */
import { describe, expect, it } from 'vitest';
import { disclose, summarize, type Disclosed, type Summary } from '../../analysis/index.ts';
import {
  actionFollowUp,
  releasedChange,
  statusAt,
  type FollowUpAction,
  type FollowUpInput,
  type SchoolThemeResults,
} from '../../analysis/action-follow-up.ts';

/** A theme summary of n respondents with the given mean (sd 1 when n ≥ 2). */
const summary = (n: number, mean: number): Summary => summarize({ n, sum: n * mean, sumSq: n * mean * mean + (n - 1) });

/** Real disclosure decisions: schools of ≥ 5 respondents are released, smaller ones suppressed (R1). */
function released(respondents: Record<string, number>) {
  const d = disclose(
    {
      waveId: 'w',
      status: 'sealed',
      background: [],
      schools: Object.entries(respondents).map(([id, n]) => ({ id, respondents: n })),
      benchmarkGroups: [],
    },
    { k: 5 },
  );
  return (schoolId: string, s: Summary): Disclosed<Summary> => d.release(d.school(schoolId), s);
}

const day = (d: string) => new Date(`${d}T12:00:00Z`);
const action = (
  schoolId: string,
  themeId: string,
  status: FollowUpAction['status'],
  history: Array<[FollowUpAction['status'], string]> = [[status, '2026-01-10']],
): FollowUpAction => ({
  schoolId,
  themeId,
  status,
  history: history.map(([s, d]) => ({ status: s, at: day(d) })),
});

describe('statusAt', () => {
  const a = action('s', 't', 'done', [
    ['agreed', '2026-01-10'],
    ['in_progress', '2026-02-01'],
    ['done', '2026-05-01'],
  ]);
  it('is the last change not after the moment, null before the first, today without a moment', () => {
    expect(statusAt(a, day('2026-01-09'))).toBeNull();
    expect(statusAt(a, day('2026-01-10'))).toBe('agreed');
    expect(statusAt(a, day('2026-04-30'))).toBe('in_progress');
    expect(statusAt(a, day('2026-05-01'))).toBe('done');
    expect(statusAt(a, null)).toBe('done');
  });
});

describe('releasedChange', () => {
  const r = released({ big: 10, small: 3 });
  it('is the difference of two released means', () => {
    expect(releasedChange(r('big', summary(10, 3)), r('big', summary(10, 3.5)), 5, 5)).toBeCloseTo(0.5, 12);
  });
  it('is null when either wave suppressed the school, or the theme was not asked', () => {
    expect(releasedChange(r('small', summary(3, 3)), r('big', summary(10, 3.5)), 5, 5)).toBeNull();
    expect(releasedChange(r('big', summary(10, 3)), r('small', summary(3, 3.5)), 5, 5)).toBeNull();
    expect(releasedChange(r('big', summary(10, 3)), undefined, 5, 5)).toBeNull();
    expect(releasedChange(r('big', summary(0, 0)), r('big', summary(10, 3.5)), 5, 5)).toBeNull();
  });
  it('is null where the dashboard withholds the step (n differ by 1..k−1)', () => {
    expect(releasedChange(r('big', summary(10, 3)), r('big', summary(12, 3.5)), 5, 5)).toBeNull();
    expect(releasedChange(r('big', summary(10, 3)), r('big', summary(15, 3.5)), 5, 5)).toBeCloseTo(0.5, 12);
  });
});

describe('actionFollowUp', () => {
  // Eight schools; s8 was suppressed in W, s7 in the next wave.
  const ids = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];
  const rThen = released({ s1: 10, s2: 10, s3: 10, s4: 10, s5: 10, s6: 10, s7: 10, s8: 3 });
  const rNow = released({ s1: 10, s2: 10, s3: 10, s4: 10, s5: 10, s6: 10, s7: 3, s8: 10 });
  const change: Record<string, number> = { s1: 0.4, s2: 0.2, s3: 0.3, s4: 0.1, s5: -0.1, s6: 0, s7: 5, s8: -5 };
  const results: SchoolThemeResults[] = ids.map((id) => ({
    schoolId: id,
    then: new Map([
      ['A', rThen(id, summary(id === 's8' ? 3 : 10, 3))],
      ['B', rThen(id, summary(id === 's8' ? 3 : 10, 3))],
    ]),
    now: new Map([
      ['A', rNow(id, summary(id === 's7' ? 3 : 10, 3 + change[id]!))],
      ['B', rNow(id, summary(id === 's7' ? 3 : 10, 3))],
    ]),
  }));
  const actions = [
    // Theme A: s1..s3 agreed (s3 twice), s7 and s8 agreed but suppressed in one wave, s4 only proposed, s5 dropped.
    action('s1', 'A', 'done', [
      ['agreed', '2026-01-10'],
      ['done', '2026-03-01'],
    ]),
    action('s2', 'A', 'done', [
      ['agreed', '2026-01-10'],
      ['done', '2026-09-01'],
    ]),
    action('s3', 'A', 'in_progress', [
      ['agreed', '2026-01-10'],
      ['in_progress', '2026-02-01'],
    ]),
    action('s3', 'A', 'agreed'),
    action('s7', 'A', 'agreed'),
    action('s8', 'A', 'done', [['done', '2026-02-01']]),
    action('s4', 'A', 'proposed'),
    action('s5', 'A', 'dropped', [
      ['agreed', '2026-01-10'],
      ['dropped', '2026-02-01'],
    ]),
    action('s6', 'B', 'proposed'),
  ];
  const input = (over: Partial<FollowUpInput> = {}): FollowUpInput => ({
    themeIds: ['A', 'B', 'C'],
    actions,
    next: { sealedAt: day('2026-06-01'), kThen: 5, kNow: 5 },
    results,
    minSchools: 3,
    ...over,
  });

  it('counts actions raised, schools and actions agreed, and actions done when the next wave was sealed', () => {
    const { themes, mostRaised } = actionFollowUp(input());
    expect(
      themes.map(({ themeId, raised, schoolsAgreed, agreed, doneByNext }) => ({ themeId, raised, schoolsAgreed, agreed, doneByNext })),
    ).toEqual([
      { themeId: 'A', raised: 8, schoolsAgreed: 5, agreed: 6, doneByNext: 2 },
      { themeId: 'B', raised: 1, schoolsAgreed: 0, agreed: 0, doneByNext: 0 },
      { themeId: 'C', raised: 0, schoolsAgreed: 0, agreed: 0, doneByNext: 0 },
    ]);
    expect(mostRaised).toEqual(['A', 'B']);
    // Without a known sealing moment the status today counts (s2 is done now).
    expect(actionFollowUp(input({ next: { sealedAt: null, kThen: 5, kNow: 5 } })).themes[0]!.doneByNext).toBe(3);
  });

  it('averages only changes released in both waves, and leaves schools with only proposed or dropped actions out of both groups', () => {
    const a = actionFollowUp(input()).themes[0]!;
    // With actions: s1, s2, s3 (s7 suppressed in the next wave, s8 in W).
    expect(a.withActions.schools).toBe(3);
    expect(a.withActions.meanChange.ok && a.withActions.meanChange.value).toBeCloseTo(0.3, 12);
    // Without any action on A: s6 only (s4 proposed, s5 dropped).
    expect(a.withoutActions).toEqual({ schools: 1, meanChange: { ok: false, reason: 'few-schools' } });
    // Theme B: nobody agreed; without an action: all released in both waves but s6 (proposed) — s1..s5.
    const b = actionFollowUp(input()).themes[1]!;
    expect(b.withActions).toEqual({ schools: 0, meanChange: { ok: false, reason: 'few-schools' } });
    expect(b.withoutActions.schools).toBe(5);
    expect(b.withoutActions.meanChange).toEqual({ ok: true, value: 0 });
  });

  it('says "too few schools" below the minimum, counting released schools only', () => {
    expect(actionFollowUp(input({ minSchools: 4 })).themes[0]!.withActions).toEqual({
      schools: 3,
      meanChange: { ok: false, reason: 'few-schools' },
    });
    expect(() => actionFollowUp(input({ minSchools: 0 }))).toThrow(/minSchools/);
  });

  it('without a next wave: counts, no "done by" and no change', () => {
    const [a] = actionFollowUp(input({ next: null })).themes;
    expect(a).toMatchObject({ raised: 8, schoolsAgreed: 5, agreed: 6, doneByNext: null });
    expect(a!.withActions).toEqual({ schools: 0, meanChange: { ok: false, reason: 'no-previous' } });
  });
});
