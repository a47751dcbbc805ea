import { translator } from '../platform/i18n.ts';
import { qualityReport } from './quality.ts';
import { qualityCsv } from './quality-csv.ts';
import { qualityView } from './quality-view.ts';
import { waveReportRoutes } from './wave-report-routes.ts';

/**
 * The instrument quality report of a sealed wave (issue 20): a page and `quality.csv`, for
 * researchers and admins (the admin's wave page links here).
 */
export default waveReportRoutes({
  name: 'quality',
  report: qualityReport,
  page: (request, results, report) => {
    const t = translator(request.lang);
    const view = qualityView(results, report, request.lang, t);
    return {
      template: 'research/quality',
      model: { title: t('quality.title', { wave: view.waveName }), view, styles: ['/static/research.css'] },
    };
  },
  csv: (results, report, dialect) => qualityCsv(results.wave.id, results.layout, report, dialect),
});
