/**
 * The printable network report (issue 20): network and released benchmark-group numbers exactly as
 * the network view releases them, the key drivers and the instrument quality of the network; no
 * number about a single school, and nothing about a benchmark group the wave's disclosure withholds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { shippedV2 } from '../helpers/fixtures.ts';
import { driverSchools, seedDriverWave } from '../helpers/driver-wave.ts';
import { signedIn } from './helpers.ts';
import type { Session } from '../helpers/session.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { formatNumber, translator } from '../../server/platform/i18n.ts';
import { networkResults } from '../../server/admin/network-view.ts';
import { networkView } from '../../server/admin/network-page.ts';
import { loadWaveResults } from '../../server/results/wave-results.ts';
import { driverReport } from '../../server/research/drivers.ts';
import { driverPanel, outcomePhrase } from '../../server/research/drivers-view.ts';

describe(`the network report (${storeKind})`, () => {
  const { store, app } = useApp();
  let waveId: string;
  let admin: Session;
  let schools: Array<{ id: string; respondents: number }>;

  beforeAll(async () => {
    const q = await publishQuestionnaire(store.db, shippedV2);
    const basis = await driverSchools(store.db, 'basisonderwijs', 6, 12, 'Rapportschool basis');
    const secundair = await driverSchools(store.db, 'secundair', 2, 30, 'Rapportschool secundair');
    schools = [...basis, ...secundair];
    waveId = await seedDriverWave(store.db, q, 'Netwerk rapport', schools, 11);
    admin = (await signedIn(app, store.db, 'admin')).session;
  }, 600_000);

  it('shows the network view’s released numbers per theme, the drivers, priorities, quality and response, with its running header', async () => {
    const res = await admin.get(`/admin/waves/${waveId}/network/report`);
    expect(res.statusCode).toBe(200);
    const html = res.body;
    const t = translator('nl');
    const view = networkView(await networkResults(store.db, waveId), 'nl', t, 1);
    const network = view.scopes[0]!;
    const table = /<table class="data network-themes">[\s\S]*?<\/table>/.exec(html)![0];
    for (const [ti, th] of view.themes.entries()) {
      const row = new RegExp(`<tr data-theme="${th.id}">([\\s\\S]*?)</tr>`).exec(table)![1]!;
      expect(row).toContain(
        `<td class="num">${network.favourable[ti]!.text}<br><span class="hint">gem. ${network.means[ti]!.text}</span></td>`,
      );
    }
    expect(html).toContain(`Respondenten in het netwerk: ${network.n.text}`);
    const results = await loadWaveResults(store.db, waveId);
    const drivers = await driverReport(store.db, results);
    const o = shippedV2.outcomes![0]!;
    const panel = driverPanel(
      drivers.scopes[0]!.outcomes[0]!,
      t('dashboard.network'),
      outcomePhrase(o.id, o.label.nl, t),
      shippedV2.themes.map((x) => ({ id: x.id, label: x.label.nl })),
      5,
      'nl',
      t,
    );
    expect(panel.refusal).toBeNull();
    expect(html).toContain(panel.reading);
    expect(html).toContain('Let op: dit toont samenhang, geen oorzaak.');
    expect(html).toMatch(/alfa \d,\d\d, omega \d,\d\d \(\d+ volledige gevallen\)/);
    // Risk-analysis domains and the network's priority shares beside each theme.
    const data = await networkResults(store.db, waveId);
    const prio = data.network.kind === 'value' ? data.network.value.priority! : null;
    expect(prio?.fewAnswers).toBe(false);
    const domains = /<caption id="domains-caption">[\s\S]*?<\/table>/.exec(html)![0];
    for (const [ti, th] of shippedV2.themes.entries()) {
      const row = new RegExp(`<th scope="row">${th.label.nl.replace("'", '&#39;')}</th>([\\s\\S]*?)</tr>`).exec(domains)![1]!;
      expect(row).toContain((th.riskDomains ?? []).map((d) => t(`riskDomain.${d}`)).join(', '));
      const share = prio!.themes[ti]!.share;
      expect(row).toContain(`<td class="num">${share.ok ? formatNumber('nl', share.value, 0) : 'x'} %</td>`);
    }
    expect(html).toContain(`/admin/waves/${waveId}/network/report-page.css?lang=nl`);
    const css = await admin.get(`/admin/waves/${waveId}/network/report-page.css`);
    expect(css.statusCode).toBe(200);
    expect(css.body).toBe('@page { @top-left { content: "COnneCt netwerkrapport · Netwerk rapport"; } }\n');
    expect((await admin.get(`/admin/waves/${waveId}/network`)).body).toContain(`href="/admin/waves/${waveId}/network/report"`);
  });

  it('holds no number about a single school or the withheld benchmark group (R3)', async () => {
    const results = await loadWaveResults(store.db, waveId);
    expect(results.disclosure.benchmarkGroup('secundair')).toMatchObject({ released: false, rule: 'R3' });
    for (const lang of ['nl', 'en']) {
      const html = (await admin.get(`/admin/waves/${waveId}/network/report?lang=${lang}`)).body;
      for (const s of schools) expect(html).not.toContain(s.id);
      expect(html).not.toContain('Rapportschool');
      // The withheld group is named once, with its reason, and has no column of numbers.
      const label = lang === 'nl' ? 'Secundair onderwijs' : translator('en')('benchmark.secundair');
      expect(html.split(label).length - 1).toBe(1);
      expect(html).toMatch(new RegExp(`id="withheld-groups">[^<]*${label} \\([^)0-9]*\\)`));
      const head = /<table class="data network-themes">[\s\S]*?<\/thead>/.exec(html)![0];
      expect(head).not.toContain(label);
    }
  });
});
