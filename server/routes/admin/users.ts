import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { addUser, getUser, listUsers, resetPassword, resetTwoFactor, ROLES, setRepSchools, setUserActive, type UserSummary } from '../../users.ts';
import { listSchools } from '../../schools.ts';
import { MIN_PASSWORD_LENGTH } from '../../passwords.ts';
import { HttpProblem, type Problem } from '../../problems.ts';
import { Csrf, CsrfBody, NoQuery, Uuid } from '../../http-schemas.ts';
import { ADMIN, actorOf, noProblems, noStore, notFound, Notice, problemsView, refuse, tOf } from './common.ts';

const UserParams = Type.Object({ userId: Uuid }, { additionalProperties: false });
const SchoolIds = Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20_000 }));
const NewUserBody = Type.Object(
  {
    email: Type.String({ maxLength: 1000 }),
    role: Type.String({ maxLength: 20 }),
    // Not `lang`: that name switches the language of the page itself.
    userLang: Type.String({ maxLength: 5 }),
    schools: SchoolIds,
    password: Type.Optional(Type.String({ maxLength: 1000 })),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const SchoolsBody = Type.Object({ schools: SchoolIds, _csrf: Csrf }, { additionalProperties: false });
const ActiveBody = Type.Object({ active: Type.Union([Type.Literal('true'), Type.Literal('false')]), _csrf: Csrf }, { additionalProperties: false });
const ListQuery = Notice(['created', 'activated', 'deactivated', 'schools', 'twoFactor']);

const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  const labels = (request: FastifyRequest) => {
    const t = tOf(request);
    return { email: t('admin.users.field.email'), role: t('admin.users.field.role'), userLang: t('admin.users.field.lang'), lang: t('admin.users.field.lang'), schools: t('admin.users.field.schools'), password: t('admin.users.field.password') };
  };
  const schoolOptions = async (chosen: Iterable<string>) => {
    const set = new Set(chosen);
    return (await listSchools(db, { activeOnly: true })).map((s) => ({ id: s.id, name: s.name, benchmarkGroup: s.benchmark_group, checked: set.has(s.id) }));
  };
  const view = (u: UserSummary) => ({ ...u, schoolNames: u.schools.map((s) => s.name).join(', ') });

  async function formPage(request: FastifyRequest, reply: FastifyReply, values: Static<typeof NewUserBody> | null, problems: Problem[] = []) {
    const model = {
      values: { email: values?.email ?? '', role: values?.role ?? 'rep', userLang: values?.userLang ?? 'nl' },
      roles: ROLES,
      minPassword: MIN_PASSWORD_LENGTH,
      schools: await schoolOptions(values?.schools ?? []),
      problems: problems.length ? problemsView(tOf(request), problems.map((p) => (p.field === 'lang' ? { ...p, field: 'userLang' } : p)), labels(request)) : noProblems,
    };
    return problems.length ? refuse(reply, 'admin/user-form', model) : reply.page('admin/user-form', model);
  }

  async function detailPage(request: FastifyRequest, reply: FastifyReply, user: UserSummary, problems: Problem[] = [], status = 200) {
    reply.status(status);
    return reply.page('admin/user', {
      account: view(user),
      self: user.id === request.user!.id,
      schools: user.role === 'rep' ? await schoolOptions(user.schools.map((s) => s.id)) : [],
      problems: problems.length ? problemsView(tOf(request), problems, labels(request)) : noProblems,
    });
  }

  async function loadUser(userId: string): Promise<UserSummary> {
    const user = await getUser(db, userId);
    if (!user) throw notFound();
    return user;
  }

  /** A generated password, shown this once. */
  function passwordPage(reply: FastifyReply, email: string, password: string, reason: 'created' | 'reset') {
    noStore(reply);
    return reply.page('admin/password', { email, password, reason });
  }

  app.get('/admin/users', { config: ADMIN, schema: { querystring: ListQuery } }, async (request, reply) => {
    const { done } = request.query;
    return reply.page('admin/users', {
      notice: done ? tOf(request)(`admin.users.done.${done}`) : null,
      users: (await listUsers(db)).map(view),
    });
  });

  app.get('/admin/users/new', { config: ADMIN, schema: { querystring: NoQuery } }, async (request, reply) => formPage(request, reply, null));

  app.post('/admin/users', { config: ADMIN, schema: { body: NewUserBody } }, async (request, reply) => {
    const { body } = request;
    const result = await addUser(db, { email: body.email, role: body.role, lang: body.userLang, schools: body.schools ?? [], ...(body.password ? { password: body.password } : {}) }, actorOf(request));
    if (!result.ok) return formPage(request, reply, body, result.problems);
    if (result.value.generatedPassword) return passwordPage(reply, body.email.trim(), result.value.generatedPassword, 'created');
    return reply.redirect('/admin/users?done=created', 303);
  });

  app.get('/admin/users/:userId', { config: ADMIN, schema: { params: UserParams, querystring: NoQuery } }, async (request, reply) => detailPage(request, reply, await loadUser(request.params.userId)));

  app.post('/admin/users/:userId/schools', { config: ADMIN, schema: { params: UserParams, body: SchoolsBody } }, async (request, reply) => {
    const user = await loadUser(request.params.userId);
    const result = await setRepSchools(db, user.id, request.body.schools ?? [], actorOf(request));
    if (!result) throw notFound();
    if (!result.ok) return detailPage(request, reply, user, result.problems, 422);
    return reply.redirect('/admin/users?done=schools', 303);
  });

  app.post('/admin/users/:userId/active', { config: ADMIN, schema: { params: UserParams, body: ActiveBody } }, async (request, reply) => {
    const { userId } = request.params;
    const active = request.body.active === 'true';
    const outcome = await setUserActive(db, userId, active, actorOf(request));
    if (outcome === 'not-found') throw notFound();
    if (outcome !== 'ok') throw new HttpProblem(409, `admin.users.error.${outcome}`);
    return reply.redirect(`/admin/users?done=${active ? 'activated' : 'deactivated'}`, 303);
  });

  app.post('/admin/users/:userId/password', { config: ADMIN, schema: { params: UserParams, body: CsrfBody } }, async (request, reply) => {
    const user = await loadUser(request.params.userId);
    const password = await resetPassword(db, user.id, actorOf(request));
    if (!password) throw notFound();
    return passwordPage(reply, user.email, password, 'reset');
  });

  // A lost phone: the user signs in with the password and enrols again (issue 16).
  app.post('/admin/users/:userId/two-factor', { config: ADMIN, schema: { params: UserParams, body: CsrfBody } }, async (request, reply) => {
    const user = await loadUser(request.params.userId);
    if (!(await resetTwoFactor(db, user.id, actorOf(request)))) throw notFound();
    return reply.redirect('/admin/users?done=twoFactor', 303);
  });
};

export default userRoutes;
