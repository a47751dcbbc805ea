import type { BenchmarkComparison } from './benchmark-comparison.ts';
import type { Disclosed } from './disclosure.ts';
import type { Rule } from './disclosure/types.ts';
import type { UnavailableReason } from './stat.ts';
import type { TrendStep } from './trend.ts';

/** Why something about a theme cannot be said: a disclosure rule withheld it, or the statistic does not exist. */
export type Unsaid = { rule: Rule } | { reason: UnavailableReason };

export interface Glance {
  /** themes whose 95% CI lies wholly above the benchmark group's mean, largest difference first */
  strengths: Array<{ themeId: string; difference: number }>;
  /** themes whose 95% CI lies wholly below it, largest shortfall first */
  concerns: Array<{ themeId: string; difference: number }>;
  /** themes compared whose CI holds the benchmark mean: not distinguishable */
  alike: string[];
  /** themes not compared, grouped by why: each reason is said once, with its themes */
  notCompared: Array<{ why: Unsaid; themeIds: string[] }>;
  /** the largest changes since the previous wave, by size, significant or not; at most `top` */
  changes: Array<{ themeId: string; difference: number; significant: boolean }>;
  /** themes with a previous wave but no change to show, grouped by why */
  notChanged: Array<{ why: Unsaid; themeIds: string[] }>;
  /** false when the wave is the school's first: there is nothing to compare with */
  hasPrevious: boolean;
}

export interface GlanceTheme {
  themeId: string;
  comparison: Disclosed<BenchmarkComparison>;
  /** the school's trend of this theme, oldest first, ending with the wave summarized */
  trend: readonly TrendStep[];
}

/**
 * What a rep raises first (issue 17): the themes that clearly differ from the benchmark group —
 * "clearly" meaning the benchmark mean lies outside the school's 95% confidence interval, not a
 * ranking — and the largest changes since the previous wave, each said honestly as significant
 * (Welch, α = 0.05) or not. Everything that cannot be said is grouped by its reason, so a page
 * says it once rather than once per theme.
 */
export function glance(themes: readonly GlanceTheme[], top = 3): Glance {
  const strengths: Glance['strengths'] = [];
  const concerns: Glance['concerns'] = [];
  const alike: string[] = [];
  const notCompared = new Grouped();
  for (const { themeId, comparison } of themes) {
    if (comparison.kind === 'suppressed') {
      notCompared.add({ rule: comparison.rule }, themeId);
      continue;
    }
    const { difference, distinguishable } = comparison.value;
    if (!distinguishable.ok) notCompared.add({ reason: distinguishable.reason }, themeId);
    else if (!difference.ok) notCompared.add({ reason: difference.reason }, themeId);
    else if (!distinguishable.value) alike.push(themeId);
    else (difference.value > 0 ? strengths : concerns).push({ themeId, difference: difference.value });
  }
  strengths.sort((a, b) => b.difference - a.difference);
  concerns.sort((a, b) => a.difference - b.difference);

  const changes: Glance['changes'] = [];
  const notChanged = new Grouped();
  let hasPrevious = false;
  for (const { themeId, trend } of themes) {
    if (trend.length < 2) continue;
    hasPrevious = true;
    const last = trend[trend.length - 1]!.change;
    if (last.ok) changes.push({ themeId, difference: last.value.difference, significant: last.value.significant });
    else notChanged.add({ reason: last.reason }, themeId);
  }
  changes.sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference));
  return {
    strengths,
    concerns,
    alike,
    notCompared: notCompared.list(),
    changes: changes.slice(0, top),
    notChanged: notChanged.list(),
    hasPrevious,
  };
}

class Grouped {
  private readonly groups = new Map<string, { why: Unsaid; themeIds: string[] }>();
  add(why: Unsaid, themeId: string): void {
    const key = 'rule' in why ? `rule:${why.rule}` : `reason:${why.reason}`;
    const group = this.groups.get(key) ?? { why, themeIds: [] };
    group.themeIds.push(themeId);
    this.groups.set(key, group);
  }
  list(): Array<{ why: Unsaid; themeIds: string[] }> {
    return [...this.groups.values()];
  }
}
