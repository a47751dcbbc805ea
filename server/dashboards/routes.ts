import type { FastifyRequest } from 'fastify';
import { isSealed } from '../waves.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { schoolOverviews } from './overview.ts';
import { schoolWaveResults, schoolWaveResultsWith } from './school-view.ts';
import { dashboardView, type DashboardView } from './dashboard-view.ts';
import { reportPageCss } from './report-page.ts';
import { keptSealedResults, loadWaveResults } from '../results/wave-results.ts';
import { sendDeck, slidesFilename, slidesFor } from './slides.ts';
import { overviewView } from './overview-view.ts';
import { translator } from '../platform/i18n.ts';
import { audit, type AUDIT_ACTIONS } from '../platform/audit-log.ts';
import { HttpProblem } from '../platform/problems.ts';
import { LangField, LangQuery, SchoolParams, SchoolWaveParams } from '../platform/http-schemas.ts';
import { assertSchool, REPS_AND_ADMINS } from '../staff/school-access.ts';
import { listActions } from '../advocacy/action-plans.ts';
import { actionsOnDashboard, type ActionsOnDashboard } from '../advocacy/action-plans-view.ts';
import { openWavePage } from './participation-routes.ts';
import { adminHome } from '../admin/routes/home.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** A number as shown (server/results/format.ts `Shown`). */
const Shown = Type.Object({ text: Type.String(), value: Nullable(Type.Number()), rule: Nullable(Type.String()) });
const Numbers = Type.Array(Nullable(Type.Number()));

/** A school's wave page; `done` says what was just saved (the handed-out count of a running wave). */
const WavePageQuery = Type.Object({ lang: LangField, done: Type.Optional(Type.Literal('handedOut')) }, { additionalProperties: false });
/**
 * The JSON of a school's dashboard: the dashboard's view-model (server/dashboards/dashboard-view.ts) with its
 * chart data as JSON. Properties in the view-model's order: the bytes are those of JSON.stringify.
 */
/** What the JSON gives of an item and of an outcome item alike. */
const ItemNumbers = {
  id: Type.String(),
  label: Type.String(),
  reverse: Type.Boolean(),
  n: Shown,
  mean: Shown,
  favourable: Shown,
  benchmarkFavourable: Shown,
};

const DashboardJson = Type.Object({
  schoolId: Type.String(),
  schoolName: Type.String(),
  waveId: Type.String(),
  waveName: Type.String(),
  benchmarkLabel: Type.String(),
  networkLabel: Type.String(),
  respondents: Shown,
  codesIssued: Type.Number(),
  codesHandedOut: Nullable(Type.Number()),
  rate: Shown,
  k: Type.Number(),
  scaleLabels: Type.Array(Type.String()),
  suppressedSchool: Nullable(Type.String()),
  glance: Type.Object({
    sentences: Type.Array(
      Type.Object({
        text: Type.String(),
        themes: Type.Array(Type.Object({ id: Type.String(), label: Type.String(), value: Nullable(Type.String()) })),
      }),
    ),
    note: Nullable(Type.String()),
  }),
  themes: Type.Array(
    Type.Object({
      id: Type.String(),
      riskDomains: Type.Array(Type.String()),
      label: Type.String(),
      n: Shown,
      mean: Shown,
      ci: Type.String(),
      favourable: Shown,
      benchmarkMean: Shown,
      benchmarkFavourable: Shown,
      networkMean: Shown,
      networkFavourable: Shown,
      difference: Shown,
      verdict: Type.String(),
      verdictKind: Nullable(Type.Union([Type.Literal('higher'), Type.Literal('alike'), Type.Literal('lower')])),
      percentile: Shown,
      reliability: Nullable(Type.String()),
      items: Type.Array(
        Type.Object({
          ...ItemNumbers,
          notApplicable: Shown,
          percents: Type.Array(Shown),
          favourableOptions: Type.Array(Type.Integer({ minimum: 0, maximum: 4 })),
        }),
      ),
      trend: Type.Array(
        Type.Object({
          waveName: Type.String(),
          mean: Type.String(),
          ci: Type.String(),
          change: Type.String(),
          significant: Type.Boolean(),
        }),
      ),
    }),
  ),
  outcomes: Type.Array(Type.Object({ ...ItemNumbers, networkFavourable: Shown })),
  priorities: Nullable(
    Type.Object({
      max: Type.Integer({ minimum: 1 }),
      question: Type.String(),
      n: Type.Object({ school: Shown, benchmark: Shown, network: Shown }),
      rows: Type.Array(Type.Object({ id: Type.String(), label: Type.String(), school: Shown, benchmark: Shown, network: Shown })),
    }),
  ),
  breakdowns: Type.Array(
    Type.Object({
      label: Type.String(),
      withheld: Nullable(Type.String()),
      groups: Type.Array(Type.Object({ label: Type.String(), n: Shown, means: Type.Array(Shown) })),
    }),
  ),
  // The list is a readonly array in the view-model: the same schema, typed so.
  comments: Type.Object({ list: Type.Unsafe<readonly string[]>(Type.Array(Type.String())), reason: Nullable(Type.String()) }),
  commentThemes: Nullable(
    Type.Object({
      counts: Type.Array(Type.Object({ label: Type.String(), count: Type.Integer({ minimum: 0 }) })),
      reason: Nullable(Type.String()),
    }),
  ),
  chart: Type.Object({
    labels: Type.Array(Type.String()),
    school: Numbers,
    ciLow: Numbers,
    ciHigh: Numbers,
    benchmark: Numbers,
    network: Numbers,
    legend: Type.Object({ school: Type.String(), benchmark: Type.String(), network: Type.String(), ci: Type.String() }),
    favourable: Type.Object({
      school: Numbers,
      benchmark: Numbers,
      network: Numbers,
      kind: Type.Array(Nullable(Type.Union([Type.Literal('higher'), Type.Literal('alike'), Type.Literal('lower')]))),
      previous: Numbers,
      legend: Type.Object({ higher: Type.String(), alike: Type.String(), lower: Type.String(), previous: Type.String() }),
    }),
    scale: Type.Array(Type.String()),
    items: Type.Array(Type.Object({ theme: Type.String(), labels: Type.Array(Type.String()), percents: Type.Array(Numbers) })),
    trends: Type.Array(
      Type.Object({
        theme: Type.String(),
        waves: Type.Array(Type.String()),
        mean: Numbers,
        low: Numbers,
        high: Numbers,
        significant: Type.Array(Type.Boolean()),
      }),
    ),
  }),
});

