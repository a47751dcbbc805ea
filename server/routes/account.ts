import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { findLogin, setUserLang } from '../users.ts';
import { verifyPassword } from '../passwords.ts';
import { translator } from '../i18n.ts';
import { audit } from '../audit.ts';

const LoginQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })), lang: Type.Optional(Type.Union([Type.Literal('nl'), Type.Literal('en')])) }, { additionalProperties: false });
const LoginBody = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    password: Type.String({ maxLength: 1000 }),
    next: Type.Optional(Type.String({ maxLength: 500 })),
    lang: Type.Optional(Type.Union([Type.Literal('nl'), Type.Literal('en')])),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const LangBody = Type.Object({ lang: Type.Union([Type.Literal('nl'), Type.Literal('en')]), next: Type.Optional(Type.String({ maxLength: 500 })), _csrf: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const CsrfBody = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

const STAFF = ['admin', 'rep', 'researcher'] as const;

/** Only same-site paths are followed after login, never another origin. */
/**
 * A local path only, in printable ASCII: a control or non-Latin-1 character in a Location header
 * makes Node throw and the request would never be answered (real paths arrive percent-encoded).
 */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/home';
}

export default async function accountRoutes(app: FastifyInstance) {
  app.get('/login', { config: { access: 'guest' }, schema: { querystring: LoginQuery } }, async (request, reply) => {
    if (request.user) return reply.redirect('/home', 303);
    return reply.page('login', { next: safeNext((request.query as Static<typeof LoginQuery>).next), error: null });
  });

  app.post(
    '/login',
    {
      config: { access: 'guest', rateLimit: { max: 5, timeWindow: 60_000 } },
      schema: { body: LoginBody },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof LoginBody>;
      const user = await findLogin(app.store.db, body.email);
      const ok = await verifyPassword(user?.active ? user.password_hash : null, body.password);
      if (!ok || !user) {
        // One answer for an unknown e-mail, a wrong password and a deactivated account.
        reply.code(401);
        return reply.page('login', { next: safeNext(body.next), error: translator(request.lang)('login.failed'), email: body.email });
      }
      // A fresh session id at login defeats session fixation.
      await request.session.regenerate();
      request.session.set('userId', user.id);
      await audit(app.store.db, user.id, 'login');
      return reply.redirect(safeNext(body.next), 303);
    },
  );

  app.post('/logout', { config: { access: [...STAFF] }, schema: { body: CsrfBody } }, async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/login', 303);
  });

  app.post('/account/lang', { config: { access: [...STAFF] }, schema: { body: LangBody } }, async (request, reply) => {
    const body = request.body as Static<typeof LangBody>;
    await setUserLang(app.store.db, request.user!.id, body.lang);
    return reply.redirect(safeNext(body.next), 303);
  });
}
