import { ok, unavailable, type Stat } from './stat.ts';
import type { Summary } from './summarize.ts';
import { welchTTest, type Sample, type WelchResult } from './welch-t-test.ts';

export interface TrendPoint {
  waveId: string;
  /** the theme's summary in that wave, or null when it is not reported (suppressed, not asked) */
  summary: Summary | null;
  /** k of that wave; a change needs the two n to differ by 0 or at least the larger k */
  k?: number;
}

export interface TrendStep extends TrendPoint {
  /** change against the previous point: Welch's t of this wave − previous wave, α = 0.05 */
  change: Stat<WelchResult>;
}

/**
 * A theme over sealed waves (design §6), points in chronological order: each point keeps its
 * summary (with its 95% CI) and gets the change against the directly preceding point (Welch,
 * `welchTTest(current, previous)`). No change for the first point or when either point has no
 * summary (`no-previous`), or when a Welch test is unavailable (n < 2, zero variance).
 *
 * Design §5 (issue 15): two waves of 12 and 13 respondents differ by one person if the other twelve
 * answered alike, so a change is shown only when the two n differ by 0 or by at least k (the larger
 * k of the two waves); otherwise `small-change`.
 */
export function trend(points: readonly TrendPoint[], alpha = 0.05): TrendStep[] {
  return points.map((point, i) => {
    const before = i > 0 ? points[i - 1]! : null;
    const prev = before?.summary ?? null;
    const cur = point.summary;
    if (prev === null || cur === null) return { ...point, change: unavailable('no-previous') };
    const gap = Math.abs(cur.n - prev.n);
    if (gap > 0 && gap < Math.max(point.k ?? 1, before?.k ?? 1)) return { ...point, change: unavailable('small-change') };
    return { ...point, change: compare(cur, prev, alpha) };
  });
}

function compare(cur: Summary, prev: Summary, alpha: number): Stat<WelchResult> {
  const a = sample(cur);
  const b = sample(prev);
  if (!a.ok) return a;
  if (!b.ok) return b;
  return welchTTest(a.value, b.value, alpha);
}

function sample(s: Summary): Stat<Sample> {
  if (!s.mean.ok) return unavailable(s.mean.reason);
  if (!s.sd.ok) return unavailable(s.sd.reason);
  return ok({ n: s.n, mean: s.mean.value, sd: s.sd.value });
}
