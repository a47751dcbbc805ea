import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import {
  addUser,
  getUser,
  resetPassword,
  resetTwoFactor,
  ROLES,
  setRepSchools,
  setUserActive,
  type UserSummary,
} from '../../staff/users.ts';
import { findUsers, USER_SORTS, type UserFilter } from '../lists.ts';
import { chooseFromForm, choiceProblems, type SchoolChoice } from '../school-choice.ts';
import { schoolChoiceModel, ChoiceFields, choiceValues } from './school-choice.ts';
import { MIN_PASSWORD_LENGTH } from '../../staff/passwords.ts';
import { HttpProblem, type Problem } from '../../platform/problems.ts';
import { Csrf, CsrfBody, NoQuery, Uuid } from '../../platform/http-schemas.ts';
import {
  ADMIN,
  actorOf,
  Choice,
  noProblems,
  noStore,
  notFound,
  Notice,
  orUndefined,
  PageNumber,
  pager,
  problemsView,
  refuse,
  Search,
  SortDirection,
  sortLinks,
  tOf,
} from './common.ts';

const UserParams = Type.Object({ userId: Uuid }, { additionalProperties: false });
const SchoolIds = Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20_000 }));
const NewUserBody = Type.Object(
  {
    email: Type.String({ maxLength: 1000 }),
    role: Type.String({ maxLength: 20 }),
    // Not `lang`: that name switches the language of the page itself.
    userLang: Type.String({ maxLength: 5 }),
    schools: SchoolIds,
    ...ChoiceFields,
    password: Type.Optional(Type.String({ maxLength: 1000 })),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const SchoolsBody = Type.Object({ schools: SchoolIds, ...ChoiceFields, _csrf: Csrf }, { additionalProperties: false });
const ActiveBody = Type.Object(
  { active: Type.Union([Type.Literal('true'), Type.Literal('false')]), _csrf: Csrf },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    ...Notice(['created', 'activated', 'deactivated', 'schools', 'twoFactor']).properties,
    q: Search,
    role: Choice(ROLES),
    active: Choice(['yes', 'no'] as const),
    twoFactor: Choice(['on', 'off'] as const),
    sort: Choice(USER_SORTS),
    dir: SortDirection,
    page: PageNumber,
  },
  { additionalProperties: false },
);

const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  const labels = (request: FastifyRequest) => {
    const t = tOf(request);
    return {
      email: t('admin.users.field.email'),
      role: t('admin.users.field.role'),
      userLang: t('admin.users.field.lang'),
      lang: t('admin.users.field.lang'),
      schools: t('admin.users.field.schools'),
      group: t('admin.choice.group'),
      municipalities: t('admin.choice.municipalities'),
      numbers: t('admin.choice.numbers'),
      password: t('admin.users.field.password'),
    };
  };
  const view = (u: UserSummary) => ({ ...u, schoolNames: u.schools.map((s) => s.name).join(', ') });

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    values: Static<typeof NewUserBody> | null,
    problems: Problem[] = [],
    preview: SchoolChoice | null = null,
  ) {
    const model = {
      values: { email: values?.email ?? '', role: values?.role ?? 'rep', userLang: values?.userLang ?? 'nl' },
      roles: ROLES,
      minPassword: MIN_PASSWORD_LENGTH,
      choice: await schoolChoiceModel(db, { kept: values?.schools ?? [], values: choiceValues(values), preview }),
      problems: problems.length
        ? problemsView(
            tOf(request),
            problems.map((p) => (p.field === 'lang' ? { ...p, field: 'userLang' } : p)),
            labels(request),
          )
        : noProblems,
    };
    return problems.length ? refuse(reply, 'admin/user-form', model) : reply.page('admin/user-form', model);
  }

  async function detailPage(
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserSummary,
    problems: Problem[] = [],
    status = 200,
    options: { preview?: SchoolChoice; values?: Static<typeof SchoolsBody> } = {},
  ) {
    reply.status(status);
    return reply.page('admin/user', {
      account: view(user),
      self: user.id === request.user!.id,
      choice:
        user.role === 'rep'
          ? await schoolChoiceModel(db, {
              kept: options.values ? (options.values.schools ?? []) : user.schools.map((s) => s.id),
              values: choiceValues(options.values ?? null),
              preview: options.preview ?? null,
            })
          : null,
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
    const { query } = request;
    const values = {
      q: query.q ?? '',
      role: query.role ?? '',
      active: query.active ?? '',
      twoFactor: query.twoFactor ?? '',
      sort: query.sort ?? '',
      dir: query.dir ?? '',
    };
    const filter: UserFilter = {
      ...(query.q ? { q: query.q } : {}),
      ...(query.role ? { role: query.role } : {}),
      ...(query.active ? { active: query.active } : {}),
      ...(query.twoFactor ? { twoFactor: query.twoFactor } : {}),
      ...(query.sort ? { sort: query.sort } : {}),
      ...(query.dir ? { dir: query.dir } : {}),
      ...(query.page ? { page: query.page } : {}),
    };
    const found = await findUsers(db, filter);
    return reply.page('admin/users', {
      notice: query.done ? tOf(request)(`admin.users.done.${query.done}`) : null,
      values,
      roles: ROLES,
      filtered: !!(query.q || query.role || query.active || query.twoFactor),
      pager: pager('/admin/users', values, found),
      sorts: sortLinks('/admin/users', values, USER_SORTS, orUndefined(query.sort) ?? 'email', orUndefined(query.dir) ?? 'asc'),
      users: found.rows,
    });
  });

  app.get('/admin/users/new', { config: ADMIN, schema: { querystring: NoQuery } }, async (request, reply) =>
    formPage(request, reply, null),
  );

  app.post('/admin/users', { config: ADMIN, schema: { body: NewUserBody } }, async (request, reply) => {
    const { body } = request;
    const choice = await chooseFromForm(db, body);
    const refused = choiceProblems(choice);
    if (body.preview || refused.length) return formPage(request, reply, body, refused, choice);
    // Ids that name no active school stay in the list, so addUser names them.
    const schools = [...new Set([...choice.ids, ...(body.schools ?? [])])];
    const result = await addUser(
      db,
      { email: body.email, role: body.role, lang: body.userLang, schools, ...(body.password ? { password: body.password } : {}) },
      actorOf(request),
    );
    if (!result.ok) return formPage(request, reply, body, result.problems);
    if (result.value.generatedPassword) return passwordPage(reply, body.email.trim(), result.value.generatedPassword, 'created');
    return reply.redirect('/admin/users?done=created', 303);
  });

  app.get('/admin/users/:userId', { config: ADMIN, schema: { params: UserParams, querystring: NoQuery } }, async (request, reply) =>
    detailPage(request, reply, await loadUser(request.params.userId)),
  );

  app.post('/admin/users/:userId/schools', { config: ADMIN, schema: { params: UserParams, body: SchoolsBody } }, async (request, reply) => {
    const user = await loadUser(request.params.userId);
    const { body } = request;
    const choice = await chooseFromForm(db, body);
    const refused = choiceProblems(choice);
    if (refused.length) return detailPage(request, reply, user, refused, 422, { preview: choice, values: body });
    if (body.preview) return detailPage(request, reply, user, [], 200, { preview: choice, values: body });
    const result = await setRepSchools(db, user.id, [...new Set([...choice.ids, ...(body.schools ?? [])])], actorOf(request));
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
