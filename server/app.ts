import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import helmet, { type HelmetOptions } from 'helmet';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './platform/config.ts';
import type { Store } from './db/connect.ts';
import { loggerOptions } from './platform/logging.ts';
import type { MasterKey } from './encryption/master-key.ts';
import { WaveKeys } from './encryption/wave-keys.ts';
import bodyPolicy, { uploads } from './platform/body-policy.ts';
import staffAuth, { accessRules, publicRoutesOnly } from './platform/plugins/auth.ts';
import render from './platform/plugins/render.ts';
import errors from './platform/plugins/errors.ts';
import teacherRoutes from './teacher/routes.ts';
import healthRoutes from './platform/health.ts';
import accountRoutes from './staff/account-routes.ts';
import dashboardRoutes from './dashboards/routes.ts';
import participationRoutes from './dashboards/participation-routes.ts';
import actionPlanRoutes from './advocacy/action-plan-routes.ts';
import { publicSummaryRoutes, staffSummaryRoutes } from './advocacy/staff-summary-routes.ts';
import networkRoutes from './admin/network-routes.ts';
import networkReportRoutes from './admin/network-report-routes.ts';
import networkAdvocacyRoutes from './advocacy/network-advocacy-routes.ts';
import adminRoutes from './admin/routes/index.ts';
import researchRoutes from './research/routes.ts';

const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

export interface AppOptions {
  config: Config;
  store: Store;
  /** Wraps the data keys of open waves (design §4); from SCHOOLPOLS_KEY or KEY_FILE, never from the database. */
  master: MasterKey;
  /** Where logs go; tests capture them to prove what is never logged. */
  logStream?: NodeJS.WritableStream;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    store: Store;
    keys: WaveKeys;
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

/** No page needs a powerful browser feature: every one is off, for this origin and any frame. */
const PERMISSIONS_POLICY = [
  'accelerometer',
  'autoplay',
  'camera',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'xr-spatial-tracking',
  'browsing-topics',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

/**
 * The security headers of every response, exactly as helmet writes them, computed once per process
 * (per TLS setting) and set by one hook: as a plugin, helmet rebuilt its middleware and re-parsed
 * the CSP on every request, a measurable share of a submission's CPU (docs/performance.md §1).
 */
const securityHeaderSets = new Map<boolean, ReadonlyArray<readonly [string, string]>>();

function securityHeaders(behindTls: boolean): ReadonlyArray<readonly [string, string]> {
  let headers = securityHeaderSets.get(behindTls);
  if (!headers) {
    headers = [
      ...helmetHeaders({
        contentSecurityPolicy: { useDefaults: false, directives: CSP },
        // A code in a URL must not travel to another site in a Referer header.
        referrerPolicy: { policy: 'no-referrer' },
        strictTransportSecurity: behindTls,
        // For browsers that ignore CSP frame-ancestors: the same "never in a frame".
        xFrameOptions: { action: 'deny' },
      }),
      ['permissions-policy', PERMISSIONS_POLICY] as const,
    ];
    securityHeaderSets.set(behindTls, headers);
  }
  return headers;
}

/** What helmet's middleware (synchronous: it only sets and removes headers) writes for these options. */
function helmetHeaders(options: HelmetOptions): Array<readonly [string, string]> {
  const written = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: unknown) => written.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => written.delete(name.toLowerCase()),
  };
  let failure: unknown = null;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => (failure = err ?? null));
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  if (!written.has('content-security-policy')) throw new Error('helmet set no content security policy');
  return [...written];
}

export async function buildApp({ config, store, master, logStream }: AppOptions): Promise<FastifyInstance> {
  const headers = securityHeaders(config.TRUST_PROXY);
  const app = Fastify({
    logger: loggerOptions(config.LOG_LEVEL, logStream),
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 256 * 1024,
    // A client must send its whole request within a minute (a 4 MB upload on a slow line fits), and
    // an idle connection is closed after two: slow or stalled clients cannot hold sockets forever.
    requestTimeout: 60_000,
    connectionTimeout: 120_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Errors before routing (a malformed URL): no hooks run, so headers are set here, and the
    // message never repeats the path, which may hold an access code.
    frameworkErrors: (error, _request, res) => {
      const reply = res as unknown as FastifyReply;
      for (const [name, value] of headers) reply.header(name, value);
      reply
        .header('cache-control', 'no-store')
        .code(error.statusCode && error.statusCode < 500 ? error.statusCode : 400)
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
  app.decorate('keys', new WaveKeys(store.db, master));

  // First of all hooks, on the raw response as helmet does: so errors and static files carry them too.
  app.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    // Nothing a person saw may come back from a cache: Back on a shared staff-room computer must not
    // show the previous teacher's answers or a signed-out rep's dashboard (design §4). Only the
    // static assets, which hold nothing personal, may be cached.
    if (!request.url.startsWith('/static/') && !request.url.startsWith('/vendor/')) reply.raw.setHeader('cache-control', 'no-store');
    done();
  });
  // What every request and every route has, on the root. Before any route (static files
  // included), so every route passes its access rule check.
  await app.register(accessRules);
  await app.register(bodyPolicy);
  await app.register(formbody);
  await app.register(view, {
    engine: { eta: new Eta({ views: root('web/views'), cache: true, autoEscape: true }) },
    root: root('web/views'),
    production: true,
  });
  await app.register(render);
  await app.register(errors);
  // Two contexts below the root, which never share a session hook: see publicSite and staffSite.
  await app.register(publicSite);
  await app.register(staffSite);
  return app;
}

/**
 * Teacher pages, static files and the health check. No cookie, session, CSRF or rate-limit plugin
 * is registered in this context, so none of their hooks can run here: a staff cookie sent along
 * to a teacher page is never read, and no session is made, re-sent or written (design §4).
 */
async function publicSite(app: FastifyInstance) {
  app.addHook('onRoute', publicRoutesOnly);
  await app.register(fastifyStatic, { root: root('web/static'), prefix: '/static/' });
  // Chart.js from node_modules, never from a CDN.
  await app.register(fastifyStatic, {
    root: root('node_modules/chart.js/dist'),
    prefix: '/vendor/chart.js/',
    decorateReply: false,
    allowedPath: (p) => p === '/chart.umd.js',
  });
  await app.register(healthRoutes);
  await app.register(teacherRoutes);
  // The staff summary's public page (issue 19): whoever holds the link, no session, no cookie.
  await app.register(publicSummaryRoutes);
}

/** The sign-in pages and everything staff do: the only context with cookies, sessions, CSRF tokens and rate limits. */
async function staffSite(app: FastifyInstance) {
  await app.register(staffAuth);
  await app.register(accountRoutes);
  await app.register(dashboardRoutes);
  await app.register(participationRoutes);
  await app.register(actionPlanRoutes);
  await app.register(staffSummaryRoutes);
  await app.register(networkRoutes);
  await app.register(networkReportRoutes);
  await app.register(networkAdvocacyRoutes);
  await app.register(adminConsole);
  await app.register(researchRoutes);
}

/** The admin console, the one place with file uploads (its multipart parser is nowhere else). */
async function adminConsole(app: FastifyInstance) {
  await app.register(uploads);
  await app.register(adminRoutes);
}
