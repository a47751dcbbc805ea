import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp } from '../helpers/app.ts';
import { fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { signedIn } from '../admin/helpers.ts';
import { samePath } from '../../server/platform/plugins/render.ts';

/**
 * Issue 16, the small ones: the language link of a page stays on this site whatever path was
 * asked for; frames and powerful browser features are refused by header; teacher routes take form
 * bodies only; code slips never take their host from the request; request and connection timeouts
 * are set.
 */

describe(`deploy safety (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let fixture: Awaited<ReturnType<typeof openWaveWithCodes>>;

  beforeAll(async () => {
    store = await testStore();
    fixture = await openWaveWithCodes(store.db, 3);
    app = await testApp(store);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  const hrefs = (html: string) =>
    [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]!.replace(/&#x2F;|&#47;/g, '/').replace(/&amp;/g, '&'));

  it('keeps the language link of a 404 on this site for //host, /\\host and other odd paths', async () => {
    for (const url of [
      '//evil.example/x',
      '//evil.example',
      '/\\evil.example/x',
      '/%5Cevil.example',
      '//evil.example/%2e%2e',
      '///evil.example/x',
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBeLessThan(500);
      const links = hrefs(res.body);
      expect(links.length, url).toBeGreaterThan(0);
      for (const href of links) {
        expect(href, `${url}: ${href}`).toMatch(/^(#|\/(?![/\\]))/);
        // Resolved as a browser does (WHATWG URL), the link stays on this host.
        expect(new URL(href, 'https://schoolpols.test/page').host, `${url}: ${href}`).toBe('schoolpols.test');
      }
      if (res.statusCode === 404)
        expect(
          links.some((h) => /\?lang=(en|nl)$/.test(h)),
          url,
        ).toBe(true);
    }
    // A plain path keeps its own language link.
    const own = await app.inject({ method: 'GET', url: '/privacy', headers: { accept: 'text/html' } });
    expect(hrefs(own.body)).toContain('/privacy?lang=en');
    expect(samePath('/a/b')).toBe('/a/b');
    for (const odd of ['//x', '/\\x', 'x', '', '/\tx', '/a\nb', '/ü']) expect(samePath(odd), JSON.stringify(odd)).toBe('/');
  });

  it('refuses frames (X-Frame-Options: DENY beside frame-ancestors) and every powerful feature (Permissions-Policy) on every kind of answer', async () => {
    const answers: Array<[string, LightMyRequestResponse]> = [
      ['teacher page', await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } })],
      ['login page', await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } })],
      ['static file', await app.inject({ method: 'GET', url: '/static/favicon.svg' })],
      ['404', await app.inject({ method: 'GET', url: '/nowhere', headers: { accept: 'text/html' } })],
      ['malformed URL', await app.inject({ method: 'GET', url: '/%E0%A4%A', headers: { accept: 'text/html' } })],
      ['415', await app.inject({ method: 'POST', url: '/submit', payload: '{}', headers: { 'content-type': 'application/json' } })],
    ];
    for (const [what, res] of answers) {
      expect(res.headers['x-frame-options'], what).toBe('DENY');
      expect(String(res.headers['content-security-policy']), what).toContain("frame-ancestors 'none'");
      const policy = String(res.headers['permissions-policy'] ?? '');
      for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'browsing-topics'])
        expect(policy, `${what}: ${feature}`).toContain(`${feature}=()`);
      expect(
        policy.split(', ').every((d) => /^[a-z-]+=\(\)$/.test(d)),
        `${what}: ${policy}`,
      ).toBe(true);
    }
  });

  it('takes only form bodies on teacher routes (415 for JSON, text, multipart), in the language asked for', async () => {
    const code = fixture.codes[0]!;
    const form = new URLSearchParams(fullAnswers(code)).toString();
    for (const [type, payload] of [
      ['application/json', JSON.stringify(fullAnswers(code))],
      ['text/plain', form],
      ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="code"\r\n\r\n${code}\r\n--x--\r\n`],
      ['application/x-www-form-urlencoded-evil', form],
    ] as const) {
      for (const route of ['/submit', '/answer']) {
        const res = await app.inject({
          method: 'POST',
          url: `${route}?lang=en`,
          payload,
          headers: { 'content-type': type, accept: 'text/html' },
        });
        expect(res.statusCode, `${route} ${type}`).toBe(415);
        expect(res.body).toContain('accepts plain form data only');
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    }
    const nl = await app.inject({ method: 'POST', url: '/answer', payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(nl.statusCode).toBe(415);
    expect(nl.json().message).toContain('aanvaardt alleen gewone formuliergegevens');
    expect((await store.db.selectFrom('access_code').select('spent').where('spent', '=', true).execute()).length).toBe(0);
    // The form itself still works, charset parameter and all.
    const ok = await app.inject({
      method: 'POST',
      url: '/submit',
      payload: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    });
    expect(ok.statusCode).toBe(303);
  });

  it('refuses multipart bodies on staff routes that take no upload, and JSON everywhere', async () => {
    const { session } = await signedIn(app, store.db, 'admin');
    for (const url of ['/login', '/admin/schools', '/account/lang']) {
      const json = await app.inject({
        method: 'POST',
        url,
        payload: JSON.stringify({ _csrf: session.csrf, lang: 'en', next: '/home' }),
        headers: { cookie: session.cookie!, accept: 'text/html', 'content-type': 'application/json' },
      });
      expect(json.statusCode, url).toBe(415);
      expect(json.body).toContain('aanvaardt alleen gewone formuliergegevens');
    }
    const res = await app.inject({
      method: 'POST',
      url: '/admin/schools',
      payload: `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${session.csrf}\r\n--x--\r\n`,
      headers: { cookie: session.cookie!, accept: 'text/html', 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.body).toContain('aanvaardt geen bestanden');
  });

  it('prints slips for this server, never for the Host a request names', async () => {
    const { session } = await signedIn(app, store.db, 'admin');
    await session.get(`/admin/waves/${fixture.waveId}`);
    const res = await app.inject({
      method: 'POST',
      url: `/admin/waves/${fixture.waveId}/codes`,
      payload: new URLSearchParams({ _csrf: session.csrf!, schoolId: fixture.schoolId, count: '1', format: 'html' }).toString(),
      headers: {
        cookie: session.cookie!,
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/http:\/\/localhost:3000\/c\/[0-9A-Z]{13}/);
    expect(res.body).not.toContain('evil.example');
  });

  it('sets a request timeout and keeps the connection timeout finite', () => {
    expect(app.initialConfig.connectionTimeout).toBe(120_000);
    expect(app.server.requestTimeout).toBe(60_000);
    expect(app.server.timeout).toBe(120_000);
    expect(app.server.headersTimeout).toBeLessThanOrEqual(60_000);
  });
});
