import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { loadWaveResults } from '../results/wave-results.ts';
import { audit } from '../platform/audit-log.ts';
import { translator } from '../platform/i18n.ts';
import { HttpProblem } from '../platform/problems.ts';
import { DialectQuery, LangQuery, WaveParams } from '../platform/http-schemas.ts';
import { findSealedWave } from './catalogue.ts';
import type { Dialect } from './csv.ts';
import { attachment, slug } from './download.ts';
import { qualityReport } from './quality.ts';
import { qualityCsv } from './quality-csv.ts';
import { qualityView } from './quality-view.ts';
import { textStream } from './zip.ts';

const ACCESS = { access: ['researcher', 'admin'] } as const;

/**
 * The instrument quality report of a sealed wave (issue 20): a page and `quality.csv`, for
 * researchers and admins (the admin's wave page links here). Like every research route, an open,
 * draft or unknown wave is the same 404.
 */
const qualityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  const load = async (waveId: string) => {
    const wave = await findSealedWave(db, waveId);
    if (!wave) throw new HttpProblem(404, 'research.notFound');
    const results = await loadWaveResults(db, waveId);
    return { wave, results, report: await qualityReport(db, results) };
  };

  app.get(
    '/research/waves/:waveId/quality',
    { config: ACCESS, schema: { params: WaveParams, querystring: LangQuery } },
    async (request, reply) => {
      const { results, report } = await load(request.params.waveId);
      const t = translator(request.lang);
      const view = qualityView(results, report, request.lang, t);
      return reply.page('research/quality', { title: t('quality.title', { wave: view.waveName }), view, styles: ['/static/research.css'] });
    },
  );

  app.get(
    '/research/waves/:waveId/quality.csv',
    { config: ACCESS, schema: { params: WaveParams, querystring: DialectQuery } },
    async (request, reply) => {
      const { waveId } = request.params;
      const dialect: Dialect = request.query.dialect ?? 'standard';
      const wave = await findSealedWave(db, waveId);
      if (!wave) throw new HttpProblem(404, 'research.notFound');
      const download = () =>
        attachment(
          reply,
          `schoolpols-${slug(wave.name)}${dialect === 'excel-nl' ? '-excel-nl' : ''}-quality.csv`,
          'text/csv; charset=utf-8; header=present',
        );
      // HEAD: the headers only, without computing the report.
      if (request.method === 'HEAD') {
        download();
        return reply.send();
      }
      const { results, report } = await load(waveId);
      await audit(db, request.user!.id, 'export.download', `wave:${waveId}:quality.csv`);
      download();
      return reply.send(textStream(qualityCsv(waveId, results.layout, report, dialect)));
    },
  );
};

export default qualityRoutes;
