import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { loadWaveResults, type WaveResults } from '../results/wave-results.ts';
import { audit } from '../platform/audit-log.ts';
import { HttpProblem } from '../platform/problems.ts';
import { DialectQuery, LangQuery, WaveParams } from '../platform/http-schemas.ts';
import { findSealedWave } from './catalogue.ts';
import type { Dialect } from './csv.ts';
import { attachment, slug } from './download.ts';
import { textStream } from './zip.ts';

const ACCESS = { access: ['researcher', 'admin'] } as const;

/**
 * A report computed from a sealed wave (the instrument quality, the key drivers) as the two routes
 * each has: `/research/waves/:waveId/<name>`, a page, and `<name>.csv`, for researchers and admins.
 * Like every research route, an open, draft or unknown wave is the same 404; a HEAD of the CSV
 * answers its headers without computing the report; each download is audited.
 */
export function waveReportRoutes<R>(spec: {
  name: string;
  report: (db: Kysely<Database>, results: WaveResults) => Promise<R>;
  page: (request: FastifyRequest, results: WaveResults, report: R) => { template: string; model: Record<string, unknown> };
  csv: (results: WaveResults, report: R, dialect: Dialect) => AsyncGenerator<string>;
}): FastifyPluginAsyncTypebox {
  return async (app) => {
    const db = app.store.db;
    const sealed = async (waveId: string) => {
      const wave = await findSealedWave(db, waveId);
      if (!wave) throw new HttpProblem(404, 'research.notFound');
      return wave;
    };
    const load = async (waveId: string) => {
      const results = await loadWaveResults(db, waveId);
      return { results, report: await spec.report(db, results) };
    };

    app.get(
      `/research/waves/:waveId/${spec.name}`,
      { config: ACCESS, schema: { params: WaveParams, querystring: LangQuery } },
      async (request, reply) => {
        await sealed(request.params.waveId);
        const { results, report } = await load(request.params.waveId);
        const { template, model } = spec.page(request, results, report);
        return reply.page(template, model);
      },
    );

    app.get(
      `/research/waves/:waveId/${spec.name}.csv`,
      { config: ACCESS, schema: { params: WaveParams, querystring: DialectQuery } },
      async (request, reply) => {
        const { waveId } = request.params;
        const dialect: Dialect = request.query.dialect ?? 'standard';
        const wave = await sealed(waveId);
        const download = () =>
          attachment(
            reply,
            `schoolpols-${slug(wave.name)}${dialect === 'excel-nl' ? '-excel-nl' : ''}-${spec.name}.csv`,
            'text/csv; charset=utf-8; header=present',
          );
        if (request.method === 'HEAD') {
          download();
          return reply.send();
        }
        const { results, report } = await load(waveId);
        await audit(db, request.user!.id, 'export.download', `wave:${waveId}:${spec.name}.csv`);
        download();
        return reply.send(textStream(spec.csv(results, report, dialect)));
      },
    );
  };
}
