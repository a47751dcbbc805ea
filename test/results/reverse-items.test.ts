/**
 * Issue 17, defect 2: a negatively worded item's distribution was shown after recoding but under
 * the labels the teacher saw, so "75 % eens" meant 75 % disagreed. Every item's distribution is
 * now shown on its own wording; means and % favourable stay on the recoded scale (higher is more
 * favourable), and the favourable side is marked.
 *
 * Twelve teachers of one school answer every positively worded item "helemaal eens" (5) and every
 * negatively worded one "helemaal oneens" (1): all favourable. The dashboard must show 100 % under
 * "helemaal oneens" for the negatively worded items, not under "helemaal eens".
 */
import { describe, expect, it } from 'vitest';
import { useStore, storeKind } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';
import { shipped, submit } from '../helpers/fixtures.ts';
import { seedSealedDemo } from './helpers.ts';
import { issueCodes } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { schoolWaveResults } from '../../server/dashboards/school-view.ts';
import { dashboardView } from '../../server/dashboards/dashboard-view.ts';
import { translator } from '../../server/platform/i18n.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const items = itemsInOrder(shipped);

describe(`negatively worded items read the right way round (${storeKind})`, () => {
  const store = useStore();

  it('shows each answer under the label the teacher chose; mean and % favourable stay recoded; the favourable side is marked', async () => {
    const db = store.db;
    const { schoolIds } = await seedSealedDemo(store);
    const waveId = (await db.selectFrom('app_meta').select('value').where('key', '=', 'demo_open_wave').executeTakeFirstOrThrow()).value;
    const schoolId = schoolIds[0]!;
    for (const code of await issueCodes(db, waveId, schoolId, 12)) {
      expect(await submit(db, code, { answers: items.map((it) => (it.reverse ? 1 : 5)), background: {}, comment: null })).toBe(true);
    }
    expect((await sealWave(db, testKeys(db), waveId)).unstored).toBeNull();

    const view = dashboardView(await schoolWaveResults(db, waveId, schoolId), 'nl', translator('nl'));
    expect(view.scaleLabels[0]).toBe('helemaal oneens');
    const shown = view.themes.flatMap((th) => th.items);
    const reversed = shown.filter((it) => it.reverse);
    expect(reversed.map((it) => it.id)).toEqual(items.filter((it) => it.reverse).map((it) => it.id));
    for (const item of shown) {
      const chosen = item.reverse ? 0 : 4; // "helemaal oneens" or "helemaal eens"
      expect(
        item.percents.map((p) => p.value),
        item.id,
      ).toEqual([0, 1, 2, 3, 4].map((v) => (v === chosen ? 100 : 0)));
      // Recoded: every answer is at the favourable end.
      expect(item.mean.value, item.id).toBe(5);
      expect(item.favourable.value, item.id).toBe(100);
      // The favourable side: the disagreeing options of a negatively worded item, the agreeing ones otherwise.
      expect(item.favourableOptions, item.id).toEqual(item.reverse ? [0, 1] : [3, 4]);
    }
    // The charts draw the same numbers as the tables, and name the negatively worded items.
    const chart = JSON.parse(view.chartJson) as { items: Array<{ labels: string[]; percents: Array<Array<number | null>> }> };
    view.themes.forEach((th, ti) =>
      th.items.forEach((item, ii) => {
        expect(chart.items[ti]!.percents[ii]).toEqual(item.percents.map((p) => p.value));
        if (item.reverse) expect(chart.items[ti]!.labels[ii]).toContain('oneens is gunstig');
      }),
    );
  });
});
