function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

class Overflow extends Error {}

function safe(x: number): number {
  if (!Number.isSafeInteger(x)) throw new Overflow();
  return x;
}

/**
 * An integer basis of the null space {x : A x = 0} of an integer matrix, returned per column: entry
 * [j] is the vector (z_1[j], …, z_d[j]) of column j's coefficients in the d basis vectors. A vector
 * v lies in the row space of A exactly when Σ_j v_j · result[j] = 0 (row space ⟂ null space).
 *
 * Exact: fraction-free Gauss–Jordan elimination on integers (rows divided by their gcd). Returns
 * `null` if a number would leave the safe-integer range, so callers can decide conservatively.
 */
export function integerNullSpace(matrix: readonly (readonly number[])[], columns: number): number[][] | null {
  try {
    const a = matrix.map((row) => [...row]);
    const pivots: Array<{ row: number; col: number }> = [];
    let r = 0;
    for (let c = 0; c < columns && r < a.length; c++) {
      const p = a.findIndex((row, i) => i >= r && row[c] !== 0);
      if (p < 0) continue;
      [a[r], a[p]] = [a[p]!, a[r]!];
      const pivotRow = a[r]!;
      const pv = pivotRow[c]!;
      for (let i = 0; i < a.length; i++) {
        const row = a[i]!;
        const f = row[c]!;
        if (i === r || f === 0) continue;
        let g = 0;
        for (let j = 0; j < columns; j++) {
          row[j] = safe(safe(row[j]! * pv) - safe(pivotRow[j]! * f));
          g = gcd(g, row[j]!);
        }
        if (g > 1) for (let j = 0; j < columns; j++) row[j] = row[j]! / g;
      }
      pivots.push({ row: r, col: c });
      r++;
    }
    const pivotCols = new Set(pivots.map((p) => p.col));
    const free = [...Array(columns).keys()].filter((c) => !pivotCols.has(c));
    const perColumn: number[][] = Array.from({ length: columns }, () => new Array<number>(free.length).fill(0));
    free.forEach((f, d) => {
      // x_f = L, x_pivot = −L · a[row][f] / a[row][pivot]; L = lcm of the pivots that are needed.
      let lcm = 1;
      for (const { row, col } of pivots) {
        if (a[row]![f] !== 0) lcm = safe((lcm / gcd(lcm, a[row]![col]!)) * Math.abs(a[row]![col]!));
      }
      perColumn[f]![d] = lcm;
      for (const { row, col } of pivots) {
        if (a[row]![f] !== 0) perColumn[col]![d] = safe(-(lcm / a[row]![col]!) * a[row]![f]!);
      }
    });
    return perColumn;
  } catch (e) {
    if (e instanceof Overflow) return null;
    throw e;
  }
}
