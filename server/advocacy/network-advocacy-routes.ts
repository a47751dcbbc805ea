import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { networkAdvocacy, sealedWaves, type SealedWave } from './network-advocacy.ts';
import { ADVOCACY_COLUMNS, advocacyRows, advocacyView } from './network-advocacy-view.ts';
import { csvText } from '../research/csv.ts';
import { DialectQuery, LangField, LangQuery, Uuid, WaveParams } from '../platform/http-schemas.ts';
import { ADMIN, tOf } from '../admin/routes/common.ts';
import { audit } from '../platform/audit-log.ts';

const PickQuery = Type.Object({ wave: Type.Optional(Uuid), lang: LangField }, { additionalProperties: false });

async function advocacyPage(request: FastifyRequest, reply: FastifyReply, waveId: string, waves: readonly SealedWave[]) {
  const db = request.server.store.db;
  const data = await networkAdvocacy(db, waveId);
  // Audited like the network view: only once the wave is known to be sealed (an unknown one is a 404).
  await audit(db, request.user!.id, 'advocacy.view', `wave:${waveId}`);
  return reply.page('admin/advocacy', {
    view: advocacyView(data, waves, request.lang, tOf(request)),
    csvHref: `/admin/advocacy/${waveId}/csv`,
  });
}

/**
 * The network's advocacy view (issue 19): per sealed wave, what reps agreed and how themes moved;
 * admins only. The wave is in the path, so the language switch (which keeps the path, not the
 * query) stays on it; the picker's GET form lands on `/admin/advocacy?wave=…` and is sent there.
 */
const networkAdvocacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  app.get('/admin/advocacy', { config: ADMIN, schema: { querystring: PickQuery } }, async (request, reply) => {
    const { wave, lang } = request.query;
    if (wave) return reply.redirect(`/admin/advocacy/${wave}${lang ? `?lang=${lang}` : ''}`, 303);
    const waves = await sealedWaves(db);
    // The latest sealed wave, or a page that says there is none yet.
    return waves.length ? advocacyPage(request, reply, waves[0]!.id, waves) : reply.page('admin/advocacy', { view: null, csvHref: null });
  });

  app.get('/admin/advocacy/:waveId', { config: ADMIN, schema: { params: WaveParams, querystring: LangQuery } }, async (request, reply) => {
    return advocacyPage(request, reply, request.params.waveId, await sealedWaves(db));
  });

  app.get(
    '/admin/advocacy/:waveId/csv',
    { config: ADMIN, schema: { params: WaveParams, querystring: DialectQuery } },
    async (request, reply) => {
      const data = await networkAdvocacy(db, request.params.waveId);
      await audit(db, request.user!.id, 'advocacy.download', `wave:${request.params.waveId}`);
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${tOf(request)('advocacy.file')}.csv"`);
      // One row per theme: small enough to write whole. Excel's Belgian dialect by default, as the audit log's file.
      return csvText(ADVOCACY_COLUMNS, advocacyRows(data, request.lang), request.query.dialect ?? 'excel-nl');
    },
  );
};

export default networkAdvocacyRoutes;
