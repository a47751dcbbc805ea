import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { networkResults } from '../results/network-view.ts';
import { networkView } from '../views/network.ts';
import { translator } from '../i18n.ts';
import { audit } from '../audit.ts';

const Params = Type.Object({ waveId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const Query = Type.Object(
  { page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })), lang: Type.Optional(Type.Union([Type.Literal('nl'), Type.Literal('en')])) },
  { additionalProperties: false },
);

/** The network-wide picture of a sealed wave, for COnneCt staff (issue: admin console, network view). */
export default async function networkRoutes(app: FastifyInstance) {
  app.get('/admin/waves/:waveId/network', { config: { access: ['admin'] }, schema: { params: Params, querystring: Query } }, async (request, reply) => {
    const { waveId } = request.params as Static<typeof Params>;
    const { page = 1 } = request.query as Static<typeof Query>;
    const data = await networkResults(app.store.db, waveId);
    await audit(app.store.db, request.user!.id, 'network.view', `wave:${waveId}`);
    const view = networkView(data, request.lang, translator(request.lang), page);
    return reply.page('network', {
      view,
      wide: true,
      title: view.waveName,
      styles: ['/static/dashboard.css'],
      scripts: ['/vendor/chart.js/chart.umd.js', '/static/network.js'],
    });
  });
}
