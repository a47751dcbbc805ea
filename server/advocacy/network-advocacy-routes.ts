import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { networkAdvocacy, sealedWaves } from './network-advocacy.ts';
import { ADVOCACY_COLUMNS, advocacyRows, advocacyView } from './network-advocacy-view.ts';
import { csvText } from '../research/csv.ts';
import { HttpProblem } from '../platform/problems.ts';
import { DialectQuery, LangField, Uuid } from '../platform/http-schemas.ts';
import { tOf } from '../admin/routes/common.ts';

const PageQuery = Type.Object({ wave: Type.Optional(Uuid), lang: LangField }, { additionalProperties: false });
const CsvQuery = Type.Object({ wave: Type.Optional(Uuid), ...DialectQuery.properties }, { additionalProperties: false });
const ADMIN_ONLY = { access: ['admin'] as const };

/** The network's advocacy view (issue 19): per sealed wave, what reps agreed and how themes moved; admins only. */
const networkAdvocacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  /** The wave asked for, or the latest sealed one; null when none is sealed yet. */
  async function chosen(wave: string | undefined) {
    const waves = await sealedWaves(db);
    const id = wave ?? waves[0]?.id;
    return { waves, data: id ? await networkAdvocacy(db, id) : null };
  }

  app.get('/admin/advocacy', { config: ADMIN_ONLY, schema: { querystring: PageQuery } }, async (request, reply) => {
    const { waves, data } = await chosen(request.query.wave);
    const t = tOf(request);
    return reply.page('admin/advocacy', {
      view: data && advocacyView(data, waves, request.lang, t),
      csvHref: data ? `/admin/advocacy.csv?wave=${data.wave.id}&lang=${request.lang}` : null,
    });
  });

  app.get('/admin/advocacy.csv', { config: ADMIN_ONLY, schema: { querystring: CsvQuery } }, async (request, reply) => {
    const { data } = await chosen(request.query.wave);
    if (!data) throw new HttpProblem(404, 'advocacy.error.noWave');
    const rows = advocacyRows(data, request.lang);
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${tOf(request)('advocacy.file')}.csv"`);
    // One row per theme: small enough to write whole. Excel's Belgian dialect by default, as the audit log's file.
    return csvText(ADVOCACY_COLUMNS, rows, request.query.dialect ?? 'excel-nl');
  });
};

export default networkAdvocacyRoutes;
