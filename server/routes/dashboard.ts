import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { schoolOverviews } from '../results/overview.ts';
import { schoolWaveResults } from '../results/school-view.ts';
import { dashboardView } from '../views/dashboard.ts';
import { overviewView } from '../views/overview.ts';
import { translator } from '../i18n.ts';
import { audit } from '../audit.ts';

const Uuid = Type.String({ format: 'uuid' });
const SchoolParams = Type.Object({ schoolId: Uuid }, { additionalProperties: false });
const WaveParams = Type.Object({ schoolId: Uuid, waveId: Uuid }, { additionalProperties: false });
const LangQuery = Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('nl'), Type.Literal('en')])) }, { additionalProperties: false });

const REPS_AND_ADMINS = { access: ['rep', 'admin'] } as const;

function forbidden(): Error {
  return Object.assign(new Error('You do not have access to this school.'), { statusCode: 403 });
}

/** A rep sees only the schools assigned to them; an id typed into the URL changes nothing. */
function assertSchool(request: FastifyRequest, schoolId: string): void {
  const user = request.user!;
  if (user.role === 'admin') return;
  if (user.role !== 'rep' || !user.schoolIds.includes(schoolId)) throw forbidden();
}

export default async function dashboardRoutes(app: FastifyInstance) {
  const db = app.store.db;

  app.get('/home', { config: { access: ['rep', 'admin', 'researcher'] }, schema: { querystring: LangQuery } }, async (request, reply) => {
    const user = request.user!;
    if (user.role === 'researcher') return reply.redirect('/research', 303);
    const ids =
      user.role === 'rep'
        ? user.schoolIds
        : (await db.selectFrom('school').select('id').where('active', '=', true).orderBy('name').execute()).map((s) => s.id);
    const view = overviewView(await schoolOverviews(db, ids), request.lang, translator(request.lang));
    return reply.page('staff-home', { view, wide: true });
  });

  app.get('/schools/:schoolId', { config: REPS_AND_ADMINS, schema: { params: SchoolParams, querystring: LangQuery } }, async (request, reply) => {
    const { schoolId } = request.params as Static<typeof SchoolParams>;
    assertSchool(request, schoolId);
    const [school] = await schoolOverviews(db, [schoolId]);
    if (!school) throw Object.assign(new Error('School not found.'), { statusCode: 404 });
    const view = overviewView([school], request.lang, translator(request.lang));
    return reply.page('school', { school: view.schools[0], wide: true });
  });

  /** Dashboard, printable report and JSON share one model, so they can never disagree. */
  async function model(request: FastifyRequest) {
    const { schoolId, waveId } = request.params as Static<typeof WaveParams>;
    assertSchool(request, schoolId);
    const wave = await db.selectFrom('wave').select(['status', 'sealed', 'name']).where('id', '=', waveId).executeTakeFirst();
    const participates = await db.selectFrom('wave_school').select('school_id').where('wave_id', '=', waveId).where('school_id', '=', schoolId).executeTakeFirst();
    if (!wave || !participates || wave.status === 'draft') throw Object.assign(new Error('This wave has no results for this school.'), { statusCode: 404 });
    return { schoolId, waveId, wave };
  }

  app.get('/schools/:schoolId/waves/:waveId', { config: REPS_AND_ADMINS, schema: { params: WaveParams, querystring: LangQuery } }, async (request, reply) => {
    const { schoolId, waveId, wave } = await model(request);
    if (!(wave.status === 'closed' && wave.sealed)) {
      const [school] = await schoolOverviews(db, [schoolId]);
      const line = school!.waves.find((w) => w.waveId === waveId)!;
      return reply.page('open-wave', { schoolName: school!.name, waveName: wave.name, count: line.runningCount ?? 0, schoolId });
    }
    await audit(db, request.user!.id, 'dashboard.view', `school:${schoolId}:wave:${waveId}`);
    const view = dashboardView(await schoolWaveResults(db, waveId, schoolId), request.lang, translator(request.lang));
    return reply.page('dashboard', { view, wide: true, title: `${view.schoolName} · ${view.waveName}`, styles: ['/static/dashboard.css'], scripts: ['/vendor/chart.js/chart.umd.js', '/static/dashboard.js'] });
  });

  app.get('/schools/:schoolId/waves/:waveId/report', { config: REPS_AND_ADMINS, schema: { params: WaveParams, querystring: LangQuery } }, async (request, reply) => {
    const { schoolId, waveId, wave } = await model(request);
    if (!(wave.status === 'closed' && wave.sealed)) throw Object.assign(new Error(translator(request.lang)('dashboard.openWave')), { statusCode: 409 });
    await audit(db, request.user!.id, 'report.view', `school:${schoolId}:wave:${waveId}`);
    const view = dashboardView(await schoolWaveResults(db, waveId, schoolId), request.lang, translator(request.lang));
    return reply.page('report', { view, wide: true, title: `${view.schoolName} · ${view.waveName}`, styles: ['/static/dashboard.css', '/static/report.css'], scripts: ['/vendor/chart.js/chart.umd.js', '/static/dashboard.js'] });
  });

  app.get('/api/schools/:schoolId/waves/:waveId', { config: REPS_AND_ADMINS, schema: { params: WaveParams, querystring: LangQuery } }, async (request) => {
    const { schoolId, waveId, wave } = await model(request);
    if (!(wave.status === 'closed' && wave.sealed)) throw Object.assign(new Error('Results appear when the wave closes.'), { statusCode: 409 });
    const view = dashboardView(await schoolWaveResults(db, waveId, schoolId), request.lang, translator(request.lang));
    const { chartJson, ...rest } = view;
    return { ...rest, chart: JSON.parse(chartJson) };
  });
}
