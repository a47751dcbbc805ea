import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { participation, setCodesHandedOut } from './participation.ts';
import { WaveError } from '../waves.ts';
import { HttpProblem, type Problem } from '../platform/problems.ts';
import { Csrf, SchoolWaveParams } from '../platform/http-schemas.ts';
import { actorOf, date, noProblems, problemsView, tOf } from '../admin/routes/common.ts';
import { assertSchool, REPS_AND_ADMINS } from '../staff/school-access.ts';

const HandedOutBody = Type.Object({ handedOut: Type.String({ maxLength: 20 }), _csrf: Csrf }, { additionalProperties: false });

/**
 * A school's page of a wave that runs (issue 17): counts only — responses so far, slips printed and
 * handed out, the rate against the wave's target — and where the rep or admin enters how many
 * slips were handed out. Nothing else is shown before sealing (R1, R4).
 */
export async function openWavePage(
  request: FastifyRequest,
  reply: FastifyReply,
  db: Kysely<Database>,
  ids: { schoolId: string; schoolName: string; waveId: string },
  options: { problems?: Problem[]; typed?: string; notice?: string | null } = {},
) {
  const p = await participation(db, ids.waveId, ids.schoolId);
  if (!p) throw new HttpProblem(404, 'dashboard.error.noResults');
  const t = tOf(request);
  const codes = p.codesHandedOut ?? p.codesIssued;
  const rate = codes > 0 ? Math.round((100 * p.responses) / codes) : null;
  const model = {
    ...ids,
    waveName: p.waveName,
    open: p.status === 'open',
    count: p.responses,
    issued: p.codesIssued,
    handedOut: p.codesHandedOut,
    rate,
    target: p.responseTarget,
    belowTarget: rate !== null && rate < p.responseTarget,
    plannedClose: p.plannedClose ? date(request.lang, new Date(`${p.plannedClose}T12:00:00Z`)) : null,
    typed: options.typed ?? (p.codesHandedOut === null ? '' : String(p.codesHandedOut)),
    notice: options.notice ?? null,
    problems: options.problems?.length ? problemsView(t, options.problems, { handedOut: t('participation.field.handedOut') }) : noProblems,
  };
  if (options.problems?.length) reply.status(422);
  return reply.page('open-wave', model);
}

const participationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  app.post(
    '/schools/:schoolId/waves/:waveId/handed-out',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, body: HandedOutBody } },
    async (request, reply) => {
      const { schoolId, waveId } = request.params;
      assertSchool(request, schoolId);
      const checked = await setCodesHandedOut(db, waveId, schoolId, request.body.handedOut, actorOf(request)).catch((err: unknown) => {
        if (err instanceof WaveError)
          throw new HttpProblem(
            err.reason === 'not-found' ? 404 : 409,
            err.reason === 'not-found' ? 'dashboard.error.noResults' : 'participation.error.closed',
          );
        throw err;
      });
      if (!checked.ok) {
        const school = await db.selectFrom('school').select('name').where('id', '=', schoolId).executeTakeFirstOrThrow();
        return openWavePage(
          request,
          reply,
          db,
          { schoolId, schoolName: school.name, waveId },
          { problems: checked.problems, typed: request.body.handedOut },
        );
      }
      return reply.redirect(`/schools/${schoolId}/waves/${waveId}?done=handedOut`, 303);
    },
  );
};

export default participationRoutes;
