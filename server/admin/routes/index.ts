import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DemoRemovalError, removeDemo } from '../../demo/demo-removal.ts';
import { Csrf } from '../../platform/http-schemas.ts';
import { ADMIN, actorOf, Notice, tOf } from './common.ts';
import schoolRoutes from './schools.ts';
import questionnaireRoutes from './questionnaires.ts';
import waveRoutes from './waves.ts';
import userRoutes from './users.ts';
import auditRoutes from './audit.ts';
import moderationRoutes from './moderation.ts';
import { adminHome } from './home.ts';
import { forgetCachedResults } from '../../results/wave-results.ts';

const HomeQuery = Notice(['demoRemoved']);
const DemoBody = Type.Object({ confirm: Type.Optional(Type.String({ maxLength: 10 })), _csrf: Csrf }, { additionalProperties: false });

/** The admin console (`/admin/...`): COnneCt staff only. */
const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const home = adminHome;

  app.get('/admin', { config: ADMIN, schema: { querystring: HomeQuery } }, async (request, reply) => {
    const { done } = request.query;
    return home(request, reply, done ? { notice: tOf(request)('demoNetwork.done') } : {});
  });

  // The labelled demo network (README password) out of a store that is going to hold real data.
  app.post('/admin/demo/remove', { config: ADMIN, schema: { body: DemoBody } }, async (request, reply) => {
    const t = tOf(request);
    if (request.body.confirm !== 'yes') return home(request, reply, { error: t('demoNetwork.error.confirm'), status: 422 });
    try {
      await removeDemo(app.store.db, actorOf(request));
    } catch (err) {
      if (!(err instanceof DemoRemovalError)) throw err;
      return home(request, reply, { error: t(`demoNetwork.error.${err.reason}`, err.params), status: 409 });
    }
    app.demoNetwork.active = false;
    // The demo's sealed waves are gone: nothing of them may be served from memory.
    forgetCachedResults();
    return reply.redirect('/admin?done=demoRemoved', 303);
  });

  await app.register(schoolRoutes);
  await app.register(questionnaireRoutes);
  await app.register(waveRoutes);
  await app.register(userRoutes);
  await app.register(auditRoutes);
  await app.register(moderationRoutes);
};

export default adminRoutes;
