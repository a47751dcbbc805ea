import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp, testConfig, testMaster } from '../helpers/app.ts';
import { buildApp } from '../../server/app.ts';
import { Session } from '../helpers/session.ts';
import { tableCounts } from '../helpers/hardening-db.ts';
import { allowed, fillUrl, KNOWN_PUBLIC, TEACHER_FORMS, WHO, world, type Who, type World } from '../helpers/hardening-routes.ts';
import { fullAnswers } from '../helpers/fixtures.ts';
import { CODE_LENGTH } from '../../server/teacher/access-codes.ts';
import { FailedCodeGuard } from '../../server/teacher/teacher-guard.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.ts';
import type { Access } from '../../server/platform/plugins/auth.ts';

/**
 * Web security (issue 9): an access-control matrix generated from the route table, CSRF on every
 * state-changing staff route, the security headers and CSP on every page, session cookie flags,
 * and the failed-code guard of the teacher pages.
 */

const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
/** Refused by the access rule: 401/403, or for a GET the way to the login page. (After POST /logout, 303 to /login is success.) */
const isRefusal = (res: LightMyRequestResponse, method: string) =>
  res.statusCode === 401 ||
  res.statusCode === 403 ||
  (method === 'GET' && res.statusCode === 303 && /^\/login/.test(String(res.headers.location)));

function send(w: World, who: Who, method: string, url: string, options: { csrf?: boolean; session?: Session } = {}) {
  const s = options.session ?? w.sessions[who];
  if (method === 'GET') return s.get(url);
  if (method === 'POST') return s.post(url, {}, { csrf: options.csrf ?? true });
  return w.app.inject({
    method: method as 'HEAD',
    url,
    remoteAddress: s.remoteAddress,
    headers: { accept: 'text/html', ...(s.cookie ? { cookie: s.cookie } : {}) },
  });
}

describe(`access control and CSRF on every route (${storeKind})`, () => {
  let store: TestStore;
  let w: World;
  beforeAll(async () => {
    store = await testStore();
    w = await world(store);
  });
  afterAll(async () => {
    await w?.app.close();
    await store?.drop();
  });

  it('has every registered route in the route table, with an access rule', () => {
    const table = new Set(w.app.routeTable.map(key));
    expect(w.routes.length).toBeGreaterThan(60);
    const missing = w.routes.filter((r) => !table.has(key(r))).map(key);
    // Routes registered before the auth plugin (in server/app.ts) escape its onRoute hook: they have
    // no access rule, are missing from the table, and the preHandler lets them through as public.
    expect(missing, 'routes the access matrix cannot see').toEqual([]);
  });

  it('refuses to register a route without an access rule', async () => {
    const app = await buildApp({ config: testConfig(), store, master: testMaster });
    try {
      expect(() => app.get('/hardening-no-rule', async () => 'x')).toThrow(/declares no access rule/);
    } finally {
      await app.close();
    }
  });

  it('has no public route the tests do not know, and CSRF exemptions only on teacher forms', () => {
    for (const r of w.app.routeTable) {
      if (r.access === 'public')
        expect(KNOWN_PUBLIC[key(r)], `${key(r)} is public: add it to KNOWN_PUBLIC only if it must be`).toBeDefined();
      else expect(r.access === 'guest' || (Array.isArray(r.access) && r.access.length > 0), key(r)).toBe(true);
      if (!r.csrf && r.method !== 'GET' && r.method !== 'HEAD') {
        expect(r.access, `${key(r)} skips CSRF`).toBe('public');
        expect(TEACHER_FORMS.has(key(r)), `${key(r)} skips CSRF`).toBe(true);
      }
    }
    // The teacher forms work without a session, so they must skip the token.
    for (const form of TEACHER_FORMS) expect(w.app.routeTable.find((r) => key(r) === form)?.csrf, form).toBe(false);
  });

  it('lets each role through exactly the GET and HEAD routes it may use, changing nothing', async () => {
    const before = await tableCounts(store.db);
    const seen: string[] = [];
    for (const r of w.app.routeTable.filter((r) => r.method === 'GET' || r.method === 'HEAD')) {
      const url = fillUrl(r.url, w.params);
      for (const who of WHO) {
        const res = await send(w, who, r.method, url);
        const label = `${who} ${r.method} ${url}`;
        seen.push(`${label} → ${res.statusCode}`);
        expect(res.statusCode, label).toBeLessThan(500);
        expectOutcome(r.access, who, r.method, res, label);
      }
    }
    expect(seen.length).toBe(w.app.routeTable.filter((r) => r.method !== 'POST').length * WHO.length);
    expect(await tableCounts(store.db)).toEqual(before);
  });

  it('refuses every state-changing route without a valid CSRF token, before anything happens', async () => {
    const before = await tableCounts(store.db);
    const posts = w.app.routeTable.filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && r.csrf);
    expect(posts.length).toBeGreaterThan(15);
    for (const r of posts) {
      const url = fillUrl(r.url, w.params);
      for (const who of WHO.filter((who) => r.access === 'guest' || (who !== 'anonymous' && allowed(r.access, who)))) {
        const s = w.sessions[who];
        const missing = await s.post(url, {}, { csrf: false });
        expect(missing.statusCode, `${who} POST ${url} without token`).toBe(403);
        const forged = await s.post(url, { _csrf: 'forged-token' }, { csrf: false });
        expect(forged.statusCode, `${who} POST ${url} with a forged token`).toBe(403);
        // A real token, but of another session: tokens are bound to their session.
        const other = who === 'admin' ? w.sessions.rep : w.sessions.admin;
        const foreign = await s.post(url, { _csrf: other.csrf! }, { csrf: false });
        expect(foreign.statusCode, `${who} POST ${url} with another session's token`).toBe(403);
      }
    }
    expect(await tableCounts(store.db)).toEqual(before);
  });

  it('lets each role through exactly the POST routes it may use (with its token); anonymous gets 401', async () => {
    const before = await tableCounts(store.db);
    // Signing out last: it ends the session the other rows use.
    const posts = w.app.routeTable
      .filter((r) => r.method === 'POST')
      .sort((a, b) => Number(a.url === '/logout') - Number(b.url === '/logout'));
    for (const r of posts) {
      const url = fillUrl(r.url, w.params);
      for (const who of WHO) {
        // Anonymous callers have a guest session with a token (from /login), so only the rule refuses them.
        const res = await send(w, who, 'POST', url);
        const label = `${who} POST ${url}`;
        expect(res.statusCode, label).toBeLessThan(500);
        expectOutcome(r.access, who, 'POST', res, label);
      }
    }
    expect(await tableCounts(store.db)).toEqual(before);
    for (const who of WHO) w.sessions[who] = await w.signIn(who);
  });
});

