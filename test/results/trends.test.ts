/**
 * Issue 17, defect 1: a dashboard's trend must include the wave it is about. Waves were chosen with
 * `created_at <= <a JavaScript Date>`: the Date has milliseconds and the database microseconds, so
 * a wave fell out of its own history and no dashboard ever showed a change against the previous
 * wave. A school with three sealed waves must show three points and the change from the second to
 * the third; the network view likewise.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useStore, storeKind } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';
import { shipped, submit } from '../helpers/fixtures.ts';
import { seedSealedDemo } from './helpers.ts';
import { issueCodes } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { schoolWaveResults } from '../../server/dashboards/school-view.ts';
import { networkResults } from '../../server/admin/network-view.ts';
import { dashboardView } from '../../server/dashboards/dashboard-view.ts';
import { translator } from '../../server/platform/i18n.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const items = itemsInOrder(shipped);

describe(`a wave's trend includes the wave itself (${storeKind})`, () => {
  const store = useStore();

  it('three sealed waves: three points on the school dashboard and the network view, and the change from the second to the third', async () => {
    const db = store.db;
    const { sealedWaves, schoolIds } = await seedSealedDemo(store);
    const third = (await db.selectFrom('app_meta').select('value').where('key', '=', 'demo_open_wave').executeTakeFirstOrThrow()).value;
    // Timestamps with microseconds, as PostgreSQL makes them (PGlite's clock gives whole
    // milliseconds): the case a millisecond Date cut off.
    await sql`update wave set created_at = created_at + interval '417 microseconds'`.execute(db);

    // The third wave: one school answers, everyone agreeing with every favourable statement.
    const schoolId = schoolIds[0]!;
    const codes = await issueCodes(db, third, schoolId, 12);
    for (const code of codes) {
      const answers = items.map((it) => (it.reverse ? 1 : 5));
      expect(await submit(db, code, { answers, background: {}, comment: null })).toBe(true);
    }
    const { unstored } = await sealWave(db, testKeys(db), third);
    expect(unstored).toBeNull();

    const view = await schoolWaveResults(db, third, schoolId);
    for (const theme of view.themes) {
      expect(theme.trendWaves.map((w) => w.id)).toEqual([...sealedWaves, third]);
      expect(theme.trend).toHaveLength(3);
    }
    // Every answer at the favourable end: each theme rose from the second wave to the third, clearly.
    const change = view.themes[0]!.trend[2]!.change;
    expect(change.ok && change.value.difference > 0 && change.value.significant).toBe(true);

    // The second wave's own dashboard shows the first two, not the third.
    const second = await schoolWaveResults(db, sealedWaves[1]!, schoolId);
    expect(second.themes[0]!.trendWaves.map((w) => w.id)).toEqual(sealedWaves);

    // "At a glance" names the changes since the second wave, each with its significance.
    const glance = dashboardView(view, 'nl', translator('nl')).glance.sentences;
    const { name: secondName } = await db.selectFrom('wave').select('name').where('id', '=', sealedWaves[1]!).executeTakeFirstOrThrow();
    const changes = glance.find((s) => s.text === `Grootste veranderingen sinds ${secondName}:`);
    expect(changes?.themes).toHaveLength(3);
    for (const th of changes!.themes) expect(th.value).toMatch(/^\+\d,\d\d, significant$/);
    // Twelve answers against the codes the demo handed out for the whole staff: below the 50 % target, and said so.
    // No handed-out count was entered for this wave: the rate is against the slips printed, and says so.
    expect(glance[0]!.text).toMatch(
      /^Respons: 12 antwoorden van \d+ gedrukte codes \(\d+ %; hoeveel er uitgedeeld werden, is niet ingevuld\)$/,
    );
    expect(glance[1]!.text).toMatch(/^Minder dan 50 % van de uitgedeelde codes werd gebruikt/);

    // The % favourable chart shows the school in the previous wave, as that wave's own dashboard does.
    const shownBefore = dashboardView(second, 'nl', translator('nl'));
    const chart = JSON.parse(dashboardView(view, 'nl', translator('nl')).chartJson) as {
      favourable: { previous: Array<number | null>; legend: { previous: string } };
    };
    expect(chart.favourable.previous).toEqual(shownBefore.themes.map((th) => th.favourable.value));
    expect(chart.favourable.previous.every((v) => typeof v === 'number')).toBe(true);
    expect(chart.favourable.legend.previous).toBe(`School in ${secondName}`);

    // A school nobody answered for in the third wave: why nothing can be said is said once.
    const silent = dashboardView(await schoolWaveResults(db, third, schoolIds[1]!), 'nl', translator('nl'));
    expect(silent.respondents.rule).toBe('R1');
    const texts = silent.glance.sentences.map((s) => s.text).join(' | ');
    expect(texts.match(/minder dan 5 antwoorden/g)).toHaveLength(1);
    expect(silent.glance.sentences.every((s) => s.themes.length === 0)).toBe(true);

    const network = await networkResults(db, third);
    expect(network.history.map((h) => h.id)).toEqual([...sealedWaves, third]);
  });
});
