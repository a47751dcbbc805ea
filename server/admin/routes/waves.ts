import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { createWave, openWave, WaveError, isSealed } from '../../waves.ts';
import { addSchoolsToWave, checkNewWave, getWaveDetail, MAX_K, MIN_K, type WaveDetail } from '../waves.ts';
import { DEFAULT_RESPONSE_TARGET } from '../../waves.ts';
import { sealWave } from '../../sealing/sealing.ts';
import { listQuestionnaires } from '../questionnaires.ts';
import { findWaves, WAVE_SORTS, type WaveFilter } from '../lists.ts';
import { chooseFromForm, choiceProblems, type SchoolChoice } from '../school-choice.ts';
import { ChoiceFields, choiceValues, schoolChoiceModel } from './school-choice.ts';
import {
  checkCodeRequest,
  generateCodes,
  generateCodesForAllSchools,
  MAX_CODES_PER_REQUEST,
  type CodeRequestFields,
} from '../code-slips.ts';
import { HttpProblem, type Problem } from '../../platform/problems.ts';
import { translator } from '../../platform/i18n.ts';
import { Csrf, CsrfBody, NoQuery, WaveParams } from '../../platform/http-schemas.ts';
import {
  ADMIN,
  actorOf,
  Choice,
  date,
  noProblems,
  noStore,
  notFound,
  Notice,
  orUndefined,
  PageNumber,
  pager,
  problemsView,
  publicBase,
  refuse,
  Search,
  SortDirection,
  sortLinks,
  tOf,
} from './common.ts';
import { sealedParticipants } from '../../results/wave-participants.ts';
import { WaveKeyUnavailable } from '../../encryption/wave-keys.ts';

