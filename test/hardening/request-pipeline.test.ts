/**
 * The per-request work that is not the request's own: security headers computed once (not by
 * helmet on every request) and the session plugins' hooks kept off public routes, where no session
 * may exist. The headers themselves are specified by web-security.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testConfig, testMaster } from '../helpers/app.ts';
import { fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { buildApp } from '../../server/app.ts';

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

describe(`request pipeline (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  /** per request, in order: its URL and whether the session plugin gave it a session */
  const seen: Array<{ url: string; session: boolean; cookies: boolean }> = [];
  beforeAll(async () => {
    store = await testStore();
    app = await buildApp({ config: testConfig(), store, master: testMaster });
    // Last of all hooks: what the request carried by the time it was answered.
    app.addHook('onResponse', async (request: FastifyRequest) => {
      seen.push({ url: request.url, session: request.session != null, cookies: request.cookies != null });
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it('runs no session or cookie hook on teacher pages, static files and health, and still does on staff routes', async () => {
    const { codes } = await openWaveWithCodes(store.db, 1);
    const form = new URLSearchParams(fullAnswers(codes[0]!)).toString();
    const staffCookie = { cookie: 'sp_session=somebody-elses-session' };
    const publicRequests = [
      { method: 'GET' as const, url: '/', headers: staffCookie },
      { method: 'GET' as const, url: '/privacy' },
      { method: 'GET' as const, url: '/healthz' },
      { method: 'GET' as const, url: '/static/app.css' },
      { method: 'POST' as const, url: '/submit', payload: form, headers: { ...staffCookie, 'content-type': 'application/x-www-form-urlencoded' } },
    ];
    for (const r of publicRequests) {
      const res = await app.inject(r);
      expect(res.statusCode, r.url).toBeLessThan(400);
      expect(res.headers['set-cookie'], r.url).toBeUndefined();
    }
    const login = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    expect(login.statusCode).toBe(200);
    expect(login.headers['set-cookie']).toBeDefined();
    expect(seen).toEqual([
      ...publicRequests.map((r) => ({ url: r.url, session: false, cookies: false })),
      { url: '/login', session: true, cookies: true },
    ]);
  });

  it('sends the same security headers on a page, a redirect, a file, a refusal, a not-found page and a malformed URL', async () => {
    const { codes } = await openWaveWithCodes(store.db, 1);
    const responses = [
      await app.inject({ method: 'GET', url: '/' }),
      await app.inject({ method: 'POST', url: '/submit', payload: new URLSearchParams(fullAnswers(codes[0]!)).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
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
