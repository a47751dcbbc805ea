/**
 * Micro-benchmark: statistics for one school and for the network of a full-size wave (3,700 schools,
 * 165,000 responses × 45 items, synthetic), from pre-aggregated counts/sums versus from every raw
 * answer; and disclosure control over the whole wave.
 *   npx vitest bench --run bench/analysis.bench.ts
 * Results are recorded in docs/analysis.md.
 */
import { bench, describe } from 'vitest';
import {
  addCounts,
  combineResponseSums,
  countAnswers,
  countsFromRows,
  disclose,
  groupReport,
  itemStats,
  sumResponses,
  type CountRow,
  type DisclosureInput,
  type Layout,
  type ResponseSums,
  type ValueCounts,
} from '../analysis/index.ts';

const SCHOOLS = 3700;
const RESPONSES = 165_000;
const ITEMS = 45;

let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const layout: Layout = {
  items: Array.from({ length: ITEMS }, (_, i) => ({ id: `q${i}`, themeId: `t${Math.floor(i / 5)}`, reverse: i % 5 === 4 })),
  themes: Array.from({ length: ITEMS / 5 }, (_, t) => ({ id: `t${t}`, itemIndices: [0, 1, 2, 3, 4].map((j) => t * 5 + j) })),
  outcomes: [],
  priority: null,
  width: ITEMS,
};

interface Response {
  schoolId: string;
  answers: (number | null)[];
  role: string;
  seniority: string;
}
const schoolIds = Array.from({ length: SCHOOLS }, (_, i) => `school-${String(i).padStart(4, '0')}`);
const responses: Response[] = Array.from({ length: RESPONSES }, () => ({
  schoolId: schoolIds[Math.floor(random() * SCHOOLS)]!,
  answers: Array.from({ length: ITEMS }, () => {
    const u = random();
    return u < 0.03 ? null : u < 0.07 ? 0 : 1 + Math.floor(random() * 5);
  }),
  role: random() < 0.8 ? 'leraar' : random() < 0.8 ? 'ondersteunend' : 'directie',
  seniority: ['lt5', '5to15', 'gt15'][Math.floor(random() * 3)]!,
}));

// Pre-aggregated, as the database would return them: counts per (school, item, value) and per-school sums.
const bySchool = new Map<string, Response[]>(schoolIds.map((id) => [id, []]));
for (const r of responses) bySchool.get(r.schoolId)!.push(r);
const countRows = new Map<string, CountRow[]>();
const schoolCounts = new Map<string, ValueCounts[]>();
const schoolSums = new Map<string, ResponseSums>();
for (const [id, rs] of bySchool) {
  const counts = countAnswers(rs, ITEMS);
  schoolCounts.set(id, counts);
  countRows.set(
    id,
    counts.flatMap((c, itemIndex) => c.flatMap((count, value) => (count ? [{ itemIndex, value, count }] : []))),
  );
  schoolSums.set(id, sumResponses(rs, layout));
}
const target = schoolIds[1234]!;

const itemStatsOf = (counts: ValueCounts[]) => counts.map((c, i) => itemStats(c, layout.items[i]!.reverse));

const wave: DisclosureInput = {
  waveId: 'network-2025',
  status: 'sealed',
  background: [
    { id: 'role', options: ['leraar', 'ondersteunend', 'directie'] },
    { id: 'seniority', options: ['lt5', '5to15', 'gt15'] },
  ],
  schools: schoolIds.map((id) => {
    const cells = new Map<string, { background: Record<string, string>; count: number }>();
    for (const r of bySchool.get(id)!) {
      const key = `${r.role}/${r.seniority}`;
      const cell = cells.get(key) ?? { background: { role: r.role, seniority: r.seniority }, count: 0 };
      cell.count++;
      cells.set(key, cell);
    }
    return { id, respondents: bySchool.get(id)!.length, cells: [...cells.values()] };
  }),
  benchmarkGroups: Array.from({ length: 10 }, (_, g) => ({ id: `group-${g}`, schoolIds: schoolIds.filter((_, i) => i % 10 === g) })),
};

describe('one school, item statistics (45 items)', () => {
  bench('from its pre-aggregated (item, value) count rows', () => {
    itemStatsOf(countsFromRows(countRows.get(target)!, ITEMS));
  });
  bench('from raw answers: scan the wave’s 165,000 responses', () => {
    itemStatsOf(
      countAnswers(
        responses.filter((r) => r.schoolId === target),
        ITEMS,
      ),
    );
  });
  bench('from raw answers: only the school’s own responses', () => {
    itemStatsOf(countAnswers(bySchool.get(target)!, ITEMS));
  });
});

describe('network, item statistics (45 items)', () => {
  bench('from 3,700 per-school counts', () => {
    itemStatsOf(addCounts(schoolCounts.values()));
  });
  bench('from raw answers (165,000 × 45)', () => {
    itemStatsOf(countAnswers(responses, ITEMS));
  });
});

describe('network, full report (items, theme mean/sd/CI/% favourable, alpha)', () => {
  bench('from 3,700 per-school sums', () => {
    groupReport(combineResponseSums(schoolSums.values(), layout), layout);
  });
  bench(
    'from raw answers (165,000 × 45)',
    () => {
      groupReport(sumResponses(responses, layout), layout);
    },
    { iterations: 5 },
  );
});

describe('disclosure control', () => {
  bench(
    'disclose() for the whole wave (3,700 schools × 2 breakdowns, 10 benchmark groups, network)',
    () => {
      disclose(wave);
    },
    { iterations: 5 },
  );
});
