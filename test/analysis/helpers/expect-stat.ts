import { expect } from 'vitest';
import type { Stat } from '../../../analysis/index.ts';

/** R's NA (JSON null) must be an unavailable statistic; a number must match within `tol`. */
export function expectStat(actual: Stat, expected: number | null, tol: number, label = ''): void {
  if (expected === null) {
    expect(actual.ok, `${label}: expected unavailable`).toBe(false);
    return;
  }
  expect(actual.ok, `${label}: expected ${expected}, got unavailable`).toBe(true);
  if (actual.ok) expect(Math.abs(actual.value - expected), `${label}: ${actual.value} vs R ${expected}`).toBeLessThanOrEqual(tol);
}

export const MEAN_TOL = 1e-9;
export const TOL = 1e-6;
