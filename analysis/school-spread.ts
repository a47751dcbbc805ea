import { max, min, quantileSorted } from 'simple-statistics';
import { ok, unavailable, type Stat } from './stat.ts';

export interface Spread {
  schools: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

/**
 * The spread of school scores of one theme across reportable schools (design §6 network view):
 * minimum, quartiles and maximum of the schools' means. Quartiles are simple-statistics
 * `quantileSorted`, linear interpolation between order statistics (R `quantile` type 7, its default):
 *   Q(p) = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎),  h = (n − 1)p  (0-based order statistics).
 * Pass only released (disclosed) school means. Unavailable for no schools.
 */
export function schoolSpread(means: readonly number[]): Stat<Spread> {
  if (means.some((m) => !Number.isFinite(m))) throw new RangeError('means must be finite');
  if (means.length === 0) return unavailable('no-data');
  const sorted = [...means].sort((a, b) => a - b);
  return ok({
    schools: sorted.length,
    min: min(sorted),
    q1: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    q3: quantileSorted(sorted, 0.75),
    max: max(sorted),
  });
}
