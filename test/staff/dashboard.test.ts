import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { groupReport, layoutOf, sumResponses } from '../../analysis/index.ts';
import { shippedV2 } from '../helpers/fixtures.ts';

type Role = 'anonymous' | 'repOfSchool' | 'repOfOther' | 'researcher' | 'admin';

describe(`rep dashboards (${storeKind})`, () => {
  const { store, app } = useApp();
  const sessions = {} as Record<Role, Session>;
  let schoolId: string; // assigned to rep.secundair
  let otherSchoolId: string; // assigned to rep.basis only
  let sealedWaveId: string;
  let openWaveId: string;

  beforeAll(async () => {
    await seedDemo(store.db, testKeys(store.db), 5);
    const school = (name: string) => store.db.selectFrom('school').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    schoolId = (await school('Demo Atheneum Scheldeland')).id;
    otherSchoolId = (await school('Demo Basisschool De Regenboog')).id;
    const waves = await store.db.selectFrom('wave').select(['id', 'name', 'status']).orderBy('created_at').orderBy('name').execute();
    sealedWaveId = waves.find((w) => w.name === 'Demo najaar 2025')!.id;
    openWaveId = waves.find((w) => w.status === 'open')!.id;
    sessions.anonymous = new Session(app, '10.1.0.1');
    sessions.repOfSchool = await new Session(app, '10.1.0.2').login('rep.secundair@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.repOfOther = await new Session(app, '10.1.0.3').login('rep.basis@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.researcher = await new Session(app, '10.1.0.4').login('onderzoek@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.admin = await new Session(app, '10.1.0.5').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
  });

  it('lets each role reach exactly what it may (access-control matrix)', async () => {
    const routes = [
      `/schools/${schoolId}`,
      `/schools/${schoolId}/waves/${sealedWaveId}`,
      `/schools/${schoolId}/waves/${sealedWaveId}/report`,
      `/schools/${schoolId}/waves/${sealedWaveId}/report-page.css`,
      `/api/schools/${schoolId}/waves/${sealedWaveId}`,
      `/schools/${schoolId}/waves/${openWaveId}`,
      // The school's action plan (issue 19; its POST routes: test/staff/action-plans.test.ts).
      `/schools/${schoolId}/waves/${sealedWaveId}/actions`,
    ];
    const expected: Record<Role, number> = { anonymous: 303, repOfSchool: 200, repOfOther: 403, researcher: 403, admin: 200 };
    const seen: string[] = [];
    for (const url of routes) {
      for (const role of Object.keys(expected) as Role[]) {
        const res = await sessions[role].get(url);
        seen.push(`${role} ${url.replace(schoolId, 'S').replace(sealedWaveId, 'W').replace(openWaveId, 'O')} ${res.statusCode}`);
        expect(res.statusCode, `${role} GET ${url}`).toBe(expected[role]);
        if (role === 'anonymous') expect(res.headers.location).toMatch(/^\/login/);
      }
    }
    expect(seen).toHaveLength(routes.length * 5);
    // The open wave's report and data say the results come later.
    expect((await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${openWaveId}/report`)).statusCode).toBe(409);
    expect((await sessions.repOfSchool.get(`/api/schools/${schoolId}/waves/${openWaveId}`)).statusCode).toBe(409);
  });

  it('never gives a rep another school by changing an id in the URL or query', async () => {
    const rep = sessions.repOfSchool;
    const name = 'Demo Basisschool De Regenboog';
    for (const url of [
      `/schools/${otherSchoolId}`,
      `/schools/${otherSchoolId}/waves/${sealedWaveId}`,
      `/schools/${otherSchoolId}/waves/${sealedWaveId}/report`,
      `/api/schools/${otherSchoolId}/waves/${sealedWaveId}`,
      `/api/schools/${schoolId}/waves/${sealedWaveId}?schoolId=${otherSchoolId}`,
      `/schools/${otherSchoolId}/waves/${sealedWaveId}/actions`,
      `/schools/${schoolId}/waves/${sealedWaveId}?school=${otherSchoolId}`,
    ]) {
      const res = await rep.get(url);
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain(name);
    }
    const home = await rep.get('/home');
    expect(home.body).toContain('Demo Atheneum Scheldeland');
    expect(home.body).not.toContain(name);
    // Malformed ids are a 400 with the field named, not a 500.
    const bad = await rep.get(`/schools/not-a-uuid/waves/${sealedWaveId}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/schoolId/);
  });

  it('shows numbers equal to the analysis of the stored responses', async () => {
    const res = await sessions.repOfSchool.get(`/api/schools/${schoolId}/waves/${sealedWaveId}`);
    expect(res.statusCode).toBe(200);
    const view = res.json();
    // The demo's newest sealed wave runs v2.
    const layout = layoutOf(shippedV2);
    const rows = await store.db
      .selectFrom('response')
      .select('answers')
      .where('wave_id', '=', sealedWaveId)
      .where('school_id', '=', schoolId)
      .execute();
    const expected = groupReport(sumResponses(rows, layout), layout);
    expect(view.respondents.value).toBe(rows.length);
    layout.themes.forEach((theme, ti) => {
      const mine = view.themes[ti];
      const want = expected.themes[ti]!;
      expect(mine.id).toBe(theme.id);
      expect(mine.n.value).toBe(want.n);
      expect(mine.mean.value).toBeCloseTo((want.mean as { value: number }).value, 9);
      expect(mine.favourable.value).toBeCloseTo((want.favourable as { value: number }).value, 9);
    });
    expected.items.forEach((item) => {
      const mine = view.themes.flatMap((t: { items: unknown[] }) => t.items).find((i: { id: string }) => i.id === item.itemId);
      expect(mine.n.value).toBe(item.n);
      expect(mine.mean.value).toBeCloseTo((item.mean as { value: number }).value, 9);
    });
    // The benchmark is the secondary schools released by disclosure, computed independently here.
    const secondary = await store.db
      .selectFrom('response')
      .innerJoin('school', 'school.id', 'response.school_id')
      .select(['response.answers', 'response.school_id'])
      .where('response.wave_id', '=', sealedWaveId)
      .where('school.benchmark_group', '=', 'secundair')
      .execute();
    const perSchool = new Map<string, number>();
    for (const r of secondary) perSchool.set(r.school_id, (perSchool.get(r.school_id) ?? 0) + 1);
    const included = secondary.filter((r) => (perSchool.get(r.school_id) ?? 0) >= 5);
    const bench = groupReport(sumResponses(included, layout), layout);
    layout.themes.forEach((_, ti) => {
      const got = view.themes[ti].benchmarkMean.value;
      if (got !== null) expect(got).toBeCloseTo((bench.themes[ti]!.mean as { value: number }).value, 9);
    });
  });

  it('says why a small school shows no numbers, everywhere on the page', async () => {
    const small = await store.db
      .selectFrom('school')
      .select('id')
      .where('name', '=', 'Demo Middenschool Het Spoor')
      .executeTakeFirstOrThrow();
    const n = await store.db
      .selectFrom('response')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('wave_id', '=', sealedWaveId)
      .where('school_id', '=', small.id)
      .executeTakeFirstOrThrow();
    const res = await sessions.admin.get(`/api/schools/${small.id}/waves/${sealedWaveId}`);
    const view = res.json();
    if (Number(n.n) < 5) {
      expect(view.respondents).toEqual({ text: 'minder dan 5 antwoorden', value: null, rule: 'R1' });
      for (const th of view.themes) {
        expect(th.mean.value).toBeNull();
        expect(th.mean.rule).toBe('R1');
        for (const item of th.items) expect(item.mean.value).toBeNull();
      }
      expect(view.chart.school.every((v: number | null) => v === null)).toBe(true);
      const page = await sessions.admin.get(`/schools/${small.id}/waves/${sealedWaveId}`);
      expect(page.body).toContain('minder dan 5 antwoorden');
    } else {
      expect(view.respondents.value).toBe(Number(n.n));
    }
  });

  it('puts "at a glance" first: clear differences (CI, not rank), the changes since the previous wave, participation; each theme links to its detail', async () => {
    for (const path of [`/schools/${schoolId}/waves/${sealedWaveId}`, `/schools/${schoolId}/waves/${sealedWaveId}/report`]) {
      const page = await sessions.repOfSchool.get(path);
      const body = page.body;
      // Right after the page's heading, before any table or chart.
      expect(body, path).toMatch(/<\/h1>\s*(<p class="sub">[^<]*<\/p>\s*)?<section class="glance"/);
      const glance = /<section class="glance"[\s\S]*?<\/section>/.exec(body)![0];
      expect(glance).toContain('Respons:');
      for (const [, id] of glance.matchAll(/href="#(theme-[\w-]+)"/g)) expect(body, `${path} links to #${id}`).toContain(`id="${id}"`);
      // The second demo wave follows the first: the changes since it are named.
      expect(glance).toMatch(/Grootste veranderingen sinds Demo voorjaar 2025:/);
    }
    // The themes said to differ clearly are exactly those whose verdict says so.
    const view = (await sessions.repOfSchool.get(`/api/schools/${schoolId}/waves/${sealedWaveId}`)).json();
    const said = (lead: RegExp) =>
      view.glance.sentences
        .filter((s: { text: string }) => lead.test(s.text))
        .flatMap((s: { themes: Array<{ id: string }> }) => s.themes.map((t) => t.id));
    const verdict = (v: string) =>
      view.themes
        .filter((th: { verdict: string }) => th.verdict === v)
        .map((th: { id: string }) => th.id)
        .sort();
    expect(said(/^Duidelijk sterker/).sort()).toEqual(verdict('hoger dan de vergelijkingsgroep'));
    expect(said(/^Duidelijk zwakker/).sort()).toEqual(verdict('lager dan de vergelijkingsgroep'));
    // The colour of a theme's bar says the same as its verdict, and the chart draws the table's numbers.
    const kinds: Record<string, string> = {
      higher: 'hoger dan de vergelijkingsgroep',
      lower: 'lager dan de vergelijkingsgroep',
      alike: 'niet te onderscheiden van de vergelijkingsgroep',
    };
    for (const th of view.themes) expect(kinds[th.verdictKind], th.id).toBe(th.verdict);
    expect(view.chart.favourable.kind).toEqual(view.themes.map((th: { verdictKind: string }) => th.verdictKind));
    expect(view.chart.favourable.school).toEqual(view.themes.map((th: { favourable: { value: number } }) => th.favourable.value));
    expect(view.chart.favourable.benchmark).toEqual(
      view.themes.map((th: { benchmarkFavourable: { value: number } }) => th.benchmarkFavourable.value),
    );
    expect(view.chart.favourable.network).toEqual(
      view.themes.map((th: { networkFavourable: { value: number } }) => th.networkFavourable.value),
    );
    const changes = view.glance.sentences.find((s: { text: string }) => s.text.startsWith('Grootste veranderingen'));
    expect(changes.themes.length).toBeGreaterThan(0);
    for (const th of changes.themes) expect(th.value).toMatch(/^[+−]?\d,\d\d, (significant|niet significant)$/);
  });

  it('shows open waves only as a count so far', async () => {
    const res = await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${openWaveId}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<dt>Antwoorden tot nu toe<\/dt><dd><strong>0<\/strong><\/dd>/);
    expect(res.body).not.toContain('chart-data');
  });
});
