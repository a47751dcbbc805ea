import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutOf, recode } from '../../analysis/index.ts';
import { rng } from '../../server/demo/synthetic.ts';
import { GROUPS, generateNetwork, networkSize, schoolPlan, type Network } from '../../bench/network.ts';
import { testStore, type TestStore } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';

/**
 * The benchmark's network generator (bench/network.ts) at a tiny scale on the test store, so that
 * `npm run bench` cannot rot unnoticed: the right counts, sealed waves, and school differences
 * that look like a real network.
 */
describe('benchmark network generator', () => {
  const SCALE = 1 / 200;
  let store: TestStore;
  let network: Network;

  beforeAll(async () => {
    store = await testStore();
    network = await generateNetwork(store.db, { scale: SCALE, seed: 7, keys: testKeys(store.db) });
  });
  afterAll(() => store.drop());

  it('sizes a network like Flanders at scale 1 and keeps the mean school size at any scale', () => {
    expect(networkSize(1)).toEqual({ schools: 3700, responses: 165_000 });
    expect(networkSize(1 / 20)).toEqual({ schools: 185, responses: 8250 });
    const plan = schoolPlan(3700, 165_000, rng(1));
    expect(plan.reduce((a, s) => a + s.staff, 0)).toBe(165_000);
    expect(Math.min(...plan.map((s) => s.staff))).toBeGreaterThanOrEqual(3);
    for (const g of GROUPS) expect(plan.filter((s) => s.group === g.id).length).toBeCloseTo(g.share * 3700, -1);
  });

  it('creates the schools in benchmark groups', async () => {
    const { schools, responses } = networkSize(SCALE);
    const rows = await store.db.selectFrom('school').select(['id', 'benchmark_group', 'staff_count']).execute();
    expect(rows).toHaveLength(schools);
    expect(new Set(rows.map((r) => r.benchmark_group)).size).toBeGreaterThanOrEqual(2);
    expect(rows.reduce((a, r) => a + r.staff_count, 0)).toBe(responses);
  });

  it('stores the same number of responses in each of three sealed waves, and the spent codes only as counts', async () => {
    const { responses } = networkSize(SCALE);
    const waves = await store.db.selectFrom('wave').select(['id', 'status', 'sealed']).execute();
    expect(waves).toHaveLength(3);
    for (const w of waves) {
      expect(w).toMatchObject({ status: 'closed', sealed: true });
      const n = await store.db
        .selectFrom('response')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('wave_id', '=', w.id)
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(responses);
      const perSchool = await store.db
        .selectFrom('wave_school')
        .innerJoin('school', 'school.id', 'wave_school.school_id')
        .select(['school.staff_count', 'wave_school.codes_issued', 'wave_school.codes_spent'])
        .where('wave_school.wave_id', '=', w.id)
        .execute();
      for (const s of perSchool) expect(s).toEqual({ staff_count: s.staff_count, codes_issued: s.staff_count, codes_spent: s.staff_count });
    }
    const codes = await store.db
      .selectFrom('access_code')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(codes.n)).toBe(0);
    expect(network.waves.map((w) => w.responses)).toEqual([responses, responses, responses]);
    expect(network.waves.every((w) => w.comments > 0)).toBe(true);
  });

  it('gives schools plausible, stable differences and the network a small improvement over time', async () => {
    const layout = layoutOf(network.questionnaire);
    const stats: Array<{ grand: number; icc: number; means: Map<string, number> }> = [];
    for (const wave of network.waves) {
      const rows = await store.db.selectFrom('response').select(['school_id', 'answers']).where('wave_id', '=', wave.id).execute();
      // Each respondent's mean of valid recoded answers, then the school means.
      const bySchool = new Map<string, number[]>();
      for (const r of rows) {
        const valid = r.answers.flatMap((a, i) => {
          const v = recode(a, layout.items[i]!.reverse);
          return v === null ? [] : [v];
        });
        const list = bySchool.get(r.school_id) ?? [];
        list.push(valid.reduce((a, v) => a + v, 0) / valid.length);
        bySchool.set(r.school_id, list);
      }
      const all = [...bySchool.values()].flat();
      const grand = all.reduce((a, v) => a + v, 0) / all.length;
      const means = new Map([...bySchool].map(([id, v]) => [id, v.reduce((a, x) => a + x, 0) / v.length]));
      // One-way ANOVA: the intraclass correlation ICC(1) of respondent means within schools.
      let ssb = 0;
      let ssw = 0;
      for (const [id, v] of bySchool) {
        const m = means.get(id)!;
        ssb += v.length * (m - grand) ** 2;
        for (const x of v) ssw += (x - m) ** 2;
      }
      const k = bySchool.size;
      const n = all.length;
      const msb = ssb / (k - 1);
      const msw = ssw / (n - k);
      const n0 = (n - [...bySchool.values()].reduce((a, v) => a + v.length ** 2, 0) / n) / (k - 1);
      const icc = (msb - msw) / (msb + (n0 - 1) * msw);
      stats.push({ grand, icc, means });
    }
    for (const s of stats) {
      expect(s.grand).toBeGreaterThan(3);
      expect(s.grand).toBeLessThan(4);
      // School climate surveys typically show 10–40 % of the variance between schools.
      expect(s.icc).toBeGreaterThan(0.1);
      expect(s.icc).toBeLessThan(0.6);
    }
    expect(stats[2]!.grand).toBeGreaterThan(stats[0]!.grand);
    // A school's level carries over from wave to wave (the school effect), not new noise each time.
    const ids = [...stats[0]!.means.keys()];
    const a = ids.map((id) => stats[0]!.means.get(id)!);
    const b = ids.map((id) => stats[1]!.means.get(id)!);
    expect(correlation(a, b)).toBeGreaterThan(0.7);
  });
});

function correlation(x: number[], y: number[]): number {
  const mx = x.reduce((a, v) => a + v, 0) / x.length;
  const my = y.reduce((a, v) => a + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((v, i) => {
    sxy += (v - mx) * (y[i]! - my);
    sxx += (v - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}
