/**
 * The attacker of the disclosure tests: a viewer who sees every number released for a wave (all
 * school views, breakdowns, benchmark groups, the network, together), knows what each released group
 * is (which schools, which background options) and — conservatively — which background combinations
 * occur in which school.
 *
 * Unknowns: for every atom (one background combination in one school) its count, its sum of answers
 * and its count per answer value. A released group is one linear equation per statistic, all with the
 * group's 0/1 membership as coefficients (counts × means → sums, % × n → counts). The attacker
 * brings the membership matrix to reduced row echelon form, exactly (fraction-free, integers with an
 * overflow check), and keeps, per echelon row, which combination of released groups produced it. A
 * target set of atoms is determined exactly when its indicator vector is a combination of released
 * rows; `solve` then evaluates that combination on the released numbers.
 *
 * This is deliberately global and naive (one matrix for the whole wave), independent of how
 * `analysis/disclosure` reasons (per school, classes of schools).
 */

export interface Observation {
  /** atom indices the released group covers */
  atoms: readonly number[];
  /** released statistics, e.g. [n, sum, count of 1, …, count of 5] */
  values: readonly number[];
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

function safe(x: number): number {
  if (!Number.isSafeInteger(x)) throw new Error('attacker: integer overflow (make the case smaller)');
  return x;
}

export class Attacker {
  private readonly rows: number[][] = []; // echelon rows over atoms
  private readonly combos: number[][] = []; // the same rows as combinations of observations
  private readonly pivots: number[] = [];

  constructor(
    private readonly atomCount: number,
    private readonly observations: readonly Observation[],
  ) {
    const o = observations.length;
    const a = observations.map((obs, i) => {
      const row = new Array<number>(atomCount + o).fill(0);
      for (const atom of obs.atoms) row[atom] = 1;
      row[atomCount + i] = 1;
      return row;
    });
    let r = 0;
    for (let c = 0; c < atomCount && r < a.length; c++) {
      const p = a.findIndex((row, i) => i >= r && row[c] !== 0);
      if (p < 0) continue;
      [a[r], a[p]] = [a[p]!, a[r]!];
      const piv = a[r]!;
      for (let i = 0; i < a.length; i++) {
        const row = a[i]!;
        const f = row[c]!;
        if (i === r || f === 0) continue;
        let g = 0;
        for (let j = 0; j < row.length; j++) {
          row[j] = safe(safe(row[j]! * piv[c]!) - safe(piv[j]! * f));
          g = gcd(g, row[j]!);
        }
        if (g > 1) for (let j = 0; j < row.length; j++) row[j] = row[j]! / g;
      }
      this.pivots.push(c);
      r++;
    }
    for (let i = 0; i < r; i++) {
      this.rows.push(a[i]!.slice(0, atomCount));
      this.combos.push(a[i]!.slice(atomCount));
    }
  }

  /** Coefficients y (per echelon row, as fractions num/den) with target = Σ y_i row_i, or null. */
  private express(target: readonly number[]): Array<{ row: number; num: number; den: number }> | null {
    const t = new Array<number>(this.atomCount).fill(0);
    for (const a of target) t[a] = 1;
    const used = this.pivots.flatMap((c, i) => (t[c] !== 0 ? [{ row: i, num: t[c]!, den: this.rows[i]![c]! }] : []));
    const den = used.reduce((l, u) => safe((l / gcd(l, u.den)) * Math.abs(u.den)), 1);
    for (let j = 0; j < this.atomCount; j++) {
      let v = safe(t[j]! * den);
      for (const u of used) v = safe(v - safe(((u.num * den) / u.den) * this.rows[u.row]![j]!));
      if (v !== 0) return null;
    }
    return used;
  }

  /** Whether the released numbers determine the target's totals. */
  derivable(target: readonly number[]): boolean {
    return this.express(target) !== null;
  }

  /** The target's statistics computed from released numbers only, or null if they are not determined. */
  solve(target: readonly number[]): number[] | null {
    const used = this.express(target);
    if (used === null) return null;
    const width = this.observations[0]?.values.length ?? 0;
    const out = new Array<number>(width).fill(0);
    for (const u of used) {
      this.combos[u.row]!.forEach((coef, o) => {
        if (coef === 0) return;
        this.observations[o]!.values.forEach((v, j) => (out[j]! += ((u.num / u.den) * coef) * v));
      });
    }
    return out;
  }
}
