import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { loadWaveResults } from '../results/wave-results.ts';
import { audit } from '../platform/audit-log.ts';
import { translator } from '../platform/i18n.ts';
import { HttpProblem } from '../platform/problems.ts';
import { DialectQuery, LangQuery, WaveParams } from '../platform/http-schemas.ts';
import { findSealedWave } from './catalogue.ts';
import type { Dialect } from './csv.ts';
import { attachment, slug } from './download.ts';
import { driverReport } from './drivers.ts';
import { driversCsv } from './drivers-csv.ts';
import { driversView } from './drivers-view.ts';
import { textStream } from './zip.ts';

const ACCESS = { access: ['researcher', 'admin'] } as const;

/**
 * "What matters most for staying" (issue 20): the key-driver analysis of a sealed wave, a page and
 * `drivers.csv`, for researchers and admins. Like every research route, an open, draft or unknown
 * wave is the same 404. A questionnaire without outcome items has a page that says so and a
 * `drivers.csv` of only its header (no analysis, so no rows).
 */
const driverRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  const load = async (waveId: string) => {
    const wave = await findSealedWave(db, waveId);
    if (!wave) throw new HttpProblem(404, 'research.notFound');
    const results = await loadWaveResults(db, waveId);
    return { wave, results, report: await driverReport(db, results) };
  };

  app.get(
    '/research/waves/:waveId/drivers',
    { config: ACCESS, schema: { params: WaveParams, querystring: LangQuery } },
    async (request, reply) => {
      const { results, report } = await load(request.params.waveId);
      const t = translator(request.lang);
      const view = driversView(results, report, request.lang, t);
      return reply.page('research/drivers', {
        title: t('drivers.title', { wave: view.waveName }),
        view,
        styles: ['/static/research.css', '/static/drivers.css'],
        scripts: ['/vendor/chart.js/chart.umd.js', '/static/drivers.js'],
      });
    },
  );

  app.get(
    '/research/waves/:waveId/drivers.csv',
    { config: ACCESS, schema: { params: WaveParams, querystring: DialectQuery } },
    async (request, reply) => {
      const { waveId } = request.params;
      const dialect: Dialect = request.query.dialect ?? 'standard';
      const wave = await findSealedWave(db, waveId);
      if (!wave) throw new HttpProblem(404, 'research.notFound');
      const results = await loadWaveResults(db, waveId);
      const download = () =>
        attachment(
          reply,
          `schoolpols-${slug(wave.name)}${dialect === 'excel-nl' ? '-excel-nl' : ''}-drivers.csv`,
          'text/csv; charset=utf-8; header=present',
        );
      // HEAD: the headers only, without computing the analysis.
      if (request.method === 'HEAD') {
        download();
        return reply.send();
      }
      const { report } = await load(waveId);
      await audit(db, request.user!.id, 'export.download', `wave:${waveId}:drivers.csv`);
      download();
      return reply.send(textStream(driversCsv(report, results.layout, results.wave.k, dialect)));
    },
  );
};

export default driverRoutes;
