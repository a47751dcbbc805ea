import type { AlphaSums } from './alpha-sums.ts';
import { ok, unavailable, type Stat } from './stat.ts';

export interface AlphaResult {
  /** complete cases used */
  n: number;
  items: number;
  alpha: Stat;
  /** 'low' when alpha < 0.7 (design §6) */
  reliability: 'ok' | 'low' | 'unavailable';
}

/** Alpha below this is flagged as low reliability. */
export const ALPHA_THRESHOLD = 0.7;

/**
 * Cronbach's alpha over complete cases:
 *   α = k/(k − 1) · (1 − Σ_i s_i² / s_T²),   s² = (nΣx² − (Σx)²) / (n(n − 1)),
 * with k items and T the respondent's total. The n(n − 1) cancels, so the ratio is taken of the
 * exact integers nΣx_i² − (Σx_i)² and nΣT² − (ΣT)². Items without variance are kept in k (the textbook
 * formula; `psych::alpha` would drop them). Unavailable for one item (`single-item`), n < 2, or s_T² = 0.
 */
export function cronbachAlpha(s: AlphaSums): AlphaResult {
  const { n, items } = s;
  const none = (reason: 'single-item' | 'n<2' | 'zero-variance'): AlphaResult => ({
    n,
    items,
    alpha: unavailable(reason),
    reliability: 'unavailable',
  });
  if (items < 2) return none('single-item');
  if (n < 2) return none('n<2');
  const totalVar = n * s.totalSumSq - s.totalSum * s.totalSum;
  if (totalVar <= 0) return none('zero-variance');
  let itemVar = 0;
  for (let i = 0; i < items; i++) itemVar += n * s.itemSumSq[i]! - s.itemSum[i]! * s.itemSum[i]!;
  const alpha = (items / (items - 1)) * (1 - itemVar / totalVar);
  return { n, items, alpha: ok(alpha), reliability: alpha < ALPHA_THRESHOLD ? 'low' : 'ok' };
}
