/**
 * Sufficient statistics for Cronbach's alpha over complete cases (respondents with a valid answer to
 * every item of the theme): n, and per item Σx_i and Σx_i², and for the total T = Σ_i x_i: ΣT and
 * ΣT². Additive across schools (`combineAlphaSums`), so network alpha needs no response in memory.
 * With answers 1..5 all sums are integers, exact in floating point up to far beyond 165,000 responses.
 */
export interface AlphaSums {
  items: number;
  n: number;
  itemSum: readonly number[];
  itemSumSq: readonly number[];
  totalSum: number;
  totalSumSq: number;
}

export function emptyAlphaSums(items: number): AlphaSums {
  if (!Number.isInteger(items) || items < 1) throw new RangeError(`a theme has at least one item, got ${items}`);
  return { items, n: 0, itemSum: new Array(items).fill(0), itemSumSq: new Array(items).fill(0), totalSum: 0, totalSumSq: 0 };
}

/** Accumulates rows of recoded answers (one row per respondent, `null` = missing); incomplete rows are skipped. */
export function alphaSums(rows: Iterable<readonly (number | null)[]>, items: number): AlphaSums {
  const s = emptyAlphaSums(items);
  const itemSum = [...s.itemSum];
  const itemSumSq = [...s.itemSumSq];
  let { n, totalSum, totalSumSq } = s;
  for (const row of rows) {
    if (row.length !== items) throw new RangeError(`expected ${items} answers, got ${row.length}`);
    if (row.some((x) => x === null)) continue;
    let total = 0;
    row.forEach((x, i) => {
      if (!Number.isInteger(x) || x! < 1 || x! > 5) throw new RangeError(`recoded answer must be 1..5, got ${x}`);
      itemSum[i]! += x!;
      itemSumSq[i]! += x! * x!;
      total += x!;
    });
    n++;
    totalSum += total;
    totalSumSq += total * total;
  }
  return { items, n, itemSum, itemSumSq, totalSum, totalSumSq };
}

/** Sums of the union of disjoint scopes. */
export function combineAlphaSums(parts: Iterable<AlphaSums>, items: number): AlphaSums {
  const s = emptyAlphaSums(items);
  const itemSum = [...s.itemSum];
  const itemSumSq = [...s.itemSumSq];
  let { n, totalSum, totalSumSq } = s;
  for (const p of parts) {
    if (p.items !== items) throw new RangeError(`cannot combine alpha sums of ${p.items} and ${items} items`);
    n += p.n;
    totalSum += p.totalSum;
    totalSumSq += p.totalSumSq;
    for (let i = 0; i < items; i++) {
      itemSum[i]! += p.itemSum[i]!;
      itemSumSq[i]! += p.itemSumSq[i]!;
    }
  }
  return { items, n, itemSum, itemSumSq, totalSum, totalSumSq };
}
