import { ok, unavailable, type Stat } from './stat.ts';
import type { Summary } from './summarize.ts';

export interface BenchmarkComparison {
  /** school mean − benchmark mean */
  difference: Stat;
  /** false ("not distinguishable") when the benchmark mean lies inside the school's 95% CI (bounds included) */
  distinguishable: Stat<boolean>;
}

/**
 * School against a benchmark (design §6): difference = x̄_school − x̄_benchmark; the two are
 * "not distinguishable" when x̄_benchmark ∈ [CI_lower, CI_upper] of the school. Unavailable when the
 * school has no mean (n = 0) or no CI (n < 2).
 */
export function compareWithBenchmark(school: Summary, benchmarkMean: number): BenchmarkComparison {
  if (!Number.isFinite(benchmarkMean)) throw new RangeError(`benchmark mean must be finite, got ${benchmarkMean}`);
  const difference: Stat = school.mean.ok ? ok(school.mean.value - benchmarkMean) : unavailable(school.mean.reason);
  const distinguishable: Stat<boolean> = school.ci.ok
    ? ok(benchmarkMean < school.ci.value.lower || benchmarkMean > school.ci.value.upper)
    : unavailable(school.ci.reason);
  return { difference, distinguishable };
}
