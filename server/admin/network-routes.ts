import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { networkResults } from './network-view.ts';
import { networkView } from './network-page.ts';
import { translator } from '../platform/i18n.ts';
import { audit } from '../platform/audit-log.ts';
import { LangField, WaveParams } from '../platform/http-schemas.ts';

const Query = Type.Object(
  { page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })), lang: LangField },
  { additionalProperties: false },
);

/** The network-wide picture of a sealed wave, for COnneCt staff (issue: admin console, network view). */
const networkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/admin/waves/:waveId/network',
    { config: { access: ['admin'] }, schema: { params: WaveParams, querystring: Query } },
    async (request, reply) => {
      const { waveId } = request.params;
      const { page = 1 } = request.query;
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
    },
  );
};

export default networkRoutes;