const SchoolIds = Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20_000 }));
const AllSchools = Type.Optional(Type.Literal('all'));
const NewWaveBody = Type.Object(
  {
    name: Type.String({ maxLength: 1000 }),
    questionnaireId: Type.String({ maxLength: 100 }),
    k: Type.String({ maxLength: 20 }),
    plannedClose: Type.Optional(Type.String({ maxLength: 20 })),
    responseTarget: Type.Optional(Type.String({ maxLength: 20 })),
    allSchools: AllSchools,
    schools: SchoolIds,
    ...ChoiceFields,
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const AddSchoolsBody = Type.Object(
  { allSchools: AllSchools, schools: SchoolIds, ...ChoiceFields, _csrf: Csrf },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  { q: Search, status: Choice(['draft', 'open', 'closed'] as const), sort: Choice(WAVE_SORTS), dir: SortDirection, page: PageNumber },
  { additionalProperties: false },
);
const CloseBody = Type.Object({ confirm: Type.Optional(Type.Literal('yes')), _csrf: Csrf }, { additionalProperties: false });
const CodesBody = Type.Object(
  { schoolId: Type.String({ maxLength: 100 }), count: Type.String({ maxLength: 20 }), format: Type.String({ maxLength: 10 }), _csrf: Csrf },
  { additionalProperties: false },
);
const DetailQuery = Type.Object(
  { ...Notice(['created', 'opened', 'closed', 'schoolsAdded']).properties, q: Search, page: PageNumber },
  { additionalProperties: false },
);
/** Up to this many participants the codes form offers a list of schools; beyond, the school number is typed. */
const SCHOOL_SELECT_MAX = 200;
const PARTICIPANTS_PAGE = 50;

/** A refused wave action: 404 for an unknown wave, 409 for a state that does not allow it. */
function waveRefusal(err: unknown): never {
  if (err instanceof WaveError) {
    throw new HttpProblem(err.reason === 'not-found' ? 404 : 409, `admin.waves.error.${err.reason}`);
  }
  throw err;
}

const waveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  const labels = (request: FastifyRequest) => {
    const t = tOf(request);
    return {
      name: t('admin.waves.field.name'),
      questionnaireId: t('admin.waves.field.questionnaire'),
      k: t('admin.waves.field.k'),
      plannedClose: t('admin.waves.field.plannedClose'),
      responseTarget: t('admin.waves.field.responseTarget'),
      schools: t('admin.waves.field.schools'),
      group: t('admin.choice.group'),
      municipalities: t('admin.choice.municipalities'),
      numbers: t('admin.choice.numbers'),
      schoolId: t('admin.codes.field.school'),
      count: t('admin.codes.field.count'),
      format: t('admin.codes.field.format'),
      confirm: t('admin.waves.close.confirm'),
    };
  };

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    values: Static<typeof NewWaveBody> | null,
    problems: Problem[] = [],
    preview: SchoolChoice | null = null,
  ) {
    const questionnaires = await listQuestionnaires(db);
    const model = {
      values: {
        name: values?.name ?? '',
        questionnaireId: values?.questionnaireId ?? questionnaires[0]?.id ?? '',
        k: values?.k ?? String(app.config.DISCLOSURE_K),
        plannedClose: values?.plannedClose ?? '',
        responseTarget: values?.responseTarget ?? String(DEFAULT_RESPONSE_TARGET),
        allSchools: values?.allSchools === 'all',
      },
      defaultK: app.config.DISCLOSURE_K,
      minK: MIN_K,
      maxK: MAX_K,
      questionnaires: questionnaires.map((q) => ({ id: q.id, label: `${q.title[request.lang]} — ${q.key} v${q.version}` })),
      choice: await schoolChoiceModel(db, { kept: values?.schools ?? [], values: choiceValues(values), preview }),
      problems: problems.length ? problemsView(tOf(request), problems, labels(request)) : noProblems,
    };
    return problems.length ? refuse(reply, 'admin/wave-form', model) : reply.page('admin/wave-form', model);
  }

  async function detailPage(
    request: FastifyRequest,
    reply: FastifyReply,
    wave: WaveDetail,
    options: {
      problems?: Problem[];
      status?: number;
      notice?: string | null;
      preview?: SchoolChoice;
      values?: Static<typeof AddSchoolsBody>;
      q?: string;
      page?: number;
    } = {},
  ) {
    const lang = request.lang;
    // A sealed wave: as frozen at sealing, counts below k as "fewer than k" (design §5, R1).
    const sealed = isSealed(wave)
      ? await sealedParticipants(db, wave.id, {
          fewer: tOf(request)('disclosure.R1', { k: wave.k }),
          withheld: tOf(request)('disclosure.R3'),
        })
      : null;
    // An open wave whose key the configured master key cannot open refuses every answer: say so here.
    const keyUnavailable =
      wave.status === 'open' &&
      (await app.keys.shown(wave.id).then(
        () => false,
        (err) => {
          if (err instanceof WaveKeyUnavailable) return true;
          throw err;
        },
      ));
    // Participants a page at a time (a network wave has thousands), searched by name or school number.
    const all: Array<{ id: string; name: string }> = sealed?.participants ?? wave.participants;
    const numbers = new Map(wave.participants.map((p) => [p.id, p.number]));
    const term = options.q?.trim().toLowerCase();
    const shown = term ? all.filter((p) => p.name.toLowerCase().includes(term) || numbers.get(p.id) === term) : all;
    const pages = Math.max(1, Math.ceil(shown.length / PARTICIPANTS_PAGE));
    const current = Math.min(Math.max(1, options.page ?? 1), pages);
    const pageRows = shown.slice((current - 1) * PARTICIPANTS_PAGE, current * PARTICIPANTS_PAGE);
    const participantPage = pager(
      `/admin/waves/${wave.id}`,
      { q: options.q ?? '' },
      { page: current, pages, total: shown.length, pageSize: PARTICIPANTS_PAGE, rows: pageRows },
    );
    const model = {
      notice: options.notice ?? null,
      keyUnavailable,
      wave: {
        id: wave.id,
        name: wave.name,
        status: wave.status,
        sealed: wave.sealed,
        k: wave.k,
        created: date(lang, wave.createdAt),
        plannedClose: wave.plannedClose ? date(lang, new Date(`${wave.plannedClose}T12:00:00Z`)) : null,
        responseTarget: wave.responseTarget,
        questionnaire: wave.questionnaire,
        networkHref: wave.sealed ? `/admin/waves/${wave.id}/network` : null,
        qualityHref: wave.sealed ? `/research/waves/${wave.id}/quality` : null,
      },
      participantCount: all.length,
      participants: pageRows,
      participantPager: participantPage,
      participantQuery: options.q ?? '',
      schoolOptions:
        wave.participants.length <= SCHOOL_SELECT_MAX
          ? wave.participants.map((p) => ({ id: p.id, name: p.name, staffCount: p.staffCount }))
          : null,
      totals: sealed?.totals ?? {
        staff: wave.participants.reduce((a, p) => a + p.staffCount, 0),
        issued: wave.participants.reduce((a, p) => a + p.codesIssued, 0),
        spent: wave.participants.reduce((a, p) => a + p.codesSpent, 0),
        responses: wave.participants.reduce((a, p) => a + p.responses, 0),
      },
      canAdd: wave.status !== 'closed',
      choice:
        wave.status === 'closed'
          ? null
          : await schoolChoiceModel(db, {
              kept: options.values?.schools ?? [],
              values: choiceValues(options.values ?? null),
              preview: options.preview ?? null,
            }),
      maxCodes: MAX_CODES_PER_REQUEST,
      problems: options.problems?.length ? problemsView(tOf(request), options.problems, labels(request)) : noProblems,
    };
    if (options.status) reply.status(options.status);
    return reply.page('admin/wave', model);
  }

  async function loadWave(waveId: string): Promise<WaveDetail> {
    const wave = await getWaveDetail(db, waveId);
    if (!wave) throw notFound();
    return wave;
  }

  app.get('/admin/waves', { config: ADMIN, schema: { querystring: ListQuery } }, async (request, reply) => {
    const { query } = request;
    const values = { q: query.q ?? '', status: query.status ?? '', sort: query.sort ?? '', dir: query.dir ?? '' };
    const filter: WaveFilter = {
      ...(query.q ? { q: query.q } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.sort ? { sort: query.sort } : {}),
      ...(query.dir ? { dir: query.dir } : {}),
      ...(query.page ? { page: query.page } : {}),
    };
    const found = await findWaves(db, filter);
    const sort = orUndefined(query.sort) ?? 'created';
    return reply.page('admin/waves', {
      values,
      filtered: !!(query.q || query.status),
      pager: pager('/admin/waves', values, found),
      sorts: sortLinks('/admin/waves', values, WAVE_SORTS, sort, orUndefined(query.dir) ?? (sort === 'created' ? 'desc' : 'asc')),
      waves: found.rows.map((w) => ({ ...w, created: date(request.lang, w.createdAt) })),
    });
  });

  /** The schools a form chose, by filters or by hand; null for "every active school". */
  const schoolChoice = (body: Static<typeof NewWaveBody> | Static<typeof AddSchoolsBody>) =>
    body.allSchools === 'all' ? null : chooseFromForm(db, body);

  app.get('/admin/waves/new', { config: ADMIN, schema: { querystring: NoQuery } }, async (request, reply) =>
    formPage(request, reply, null),
  );

  app.post('/admin/waves', { config: ADMIN, schema: { body: NewWaveBody } }, async (request, reply) => {
    const { body } = request;
    const choice = await schoolChoice(body);
    const refused = choice ? choiceProblems(choice) : [];
    if (body.preview || refused.length) return formPage(request, reply, body, refused, choice);
    // Ids that name no active school stay in the list, so the check names them.
    const schools = choice ? [...new Set([...choice.ids, ...(body.schools ?? [])])] : 'all';
    const checked = await checkNewWave(
      db,
      {
        name: body.name,
        questionnaireId: body.questionnaireId,
        k: body.k,
        plannedClose: body.plannedClose ?? '',
        responseTarget: body.responseTarget ?? '',
        schools,
      },
      app.config.DISCLOSURE_K,
    );
    if (!checked.ok) return formPage(request, reply, body, checked.problems);
    const id = await createWave(db, checked.value, actorOf(request));
    return reply.redirect(`/admin/waves/${id}?done=created`, 303);
  });

  app.get('/admin/waves/:waveId', { config: ADMIN, schema: { params: WaveParams, querystring: DetailQuery } }, async (request, reply) => {
    const wave = await loadWave(request.params.waveId);
    const { done, n, q, page } = request.query;
    return detailPage(request, reply, wave, {
      notice: done ? tOf(request)(`admin.waves.done.${done}`, { count: n ?? 0 }) : null,
      ...(q ? { q } : {}),
      ...(page ? { page } : {}),
    });
  });

  app.post(
    '/admin/waves/:waveId/schools',
    { config: ADMIN, schema: { params: WaveParams, body: AddSchoolsBody } },
    async (request, reply) => {
      const { waveId } = request.params;
      const { body } = request;
      const choice = await schoolChoice(body);
      const refused = choice ? choiceProblems(choice) : [];
      if (refused.length)
        return detailPage(request, reply, await loadWave(waveId), {
          problems: refused,
          status: 422,
          ...(choice ? { preview: choice } : {}),
          values: body,
        });
      if (body.preview) return detailPage(request, reply, await loadWave(waveId), { ...(choice ? { preview: choice } : {}), values: body });
      const schools = choice ? [...new Set([...choice.ids, ...(body.schools ?? [])])] : 'all';
      const result = await addSchoolsToWave(db, waveId, schools, actorOf(request)).catch(waveRefusal);
      if (!result.ok) return detailPage(request, reply, await loadWave(waveId), { problems: result.problems, status: 422, values: body });
      return reply.redirect(`/admin/waves/${waveId}?done=schoolsAdded&n=${result.value.added}`, 303);
    },
  );

  app.post('/admin/waves/:waveId/open', { config: ADMIN, schema: { params: WaveParams, body: CsrfBody } }, async (request, reply) => {
    const { waveId } = request.params;
    await openWave(db, waveId, actorOf(request), app.keys).catch(waveRefusal);
    return reply.redirect(`/admin/waves/${waveId}?done=opened`, 303);
  });

  // Closing seals the wave (design §4): final, so the form asks to confirm.
  app.post('/admin/waves/:waveId/close', { config: ADMIN, schema: { params: WaveParams, body: CloseBody } }, async (request, reply) => {
    const { waveId } = request.params;
    const { body } = request;
    const wave = await loadWave(waveId);
    if (wave.status === 'closed') waveRefusal(new WaveError('already-closed', 'the wave is already closed'));
    if (wave.status === 'draft') waveRefusal(new WaveError('not-open', 'a draft wave cannot be closed'));
    if (body.confirm !== 'yes')
      return detailPage(request, reply, wave, { problems: [{ field: 'confirm', key: 'admin.waves.error.confirm' }], status: 422 });
    const { alreadyClosed, unstored } = await sealWave(db, app.keys, waveId, actorOf(request)).catch(waveRefusal);
    // Closed meanwhile by someone else: nothing changed by this request.
    if (alreadyClosed) waveRefusal(new WaveError('already-closed', 'the wave is already closed'));
    // The wave is sealed whatever happens here; sums that fail to be stored now are made at first use.
    if (unstored) request.log.warn({ err: unstored }, 'sums and decisions not stored after sealing (the first view will)');
    return reply.redirect(`/admin/waves/${waveId}?done=closed`, 303);
  });

  // Codes are shown once, in the response to this POST (slips or CSV); only their hashes are stored.
  app.post('/admin/waves/:waveId/codes', { config: ADMIN, schema: { params: WaveParams, body: CodesBody } }, async (request, reply) => {
    const wave = await loadWave(request.params.waveId);
    if (wave.status === 'closed') waveRefusal(new WaveError('already-closed', 'the wave is closed'));
    const { body } = request;
    // A network wave's form asks for the school number rather than listing thousands of schools.
    const typed = body.schoolId.trim();
    const byNumber = /^\d{1,12}$/.test(typed) ? wave.participants.find((p) => p.number === typed) : undefined;
    const fields: CodeRequestFields = { schoolId: byNumber?.id ?? typed, count: body.count, format: body.format };
    const checked = await checkCodeRequest(db, wave.id, fields);
    if (!checked.ok) return detailPage(request, reply, wave, { problems: checked.problems, status: 422 });
    const generated = await generateCodes(db, wave.id, checked.value, publicBase(request), actorOf(request)).catch(waveRefusal);
    noStore(reply);
    if (generated.format === 'csv') {
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${generated.fileName}"`);
      return generated.csv;
    }
    return reply.page('admin/slips', { sheet: generated.sheet, waveId: wave.id, tnl: translator('nl'), ten: translator('en') });
  });

  // A network-wide round: every school its staff count, one transaction, one CSV (shown once).
  app.post('/admin/waves/:waveId/codes/all', { config: ADMIN, schema: { params: WaveParams, body: CsrfBody } }, async (request, reply) => {
    const wave = await loadWave(request.params.waveId);
    if (wave.status === 'closed') waveRefusal(new WaveError('already-closed', 'the wave is closed'));
    const generated = await generateCodesForAllSchools(db, wave.id, publicBase(request), actorOf(request)).catch(waveRefusal);
    noStore(reply);
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${generated.fileName}"`);
    return generated.csv;
  });
};

export default waveRoutes;
