import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.ts';
import type { Store } from './db/connect.ts';
import { loggerOptions } from './logging.ts';
import auth from './plugins/auth.ts';
import render from './plugins/render.ts';
import errors from './plugins/errors.ts';
import teacherRoutes from './routes/teacher.ts';
import healthRoutes from './routes/health.ts';
import accountRoutes from './routes/account.ts';
import dashboardRoutes from './routes/dashboard.ts';
import networkRoutes from './routes/network.ts';
import adminRoutes from './routes/admin/index.ts';
import researchRoutes from './routes/research.ts';

const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

export interface AppOptions {
  config: Config;
  store: Store;
  /** Where logs go; tests capture them to prove what is never logged. */
  logStream?: NodeJS.WritableStream;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    store: Store;
  }
}

/** The content security policy of every page: nothing inline, nothing from another origin. */
const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
};
const CSP_HEADER = Object.entries(CSP)
  .map(([name, sources]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${sources.join(' ')}`)
  .join(';');

export async function buildApp({ config, store, logStream }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.LOG_LEVEL, logStream),
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 256 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Errors before routing (a malformed URL): no hooks run, so headers are set here, and the
    // message never repeats the path, which may hold an access code.
    frameworkErrors: (error, _request, res) => {
      const reply = res as unknown as FastifyReply;
      reply
        .code(error.statusCode && error.statusCode < 500 ? error.statusCode : 400)
        .header('content-security-policy', CSP_HEADER)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><html lang="nl"><meta charset="utf-8"><title>Ongeldig adres</title>' +
            '<main id="main"><h1>Ongeldig adres</h1><p role="alert">Dit adres is niet geldig. <span lang="en">This address is not valid.</span></p>' +
            '<p><a href="/">Schoolpols</a></p></main></html>',
        );
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.decorate('store', store);

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP },
    // A code in a URL must not travel to another site in a Referer header.
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: config.TRUST_PROXY,
  });
  // Before any route (static files included), so every route passes its access rule check.
  await app.register(auth);
  await app.register(formbody);
  await app.register(fastifyStatic, { root: root('web/static'), prefix: '/static/' });
  // Chart.js from node_modules, never from a CDN.
  await app.register(fastifyStatic, { root: root('node_modules/chart.js/dist'), prefix: '/vendor/chart.js/', decorateReply: false, allowedPath: (p) => p === '/chart.umd.js' });
  await app.register(view, {
    engine: { eta: new Eta({ views: root('web/views'), cache: true, autoEscape: true }) },
    root: root('web/views'),
    production: true,
  });
  await app.register(render);
  await app.register(errors);
  await app.register(healthRoutes);
  await app.register(teacherRoutes);
  await app.register(accountRoutes);
  await app.register(dashboardRoutes);
  await app.register(networkRoutes);
  await app.register(adminRoutes);
  await app.register(researchRoutes);
  return app;
}
