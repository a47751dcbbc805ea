import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import session from '@fastify/session';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Role } from '../../db/schema.ts';
import { DatabaseSessionStore, IDLE_LIFETIME_MS } from '../../staff/session-store.ts';
import { loadSessionUser, type SessionUser } from '../../staff/users.ts';
import { deriveKey, mustEnrol } from '../../staff/two-factor.ts';
import { refuse } from './refusal.ts';

/**
 * Who may call a route. Every route must say (a route without a rule refuses to register):
 * - `public`: teacher pages, static files, health — never a session, never a cookie;
 * - `guest`: the sign-in pages — no session for an anonymous visitor of the form (its CSRF token
 *   is a signed double-submit cookie); the password step starts one;
 * - a list of roles that may call it.
 */
export type Access = 'public' | 'guest' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Teacher forms carry no CSRF token: there is no session, and the access code is the secret. */
    csrf?: boolean;
    /** The login form: its token is checked against the login cookie (or, failing that, the session). */
    loginForm?: boolean;
    /** Open to an admin who still has to enrol in two-factor authentication (everything else is not). */
    enrolment?: boolean;
  }
  interface FastifyRequest {
    user: SessionUser | null;
  }
  interface FastifyInstance {
    /**
     * Every route with its access rule, as registered: the access-control matrix is generated from
     * it. `csrf` is false only for routes that declare `csrf: false` (public teacher forms).
     */
    routeTable: Array<{ method: string; url: string; access: Access; csrf: boolean }>;
    /** Keys derived from the session secret: TOTP secrets are sealed with one, login-form tokens signed with the other. */
    accountKeys: { totp: Buffer; loginForm: Buffer };
  }
  interface Session {
    userId?: string;
    /** After the password step of a 2FA sign-in: who, and since when (ms). */
    pendingUserId?: string;
    pendingSince?: number;
    /** A TOTP secret being enrolled, sealed like a stored one. */
    enrolling?: string;
  }
}

/**
 * On the root, before any route: the client address behind the proxy, the access rule every route
 * must declare (the route table is made from them) and `request.user`, which stays null everywhere
 * but in the staff context (`staffAuth` below).
 */
export const accessRules = fp(
  async (app) => {
    // Behind our one TLS-terminating proxy, only the last X-Forwarded-For entry was written by
    // that proxy; the ones before it are whatever the client sent. With `trustProxy: true`
    // Fastify would take the first, so a client could pick its own address for every request
    // and escape the failed-code guard and the login rate limit.
    if (app.config.TRUST_PROXY) {
      app.addHook('onRequest', (request, _reply, done) => {
        const forwarded = request.raw.headers['x-forwarded-for'];
        const last = [forwarded ?? []]
          .flat()
          .join(',')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .pop();
        if (last) request.raw.headers['x-forwarded-for'] = last;
        done();
      });
    }

    const routeTable: FastifyInstance['routeTable'] = [];
    app.decorate('routeTable', routeTable);
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/static/') || route.url.startsWith('/vendor/')) {
        route.config = { ...route.config, access: 'public' };
      }
      const access = route.config?.access;
      if (!access) throw new Error(`route ${route.method} ${route.url} declares no access rule`);
      const csrf = route.config?.csrf !== false;
      for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, access, csrf });
    });

    app.decorateRequest('user', null);
  },
  { name: 'access-rules' },
);

/**
 * For the public context's onRoute hook: only `public` routes belong there. A staff route
 * registered in it would have no session, and so nobody to check its access rule against.
 */
export function publicRoutesOnly(route: RouteOptions): void {
  if (route.config?.access !== 'public')
    throw new Error(`route ${String(route.method)} ${route.url} is not public: it belongs in the staff context (server/app.ts)`);
}

/**
 * The staff context (server/app.ts): cookies, sessions, CSRF tokens and the login rate limit exist
 * here and nowhere else, so none of their hooks runs on a teacher page, a static file or the health
 * check — there is no session to create, sign, re-send or write (design §4), and no share of a
 * submission's CPU spent on one. Here every route is a staff or sign-in route: who may call it is
 * decided before its body is read, and a state-changing request carries a CSRF token.
 */
