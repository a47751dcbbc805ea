import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { changeOwnPassword, findLogin, loadSessionUser, setUserLang } from './users.ts';
import { MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.ts';
import { translator } from '../platform/i18n.ts';
import { audit } from '../platform/audit-log.ts';
import { loginFormToken } from '../platform/plugins/auth.ts';
import { lockedForMs, recordFailure, recordSuccess } from './login-throttle.ts';
import { ABSOLUTE_LIFETIME_MS, endOtherSessions, listSessions, revokeSession } from './session-store.ts';
import {
  claimStep,
  codeStep,
  disableTwoFactor,
  enableTwoFactor,
  groupedSecret,
  mustEnrol,
  newSecret,
  openSecret,
  otpauthUri,
  qrSvg,
  sealSecret,
} from './two-factor.ts';
import { HttpProblem, type Problem } from '../platform/problems.ts';
import { Csrf, CsrfBody, LangField, Language, NoQuery, Uuid } from '../platform/http-schemas.ts';
import { dateTime, noProblems, noStore, problemsView } from '../admin/routes/common.ts';

const Next = Type.Optional(Type.String({ maxLength: 500 }));
const LoginQuery = Type.Object({ next: Next, lang: LangField }, { additionalProperties: false });
const LoginBody = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    password: Type.String({ maxLength: 1000 }),
    next: Next,
    lang: LangField,
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const CodeBody = Type.Object(
  { code: Type.String({ maxLength: 20 }), next: Next, lang: LangField, _csrf: Csrf },
  { additionalProperties: false },
);
const LangBody = Type.Object({ lang: Language, next: Next, _csrf: Csrf }, { additionalProperties: false });
const AccountQuery = Type.Object(
  { done: Type.Optional(Type.Union(['password', 'twoFactorOn', 'twoFactorOff', 'revoked', 'revokedOthers'].map((k) => Type.Literal(k)))) },
  { additionalProperties: false },
);
const PasswordBody = Type.Object(
  {
    currentPassword: Type.String({ maxLength: 1000 }),
    newPassword: Type.String({ maxLength: 1000 }),
    repeatPassword: Type.String({ maxLength: 1000 }),
    // The hidden e-mail field that lets password managers file the new password under the account.
    username: Type.Optional(Type.String({ maxLength: 320 })),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const EnrolBody = Type.Object({ code: Type.String({ maxLength: 20 }), _csrf: Csrf }, { additionalProperties: false });
const DisableBody = Type.Object(
  { currentPassword: Type.String({ maxLength: 1000 }), username: Type.Optional(Type.String({ maxLength: 320 })), _csrf: Csrf },
  { additionalProperties: false },
);
const RevokeBody = Type.Object({ session: Type.Union([Uuid, Type.Literal('others')]), _csrf: Csrf }, { additionalProperties: false });

const STAFF = ['admin', 'rep', 'researcher'] as const;
/** How long the second step of a sign-in waits for its code. */
const PENDING_MS = 5 * 60_000;
/** The per-address limit of both sign-in steps (the per-account one is in server/staff/login-throttle.ts). */
const SIGN_IN_RATE = { max: 5, timeWindow: 60_000 };
/** How far back the account page reports failed sign-ins. */
const FAILURES_SHOWN_DAYS = 30;

/**
 * A local path only, in printable ASCII: a control or non-Latin-1 character in a Location header
 * makes Node throw and the request would never be answered (real paths arrive percent-encoded).
 * Only same-site paths are followed after login, never another origin.
 */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/home';
}

const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;
  const t = (request: FastifyRequest) => translator(request.lang);

  function loginPage(request: FastifyRequest, reply: FastifyReply, model: { next: string; error: string | null; email?: string }) {
    // The form's token comes with a cookie of its own: an anonymous visitor gets no session.
    return reply.page('login', { ...model, csrf: loginFormToken(request, reply) });
  }

  function lockedPage(request: FastifyRequest, reply: FastifyReply, ms: number, next: string, email?: string) {
    reply.code(429);
    return loginPage(request, reply, {
      next,
      error: t(request)('account.signIn.locked', { count: minutes(ms) }),
      ...(email !== undefined ? { email } : {}),
    });
  }

  /** Both factors are right: a fresh session id (against fixation), the count reset, an audit entry. */
  async function completeSignIn(request: FastifyRequest, reply: FastifyReply, user: { id: string; failed_logins: number }, next: string) {
    await request.session.regenerate();
    request.session.set('userId', user.id);
    await recordSuccess(db, user.id);
    // The actor is the account; the count says how many failures came before (the user's own notice is on /account).
    await audit(db, user.id, 'login', user.failed_logins > 0 ? `count:${user.failed_logins}` : '');
    const signedIn = await loadSessionUser(db, user.id);
    if (signedIn && (await mustEnrol(db, signedIn))) return reply.redirect('/account/two-factor', 303);
    return reply.redirect(next, 303);
  }

  /** A failed check of a known account: counted, audited (never the password or code, never an address). */
  async function failed(userId: string, step: 'password' | 'code') {
    const { lockedUntil } = await recordFailure(db, userId);
    await audit(db, null, 'loginFailed', `user:${userId} step:${step}`);
    if (lockedUntil) await audit(db, null, 'loginLocked', `user:${userId}`);
    return lockedUntil;
  }

  app.get('/login', { config: { access: 'guest' }, schema: { querystring: LoginQuery } }, async (request, reply) => {
    if (request.user) return reply.redirect('/home', 303);
    return loginPage(request, reply, { next: safeNext(request.query.next), error: null });
  });

  app.post(
    '/login',
    { config: { access: 'guest', loginForm: true, rateLimit: SIGN_IN_RATE }, schema: { body: LoginBody } },
    async (request, reply) => {
      const { body } = request;
      const next = safeNext(body.next);
      const found = await findLogin(db, body.email);
      const user = found?.active ? found : undefined;
      // A locked account is not checked at all (and the attempt neither counts nor extends the lock).
      const wait = user ? lockedForMs(user) : 0;
      if (wait) return lockedPage(request, reply, wait, next, body.email);
      const ok = await verifyPassword(user?.password_hash ?? null, body.password);
      if (!ok || !user) {
        if (user) {
          const lockedUntil = await failed(user.id, 'password');
          if (lockedUntil) return lockedPage(request, reply, lockedUntil.getTime() - Date.now(), next, body.email);
        } else {
          await audit(db, null, 'loginFailed', 'step:password');
        }
        // One answer for an unknown e-mail, a wrong password and a deactivated account.
        reply.code(401);
        return loginPage(request, reply, { next, error: t(request)('login.failed'), email: body.email });
      }
      if (!user.totp_secret) return completeSignIn(request, reply, user, next);
      // The password is right; the code is next. The session starts here, not signed in yet.
      await request.session.regenerate();
      request.session.set('pendingUserId', user.id);
      request.session.set('pendingSince', Date.now());
      return reply.redirect(`/login/code${next === '/home' ? '' : `?next=${encodeURIComponent(next)}`}`, 303);
    },
  );

  /** The account waiting for its code, or null (none, expired, deactivated since). */
  async function pending(request: FastifyRequest) {
    const userId = request.session.get('pendingUserId');
    const since = request.session.get('pendingSince') ?? 0;
    if (!userId || Date.now() - since > PENDING_MS) return null;
    const user = await db
      .selectFrom('app_user')
      .select(['id', 'email', 'active', 'failed_logins', 'locked_until', 'totp_secret', 'totp_last_step'])
      .where('id', '=', userId)
      .executeTakeFirst();
    return user?.active && user.totp_secret ? user : null;
  }

  const codePage = (request: FastifyRequest, reply: FastifyReply, next: string, error: string | null) =>
    reply.page('account/code', { title: t(request)('account.signIn.codeTitle'), next, error });

  app.get('/login/code', { config: { access: 'guest' }, schema: { querystring: LoginQuery } }, async (request, reply) => {
    if (request.user) return reply.redirect('/home', 303);
    const next = safeNext(request.query.next);
    // No sign-in waiting for its code (expired, or never started): the login form, saying so.
    if (!(await pending(request))) return loginPage(request, reply, { next, error: t(request)('account.signIn.expired') });
    return codePage(request, reply, next, null);
  });

  app.post(
    '/login/code',
    { config: { access: 'guest', loginForm: true, rateLimit: SIGN_IN_RATE }, schema: { body: CodeBody } },
    async (request, reply) => {
      const { body } = request;
      const next = safeNext(body.next);
      const user = await pending(request);
      if (!user) {
        reply.code(401);
        return loginPage(request, reply, { next, error: t(request)('account.signIn.expired') });
      }
      const wait = lockedForMs(user);
      if (wait) {
        reply.code(429);
        return codePage(request, reply, next, t(request)('account.signIn.locked', { count: minutes(wait) }));
      }
      const secret = openSecret(app.accountKeys.totp, user.id, user.totp_secret!);
      const step = secret ? await codeStep(secret, body.code, user.totp_last_step) : null;
      if (step === null || !(await claimStep(db, user.id, step))) {
        const lockedUntil = await failed(user.id, 'code');
        reply.code(lockedUntil ? 429 : 401);
        return codePage(
          request,
          reply,
          next,
          lockedUntil
            ? t(request)('account.signIn.locked', { count: minutes(lockedUntil.getTime() - Date.now()) })
            : t(request)('account.signIn.codeFailed'),
        );
      }
      return completeSignIn(request, reply, user, next);
    },
  );

  app.post('/logout', { config: { access: [...STAFF], enrolment: true }, schema: { body: CsrfBody } }, async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/login', 303);
  });

  app.post('/account/lang', { config: { access: [...STAFF], enrolment: true }, schema: { body: LangBody } }, async (request, reply) => {
    const { body } = request;
    await setUserLang(db, request.user!.id, body.lang);
    return reply.redirect(safeNext(body.next), 303);
  });

  // ---- The account page: password, two-step verification, sessions ---------------------------

  const passwordLabels = (request: FastifyRequest) => ({
    currentPassword: t(request)('account.password.current'),
    newPassword: t(request)('account.password.new'),
    repeatPassword: t(request)('account.password.repeat'),
  });

  async function accountPage(request: FastifyRequest, reply: FastifyReply, problems: Problem[] = [], notice: string | null = null) {
    const user = request.user!;
    const since = new Date(Date.now() - FAILURES_SHOWN_DAYS * 86_400_000);
    const failures = await db
      .selectFrom('audit_log')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('at').as('last')])
      .where('action', '=', 'loginFailed')
      .where('target', 'like', `user:${user.id} %`)
      .where('at', '>', since)
      .executeTakeFirstOrThrow();
    noStore(reply);
    return reply.page('account/index', {
      title: t(request)('account.title'),
      notice,
      minPassword: MIN_PASSWORD_LENGTH,
      failures: {
        count: Number(failures.n),
        last: failures.last ? dateTime(request.lang, new Date(failures.last as Date)) : null,
        days: FAILURES_SHOWN_DAYS,
      },
      problems: problems.length ? problemsView(t(request), problems, passwordLabels(request)) : noProblems,
    });
  }

  app.get('/account', { config: { access: [...STAFF] }, schema: { querystring: AccountQuery } }, async (request, reply) => {
    const { done } = request.query;
    return accountPage(request, reply, [], done ? t(request)(`account.done.${done}`) : null);
  });

  app.post('/account/password', { config: { access: [...STAFF] }, schema: { body: PasswordBody } }, async (request, reply) => {
    const { body } = request;
    const user = request.user!;
    const account = await db.selectFrom('app_user').select('locked_until').where('id', '=', user.id).executeTakeFirstOrThrow();
    const wait = lockedForMs(account);
    if (wait) {
      reply.code(429);
      return accountPage(request, reply, [{ field: 'currentPassword', key: 'account.signIn.locked', params: { count: minutes(wait) } }]);
    }
    const result = await changeOwnPassword(db, user.id, {
      current: body.currentPassword,
      next: body.newPassword,
      repeat: body.repeatPassword,
    });
    if (!result.ok) {
      // Guessing the current password here is guessing it at the sign-in: it counts the same.
      if ('wrongCurrent' in result) await failed(user.id, 'password');
      reply.code(422);
      return accountPage(request, reply, result.problems);
    }
    // Everyone else who had the old password is signed out; this browser stays signed in.
    await endOtherSessions(db, user.id, request.session.sessionId);
    return reply.redirect('/account?done=password', 303);
  });

  // Two-step verification. Open to an admin who must still enrol (`enrolment`): it is where they are sent.
  app.get(
    '/account/two-factor',
    { config: { access: [...STAFF], enrolment: true }, schema: { querystring: NoQuery } },
    async (request, reply) => {
      return twoFactorPage(request, reply, null);
    },
  );

  async function twoFactorPage(request: FastifyRequest, reply: FastifyReply, error: string | null) {
    const user = request.user!;
    noStore(reply);
    const required = user.role === 'admin';
    if (user.twoFactor)
      return reply.page('account/two-factor', { title: t(request)('account.twoFactor.title'), enabled: true, required, error });
    // A new secret per enrolment, kept sealed in the session until a code confirms it.
    const sealed = request.session.get('enrolling');
    let secret = sealed ? openSecret(app.accountKeys.totp, user.id, sealed) : null;
    if (!secret) {
      secret = newSecret();
      request.session.set('enrolling', sealSecret(app.accountKeys.totp, user.id, secret));
    }
    return reply.page('account/two-factor', {
      title: t(request)('account.twoFactor.title'),
      enabled: false,
      required,
      forced: await mustEnrol(db, user),
      error,
      secret: groupedSecret(secret),
      qr: await qrSvg(otpauthUri(user.email, secret)),
    });
  }

  app.post(
    '/account/two-factor',
    { config: { access: [...STAFF], enrolment: true }, schema: { body: EnrolBody } },
    async (request, reply) => {
      const user = request.user!;
      if (user.twoFactor) return reply.redirect('/account/two-factor', 303);
      const sealed = request.session.get('enrolling');
      const secret = sealed ? openSecret(app.accountKeys.totp, user.id, sealed) : null;
      if (!secret) return reply.redirect('/account/two-factor', 303);
      const step = await codeStep(secret, request.body.code, null);
      if (step === null) {
        reply.code(422);
        return twoFactorPage(request, reply, t(request)('account.twoFactor.codeWrong'));
      }
      // The confirming code is used up: it cannot also sign in.
      await enableTwoFactor(db, app.accountKeys.totp, user.id, secret, step);
      request.session.set('enrolling', undefined);
      await audit(db, user.id, 'account.twoFactorOn', `user:${user.id}`);
      return reply.redirect('/account?done=twoFactorOn', 303);
    },
  );

  app.post('/account/two-factor/disable', { config: { access: [...STAFF] }, schema: { body: DisableBody } }, async (request, reply) => {
    const user = request.user!;
    if (user.role === 'admin') {
      reply.code(409);
      return twoFactorPage(request, reply, t(request)('account.twoFactor.adminMust'));
    }
    if (!user.twoFactor) return reply.redirect('/account/two-factor', 303);
    const account = await db
      .selectFrom('app_user')
      .select(['password_hash', 'locked_until'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    const wait = lockedForMs(account);
    if (wait) {
      reply.code(429);
      return twoFactorPage(request, reply, t(request)('account.signIn.locked', { count: minutes(wait) }));
    }
    if (!(await verifyPassword(account.password_hash, request.body.currentPassword))) {
      await failed(user.id, 'password');
      reply.code(422);
      return twoFactorPage(request, reply, t(request)('account.password.error.current'));
    }
    await disableTwoFactor(db, user.id);
    await audit(db, user.id, 'account.twoFactorOff', `user:${user.id}`);
    return reply.redirect('/account?done=twoFactorOff', 303);
  });

  app.get('/account/sessions', { config: { access: [...STAFF] }, schema: { querystring: AccountQuery } }, async (request, reply) => {
    const { done } = request.query;
    const sessions = await listSessions(db, request.user!.id, request.session.sessionId);
    noStore(reply);
    return reply.page('account/sessions', {
      title: t(request)('account.sessions.title'),
      notice: done ? t(request)(`account.done.${done}`) : null,
      hours: ABSOLUTE_LIFETIME_MS / 3_600_000,
      sessions: sessions.map((s) => ({
        ...s,
        created: dateTime(request.lang, s.createdAt),
        seen: dateTime(request.lang, s.lastSeen),
        createdIso: s.createdAt.toISOString(),
        seenIso: s.lastSeen.toISOString(),
      })),
      others: sessions.filter((s) => !s.current).length,
    });
  });

  app.post('/account/sessions/revoke', { config: { access: [...STAFF] }, schema: { body: RevokeBody } }, async (request, reply) => {
    const user = request.user!;
    const which = request.body.session;
    if (which === 'others') {
      const n = await endOtherSessions(db, user.id, request.session.sessionId);
      await audit(db, user.id, 'account.sessionsRevoked', `user:${user.id} count:${n}`);
      return reply.redirect('/account/sessions?done=revokedOthers', 303);
    }
    if (!(await revokeSession(db, user.id, which.toLowerCase()))) throw new HttpProblem(404, 'account.sessions.notFound');
    await audit(db, user.id, 'account.sessionsRevoked', `user:${user.id} count:1`);
    return reply.redirect('/account/sessions?done=revoked', 303);
  });
};

export default accountRoutes;
