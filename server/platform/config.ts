import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Every setting the platform reads from the environment; README lists them. */
const EnvSchema = Type.Object({
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /**
   * Connections each process keeps to PostgreSQL. A process runs JavaScript on one thread, so more
   * statements at once than this gain nothing, while every extra connection is one more backend to
   * warm (each parses and plans a statement afresh): fifty dashboards at once cost PostgreSQL ~25 %
   * more CPU with 20 (docs/performance.md, 2e, session 18).
   */
  DATABASE_POOL_SIZE: Type.Integer({ default: 10, minimum: 2, maximum: 100 }),
  DATA_DIR: Type.String({ default: 'data', minLength: 1 }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Minimum group size k of disclosure rule R1 for new waves (design §5). */
  DISCLOSURE_K: Type.Integer({ default: 5, minimum: 3, maximum: 100 }),
  /**
   * Secret for staff session cookies. `npm start` requires it on PostgreSQL and refuses a guessable
   * one (zxcvbn, server/platform/startup.ts); the embedded store makes one in DATA_DIR. Never in the database.
   */
  SESSION_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Set when behind a TLS-terminating proxy: cookies become Secure. */
  TRUST_PROXY: Type.Boolean({ default: false }),
  /**
   * The master key that wraps each open wave's data key (design §4): `spk1_…` from
   * `npm run cli -- key:generate`. Never stored in the database. Or `KEY_FILE`, a file holding it.
   */
  SCHOOLPOLS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Who is responsible for the data and how to reach them, shown on the privacy page. */
  PRIVACY_CONTACT: Type.Optional(Type.String({ minLength: 3, maxLength: 300 })),
  /** Public base URL printed on access-code slips and in QR codes; required on PostgreSQL outside the demo (server/platform/startup.ts). */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
});

export type Config = Static<typeof EnvSchema> & { dataDir: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') picked[key] = raw;
  }
  // Value.Convert would read "2.5" as the integer 2: a whole number is asked for, a whole number it must be.
  const notWhole = Object.entries(picked).filter(
    ([key, raw]) => EnvSchema.properties[key as keyof typeof EnvSchema.properties].type === 'integer' && !/^-?\d+$/.test(String(raw)),
  );
  const value = Value.Default(EnvSchema, Value.Convert(EnvSchema, picked));
  const errors = [
    ...notWhole.map(([key]) => ({ path: `/${key}`, message: 'Expected a whole number' })),
    ...[...Value.Errors(EnvSchema, value)].filter((e) => !notWhole.some(([key]) => e.path === `/${key}`)),
  ];
  if (errors.length) {
    const lines = errors.map((e) => `${e.path.slice(1)}: ${e.message}`).join('; ');
    throw new Error(`Invalid configuration: ${lines}`);
  }
  const config = value as Static<typeof EnvSchema>;
  return { ...config, dataDir: path.resolve(config.DATA_DIR) };
}
