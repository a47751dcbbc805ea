import diagnostics from 'node:diagnostics_channel';
import type { FastifyInstance } from 'fastify';
import type { Access } from '../../server/platform/plugins/auth.ts';
import type { Role } from '../../server/db/schema.ts';
import type { TestStore } from './store.ts';
import { testApp, type LogCapture, testKeys } from './app.ts';
import type { Config } from '../../server/platform/config.ts';
import { Session } from './session.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { createUser } from '../../server/staff/users.ts';
import { createWave, issueCodes } from '../../server/waves.ts';
import { publishSummary } from '../../server/advocacy/staff-summary.ts';

/**
 * The routes the hardening tests walk: generated from `app.routeTable`, so a new route is covered
 * (and has to be understood) without anyone editing these tests.
 */

/**
 * Every route the test knows to be public, with why. A route declared `public` that is not listed
 * here fails the access matrix: nobody adds a page without a login by accident.
 */
export const KNOWN_PUBLIC: Record<string, string> = {
  'GET /': 'teacher: code entry',
  'HEAD /': 'teacher: code entry',
  'POST /answer': 'teacher: a typed code opens the questionnaire',
  'GET /c/:code': 'teacher: the QR link on a slip',
  'HEAD /c/:code': 'teacher: the QR link on a slip',
  'POST /submit': 'teacher: the answers',
  'GET /thanks': 'teacher: after submitting',
  'HEAD /thanks': 'teacher: after submitting',
  'GET /privacy': 'teacher: what is stored and who sees what',
  'HEAD /privacy': 'teacher: what is stored and who sees what',
  'GET /s/:token': "the staff summary's page, for whoever holds its unguessable link (issue 19)",
  'HEAD /s/:token': "the staff summary's page",
  'GET /healthz': 'load balancer health check (says only ok and the store kind)',
  'HEAD /healthz': 'load balancer health check',
  'GET /static/*': 'styles, scripts, icon',
  'HEAD /static/*': 'styles, scripts, icon',
  'GET /vendor/chart.js/*': 'Chart.js from node_modules (only chart.umd.js)',
  'HEAD /vendor/chart.js/*': 'Chart.js from node_modules (only chart.umd.js)',
};

/** Public routes that may declare `csrf: false`: teacher forms, where the access code is the secret. */
export const TEACHER_FORMS = new Set(['POST /answer', 'POST /submit']);

/** The JSON Schema a route declares (TypeBox produces plain JSON Schema). */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

export interface RecordedRoute {
  method: string;
  url: string;
  access: unknown;
  schema: { body?: JsonSchema; querystring?: JsonSchema; params?: JsonSchema };
}

/**
 * Builds an app while recording every route it registers — also those registered before the auth
 * plugin, which `app.routeTable` cannot see — through Fastify's `fastify.initialization` channel.
 */
export async function recordRoutes(build: () => Promise<FastifyInstance>): Promise<{ app: FastifyInstance; routes: RecordedRoute[] }> {
  const routes: RecordedRoute[] = [];
  const channel = diagnostics.channel('fastify.initialization');
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route) => {
      const schema = (route.schema ?? {}) as RecordedRoute['schema'];
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, access: route.config?.access, schema });
    });
  };
  channel.subscribe(onInit);
  try {
    const app = await build();
    return { app, routes };
  } finally {
    channel.unsubscribe(onInit);
  }
}

export type Who = 'anonymous' | Role;
export const WHO: readonly Who[] = ['anonymous', 'rep', 'researcher', 'admin'];

/** Valid values for every path parameter, chosen so each role's allowed routes succeed. */
export type ParamValues = Record<string, string>;

/** A route URL with its parameters filled in; an unknown parameter name fails (teach the tests about it). */
export function fillUrl(url: string, values: ParamValues): string {
  return url.replace(/:(\w+)|\*/g, (whole, name: string | undefined) => {
    const key = name ?? `*${url.slice(0, url.indexOf('*'))}`;
    const value = values[key];
    if (value === undefined) throw new Error(`no value for ${whole} in ${url}: add one to the hardening fixture`);
    return value;
  });
}

export const allowed = (access: Access, who: Who): boolean =>
  access === 'public' || access === 'guest' || (who !== 'anonymous' && access.includes(who));

export interface World {
  app: FastifyInstance;
  routes: RecordedRoute[];
  params: ParamValues;
  sessions: Record<Who, Session>;
  ids: {
    repSchool: string;
    otherSchool: string;
    sealedWave: string;
    openWave: string;
    draftWave: string;
    questionnaire: string;
    victim: string;
  };
  /** unspent codes of the open demo wave */
  codes: string[];
  /** a fresh signed-in session for `who` (e.g. after one was logged out) */
  signIn(who: Who): Promise<Session>;
}

let address = 0;
const nextAddress = () => `10.77.${Math.floor(++address / 250)}.${(address % 250) + 1}`;

/** The demo network, every role signed in, and a value for every path parameter. */
export async function world(store: TestStore, options: { config?: Config; logs?: LogCapture } = {}): Promise<World> {
  const { openWaveId } = await seedDemo(store.db, testKeys(store.db), 5);
  const { app, routes } = await recordRoutes(() => testApp(store, options));
  const schoolByName = async (name: string) =>
    (await store.db.selectFrom('school').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
  const repSchool = await schoolByName('Demo Atheneum Scheldeland'); // assigned to rep.secundair
  const otherSchool = await schoolByName('Demo Basisschool De Regenboog');
  const sealedWave = (await store.db.selectFrom('wave').select('id').where('name', '=', 'Demo najaar 2025').executeTakeFirstOrThrow()).id;
  const questionnaire = (await store.db.selectFrom('questionnaire').select('id').executeTakeFirstOrThrow()).id;
  const draftWave = await createWave(store.db, { name: 'Hardening draft', questionnaireId: questionnaire, schoolIds: [repSchool], k: 5 });
  await issueCodes(store.db, draftWave, repSchool, 3);
  const codes = await issueCodes(store.db, openWaveId, repSchool, 20);
  // An account whose password the matrix may reset.
  const victim = await createUser(store.db, { email: 'victim@example.org', role: 'researcher', password: 'correct horse battery staple' });
  const emails: Record<Role, string> = {
    admin: 'admin@demo.schoolpols.be',
    rep: 'rep.secundair@demo.schoolpols.be',
    researcher: 'onderzoek@demo.schoolpols.be',
  };
  const signIn = async (who: Who) => {
    const s = new Session(app, nextAddress());
    if (who === 'anonymous') {
      await s.get('/login'); // the login form's cookie and token, nobody signed in (no session)
      return s;
    }
    return s.login(emails[who], DEMO_PASSWORD);
  };
  const sessions = {} as Record<Who, Session>;
  for (const who of WHO) sessions[who] = await signIn(who);
  const params: ParamValues = {
    code: codes[0]!,
    schoolId: repSchool,
    waveId: sealedWave,
    questionnaireId: questionnaire,
    userId: victim,
    key: 'schoolklimaat',
    token: (await publishSummary(store.db, { schoolId: repSchool, waveId: sealedWave })).token,
    '*/static/': 'app.css',
    '*/vendor/chart.js/': 'chart.umd.js',
  };
  return {
    app,
    routes,
    params,
    sessions,
    ids: { repSchool, otherSchool, sealedWave, openWave: openWaveId, draftWave, questionnaire, victim },
    codes,
    signIn,
  };
}