export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      if (route.config?.access === 'public')
        throw new Error(`route ${String(route.method)} ${route.url} is public: it belongs in the public context (server/app.ts)`);
    });

    // `npm start` always sets one (server/platform/startup.ts: from SESSION_SECRET, required on PostgreSQL, or
    // the embedded store's 0600 file); an app built without one (tests, benchmarks) signs with a
    // secret of its own process. Never one kept in the database beside the session ids.
    const secret = app.config.SESSION_SECRET ?? randomBytes(32).toString('base64url');
    app.decorate('accountKeys', { totp: deriveKey(secret, 'totp-secret'), loginForm: deriveKey(secret, 'login-form') });
    await app.register(cookie);
    const sessions = new DatabaseSessionStore(app.store.db);
    await app.register(session, {
      secret,
      store: sessions,
      // __Host- cookies must be Secure, which they are only behind TLS (TRUST_PROXY).
      cookieName: app.config.TRUST_PROXY ? '__Host-sp_session' : 'sp_session',
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: app.config.TRUST_PROXY ? true : false, path: '/', maxAge: IDLE_LIFETIME_MS },
    });
    await app.register(csrf, { sessionPlugin: '@fastify/session' });
    await app.register(rateLimit, { global: false });

    // Who may call the route is decided before the body is read: an anonymous client or a wrong
    // role never gets a body parsed (uploads are up to 12 MB) or validated (schemas stay private).
    app.addHook('onRequest', async (request, reply) => {
      // Never `public` here (the onRoute hook above), and never missing (accessRules).
      const access = request.routeOptions.config.access as Exclude<Access, 'public'>;
      const userId = request.session.get('userId');
      if (userId) {
        // Read with the session as a rule; alone when the store did not read it for this session.
        const read = sessions.userOf(request.session.sessionId, userId);
        request.user = read !== undefined ? read : await loadSessionUser(app.store.db, userId);
      }
      if (access === 'guest') return;
      if (!request.user) return refuseAnonymous(request, reply);
      if (!access.includes(request.user.role)) throw refuse(request, 403, 'staffAccess.forbidden');
      // An admin without two-factor authentication enrols before anything else.
      if (!request.routeOptions.config.enrolment && (await mustEnrol(app.store.db, request.user))) {
        if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect('/account/two-factor', 303);
        throw refuse(request, 403, 'staffAccess.enrolFirst');
      }
    });
    // The CSRF token travels in the body, so it is checked once the body is parsed, before validation.
    app.addHook('preValidation', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD' || request.routeOptions.config.csrf === false) return;
      if (request.routeOptions.config.loginForm && validLoginFormToken(request, (request.body as { _csrf?: unknown } | undefined)?._csrf))
        return;
      await new Promise<void>((resolve, reject) => {
        app.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve()));
      });
    });
  },
  { name: 'staff-auth', dependencies: ['access-rules'] },
);

// ---- The login form's CSRF token without a session -----------------------------------------------
//
// An anonymous visitor of /login gets no session row (issue 16): the form's token is a signed
// double-submit cookie instead. The cookie holds a random nonce (HttpOnly, SameSite=Lax, host-only,
// `__Host-` and Secure behind TLS); the form carries HMAC(key, nonce). Another site can neither
// read the cookie nor compute the HMAC, and a token belongs to its own cookie only. The session is
// created at POST /login, once the password is right.

const loginCookieName = (app: FastifyInstance) => (app.config.TRUST_PROXY ? '__Host-sp_login' : 'sp_login');
const NONCE = /^[A-Za-z0-9_-]{32}$/;
const sign = (app: FastifyInstance, nonce: string) =>
  createHmac('sha256', app.accountKeys.loginForm).update(`login-form:${nonce}`).digest('base64url');

/** The token for the login form, setting the nonce cookie when the visitor has none yet. */
export function loginFormToken(request: FastifyRequest, reply: FastifyReply): string {
  const app = request.server;
  let nonce = request.cookies?.[loginCookieName(app)];
  if (!nonce || !NONCE.test(nonce)) {
    nonce = randomBytes(24).toString('base64url');
    // Like the session cookie: a Secure cookie is not sent over plain HTTP at all.
    if (app.config.TRUST_PROXY && request.protocol !== 'https') return sign(app, nonce);
    // As long as a session may last: a login page left open for hours still signs in.
    reply.setCookie(loginCookieName(app), nonce, {
      httpOnly: true,
      sameSite: 'lax',
      secure: app.config.TRUST_PROXY,
      path: '/',
      maxAge: 12 * 60 * 60,
    });
  }
  return sign(app, nonce);
}

export function validLoginFormToken(request: FastifyRequest, token: unknown): boolean {
  const nonce = request.cookies?.[loginCookieName(request.server)];
  if (typeof token !== 'string' || !nonce || !NONCE.test(nonce)) return false;
  const expected = Buffer.from(sign(request.server, nonce));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function refuseAnonymous(request: FastifyRequest, reply: FastifyReply) {
  if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) {
    return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
  }
  if (request.method === 'GET') return reply.redirect('/login', 303);
  reply.code(401);
  throw refuse(request, 401, 'staffAccess.signInFirst');
}