function expectOutcome(access: Access, who: Who, method: string, res: LightMyRequestResponse, label: string) {
  if (allowed(access, who)) {
    expect(isRefusal(res, method), `${label} must not be refused (${res.statusCode} ${res.headers.location ?? ''})`).toBe(false);
  } else if (who === 'anonymous') {
    if (method === 'GET') {
      expect(res.statusCode, label).toBe(303);
      expect(String(res.headers.location), label).toMatch(/^\/login(\?|$)/);
    } else {
      expect(res.statusCode, label).toBe(401);
    }
  } else {
    expect(res.statusCode, label).toBe(403);
  }
}

// ---- Headers -----------------------------------------------------------------------------------

function csp(res: LightMyRequestResponse): Map<string, string[]> {
  const header = String(res.headers['content-security-policy'] ?? '');
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function expectSecurityHeaders(res: LightMyRequestResponse, label: string) {
  const policy = csp(res);
  expect(policy.get('default-src'), label).toEqual(["'self'"]);
  expect(policy.get('script-src'), label).toEqual(["'self'"]);
  expect(policy.get('style-src'), label).toEqual(["'self'"]);
  expect(policy.get('object-src'), label).toEqual(["'none'"]);
  expect(policy.get('base-uri'), label).toEqual(["'none'"]);
  expect(policy.get('frame-ancestors'), label).toEqual(["'none'"]);
  expect(policy.get('form-action'), label).toEqual(["'self'"]);
  for (const [name, sources] of policy) {
    for (const s of sources) expect(s, `${label}: ${name}`).toMatch(/^('self'|'none'|data:)$/);
  }
  expect(res.headers['x-content-type-options'], label).toBe('nosniff');
  expect(res.headers['referrer-policy'], label).toBe('no-referrer');
  // Beside frame-ancestors, for browsers that ignore it; and no powerful feature for any page (issue 16).
  expect(res.headers['x-frame-options'], label).toBe('DENY');
  expect(String(res.headers['permissions-policy']), label).toMatch(/(^|, )camera=\(\)(, |$)/);
  expect(res.headers['x-powered-by'], label).toBeUndefined();
}

/** What the CSP would block must not be in the page: it would silently break. */
function expectNoInlineCode(html: string, label: string) {
  for (const m of html.matchAll(/<script\b([^>]*)>/gi)) {
    const attrs = m[1]!;
    if (!/\bsrc=/.test(attrs)) expect(attrs, `${label}: inline <script>`).toMatch(/type="application\/json"/);
  }
  expect(html, `${label}: <style>`).not.toMatch(/<style\b/i);
  expect(html, `${label}: style attribute`).not.toMatch(/<[^>]+\sstyle\s*=/i);
  expect(html, `${label}: event handler attribute`).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
  expect(html, `${label}: javascript: URL`).not.toMatch(/javascript:/i);
  for (const m of html.matchAll(/\s(?:src|href|action)\s*=\s*"([^"]*)"/gi)) {
    const target = m[1]!;
    expect(target, `${label}: reference to another origin`).not.toMatch(/^(?:[a-z][a-z0-9+.-]*:)?\/\//i);
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) expect(target, `${label}: scheme`).toMatch(/^(data:image\/|mailto:)/);
  }
}

