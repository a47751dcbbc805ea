import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ActionPlanError, listActions, planWave, type PlanWave } from './action-plans.ts';
import { schoolWaveResults } from '../dashboards/school-view.ts';
import { qrSvg } from '../admin/code-slips.ts';
import { liveSummary, publishSummary, revokeSummary, summaryByToken, summaryUrl } from './staff-summary.ts';
import { staffSummaryView } from './staff-summary-view.ts';
import { FailedCodeGuard } from '../teacher/teacher-guard.ts';
import { HttpProblem } from '../platform/problems.ts';
import { translator } from '../platform/i18n.ts';
import { Csrf, LangField, LangQuery, SchoolWaveParams } from '../platform/http-schemas.ts';
import { actorOf, dateTime, publicBase, tOf } from '../admin/routes/common.ts';
import { assertSchool, REPS_AND_ADMINS } from '../staff/school-access.ts';

/**
 * The staff summary of a sealed wave (issue 19). Staff (the school's reps and admins) publish,
 * re-publish and revoke it; the token of a new link is shown once, in the answer to the POST that
 * made it (never in a URL query, a redirect or the log). The public page `/s/:token` lives in the
 * public context (server/app.ts): no session, no cookie, and it is not indexed.
 */

const ManageBody = Type.Object(
  { action: Type.Union([Type.Literal('publish'), Type.Literal('revoke')]), lang: LangField, _csrf: Csrf },
  { additionalProperties: false },
);
const ManageQuery = Type.Object({ lang: LangField, done: Type.Optional(Type.Literal('revoked')) }, { additionalProperties: false });
const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) }, { additionalProperties: false });

/** The summary's content for a school's sealed wave: the dashboard's view-model and this wave's plan. */
async function summaryOf(request: FastifyRequest, w: Pick<PlanWave, 'schoolId' | 'waveId'>) {
  const db = request.server.store.db;
  const data = await schoolWaveResults(db, w.waveId, w.schoolId);
  return staffSummaryView(data, await listActions(db, w.schoolId, [w.waveId]), request.lang, translator(request.lang));
}

async function managePage(
  request: FastifyRequest,
  reply: FastifyReply,
  plan: PlanWave,
  state: { fresh?: { url: string; qr: string }; notice?: string | null },
) {
  const t = tOf(request);
  const live = await liveSummary(request.server.store.db, plan);
  const base = `/schools/${plan.schoolId}/waves/${plan.waveId}`;
  return reply.page('staff-summary-manage', {
    title: t('staffSummary.manageTitle', { school: plan.schoolName, wave: plan.waveName }),
    styles: ['/static/staff-summary.css'],
    schoolId: plan.schoolId,
    schoolName: plan.schoolName,
    waveName: plan.waveName,
    dashboardHref: base,
    actionsHref: `${base}/actions`,
    formAction: `${base}/summary`,
    live: live ? { publishedAt: dateTime(request.lang, live.publishedAt) } : null,
    fresh: state.fresh ?? null,
    notice: state.notice ?? null,
    summary: await summaryOf(request, plan),
  });
}

/** For the staff context: the manage page, publish and revoke. */
export const staffSummaryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  async function planFor(request: FastifyRequest, schoolId: string, waveId: string): Promise<PlanWave> {
    assertSchool(request, schoolId);
    return planWave(db, waveId, schoolId).catch(refusal);
  }

  app.get(
    '/schools/:schoolId/waves/:waveId/summary',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, querystring: ManageQuery } },
    async (request, reply) => {
      const plan = await planFor(request, request.params.schoolId, request.params.waveId);
      const notice = request.query.done ? tOf(request)(`staffSummary.done.${request.query.done}`) : null;
      return managePage(request, reply, plan, { notice });
    },
  );

  app.post(
    '/schools/:schoolId/waves/:waveId/summary',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, body: ManageBody } },
    async (request, reply) => {
      const plan = await planFor(request, request.params.schoolId, request.params.waveId);
      if (request.body.action === 'revoke') {
        await revokeSummary(db, plan, actorOf(request));
        return reply.redirect(`/schools/${plan.schoolId}/waves/${plan.waveId}/summary?done=revoked`, 303);
      }
      // The token exists in this answer and nowhere else: shown once, with its QR code.
      const { token } = await publishSummary(db, plan, actorOf(request));
      const url = summaryUrl(publicBase(request), token);
      return managePage(request, reply, plan, { fresh: { url, qr: await qrSvg(url) } });
    },
  );
};

/** For the public context: the summary itself, for whoever holds the link. */
export const publicSummaryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;
  // Failed tokens per client, in memory only, as for access codes (server/teacher/teacher-guard.ts).
  const guard = new FailedCodeGuard(10, 60_000);

  app.get(
    '/s/:token',
    { config: { access: 'public', csrf: false }, schema: { params: TokenParams, querystring: LangQuery } },
    async (request, reply) => {
      // Not for search engines, and nothing of the page (or its address) to a cache or another site.
      reply.header('x-robots-tag', 'noindex, nofollow').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      const t = translator(request.lang);
      if (guard.isBlocked(request.ip)) {
        reply.status(429);
        return reply.page('message', { title: t('error.requestTitle'), message: t('staffSummary.tooMany') });
      }
      const found = await summaryByToken(db, request.params.token);
      if (!found) {
        guard.recordFailure(request.ip);
        // Unknown, revoked or malformed: one and the same answer.
        reply.status(404);
        return reply.page('message', { title: t('error.notFoundTitle'), message: t('error.notFound') });
      }
      const url = summaryUrl(publicBase(request), request.params.token);
      const summary = await summaryOf(request, found);
      return reply.page('staff-summary', {
        title: t('staffSummary.pageTitle', { school: summary.schoolName, wave: summary.waveName }),
        summary,
        qr: await qrSvg(url),
        url,
      });
    },
  );
};

/** An unknown wave or school is not found; an open wave has no summary yet. */
function refusal(err: unknown): never {
  if (err instanceof ActionPlanError) {
    if (err.reason === 'not-sealed') throw new HttpProblem(409, 'staffSummary.notSealed');
    throw new HttpProblem(404, 'dashboard.error.noResults');
  }
  throw err;
}
