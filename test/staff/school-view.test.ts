import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind, useStore } from '../helpers/store.ts';
import { shipped, submit } from '../helpers/fixtures.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { schoolWaveResults } from '../../server/dashboards/school-view.ts';
import { percentileRank } from '../../analysis/index.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { testKeys } from '../helpers/app.ts';

const items = itemsInOrder(shipped);

/** Respondent `r` of a school whose answers lean by `lean`; schools with the same lean answer identically. */
const answersOf = (lean: number, r: number) => items.map((_, i) => Math.min(5, Math.max(1, 1 + ((i * 7 + r * 3 + lean) % 5))));

describe(`school view: percentile ranks among released schools (${storeKind})`, () => {
  const store = useStore();
  let waveId: string;
  // name → [lean, respondents]; `Gelijk 1` and `Gelijk 2` tie on every theme; `Klein` has too few respondents (R1).
  const plan: Record<string, [number, number]> = {
    Laag: [0, 6],
    'Gelijk 1': [2, 7],
    'Gelijk 2': [2, 7],
    Midden: [3, 5],
    Hoog: [4, 8],
    Anders: [1, 9],
    Klein: [4, 2],
  };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const db = store.db;
    const questionnaireId = await publishQuestionnaire(db, shipped);
    for (const name of Object.keys(plan)) {
      ids[name] = await createSchool(db, { name, benchmark_group: 'secundair', municipality: 'Gent', staff_count: 10 });
    }
    waveId = await createWave(db, { name: 'Rangen', questionnaireId, schoolIds: Object.values(ids), k: 5 });
    await openWave(db, waveId);
    for (const [name, [lean, n]] of Object.entries(plan)) {
      const codes = await issueCodes(db, waveId, ids[name]!, n);
      for (let r = 0; r < n; r++) {
        expect(await submit(db, codes[r]!, { answers: answersOf(lean, r), background: {}, comment: null })).toBe(true);
      }
    }
    await closeWave(db, testKeys(db), waveId);
  });

  it('ranks every released school as percentileRank does among all released theme means, ties at their mid-rank', async () => {
    const views = new Map<string, Awaited<ReturnType<typeof schoolWaveResults>>>();
    for (const [name, id] of Object.entries(ids)) views.set(name, await schoolWaveResults(store.db, waveId, id));
    const released = [...views].filter(([, v]) => v.school.kind === 'value').map(([name]) => name);
    expect(released).toContain('Gelijk 1');
    expect(released).not.toContain('Klein');
    expect(released.length).toBeGreaterThanOrEqual(5);

    const themeCount = shipped.themes.length;
    let ties = 0;
    for (let ti = 0; ti < themeCount; ti++) {
      const meanOf = (name: string) => {
        const school = views.get(name)!.school;
        if (school.kind !== 'value') throw new Error(`${name} is not released`);
        const m = school.value.themes[ti]!.mean;
        if (!m.ok) throw new Error(`${name} has no mean`);
        return m.value;
      };
      // In the order the schools were created, not sorted: the reference sorts by itself.
      const means = released.map(meanOf);
      for (const name of released) {
        const p = views.get(name)!.themes[ti]!.percentile;
        expect(p, `${name}, theme ${ti}`).toMatchObject({ kind: 'value', value: percentileRank(meanOf(name), means) });
      }
      if (meanOf('Gelijk 1') === meanOf('Gelijk 2')) ties++;
      expect(views.get('Klein')!.themes[ti]!.percentile.kind).toBe('suppressed');
    }
    expect(ties, 'the two identical schools tie on every theme').toBe(themeCount);
  });
});
