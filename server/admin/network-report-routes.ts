import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { translator } from '../platform/i18n.ts';
import { audit } from '../platform/audit-log.ts';
import { LangQuery, WaveParams } from '../platform/http-schemas.ts';
import { HttpProblem } from '../platform/problems.ts';
import { isSealed } from '../waves.ts';
import { loadWaveResults } from '../results/wave-results.ts';
import { reportPageCss } from '../dashboards/report-page.ts';
import { networkReport } from './network-report.ts';
import { networkSlides, networkSlidesFilename } from './network-slides.ts';
import { sendDeck } from '../dashboards/slides.ts';

/** The printable network report of a sealed wave (issue 20), for COnneCt staff, with its running header. */
const networkReportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;
  app.get(
    '/admin/waves/:waveId/network/report',
    { config: { access: ['admin'] }, schema: { params: WaveParams, querystring: LangQuery } },
    async (request, reply) => {
      const { waveId } = request.params;
      const t = translator(request.lang);
      const view = await networkReport(db, waveId, request.lang, t);
      await audit(db, request.user!.id, 'network.view', `wave:${waveId}:report`);
      return reply.page('admin/network-report', {
        view,
        wide: true,
        title: t('networkReport.title', { wave: view.waveName }),
        styles: ['/static/report.css', '/static/network-report.css', `/admin/waves/${waveId}/network/report-page.css?lang=${request.lang}`],
      });
    },
  );

  /** The same report as slides (.pptx), in the request's language: same access, same view-model, audited as a download. */
  app.get(
    '/admin/waves/:waveId/network/slides.pptx',
    { config: { access: ['admin'] }, schema: { params: WaveParams, querystring: LangQuery } },
    async (request, reply) => {
      const { waveId } = request.params;
      const t = translator(request.lang);
      const view = await networkReport(db, waveId, request.lang, t);
      await audit(db, request.user!.id, 'network.slides', `wave:${waveId}:slides.pptx`);
      const file = await networkSlides(view, request.lang, t);
      return sendDeck(reply, file, networkSlidesFilename(view, t));
    },
  );

  app.get(
    '/admin/waves/:waveId/network/report-page.css',
    { config: { access: ['admin'] }, schema: { params: WaveParams, querystring: LangQuery } },
    async (request, reply) => {
      const results = await loadWaveResults(db, request.params.waveId);
      if (!isSealed(results.wave)) throw new HttpProblem(409, 'network.notSealed');
      reply.type('text/css; charset=utf-8');
      return reportPageCss(translator(request.lang)('networkReport.header'), results.wave.name);
    },
  );
};

export default networkReportRoutes;
