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

  /** Coefficients y (per echelon row, as fractions num/den) with target = Σ y_i row_i, or null.
   * `target` is a set of atoms, or (`weights`) an integer coefficient per atom. */
  private express(target: readonly number[], weights = false): Array<{ row: number; num: number; den: number }> | null {
    const t = weights ? [...target] : new Array<number>(this.atomCount).fill(0);
    if (!weights) for (const a of target) t[a] = 1;
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
  solve(target: readonly number[], weights = false): number[] | null {
    const used = this.express(target, weights);
    if (used === null) return null;
    const width = this.observations[0]?.values.length ?? 0;
    const out = new Array<number>(width).fill(0);
    for (const u of used) {
      this.combos[u.row]!.forEach((coef, o) => {
        if (coef === 0) return;
        this.observations[o]!.values.forEach((v, j) => (out[j]! += (u.num / u.den) * coef * v));
      });
    }
    return out;
  }

  /**
   * Per atom, its coordinates in an integer basis of the null space of the released rows (from the
   * reduced echelon form): a signed combination of released groups can vanish outside a set T of
   * atoms, and not on T, exactly when the coordinates of T's atoms are linearly dependent.
   */
  private nullCoordinates(): number[][] {
    const pivotSet = new Set(this.pivots);
    const free = [...Array(this.atomCount).keys()].filter((c) => !pivotSet.has(c));
    const z = Array.from({ length: this.atomCount }, () => new Array<number>(free.length).fill(0));
    free.forEach((f, d) => {
      let l = 1;
      this.rows.forEach((row, i) => {
        if (row[f] !== 0) l = safe((l / gcd(l, row[this.pivots[i]!]!)) * Math.abs(row[this.pivots[i]!]!));
      });
      z[f]![d] = l;
      this.rows.forEach((row, i) => {
        if (row[f] !== 0) z[this.pivots[i]!]![d] = safe((-l / row[this.pivots[i]!]!) * row[f]!);
      });
    });
    return z;
  }

  /**
   * Searches signed integer combinations of released groups (not only sets): the smallest-support
   * one touching fewer than k respondents, as integer coefficients per atom, or null when there is
   * none; `'budget'` when the search was cut off. Atoms with ≥ k respondents cannot be part of one.
   */
  smallCombination(counts: readonly number[], k: number, budget = 50_000): number[] | null | 'budget' {
    // Atoms in exactly the same released groups get equal coefficients in every combination, so
    // the search runs over such classes (their columns are equal) and lifts the result to atoms.
    const signature = Array.from({ length: this.atomCount }, () => [] as number[]);
    this.observations.forEach((o, i) => o.atoms.forEach((a) => signature[a]!.push(i)));
    const classOf = new Map<string, number>();
    const atomClass = signature.map((sig) =>
      sig.length === 0 ? -1 : (classOf.get(sig.join()) ?? (classOf.set(sig.join(), classOf.size), classOf.size - 1)),
    );
    const classCounts = new Array<number>(classOf.size).fill(0);
    atomClass.forEach((c, a) => c >= 0 && (classCounts[c]! += counts[a]!));
    const classes = new Attacker(
      classOf.size,
      this.observations.map((o) => ({ atoms: [...new Set(o.atoms.map((a) => atomClass[a]!))], values: o.values })),
    );
    const found = classes.smallClassCombination(classCounts, k, budget);
    if (!Array.isArray(found)) return found;
    return atomClass.map((c) => (c >= 0 ? found[c]! : 0));
  }

  private smallClassCombination(counts: readonly number[], k: number, budget: number): number[] | null | 'budget' {
    const z = this.nullCoordinates();
    const small = [...Array(this.atomCount).keys()].filter((a) => counts[a]! < k);
    let visited = 0;
    let found: number[] | null = null;
    const dfs = (start: number, chosen: number[], size: number): boolean | 'budget' => {
      for (let i = start; i < small.length; i++) {
        const a = small[i]!;
        if (size + counts[a]! >= k) continue;
        if (++visited > budget) return 'budget';
        const set = [...chosen, a];
        const c = dependency(set.map((x) => z[x]!));
        if (c) {
          found = new Array<number>(this.atomCount).fill(0);
          set.forEach((x, j) => (found![x] = c[j]!));
          return true;
        }
        const r = dfs(i + 1, set, size + counts[a]!);
        if (r) return r;
      }
      return false;
    };
    const r = dfs(0, [], 0);
    return r === 'budget' ? 'budget' : found;
  }
}

/** Non-zero integer c with Σ c_j v_j = 0 for the given vectors, or null when they are independent. */
function dependency(vectors: readonly (readonly number[])[]): number[] | null {
  const n = vectors.length;
  const d = vectors[0]?.length ?? 0;
  // Columns are the vectors; rows the coordinates, with an identity block to track coefficients.
  const rows = Array.from({ length: n }, (_, j) => [...vectors[j]!, ...Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))]);
  let r = 0;
  for (let c = 0; c < d && r < n; c++) {
    const p = rows.findIndex((row, i) => i >= r && row[c] !== 0);
    if (p < 0) continue;
    [rows[r], rows[p]] = [rows[p]!, rows[r]!];
    const piv = rows[r]!;
    for (let i = r + 1; i < n; i++) {
      const row = rows[i]!;
      const f = row[c]!;
      if (f === 0) continue;
      let g = 0;
      for (let j = 0; j < row.length; j++) {
        row[j] = safe(safe(row[j]! * piv[c]!) - safe(piv[j]! * f));
        g = gcd(g, row[j]!);
      }
      if (g > 1) for (let j = 0; j < row.length; j++) row[j] = row[j]! / g;
    }
    r++;
  }
  // A row whose coordinate part vanished records a dependency in its identity part.
  const zero = rows.find((row) => row.slice(0, d).every((x) => x === 0));
  return zero ? zero.slice(d) : null;
}
