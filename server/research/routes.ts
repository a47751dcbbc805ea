import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { loadWaveResults } from '../results/wave-results.ts';
import { audit } from '../platform/audit-log.ts';
import { translator } from '../platform/i18n.ts';
import { getQuestionnaire } from '../questionnaires.ts';
import { findSealedWave, sealedWavesOfKey, sealedWaves, type SealedWave } from './catalogue.ts';
import type { Dialect } from './csv.ts';
import { dataPackageJson } from './datapackage.ts';
import { loadTrends, trendsCsv } from './trends.ts';
import { CSV_FILES, waveCsv, type CsvFile } from './wave-export.ts';
import { textStream, waveZip } from './zip.ts';
import { HttpProblem } from '../platform/problems.ts';
import { DialectQuery, LangQuery, WaveParams } from '../platform/http-schemas.ts';
import { attachment, slug } from './download.ts';
import qualityRoutes from './quality-routes.ts';
import driverRoutes from './drivers-routes.ts';
import { driverReport } from './drivers.ts';

const ACCESS = { access: ['researcher', 'admin'] } as const;

const KeyParams = Type.Object({ key: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$' }) }, { additionalProperties: false });

export const WAVE_DOWNLOADS = [...CSV_FILES, 'datapackage.json', 'export.zip', 'priorities.csv'] as const;
export type WaveDownload = (typeof WAVE_DOWNLOADS)[number];

const CONTENT_TYPES: Record<WaveDownload, string> = {
  'themes.csv': 'text/csv; charset=utf-8; header=present',
  'items.csv': 'text/csv; charset=utf-8; header=present',
  'codebook.csv': 'text/csv; charset=utf-8; header=present',
  'priorities.csv': 'text/csv; charset=utf-8; header=present',
  'datapackage.json': 'application/json; charset=utf-8',
  'export.zip': 'application/zip',
};

/**
 * Researcher pages and aggregate exports (`/research/...`, issue 7), for researchers and admins.
 * Only sealed waves exist here: an open or draft wave's id gives the same 404 as an unknown id, so
 * a researcher cannot even tell that it exists (R4; researchers never see open waves).
 */
const researchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;
  const notFound = () => new HttpProblem(404, 'research.notFound');
  await app.register(qualityRoutes);
  await app.register(driverRoutes);

  app.get('/research', { config: ACCESS, schema: { querystring: LangQuery } }, async (request, reply) => {
    const t = translator(request.lang);
    const waves = await sealedWaves(db);
    const questionnaires = new Map<
      string,
      { key: string; title: string; waves: Array<SealedWave & { priority: boolean; drivers: boolean }> }
    >();
    for (const w of waves) {
      const q = await getQuestionnaire(db, w.questionnaireId);
      const entry = questionnaires.get(w.questionnaireKey) ?? { key: w.questionnaireKey, title: q.title[request.lang], waves: [] };
      entry.waves.push({ ...w, priority: !!q.priority, drivers: !!q.outcomes?.length });
      questionnaires.set(w.questionnaireKey, entry);
    }
    return reply.page('research/index', {
      title: t('research.title'),
      questionnaires: [...questionnaires.values()].map((l) => ({
        ...l,
        waves: l.waves.map((w) => ({
          id: w.id,
          name: w.name,
          version: w.questionnaireVersion,
          schools: w.schools,
          k: w.k,
          base: `/research/waves/${w.id}`,
          drivers: w.drivers,
          files: w.priority ? WAVE_DOWNLOADS : WAVE_DOWNLOADS.filter((f) => f !== 'priorities.csv'),
        })),
        trends: `/research/questionnaires/${encodeURIComponent(l.key)}/trends.csv`,
      })),
      files: WAVE_DOWNLOADS,
      styles: ['/static/research.css'],
    });
  });

  for (const file of WAVE_DOWNLOADS) {
    app.get(
      `/research/waves/:waveId/${file}`,
      { config: ACCESS, schema: { params: WaveParams, querystring: DialectQuery } },
      async (request, reply) => {
        const { waveId } = request.params;
        const dialect: Dialect = request.query.dialect ?? 'standard';
        const wave = await findSealedWave(db, waveId);
        if (!wave) throw notFound();
        const name = `schoolpols-${slug(wave.name)}${dialect === 'excel-nl' ? '-excel-nl' : ''}`;
        const download = () => attachment(reply, file === 'export.zip' ? `${name}.zip` : `${name}-${file}`, CONTENT_TYPES[file]);
        // HEAD: the headers only (Fastify would otherwise run the whole export and discard it).
        if (request.method === 'HEAD') {
          download();
          return reply.send();
        }
        const results = await loadWaveResults(db, waveId);
        // The zip's drivers.csv: analysed (or taken from the cache) before the zip streams, so the
        // analysis' respondents are let go of before any CSV is generated.
        const drivers = file === 'export.zip' ? await driverReport(db, results) : null;
        await audit(db, request.user!.id, 'export.download', `wave:${waveId}:${file}`);
        // Download headers only now: an error before this point answers as an ordinary error page.
        download();
        if (file === 'datapackage.json') return dataPackageJson(results, dialect);
        if (file === 'export.zip') return reply.send(waveZip(db, results, dialect, drivers!));
        return reply.send(textStream(waveCsv(db, results, file as CsvFile, dialect)));
      },
    );
  }

  app.get(
    '/research/questionnaires/:key/trends.csv',
    { config: ACCESS, schema: { params: KeyParams, querystring: DialectQuery } },
    async (request, reply) => {
      const { key } = request.params;
      const dialect: Dialect = request.query.dialect ?? 'standard';
      const waves = await sealedWavesOfKey(db, key);
      if (!waves.length) throw notFound();
      const download = () =>
        attachment(
          reply,
          `schoolpols-${slug(key)}${dialect === 'excel-nl' ? '-excel-nl' : ''}-trends.csv`,
          'text/csv; charset=utf-8; header=present',
        );
      if (request.method === 'HEAD') {
        download();
        return reply.send();
      }
      const data = await loadTrends(db, key, waves);
      await audit(db, request.user!.id, 'export.download', `questionnaire:${key}:trends.csv`);
      download();
      return reply.send(textStream(trendsCsv(db, data, dialect)));
    },
  );
};

export default researchRoutes;
