import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { shipped } from '../helpers/fixtures.ts';
import { Session } from '../helpers/session.ts';
import { signedIn, snapshot } from './helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';

/** Every admin route, with a body an admin would send (so the admin's answer is a success). */
interface Case {
  method: 'GET' | 'POST';
  url: string;
  body?: Record<string, string>;
  /** what an admin gets */
  admin: number;
}

/** The registered routes under /admin, from the auth plugin's route table (so a new route cannot miss this matrix). */
function adminRoutes(app: FastifyInstance): string[] {
  const routes = app.routeTable.filter((r) => r.url.startsWith('/admin') && r.method !== 'HEAD');
  for (const r of routes) expect(r.access, `${r.method} ${r.url}`).toEqual(['admin']);
  return routes.map((r) => `${r.method} ${r.url}`).sort();
}

describe(`admin: access control on every route (${storeKind})`, () => {
  let cases: Case[];
  const { store, app } = useApp();
  beforeAll(async () => {
    const q = await publishQuestionnaire(store.db, shipped);
    const school = await createSchool(store.db, { name: 'School M', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 3 });
    const other = await createSchool(store.db, { name: 'School N', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 3 });
    const draft = await createWave(store.db, { name: 'Draft', questionnaireId: q, schoolIds: [school], k: 5 });
    const open = await createWave(store.db, { name: 'Open', questionnaireId: q, schoolIds: [school], k: 5 });
    await openWave(store.db, open);
    await issueCodes(store.db, open, school, 1);
    const sealed = await createWave(store.db, { name: 'Sealed', questionnaireId: q, schoolIds: [school], k: 5 });
    await openWave(store.db, sealed);
    await closeWave(store.db, testKeys(store.db), sealed);
    // A sealed comment waiting for moderation (issue 19), written as sealing writes one: counted with its wave.
    const { id: commentId } = await store.db
      .insertInto('comment')
      .values({ wave_id: sealed, school_id: school, text: 'Te modereren' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await store.db
      .updateTable('wave_frozen')
      .set((eb) => ({ pending_comments: eb('pending_comments', '+', 1) }))
      .where('wave_id', '=', sealed)
      .execute();
    const { id: repId } = await signedIn(app, store.db, 'rep', { schoolIds: [school] });
    const { id: victimId } = await signedIn(app, store.db, 'researcher');
    const data = Buffer.from(JSON.stringify({ ...shipped, version: 2 })).toString('base64url');
    const csv = Buffer.from('naam;niveau;personeel\nNieuwe School;secundair;5\n').toString('base64url');
    cases = [
      { method: 'GET', url: '/admin', admin: 200 },
      { method: 'GET', url: '/admin/schools', admin: 200 },
      { method: 'GET', url: '/admin/schools.csv?group=secundair', admin: 200 },
      { method: 'GET', url: '/admin/schools/new', admin: 200 },
      {
        method: 'POST',
        url: '/admin/schools',
        body: { name: 'School Z', benchmarkGroup: 'secundair', municipality: '', staffCount: '3' },
        admin: 303,
      },
      { method: 'GET', url: '/admin/schools/import', admin: 200 },
      { method: 'POST', url: '/admin/schools/import', body: { text: 'naam;niveau;personeel\nSchool Y;secundair;5\n' }, admin: 200 },
      { method: 'POST', url: '/admin/schools/import/commit', body: { data: csv }, admin: 303 },
      { method: 'GET', url: `/admin/schools/${school}`, admin: 200 },
      {
        method: 'POST',
        url: `/admin/schools/${other}`,
        body: { name: 'School N', benchmarkGroup: 'secundair', municipality: 'Gent', staffCount: '4' },
        admin: 303,
      },
      { method: 'POST', url: `/admin/schools/${other}/active`, body: { active: 'true' }, admin: 303 },
      { method: 'GET', url: '/admin/questionnaires', admin: 200 },
      { method: 'POST', url: '/admin/questionnaires/check', body: { text: Buffer.from(data, 'base64url').toString() }, admin: 200 },
      { method: 'POST', url: '/admin/questionnaires/preview', body: { data, lang: 'en' }, admin: 200 },
      { method: 'POST', url: '/admin/questionnaires', body: { data }, admin: 303 },
      { method: 'GET', url: `/admin/questionnaires/${q}`, admin: 200 },
      { method: 'GET', url: `/admin/questionnaires/${q}/preview?lang=nl`, admin: 200 },
      { method: 'GET', url: `/admin/questionnaires/${q}/edit`, admin: 200 },
      { method: 'POST', url: '/admin/questionnaires/edit', body: { op: 'add-theme' }, admin: 200 },
      { method: 'GET', url: '/admin/waves', admin: 200 },
      { method: 'GET', url: '/admin/waves/new', admin: 200 },
      { method: 'POST', url: '/admin/waves', body: { name: 'Nieuw', questionnaireId: q, k: '', schools: school }, admin: 303 },
      { method: 'GET', url: `/admin/waves/${draft}`, admin: 200 },
      { method: 'POST', url: `/admin/waves/${draft}/schools`, body: { schools: other }, admin: 303 },
      { method: 'POST', url: `/admin/waves/${draft}/open`, body: {}, admin: 303 },
      { method: 'POST', url: `/admin/waves/${open}/codes`, body: { schoolId: school, count: '1', format: 'csv' }, admin: 200 },
      { method: 'POST', url: `/admin/waves/${open}/codes/all`, body: {}, admin: 200 },
      { method: 'POST', url: `/admin/waves/${open}/close`, body: { confirm: 'yes' }, admin: 303 },
      // The network view (the lead's route, linked from a sealed wave's page).
      { method: 'GET', url: `/admin/waves/${sealed}/network`, admin: 200 },
      // The printable network report and its running header (issue 20).
      { method: 'GET', url: `/admin/waves/${sealed}/network/report`, admin: 200 },
      { method: 'GET', url: `/admin/waves/${sealed}/network/report-page.css`, admin: 200 },
      // The same report as slides (issue 20).
      { method: 'GET', url: `/admin/waves/${sealed}/network/slides.pptx?lang=en`, admin: 200 },
      { method: 'GET', url: '/admin/advocacy', admin: 200 },
      { method: 'GET', url: `/admin/advocacy/${sealed}`, admin: 200 },
      { method: 'GET', url: `/admin/advocacy/${sealed}/csv`, admin: 200 },
      { method: 'GET', url: '/admin/users', admin: 200 },
      { method: 'GET', url: '/admin/users/new', admin: 200 },
      { method: 'POST', url: '/admin/users', body: { email: 'nieuw@example.org', role: 'researcher', userLang: 'nl' }, admin: 200 },
      { method: 'GET', url: `/admin/users/${repId}`, admin: 200 },
      { method: 'POST', url: `/admin/users/${repId}/schools`, body: { schools: other }, admin: 303 },
      { method: 'POST', url: `/admin/users/${repId}/password`, body: {}, admin: 200 },
      { method: 'POST', url: `/admin/users/${repId}/two-factor`, body: {}, admin: 303 },
      { method: 'POST', url: `/admin/users/${victimId}/active`, body: { active: 'false' }, admin: 303 },
      { method: 'GET', url: '/admin/moderation', admin: 200 },
      { method: 'POST', url: '/admin/moderation', body: { comment: commentId, decision: 'withhold', text: '' }, admin: 303 },
      { method: 'GET', url: '/admin/moderation/crisis', admin: 200 },
      { method: 'GET', url: '/admin/audit', admin: 200 },
      { method: 'GET', url: '/admin/audit.csv?action=wave.open', admin: 200 },
      // No demo network in this store: the admin's answer is a refusal (409) that changes nothing.
      { method: 'POST', url: '/admin/demo/remove', body: { confirm: 'yes' }, admin: 409 },
    ];
  });

  const pattern = (url: string) => url.split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id');

  it('covers every registered admin route', () => {
    const registered = adminRoutes(app).map((r) => r.replace(/:\w+/g, ':id'));
    expect(registered.length).toBeGreaterThan(25);
    expect(cases.map((c) => `${c.method} ${pattern(c.url)}`).sort()).toEqual(registered);
  });

  it('sends anonymous visitors to /login (GET) or refuses them with 401 (POST), changing nothing', async () => {
    const before = await snapshot(store.db);
    // A visitor who opened the login page: a guest session with a valid CSRF token, nobody signed in.
    const guest = new Session(app, '10.8.0.9');
    await guest.get('/login');
    for (const c of cases) {
      const res = c.method === 'GET' ? await guest.get(c.url) : await guest.post(c.url, c.body ?? {});
      if (c.method === 'GET') {
        expect(res.statusCode, c.url).toBe(303);
        expect(res.headers.location, c.url).toBe(`/login?next=${encodeURIComponent(c.url)}`);
      } else {
        expect(res.statusCode, `${c.method} ${c.url}`).toBe(401);
        // In the reader's language (Dutch by default), as every refusal.
        expect(res.body).toContain('Meld je eerst aan.');
      }
      // Without any session (and so without a CSRF token) the same: who may call is decided first.
      const bare = await app.inject({
        method: c.method,
        url: c.url,
        headers: { accept: 'text/html' },
        ...(c.body ? { payload: c.body } : {}),
      });
      expect(bare.statusCode, `bare ${c.method} ${c.url}`).toBe(c.method === 'GET' ? 303 : 401);
    }
    expect(await snapshot(store.db)).toEqual(before);
  });

  it('refuses reps and researchers with 403 on every route, changing nothing', async () => {
    const before = await snapshot(store.db);
    for (const role of ['rep', 'researcher'] as const) {
      const { session } = await signedIn(app, store.db, role);
      for (const c of cases) {
        const res = c.method === 'GET' ? await session.get(c.url) : await session.post(c.url, c.body ?? {});
        expect(res.statusCode, `${role} ${c.method} ${c.url}`).toBe(403);
      }
    }
    const after = await snapshot(store.db);
    // Two accounts were created above; nothing else changed.
    expect({ ...after, app_user: after['app_user']! - 2, audit_log: after['audit_log']! - 2 }).toEqual(before);
  });

  it("refuses an admin's POST without a CSRF token with 403, changing nothing", async () => {
    const { session } = await signedIn(app, store.db, 'admin');
    const before = await snapshot(store.db);
    for (const c of cases.filter((c) => c.method === 'POST')) {
      const res = await session.post(c.url, c.body ?? {}, { csrf: false });
      expect(res.statusCode, `${c.method} ${c.url}`).toBe(403);
      const forged = await session.post(c.url, { ...c.body, _csrf: 'forged' }, { csrf: false });
      expect(forged.statusCode, `${c.method} ${c.url}`).toBe(403);
    }
    expect(await snapshot(store.db)).toEqual(before);
  });

  it('lets an admin through on every route', async () => {
    const { session } = await signedIn(app, store.db, 'admin');
    for (const c of cases) {
      const res = c.method === 'GET' ? await session.get(c.url) : await session.post(c.url, c.body ?? {});
      expect(res.statusCode, `${c.method} ${c.url}: ${res.body.slice(0, 300)}`).toBe(c.admin);
    }
  });
});
