import type { FastifyInstance } from 'fastify';
import { acceptMultipart } from '../../upload.ts';
import { ADMIN, NoQuery } from './common.ts';
import schoolRoutes from './schools.ts';
import questionnaireRoutes from './questionnaires.ts';
import waveRoutes from './waves.ts';
import userRoutes from './users.ts';
import auditRoutes from './audit.ts';

/** The admin console (`/admin/...`): COnneCt staff only. */
export default async function adminRoutes(app: FastifyInstance) {
  // File uploads (school CSV, questionnaire JSON) reach only admin routes.
  acceptMultipart(app);

  app.get('/admin', { config: ADMIN, schema: { querystring: NoQuery } }, async (_request, reply) => {
    const db = app.store.db;
    const count = async (table: 'school' | 'questionnaire' | 'wave' | 'app_user') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const byStatus = await db.selectFrom('wave').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    const waves = { draft: 0, open: 0, closed: 0 };
    for (const r of byStatus) waves[r.status] = Number(r.n);
    return reply.page('admin/home', {
      counts: { schools: await count('school'), questionnaires: await count('questionnaire'), waves: await count('wave'), users: await count('app_user') },
      waves,
    });
  });

  await app.register(schoolRoutes);
  await app.register(questionnaireRoutes);
  await app.register(waveRoutes);
  await app.register(userRoutes);
  await app.register(auditRoutes);
}