const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  app.get('/home', { config: { access: ['rep', 'admin', 'researcher'] }, schema: { querystring: LangQuery } }, async (request, reply) => {
    const user = request.user!;
    if (user.role === 'researcher') return reply.redirect('/research', 303);
    // An admin's home is the state of the network, not every school's card (issue 18).
    if (user.role === 'admin') return adminHome(request, reply);
    const ids = user.schoolIds;
    const view = overviewView(await schoolOverviews(db, ids), request.lang, translator(request.lang));
    return reply.page('staff-home', { view, wide: true });
  });

  app.get(
    '/schools/:schoolId',
    { config: REPS_AND_ADMINS, schema: { params: SchoolParams, querystring: LangQuery } },
    async (request, reply) => {
      const { schoolId } = request.params;
      assertSchool(request, schoolId);
      const [school] = await schoolOverviews(db, [schoolId]);
      if (!school) throw new HttpProblem(404, 'dashboard.error.schoolNotFound');
      const view = overviewView([school], request.lang, translator(request.lang));
      return reply.page('school', { school: view.schools[0], wide: true });
    },
  );

  /**
   * Dashboard, printable report and JSON share one model, so they can never disagree. `confirmed`:
   * the caller goes on to `schoolWaveResults`, whose history query answers for the wave and the
   * school as the database has them now.
   */
  async function model(request: FastifyRequest, params: Static<typeof SchoolWaveParams>, confirmed = false) {
    // Ids as the database writes them: the same URL in capitals gets the same answer, kept or not.
    const schoolId = params.schoolId.toLowerCase();
    const waveId = params.waveId.toLowerCase();
    assertSchool(request, schoolId);
    // A sealed wave whose results this process keeps needs no query of its own (issue 17: fifty reps
    // opening their dashboards at once pay for every round trip): its status, name and schools were
    // settled at sealing, and whether it still exists is answered by `schoolWaveResults`.
    const kept = confirmed ? keptSealedResults(waveId) : undefined;
    if (kept) {
      if (!kept.schools.has(schoolId)) throw new HttpProblem(404, 'dashboard.error.noResults');
      const { status, sealed, name } = kept.wave;
      return { schoolId, waveId, wave: { status, sealed, name } };
    }
    const found = await db
      .selectFrom('wave')
      .select((eb) => [
        'status',
        'sealed',
        'name',
        eb
          .exists(eb.selectFrom('wave_school').select('school_id').where('wave_id', '=', waveId).where('school_id', '=', schoolId))
          .as('participates'),
      ])
      .where('id', '=', waveId)
      .executeTakeFirst();
    if (!found || !found.participates || found.status === 'draft') throw new HttpProblem(404, 'dashboard.error.noResults');
    const { participates: _, ...wave } = found;
    return { schoolId, waveId, wave };
  }

  /**
   * A sealed wave's page, file or data for one school: the same 404 and 409 for every output, and
   * the view audited (`action`) before anything of it is made.
   */
  async function sealedModel(
    request: FastifyRequest,
    params: Static<typeof SchoolWaveParams>,
    action?: (typeof AUDIT_ACTIONS)[number],
    confirmed = true,
  ) {
    const found = await model(request, params, confirmed);
    if (!isSealed(found.wave)) throw new HttpProblem(409, 'dashboard.openWave');
    if (action) await audit(db, request.user!.id, action, `school:${found.schoolId}:wave:${found.waveId}`);
    return found;
  }

  /**
   * A sealed wave's view-model with its actions (issue 19): this wave's plan, and the actions of the
   * school's earlier waves in its trend, each beside the view-model's own trend texts.
   */
  async function withActions<R = { view: DashboardView; actions: ActionsOnDashboard }>(
    request: FastifyRequest,
    schoolId: string,
    waveId: string,
    use: (made: { view: DashboardView; actions: ActionsOnDashboard }) => R | Promise<R> = (made) => made as R,
  ): Promise<R> {
    const t = translator(request.lang);
    // The action plan of the school's trend waves is read with the results (one wait, then the page),
    // and the page is made in the same turn as its numbers (server/platform/turns.ts).
    return schoolWaveResultsWith(
      db,
      waveId,
      schoolId,
      (waves) => listActions(db, schoolId, waves),
      ({ data, alongside: items }) => {
        const view = dashboardView(data, request.lang, t);
        return use({ view, actions: actionsOnDashboard(data, view, items, request.lang, t) });
      },
    );
  }

  app.get(
    '/schools/:schoolId/waves/:waveId',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, querystring: WavePageQuery } },
    async (request, reply) => {
      const { schoolId, waveId, wave } = await model(request, request.params, true);
      if (!isSealed(wave)) {
        const school = await db.selectFrom('school').select('name').where('id', '=', schoolId).executeTakeFirstOrThrow();
        const notice = request.query.done ? translator(request.lang)(`participation.done.${request.query.done}`) : null;
        return openWavePage(request, reply, db, { schoolId, schoolName: school.name, waveId }, { notice });
      }
      // Audited while the page is made (the audit's commit waits for the disk), served once both are
      // done. The page is rendered as soon as its model is made, so what waits for the audit is its
      // bytes, not the model: under fifty at once, models waiting outlived young-generation collections.
      const [, page] = await Promise.all([
        audit(db, request.user!.id, 'dashboard.view', `school:${schoolId}:wave:${waveId}`),
        withActions(request, schoolId, waveId, ({ view, actions }) =>
          reply.page('dashboard', {
            view,
            actions,
            wide: true,
            title: `${view.schoolName} · ${view.waveName}`,
            styles: ['/static/dashboard.css', '/static/actions.css'],
            scripts: ['/vendor/chart.js/chart.umd.js', '/static/dashboard.js'],
          }),
        ),
      ]);
      return page;
    },
  );

  app.get(
    '/schools/:schoolId/waves/:waveId/report',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, querystring: LangQuery } },
    async (request, reply) => {
      const { schoolId, waveId } = await sealedModel(request, request.params, 'report.view');
      const styles = [
        '/static/dashboard.css',
        '/static/actions.css',
        '/static/report.css',
        `/schools/${schoolId}/waves/${waveId}/report-page.css`,
      ];
      return withActions(request, schoolId, waveId, ({ view, actions }) =>
        reply.page('report', {
          view,
          actions,
          wide: true,
          title: `${view.schoolName} · ${view.waveName}`,
          styles,
          scripts: ['/vendor/chart.js/chart.umd.js', '/static/dashboard.js'],
        }),
      );
    },
  );

  /** The printed report's running header: school and wave on every page (server/dashboards/report-page.ts). */
  app.get(
    '/schools/:schoolId/waves/:waveId/report-page.css',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, querystring: LangQuery } },
    async (request, reply) => {
      const { schoolId, waveId, wave } = await sealedModel(request, request.params, undefined, false);
      const school = (await loadWaveResults(db, waveId)).schools.get(schoolId)!;
      reply.type('text/css; charset=utf-8');
      return reportPageCss(school.name, wave.name);
    },
  );

  /** The report as slides for the LOC (issue 17): same access, same sealed-only rule, same view-model. */
  app.get(
    '/schools/:schoolId/waves/:waveId/slides.pptx',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, querystring: LangQuery } },
    async (request, reply) => {
      const { schoolId, waveId } = await sealedModel(request, request.params, 'slides.download');
      const { view, actions } = await withActions(request, schoolId, waveId);
      const file = await slidesFor(view, request.lang, translator(request.lang), actions);
      return sendDeck(reply, file, slidesFilename(view));
    },
  );

  app.get(
    '/api/schools/:schoolId/waves/:waveId',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, querystring: LangQuery, response: { 200: DashboardJson } } },
    async (request) => {
      const { schoolId, waveId } = await sealedModel(request, request.params);
      const view = dashboardView(await schoolWaveResults(db, waveId, schoolId), request.lang, translator(request.lang));
      const { chartJson, ...rest } = view;
      return { ...rest, chart: JSON.parse(chartJson) };
    },
  );
};

export default dashboardRoutes;
