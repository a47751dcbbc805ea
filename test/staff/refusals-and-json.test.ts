/**
 * Routes typed from their schemas (issue 13): the dashboard's JSON, now serialized through its
 * response schema, is byte for byte what JSON.stringify made of the view-model before; and the
 * refusals of the staff pages (dashboards, network view, research, account) are answered in the
 * language of the request, never in another one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { schoolWaveResults } from '../../server/dashboards/school-view.ts';
import { dashboardView } from '../../server/dashboards/dashboard-view.ts';
import { translator, LANGS } from '../../server/platform/i18n.ts';

const UNKNOWN = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe(`staff routes: dashboard JSON unchanged, refusals in the request's language (${storeKind})`, () => {
  const { store, app } = useApp();
  let rep: Session; // rep.basis: schools 0, 1 and 5
  let admin: Session;
  let researcher: Session;
  let repSchools: string[];
  let otherSchool: string;
  let sealedWaves: string[];
  let openWave: string;

  /** GET as JSON with a session's cookies. */
  const getJson = (who: Session, url: string) =>
    app.inject({
      method: 'GET',
      url,
      remoteAddress: who.remoteAddress,
      headers: { accept: 'application/json', cookie: [...who.jar].map(([n, v]) => `${n}=${v}`).join('; ') },
    });

  beforeAll(async () => {
    // k = 15: some schools are reportable, others withheld (nulls and rule codes in the JSON).
    await seedDemo(store.db, testKeys(store.db), 15);
    const school = async (name: string) =>
      (await store.db.selectFrom('school').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
    repSchools = [
      await school('Demo Basisschool De Regenboog'),
      await school('Demo Basisschool Klavertje Vier'),
      await school('Demo Basisschool De Kleine Wereld'),
    ];
    otherSchool = await school('Demo Atheneum Scheldeland');
    const waves = await store.db.selectFrom('wave').select(['id', 'status']).orderBy('created_at').orderBy('name').execute();
    sealedWaves = waves.filter((w) => w.status === 'closed').map((w) => w.id);
    openWave = waves.find((w) => w.status === 'open')!.id;
    rep = await new Session(app, '10.3.0.1').login('rep.basis@demo.schoolpols.be', DEMO_PASSWORD);
    admin = await new Session(app, '10.3.0.2').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
    researcher = await new Session(app, '10.3.0.3').login('onderzoek@demo.schoolpols.be', DEMO_PASSWORD);
  });

  it('serializes the dashboard JSON exactly as JSON.stringify of the view-model (key order, nulls, every field)', async () => {
    expect(sealedWaves.length).toBeGreaterThanOrEqual(2);
    const schools = (await store.db.selectFrom('school').select('id').orderBy('name').execute()).map((s) => s.id);
    let withheld = 0;
    let shown = 0;
    for (const waveId of sealedWaves) {
      for (const schoolId of schools) {
        for (const lang of LANGS) {
          const res = await getJson(admin, `/api/schools/${schoolId}/waves/${waveId}?lang=${lang}`);
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
          const { chartJson, ...rest } = dashboardView(await schoolWaveResults(store.db, waveId, schoolId), lang, translator(lang));
          expect(res.body === JSON.stringify({ ...rest, chart: JSON.parse(chartJson) }), `${schoolId} ${waveId} ${lang}`).toBe(true);
          if (res.body.includes('"value":null,"rule":"R')) withheld++;
          if (rest.suppressedSchool === null) shown++;
        }
      }
    }
    // Numbers withheld by a disclosure rule (nulls and rule codes) are among the bytes compared.
    expect(withheld).toBeGreaterThan(0);
    expect(shown).toBeGreaterThan(0);
  });

  it('refuses a dashboard in the language of the request', async () => {
    const cases = [
      { url: `/api/schools/${otherSchool}/waves/${sealedWaves[0]}`, status: 403, key: 'dashboard.error.noAccess' },
      { url: `/schools/${otherSchool}`, status: 403, key: 'dashboard.error.noAccess' },
      { url: `/api/schools/${repSchools[0]}/waves/${openWave}`, status: 409, key: 'dashboard.openWave' },
      { url: `/schools/${repSchools[0]}/waves/${openWave}/report`, status: 409, key: 'dashboard.openWave' },
      { url: `/api/schools/${repSchools[0]}/waves/${UNKNOWN}`, status: 404, key: 'dashboard.error.noResults' },
    ];
    for (const c of cases) {
      for (const lang of LANGS) {
        const res = await getJson(rep, `${c.url}?lang=${lang}`);
        expect(res.statusCode, c.url).toBe(c.status);
        expect(res.json().message, `${c.url} ${lang}`).toBe(translator(lang)(c.key));
        const page = await rep.get(`${c.url}?lang=${lang}`);
        expect(page.statusCode).toBe(c.status);
        expect(page.body).toContain(`<html lang="${lang}">`);
        expect(page.body).toContain(translator(lang)(c.key));
      }
      expect(translator('nl')(c.key)).not.toBe(translator('en')(c.key));
    }
    // Without ?lang= the rep's own language (Dutch for the demo accounts).
    expect((await getJson(rep, `/schools/${otherSchool}`)).json().message).toBe(translator('nl')('dashboard.error.noAccess'));
  });

  it('refuses the network view, research downloads and an unknown session in the language of the request', async () => {
    const cases = [
      { who: () => admin, url: `/admin/waves/${openWave}/network`, status: 409, key: 'network.notSealed' },
      { who: () => admin, url: `/admin/waves/${UNKNOWN}/network`, status: 404, key: 'error.waveNotFound' },
      { who: () => researcher, url: `/research/waves/${openWave}/themes.csv`, status: 404, key: 'research.notFound' },
      { who: () => researcher, url: `/research/questionnaires/no-such-key/trends.csv`, status: 404, key: 'research.notFound' },
    ];
    for (const c of cases) {
      for (const lang of LANGS) {
        const res = await getJson(c.who(), `${c.url}?lang=${lang}`);
        expect(res.statusCode, c.url).toBe(c.status);
        expect(res.json().message, `${c.url} ${lang}`).toBe(translator(lang)(c.key));
      }
    }
    for (const lang of LANGS) {
      const res = await rep.post(`/account/sessions/revoke?lang=${lang}`, { session: UNKNOWN });
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain(translator(lang)('account.sessions.notFound'));
    }
  });

  it('refuses an id with a urn:uuid: prefix as malformed (400), not as a database error', async () => {
    for (const url of [
      `/api/schools/urn:uuid:${repSchools[0]}/waves/${sealedWaves[0]}`,
      `/admin/waves/urn:uuid:${sealedWaves[0]}/network`,
    ]) {
      const who = url.startsWith('/admin') ? admin : rep;
      const res = await getJson(who, url);
      expect(res.statusCode, url).toBe(400);
    }
    const res = await getJson(researcher, `/research/waves/urn:uuid:${sealedWaves[0]}/themes.csv`);
    expect(res.statusCode).toBe(400);
  });
});
