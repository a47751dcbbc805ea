/**
 * The per-request work that is not the request's own: security headers computed once (not by
 * helmet on every request), and cookies and sessions only in the staff context (server/app.ts):
 * on a teacher page, a static file, the health check or the not-found page no cookie or session
 * hook runs, whatever cookie the browser sends. The headers themselves are specified by
 * web-security.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testConfig, testMaster } from '../helpers/app.ts';
import { fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { signedIn } from '../admin/helpers.ts';
import { buildApp } from '../../server/app.ts';
import staffAuth, { publicRoutesOnly } from '../../server/platform/plugins/auth.ts';
import { DatabaseSessionStore } from '../../server/staff/session-store.ts';

const SECURITY = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'permissions-policy',
  'referrer-policy',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe(`request pipeline (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  /** per request, in order: its URL and whether a session or parsed cookies were attached to it */
  const seen: Array<{ url: string; session: boolean; cookies: boolean }> = [];
  /** every call into the session store, spied on before any app exists */
  const storeCalls = {
    get: vi.spyOn(DatabaseSessionStore.prototype, 'get'),
    set: vi.spyOn(DatabaseSessionStore.prototype, 'set'),
    destroy: vi.spyOn(DatabaseSessionStore.prototype, 'destroy'),
  };
  const clearStoreCalls = () => Object.values(storeCalls).forEach((spy) => spy.mockClear());
  const callsOf = () => ({
    get: storeCalls.get.mock.calls.length,
    set: storeCalls.set.mock.calls.length,
    destroy: storeCalls.destroy.mock.calls.length,
  });
  const sessionRows = () => store.db.selectFrom('session').select(['sid', 'data', 'expires_at', 'user_id']).orderBy('sid').execute();

  beforeAll(async () => {
    store = await testStore();
    app = await buildApp({ config: testConfig(), store, master: testMaster });
    // Added on the root after every context exists, so it comes last in each: what the request
    // carried by the time it was answered.
    app.addHook('onResponse', async (request: FastifyRequest) => {
      seen.push({ url: request.url, session: request.session != null, cookies: request.cookies != null });
    });
    await app.ready();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await app?.close();
    await store?.drop();
  });

  it('runs no cookie or session hook on teacher pages, static files, health and the not-found page, even with a staff cookie', async () => {
    const { codes } = await openWaveWithCodes(store.db, 1);
    const code = codes[0]!;
    // A staff member signed in in the same browser: its session cookie (and login-form cookie) go along.
    const { session: rep } = await signedIn(app, store.db, 'rep');
    const cookie = [...rep.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    expect(rep.cookie).toBeTruthy();
    const before = await sessionRows();
    expect(before.length).toBe(1);
    seen.length = 0;
    clearStoreCalls();

    const publicRequests = [
      { method: 'GET' as const, url: '/', status: 200 },
      { method: 'GET' as const, url: '/privacy', status: 200 },
      { method: 'GET' as const, url: `/c/${code}`, status: 200 },
      { method: 'POST' as const, url: '/answer', payload: new URLSearchParams({ code }).toString(), headers: FORM, status: 200 },
      { method: 'POST' as const, url: '/submit', payload: new URLSearchParams(fullAnswers(code)).toString(), headers: FORM, status: 303 },
      { method: 'GET' as const, url: '/thanks', status: 200 },
      // The staff summary's public page (issue 19): an unknown link, answered in the public context.
      { method: 'GET' as const, url: `/s/${'A'.repeat(32)}`, status: 404 },
      { method: 'GET' as const, url: '/healthz', status: 200 },
      { method: 'GET' as const, url: '/static/app.css', status: 200 },
      { method: 'GET' as const, url: '/vendor/chart.js/chart.umd.js', status: 200 },
      { method: 'GET' as const, url: '/no-such-page', status: 404 },
    ];
    for (const { status, ...r } of publicRequests) {
      const res = await app.inject({ ...r, headers: { accept: 'text/html', ...r.headers, cookie } });
      expect(res.statusCode, r.url).toBe(status);
      expect(res.headers['set-cookie'], r.url).toBeUndefined();
    }
    expect(seen).toEqual(publicRequests.map((r) => ({ url: r.url, session: false, cookies: false })));
    // The session store was neither read nor written, and the staff session's row is as it was.
    expect(callsOf()).toEqual({ get: 0, set: 0, destroy: 0 });
    expect(await sessionRows()).toEqual(before);
    expect((await store.db.selectFrom('access_code').select('spent').executeTakeFirstOrThrow()).spent).toBe(true);
  });

  it('does run them on staff routes: the sign-in page, and a signed-in page that renews its session', async () => {
    const { session: rep } = await signedIn(app, store.db, 'rep');
    const before = (await sessionRows()).length;
    seen.length = 0;
    clearStoreCalls();

    const login = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    expect(login.statusCode).toBe(200);
    expect(login.headers['set-cookie']).toBeDefined(); // the login form's cookie
    // An anonymous visitor of the form gets no session row (issue 16).
    expect(callsOf()).toEqual({ get: 0, set: 0, destroy: 0 });
    expect((await sessionRows()).length).toBe(before);

    const home = await rep.get('/home');
    expect(home.statusCode).toBe(200);
    expect(String(home.headers['set-cookie'])).toMatch(/^sp_session=/);
    expect(callsOf()).toEqual({ get: 1, set: 1, destroy: 0 });
    expect(seen).toEqual([
      { url: '/login', session: true, cookies: true },
      { url: '/home', session: true, cookies: true },
    ]);
  });

  it('refuses a staff route in the public context, a public route in the staff context and an upload anywhere but the admin console', async () => {
    const cases: Array<[string, (app: FastifyInstance) => Promise<void>, RegExp]> = [
      [
        'staff route in a public context',
        async (c) => {
          c.addHook('onRoute', publicRoutesOnly);
          c.get('/x-staff', { config: { access: ['admin'] } }, async () => 'x');
        },
        /GET \/x-staff is not public/,
      ],
      [
        'sign-in route in a public context',
        async (c) => {
          c.addHook('onRoute', publicRoutesOnly);
          c.post('/x-guest', { config: { access: 'guest' } }, async () => 'x');
        },
        /POST \/x-guest is not public/,
      ],
      [
        'public route in a staff context',
        async (c) => {
          await c.register(staffAuth);
          c.get('/x-public', { config: { access: 'public' } }, async () => 'x');
        },
        /GET \/x-public is public/,
      ],
      [
        'upload outside the admin console',
        async (c) => {
          await c.register(staffAuth);
          c.post('/x-upload', { config: { access: ['admin'], upload: true } }, async () => 'x');
        },
        /POST \/x-upload takes uploads outside/,
      ],
    ];
    for (const [what, plugin, error] of cases) {
      const built = await buildApp({ config: testConfig(), store, master: testMaster });
      try {
        await expect(built.register(plugin).ready(), what).rejects.toThrow(error);
      } finally {
        await built.close();
      }
    }
  });

  it('sends the same security headers on a page, a redirect, a file, a refusal, a not-found page and a malformed URL', async () => {
    const { codes } = await openWaveWithCodes(store.db, 1);
    const responses = [
      await app.inject({ method: 'GET', url: '/' }),
      await app.inject({ method: 'POST', url: '/submit', payload: new URLSearchParams(fullAnswers(codes[0]!)).toString(), headers: FORM }),
      await app.inject({ method: 'GET', url: '/static/app.css' }),
      await app.inject({ method: 'GET', url: '/admin', headers: { accept: 'text/html' } }),
      await app.inject({ method: 'GET', url: '/no-such-page', headers: { accept: 'text/html' } }),
      await app.inject({ method: 'GET', url: '/c/%E0%A4%A', headers: { accept: 'text/html' } }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 303, 200, 303, 404, 400]);
    const first = responses[0]!.headers;
    for (const name of SECURITY) expect(first[name], name).toBeTruthy();
    for (const res of responses) {
      for (const name of SECURITY) expect(res.headers[name], `${name} on ${res.statusCode}`).toBe(first[name]);
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});
