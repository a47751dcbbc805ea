import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp, testKeys } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { seedDemo } from '../../server/demo/demo.ts';
import { createWave } from '../../server/waves.ts';

/** Who may fetch what under /research (issue 7): researchers and admins, sealed waves only. */

const FILES = ['themes.csv', 'items.csv', 'codebook.csv', 'datapackage.json', 'export.zip'];
/** The instrument quality report and the key-driver analysis (issue 20): pages and CSVs, under the same rules. */
const QUALITY = ['quality', 'quality.csv', 'drivers', 'drivers.csv'];

/** Every route of the app from `printRoutes()` (a tree; children append to their parent's path). */
function routes(app: FastifyInstance): Array<{ path: string; methods: string[] }> {
  const out: Array<{ path: string; methods: string[] }> = [];
  const stack: Array<{ indent: number; path: string }> = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([\s│├└─]*)(\S.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const parent = stack[stack.length - 1]?.path ?? '';
    const seg = m[2]!;
    const path = parent === '' ? seg : parent.endsWith('/') || seg.startsWith('/') ? parent + seg : `${parent}/${seg}`;
    stack.push({ indent, path });
    out.push({ path, methods: m[3]!.split(', ') });
  }
  return out;
}

describe(`research access (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let sealed: Array<{ id: string; name: string }>;
  let openWaveId: string;
  let draftWaveId: string;

  beforeAll(async () => {
    store = await testStore();
    ({ openWaveId } = await seedDemo(store.db, testKeys(store.db), 5));
    const q = await store.db.selectFrom('questionnaire').select('id').executeTakeFirstOrThrow();
    const school = await store.db.selectFrom('school').select('id').executeTakeFirstOrThrow();
    draftWaveId = await createWave(store.db, { name: 'Demo concept 2027', questionnaireId: q.id, schoolIds: [school.id], k: 5 });
    sealed = await store.db.selectFrom('wave').select(['id', 'name']).where('status', '=', 'closed').where('sealed', '=', true).execute();
    app = await testApp(store);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it('sends an anonymous visitor to the login page, for the page and every download', async () => {
    const page = await app.inject({ method: 'GET', url: '/research', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Fresearch');
    for (const url of [...FILES.map((f) => `/research/waves/${sealed[0]!.id}/${f}`), '/research/questionnaires/schoolklimaat/trends.csv']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe('/login');
      expect(res.body).toBe('');
    }
    for (const f of QUALITY) {
      const url = `/research/waves/${sealed[0]!.id}/${f}`;
      const res = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toMatch(/^\/login/);
    }
  });

  it('refuses a rep (403): exports are for researchers and admins', async () => {
    const rep = await new Session(app, '10.8.0.1').login('rep.basis@demo.schoolpols.be', 'demo-wachtwoord');
    expect((await rep.get('/research')).statusCode).toBe(403);
    for (const f of [...FILES, ...QUALITY]) expect((await rep.get(`/research/waves/${sealed[0]!.id}/${f}`)).statusCode).toBe(403);
    expect((await rep.get('/research/questionnaires/schoolklimaat/trends.csv')).statusCode).toBe(403);
  });

  it('lists the sealed waves with their downloads and a method note, never an open or draft wave', async () => {
    for (const [email, ip] of [
      ['onderzoek@demo.schoolpols.be', '10.8.1.1'],
      ['admin@demo.schoolpols.be', '10.8.1.2'],
    ] as const) {
      const s = await new Session(app, ip).login(email, 'demo-wachtwoord');
      const res = await s.get('/research');
      expect(res.statusCode).toBe(200);
      expect(sealed).toHaveLength(2);
      for (const w of sealed) {
        expect(res.body).toContain(w.name);
        for (const f of FILES) expect(res.body).toContain(`href="/research/waves/${w.id}/${f}"`);
        expect(res.body).toContain(`href="/research/waves/${w.id}/quality"`);
        expect(res.body).toContain(`href="/research/waves/${w.id}/export.zip?dialect=excel-nl"`);
      }
      expect(res.body).toContain('href="/research/questionnaires/schoolklimaat/trends.csv"');
      expect(res.body).not.toContain(openWaveId);
      expect(res.body).not.toContain('Demo voorjaar 2026');
      expect(res.body).not.toContain(draftWaveId);
      expect(res.body).toContain('<h2 id="method">');
      // No per-school dashboard is linked from the researcher page.
      expect(res.body).not.toMatch(/href="\/schools\//);
      expect(res.body).not.toMatch(/<script/);
      expect(res.body).not.toMatch(/style="/);
    }
  });

  it('answers 404 for an open, draft or unknown wave, alike, and logs nothing', async () => {
    const s = await new Session(app, '10.8.2.1').login('onderzoek@demo.schoolpols.be', 'demo-wachtwoord');
    const bodies = new Set<string>();
    for (const id of [openWaveId, draftWaveId, '00000000-0000-4000-8000-000000000000']) {
      for (const f of FILES) {
        for (const q of ['', '?dialect=excel-nl']) {
          const res = await app.inject({ method: 'GET', url: `/research/waves/${id}/${f}${q}`, headers: { cookie: s.cookie! } });
          expect(res.statusCode, `${id} ${f}`).toBe(404);
          bodies.add(res.body);
        }
      }
    }
    for (const id of [openWaveId, draftWaveId, '00000000-0000-4000-8000-000000000000']) {
      for (const f of QUALITY) {
        const res = await app.inject({ method: 'GET', url: `/research/waves/${id}/${f}`, headers: { cookie: s.cookie! } });
        expect(res.statusCode, `${id} ${f}`).toBe(404);
        bodies.add(res.body);
      }
    }
    expect(bodies.size).toBe(1);
    expect((await s.get('/research/questionnaires/nope/trends.csv')).statusCode).toBe(404);
    const logged = await store.db.selectFrom('audit_log').select('target').where('action', '=', 'export.download').execute();
    expect(logged.filter((r) => r.target.includes(openWaveId) || r.target.includes(draftWaveId))).toEqual([]);
  });

  it('answers HEAD with the download headers only, without running or logging an export', async () => {
    const s = await new Session(app, '10.8.5.1').login('onderzoek@demo.schoolpols.be', 'demo-wachtwoord');
    const before = await store.db.selectFrom('audit_log').select('id').where('action', '=', 'export.download').execute();
    const res = await app.inject({
      method: 'HEAD',
      url: `/research/waves/${sealed[0]!.id}/export.zip?dialect=excel-nl`,
      headers: { cookie: s.cookie! },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="schoolpols-demo-[a-z0-9-]+-excel-nl\.zip"$/);
    expect(res.body).toBe('');
    const trends = await app.inject({
      method: 'HEAD',
      url: '/research/questionnaires/schoolklimaat/trends.csv',
      headers: { cookie: s.cookie! },
    });
    expect(trends.statusCode).toBe(200);
    expect(trends.headers['content-disposition']).toBe('attachment; filename="schoolpols-schoolklimaat-trends.csv"');
    const after = await store.db.selectFrom('audit_log').select('id').where('action', '=', 'export.download').execute();
    expect(after.length).toBe(before.length);
  });

  it('validates parameters and query strings', async () => {
    const s = await new Session(app, '10.8.3.1').login('onderzoek@demo.schoolpols.be', 'demo-wachtwoord');
    expect((await s.get('/research/waves/not-a-uuid/themes.csv')).statusCode).toBe(400);
    expect((await s.get(`/research/waves/${sealed[0]!.id}/themes.csv?dialect=excel`)).statusCode).toBe(400);
    expect((await s.get(`/research/waves/${sealed[0]!.id}/themes.csv?school=x`)).statusCode).toBe(400);
    expect((await s.get('/research/questionnaires/Bad%20Key/trends.csv')).statusCode).toBe(400);
    expect((await s.get(`/research/waves/${sealed[0]!.id}/responses.csv`)).statusCode).toBe(404);
    expect((await s.get(`/research/waves/${sealed[0]!.id}/quality?school=x`)).statusCode).toBe(400);
    expect((await s.get(`/research/waves/${sealed[0]!.id}/quality.csv?dialect=excel`)).statusCode).toBe(400);
    expect((await s.get('/research/waves/not-a-uuid/quality')).statusCode).toBe(400);
  });

  it('gives a researcher no other page than /research and the public ones: no dashboard, no raw answers, no admin', async () => {
    const s = await new Session(app, '10.8.4.1').login('onderzoek@demo.schoolpols.be', 'demo-wachtwoord');
    const school = await store.db.selectFrom('school').select('id').executeTakeFirstOrThrow();
    const user = await store.db.selectFrom('app_user').select('id').executeTakeFirstOrThrow();
    const q = await store.db.selectFrom('questionnaire').select('id').executeTakeFirstOrThrow();
    const values: Record<string, string> = {
      schoolId: school.id,
      waveId: sealed[0]!.id,
      userId: user.id,
      questionnaireId: q.id,
      code: 'AAAA-BBBB-CCCCC',
      key: 'schoolklimaat',
    };
    const reachable: string[] = [];
    const all = routes(app).filter((r) => r.methods.includes('GET') && !r.path.includes('*'));
    expect(all.length).toBeGreaterThan(15);
    for (const r of all) {
      for (const waveId of [sealed[0]!.id, openWaveId]) {
        const url = r.path.replace(/:(\w+)/g, (_, name: string) => (name === 'waveId' ? waveId : (values[name] ?? 'x')));
        const res = await s.get(url);
        if (res.statusCode < 300) reachable.push(r.path);
      }
    }
    // Besides research: their own account (password, two-step verification, sessions; issue 16).
    const allowed = (p: string) =>
      ['/', '/healthz', '/thanks', '/privacy', '/account', '/account/two-factor', '/account/sessions'].includes(p) ||
      p === '/research' ||
      p.startsWith('/research/');
    expect([...new Set(reachable)].filter((p) => !allowed(p))).toEqual([]);
    expect(reachable).toContain('/research/waves/:waveId/items.csv');
    expect(reachable).toContain('/research/waves/:waveId/quality');
    // The open wave is reachable through no research route.
    for (const f of FILES) expect((await s.get(`/research/waves/${openWaveId}/${f}`)).statusCode).toBe(404);
  });
});
