import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import session from '@fastify/session';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../db/schema.ts';
import { DatabaseSessionStore } from '../session-store.ts';
import { loadSessionUser, type SessionUser } from '../users.ts';

/**
 * Who may call a route. Every route must say (a route without a rule refuses to register):
 * - `public`: teacher pages, static files, health — never a session, never a cookie;
 * - `guest`: the login page — a session may start here (CSRF token for the form);
 * - a list of roles that may call it.
 */
export type Access = 'public' | 'guest' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Teacher forms carry no CSRF token: there is no session, and the access code is the secret. */
    csrf?: boolean;
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
  }
  interface Session {
    userId?: string;
  }
}

const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export default fp(
  async (app) => {
    // Registered before @fastify/cookie and @fastify/session, so it runs before they read anything.
    app.addHook('onRequest', async (request) => {
      // Behind our one TLS-terminating proxy, only the last X-Forwarded-For entry was written by
      // that proxy; the ones before it are whatever the client sent. With `trustProxy: true`
      // Fastify would take the first, so a client could pick its own address for every request
      // and escape the failed-code guard and the login rate limit.
      if (app.config.TRUST_PROXY) {
        const forwarded = request.raw.headers['x-forwarded-for'];
        const last = [forwarded ?? []].flat().join(',').split(',').map((s) => s.trim()).filter(Boolean).pop();
        if (last) request.raw.headers['x-forwarded-for'] = last;
      }
      // Teacher pages never see a staff session (design §4): with the cookie of a signed-in staff
      // member in the same browser, the session would otherwise be re-sent (Set-Cookie) and
      // re-written in the database at the very moment of a submission, next to the response.
      if (request.routeOptions.config.access === 'public') delete request.raw.headers.cookie;
    });

    const secret = app.config.SESSION_SECRET ?? (await storedSecret(app.store.db));
    await staffRoutesOnly(app, () => app.register(cookie));
    await staffRoutesOnly(app, () => app.register(session, {
      secret,
      store: new DatabaseSessionStore(app.store.db),
      // __Host- cookies must be Secure, which they are only behind TLS (TRUST_PROXY).
      cookieName: app.config.TRUST_PROXY ? '__Host-sp_session' : 'sp_session',
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: app.config.TRUST_PROXY ? true : false, path: '/', maxAge: SESSION_TTL_MS },
    }));
    await app.register(csrf, { sessionPlugin: '@fastify/session' });
    await app.register(rateLimit, { global: false });

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
    // Who may call the route is decided before the body is read: an anonymous client or a wrong
    // role never gets a body parsed (uploads are up to 12 MB) or validated (schemas stay private).
    app.addHook('onRequest', async (request, reply) => {
      const access = request.routeOptions.config.access;
      if (access === 'public' || !access) return;
      const userId = request.session.get('userId');
      if (userId) request.user = await loadSessionUser(app.store.db, userId);
      if (access === 'guest') return;
      if (!request.user) return refuseAnonymous(request, reply);
      if (!access.includes(request.user.role)) {
        reply.code(403);
        throw Object.assign(new Error('You do not have access to this page.'), { statusCode: 403 });
      }
    });
    // The CSRF token travels in the body, so it is checked once the body is parsed, before validation.
    app.addHook('preValidation', async (request, reply) => {
      const access = request.routeOptions.config.access;
      if (access === 'public' || !access) return;
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.routeOptions.config.csrf !== false) {
        await new Promise<void>((resolve, reject) => {
          app.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve()));
        });
      }
    });
  },
  { name: 'auth' },
);

type HookArgs = [request: FastifyRequest, reply: FastifyReply, ...rest: unknown[]];
type AnyHook = (this: unknown, ...args: HookArgs) => unknown;

/**
 * Registers a plugin (@fastify/cookie, @fastify/session) so that its request hooks do not run on
 * public routes. Their hooks are global; on a teacher page the session plugin would still create
 * and sign a throwaway session on every request — a share of every submission's CPU, for a session
 * nobody may use there (the cookie was removed above and `render` gives teacher pages no CSRF token).
 * Only `onRequest` and `onSend`, the two hooks these plugins add, are wrapped; others pass through.
 */
async function staffRoutesOnly(app: FastifyInstance, register: () => PromiseLike<unknown>): Promise<void> {
  const addHook = app.addHook;
  const skipping = (name: string, hook: AnyHook): AnyHook => {
    // Keep the hook's style: Fastify tells a promise hook from a callback hook by its arity.
    const isPublic = (request: FastifyRequest) => request.routeOptions.config.access === 'public';
    if (name === 'onRequest' && hook.length < 3) {
      return async function (request, reply) {
        if (!isPublic(request)) await hook.call(this, request, reply);
      } as AnyHook;
    }
    if (name === 'onSend' && hook.length < 4) {
      return async function (request, reply, payload) {
        return isPublic(request) ? payload : hook.call(this, request, reply, payload);
      } as AnyHook;
    }
    if (name === 'onRequest') {
      return function (request, reply, done) {
        if (request.routeOptions.config.access === 'public') return (done as () => void)();
        return hook.call(this, request, reply, done);
      };
    }
    if (name === 'onSend') {
      return function (request, reply, payload, done) {
        if (request.routeOptions.config.access === 'public') return (done as (err: null, payload: unknown) => void)(null, payload);
        return hook.call(this, request, reply, payload, done);
      };
    }
    return hook;
  };
  // A plugin wrapped with fastify-plugin is given this very instance, so this is the addHook it calls.
  app.addHook = function (this: FastifyInstance, name: string, hook: AnyHook) {
    return (addHook as (this: FastifyInstance, name: string, hook: AnyHook) => FastifyInstance).call(this, name, skipping(name, hook));
  } as FastifyInstance['addHook'];
  try {
    await register();
  } finally {
    app.addHook = addHook;
  }
}

function refuseAnonymous(request: FastifyRequest, reply: FastifyReply) {
  if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) {
    return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
  }
  if (request.method === 'GET') return reply.redirect('/login', 303);
  reply.code(401);
  throw Object.assign(new Error('Sign in first.'), { statusCode: 401 });
}

/** Without SESSION_SECRET, one random secret is kept in the database, shared by all instances. */
async function storedSecret(db: FastifyRequest['server']['store']['db']): Promise<string> {
  await db
    .insertInto('app_meta')
    .values({ key: 'session_secret', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', 'session_secret').executeTakeFirstOrThrow();
  return row.value;
}