describe(`security headers and CSP on every GET route (${storeKind})`, () => {
  let store: TestStore;
  let w: World;
  beforeAll(async () => {
    store = await testStore();
    w = await world(store);
  });
  afterAll(async () => {
    await w?.app.close();
    await store?.drop();
  });

  it('sends the CSP and security headers on every page, file and error, and pages need no inline code', async () => {
    // Every recorded GET route: also the static files, which the route table may miss.
    const gets = w.routes.filter((r) => r.method === 'GET');
    expect(gets.length).toBeGreaterThan(30);
    let pages = 0;
    for (const r of gets) {
      const url = fillUrl(r.url, w.params);
      const access = (r.access ?? 'public') as Access;
      const who: Who = access === 'public' || access === 'guest' ? 'anonymous' : access.includes('admin') ? 'admin' : access[0]!;
      const res = await w.sessions[who].get(url);
      const label = `${who} GET ${url} (${res.statusCode})`;
      expect(res.statusCode, label).toBeLessThan(400);
      expectSecurityHeaders(res, label);
      // Issue 14: Back on a shared computer must not show the previous person's page from a cache.
      if (!url.startsWith('/static/') && !url.startsWith('/vendor/'))
        expect(String(res.headers['cache-control']), label).toMatch(/\bno-store\b/);
      if (String(res.headers['content-type']).startsWith('text/html')) {
        pages += 1;
        expectNoInlineCode(res.body, label);
      }
    }
    expect(pages).toBeGreaterThan(20);
    const errors = [
      await w.sessions.anonymous.get('/no-such-page'),
      await w.sessions.rep.get('/admin'),
      await w.sessions.admin.get('/admin/schools/not-a-uuid'),
      await w.app.inject({ method: 'GET', url: '/thanks?lang=%FF', headers: { accept: 'text/html' } }),
      await w.app.inject({ method: 'POST', url: '/answer', headers: { 'content-type': 'application/json' }, payload: '{"code":' }),
    ];
    for (const res of errors) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expectSecurityHeaders(res, `error ${res.statusCode}`);
      expect(String(res.headers['cache-control']), `error ${res.statusCode}`).toMatch(/\bno-store\b/);
      if (String(res.headers['content-type']).startsWith('text/html')) expectNoInlineCode(res.body, `error ${res.statusCode}`);
    }
  });

  it('answers a malformed URL (bad percent-encoding) like any other bad request: headers, page, no echo', async () => {
    // A QR link damaged in transit still carries the code: the answer must not repeat the path.
    const res = await w.app.inject({ method: 'GET', url: `/c/${w.codes[1]}%E0%A4%A`, headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain(w.codes[1]!);
    expectSecurityHeaders(res, 'malformed URL');
    expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
  });

  it('sends HSTS only when served over TLS (TRUST_PROXY=true)', async () => {
    expect((await w.app.inject({ method: 'GET', url: '/' })).headers['strict-transport-security']).toBeUndefined();
    const tls = await testApp(store, { config: testConfig({ TRUST_PROXY: 'true' }) });
    try {
      const res = await tls.inject({ method: 'GET', url: '/', headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
      expectSecurityHeaders(res, 'TLS /');
    } finally {
      await tls.close();
    }
  });
});

// ---- Cookies -----------------------------------------------------------------------------------

function sessionCookie(res: LightMyRequestResponse): string | undefined {
  return [res.headers['set-cookie'] ?? []].flat().find((c) => /^(__Host-)?sp_session=/.test(c));
}

describe(`session cookies (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let tls: FastifyInstance;
  beforeAll(async () => {
    store = await testStore();
    await (
      await import('../../server/staff/users.ts')
    ).createUser(store.db, { email: 'rep@example.org', role: 'rep', password: DEMO_PASSWORD });
    app = await testApp(store);
    tls = await testApp(store, { config: testConfig({ TRUST_PROXY: 'true' }) });
  });
  afterAll(async () => {
    await app?.close();
    await tls?.close();
    await store?.drop();
  });

  it('are HttpOnly, SameSite=Lax, Path=/ and host-only over plain HTTP', async () => {
    const s = new Session(app, '10.60.0.1');
    await s.get('/login');
    const res = await s.post('/login', { email: 'rep@example.org', password: DEMO_PASSWORD });
    expect(res.statusCode).toBe(303);
    const cookie = sessionCookie(res)!;
    expect(cookie).toMatch(/^sp_session=/);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\/(;|$)/);
    expect(cookie).not.toMatch(/;\s*Domain=/i);
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  it('are Secure with the __Host- prefix behind a TLS proxy (TRUST_PROXY=true, x-forwarded-proto: https)', async () => {
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.40' };
    const page = await tls.inject({ method: 'GET', url: '/login', headers: { ...headers, accept: 'text/html' } });
    // The login form starts no session; its token is bound to a cookie of its own, with the same flags.
    expect(sessionCookie(page)).toBeUndefined();
    const first = [page.headers['set-cookie'] ?? []].flat().find((c) => /^__Host-sp_login=/.test(c))!;
    expect(first).toMatch(/^__Host-sp_login=/);
    for (const flag of [/;\s*Secure/i, /;\s*HttpOnly/i, /;\s*SameSite=Lax/i, /;\s*Path=\/(;|$)/]) expect(first).toMatch(flag);
    expect(first).not.toMatch(/;\s*Domain=/i);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const res = await tls.inject({
      method: 'POST',
      url: '/login',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', cookie: first.split(';')[0]! },
      payload: new URLSearchParams({ _csrf: csrf, email: 'rep@example.org', password: DEMO_PASSWORD }).toString(),
    });
    expect(res.statusCode).toBe(303);
    const cookie = sessionCookie(res)!;
    expect(cookie).toMatch(/^__Host-sp_session=/);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\/(;|$)/);
    expect(cookie).not.toMatch(/;\s*Domain=/i);
    const home = await tls.inject({ method: 'GET', url: '/home', headers: { ...headers, cookie: cookie.split(';')[0]! } });
    expect(home.statusCode).toBe(200);
  });

  it('never travel over plain HTTP when the app expects TLS', async () => {
    const page = await tls.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(sessionCookie(page)).toBeUndefined();
    expect([page.headers['set-cookie'] ?? []].flat().filter((c) => /sp_login=/.test(c))).toEqual([]);
  });
});

// ---- The failed-code guard ---------------------------------------------------------------------

describe(`code entry is limited per client (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let behindProxy: FastifyInstance;
  let codes: string[];
  const form = (body: Record<string, string>) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: new URLSearchParams(body).toString(),
  });
  const wrong = (i: number) => `ZZZZ-ZZZZ-ZZ${String(i).padStart(3, '0')}`;

  beforeAll(async () => {
    store = await testStore();
    app = await testApp(store);
    behindProxy = await testApp(store, { config: testConfig({ TRUST_PROXY: 'true' }) });
    const { openWaveWithCodes } = await import('../helpers/fixtures.ts');
    codes = (await openWaveWithCodes(store.db, 6)).codes;
  });
  afterAll(async () => {
    await app?.close();
    await behindProxy?.close();
    await store?.drop();
  });

  it('makes guessing a code hopeless: ≥ 64 random bits, 10 failed tries a minute per client', () => {
    expect(CODE_LENGTH * Math.log2(32)).toBeGreaterThanOrEqual(64);
    // Even 10,000 clients (addresses or IPv6 /64s) at the limit, against all 165,000 codes of a
    // network wave at once, need on average 2^65 / 165,000 / (10,000 × 10 per minute) minutes
    // ≈ 4,000 years for one hit — and a wave is open for weeks.
    const minutes = 2 ** 65 / 165_000 / (10_000 * 10);
    expect(minutes / (60 * 24 * 365)).toBeGreaterThan(1_000);
  });

  it('blocks a client after 10 unknown codes in any of the three entry points, even for a valid code', async () => {
    const client = { remoteAddress: '198.51.100.61' };
    for (let i = 0; i < 10; i++) {
      const res =
        i % 3 === 0
          ? await app.inject({ method: 'GET', url: `/c/${wrong(i).replace(/-/g, '')}`, ...client })
          : i % 3 === 1
            ? await app.inject({ method: 'POST', url: '/answer', ...client, ...form({ code: wrong(i) }) })
            : await app.inject({ method: 'POST', url: '/submit', ...client, ...form(fullAnswers(wrong(i))) });
      expect(res.statusCode, `try ${i + 1}`).toBe(404);
    }
    for (const res of [
      await app.inject({ method: 'GET', url: `/c/${codes[0]}`, ...client }),
      await app.inject({ method: 'POST', url: '/answer', ...client, ...form({ code: codes[0]! }) }),
      await app.inject({ method: 'POST', url: '/submit', ...client, ...form(fullAnswers(codes[0]!)) }),
    ]) {
      expect(res.statusCode).toBe(429);
      expect(res.body).toContain('Te veel foute pogingen');
    }
    const other = await app.inject({ method: 'POST', url: '/answer', remoteAddress: '198.51.100.62', ...form({ code: codes[0]! }) });
    expect(other.statusCode).toBe(200);
  });

  it('cannot be escaped by sending a made-up X-Forwarded-For behind the proxy', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      // What nginx sends on with `proxy_add_x_forwarded_for`: the client's own header, then the real address.
      const res = await behindProxy.inject({
        method: 'POST',
        url: '/answer',
        remoteAddress: '10.0.0.2',
        headers: { ...form({}).headers, 'x-forwarded-for': `192.0.2.${i}, 203.0.113.99`, 'x-forwarded-proto': 'https' },
        payload: new URLSearchParams({ code: wrong(i) }).toString(),
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([...Array(10).fill(404), 429, 429]);
    const neighbour = await behindProxy.inject({
      method: 'POST',
      url: '/answer',
      remoteAddress: '10.0.0.2',
      headers: { ...form({}).headers, 'x-forwarded-for': '203.0.113.100' },
      payload: `code=${codes[1]}`,
    });
    expect(neighbour.statusCode).toBe(200);
  });

  it('cannot be escaped by hopping through the addresses of one IPv6 /64', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/answer',
        remoteAddress: `2001:db8:7:1::${(i + 1).toString(16)}`,
        ...form({ code: wrong(i) }),
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([...Array(10).fill(404), 429, 429]);
    const otherNetwork = await app.inject({
      method: 'POST',
      url: '/answer',
      remoteAddress: '2001:db8:7:2::1',
      ...form({ code: codes[2]! }),
    });
    expect(otherNetwork.statusCode).toBe(200);
  });

  it('forgets a client after the minute, and counts only failures', () => {
    let now = 1_000_000;
    const guard = new FailedCodeGuard(10, 60_000, () => now);
    for (let i = 0; i < 9; i++) guard.recordFailure('192.0.2.1');
    expect(guard.isBlocked('192.0.2.1')).toBe(false);
    guard.recordFailure('192.0.2.1');
    expect(guard.isBlocked('192.0.2.1')).toBe(true);
    expect(guard.isBlocked('192.0.2.2')).toBe(false);
    now += 59_999;
    expect(guard.isBlocked('192.0.2.1')).toBe(true);
    now += 1;
    expect(guard.isBlocked('192.0.2.1')).toBe(false);
    // IPv4-mapped IPv6 is the same client as the IPv4 address.
    for (let i = 0; i < 10; i++) guard.recordFailure('::ffff:192.0.2.3');
    expect(guard.isBlocked('192.0.2.3')).toBe(true);
  });

  it('keeps the guard in memory only: no address in the database', async () => {
    const { dumpText } = await import('../helpers/hardening-db.ts');
    const dump = Object.values(await dumpText(store.db)).join('\n');
    for (const address of ['198.51.100.61', '198.51.100.62', '192.0.2.', '203.0.113.99', '2001:db8']) expect(dump).not.toContain(address);
  });
});
