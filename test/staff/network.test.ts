import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { groupReport, layoutOf, sumResponses } from '../../analysis/index.ts';
import { loadWaveResults } from '../../server/results/wave-results.ts';
import { shippedV2 } from '../helpers/fixtures.ts';
import { formatNumber } from '../../server/platform/i18n.ts';

describe(`network view (${storeKind})`, () => {
  const { store, app } = useApp();
  let sealed: string;
  let open: string;
  beforeAll(async () => {
    await seedDemo(store.db, testKeys(store.db), 5);
    const waves = await store.db.selectFrom('wave').select(['id', 'name', 'status']).execute();
    sealed = waves.find((w) => w.name === 'Demo najaar 2025')!.id;
    open = waves.find((w) => w.status === 'open')!.id;
  });

  it('is for admins only, and only for sealed waves', async () => {
    const url = `/admin/waves/${sealed}/network`;
    expect((await new Session(app, '10.2.0.1').get(url)).statusCode).toBe(303);
    for (const email of ['rep.basis@demo.schoolpols.be', 'onderzoek@demo.schoolpols.be']) {
      const s = await new Session(app, '10.2.0.2').login(email, DEMO_PASSWORD);
      expect((await s.get(url)).statusCode).toBe(403);
    }
    const admin = await new Session(app, '10.2.0.3').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
    expect((await admin.get(url)).statusCode).toBe(200);
    expect((await admin.get(`/admin/waves/${open}/network`)).statusCode).toBe(409);
  });

  it('shows the network mean over exactly the schools disclosure includes', async () => {
    const admin = await new Session(app, '10.2.0.4').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
    const page = await admin.get(`/admin/waves/${sealed}/network?lang=en`);
    const results = await loadWaveResults(store.db, sealed);
    const included = results.disclosure.network().schoolIds;
    const rows = await store.db.selectFrom('response').select(['answers', 'school_id']).where('wave_id', '=', sealed).execute();
    // The demo's newest sealed wave runs v2.
    const layout = layoutOf(shippedV2);
    const report = groupReport(
      sumResponses(
        rows.filter((r) => included.includes(r.school_id)),
        layout,
      ),
      layout,
    );
    const networkRow = /<tr><th scope="row">Network<\/th>([\s\S]*?)<\/tr>/.exec(page.body)?.[1] ?? '';
    expect(networkRow).toContain(`<td class="num">${report.respondents}</td>`);
    for (const theme of report.themes) {
      expect(networkRow).toContain(formatNumber('en', (theme.mean as { value: number }).value, 2));
    }
    // Every school not released shows its reason, never a number.
    for (const g of results.disclosure.groups.filter((x) => x.kind === 'school' && !x.released)) {
      const name = results.schools.get(g.schoolId!)!.name;
      const row = new RegExp(`<tr><th scope="row">${name}</th>([\\s\\S]*?)</tr>`).exec(page.body)?.[1] ?? '';
      expect(row).toContain('fewer than 5 responses');
      expect(row).not.toMatch(/\d\.\d\d/);
    }
  });
});
