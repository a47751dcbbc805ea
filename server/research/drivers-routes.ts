import { translator } from '../platform/i18n.ts';
import { driverReport } from './drivers.ts';
import { driversCsv } from './drivers-csv.ts';
import { driversView } from './drivers-view.ts';
import { waveReportRoutes } from './wave-report-routes.ts';

/**
 * "What matters most for staying" (issue 20): the key-driver analysis of a sealed wave, a page and
 * `drivers.csv`, for researchers and admins. A questionnaire without outcome items has a page that
 * says so and a `drivers.csv` of only its header (no analysis, so no rows).
 */
export default waveReportRoutes({
  name: 'drivers',
  report: driverReport,
  page: (request, results, report) => {
    const t = translator(request.lang);
    const view = driversView(results, report, request.lang, t);
    return {
      template: 'research/drivers',
      model: {
        title: t('drivers.title', { wave: view.waveName }),
        view,
        styles: ['/static/research.css', '/static/drivers.css'],
        scripts: ['/vendor/chart.js/chart.umd.js', '/static/drivers.js'],
      },
    };
  },
  csv: (results, report, dialect) => driversCsv(report, results.layout, results.wave.k, dialect),
});
