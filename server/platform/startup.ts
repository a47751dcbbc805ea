import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from '../db/schema.ts';
import type { Store } from '../db/connect.ts';
import { openConfiguredStore } from './store.ts';
import { estimateGuesses } from '../staff/guesses.ts';
import { isDemo } from '../demo/demo.ts';
import { countRows } from '../db/count.ts';

/**
 * What `npm start` decides before it serves anything (issue 16): which secrets and URLs it needs,
 * whether the labelled demo network is seeded, and where the embedded store's files may be read.
 * `server/main.ts` calls `prepareStart`; the decisions are pure functions so they can be tested.
 */

export interface StartOptions {
  /** `npm start -- --demo`: seed the demo network into an empty store, also on PostgreSQL. */
  demo: boolean;
}

export function parseStartArgs(argv: readonly string[]): StartOptions {
  const unknown = argv.find((a) => a !== '--demo');
  if (unknown !== undefined)
    throw new Error(`unknown argument "${unknown}" (npm start takes only --demo; see npm run cli -- --help for everything else)`);
  return { demo: argv.includes('--demo') };
}

export interface StoreState {
  users: number;
  schools: number;
}

export async function storeState(db: Kysely<Database>): Promise<StoreState> {
  return { users: await countRows(db, 'app_user'), schools: await countRows(db, 'school') };
}

export type DemoDecision =
  { seed: true; why: 'first-start' | 'asked' } | { seed: false; why: 'has-users' | 'has-schools' | 'production' | 'not-fresh' };

/**
 * The demo network (whose admin password is in the README) is seeded only into an empty store —
 * no user and no school — and only when asked (`--demo`, `npm run cli -- demo`) or when `npm start`
 * has just created the embedded default store for a first-time user. Never into a PostgreSQL
 * database unasked, never into an embedded store that existed before this start (it may have been
 * prepared with `npm run cli -- migrate` / `user:add` for real use), never beside a user.
 */
export function decideDemo(input: { embedded: boolean; fresh: boolean; demoFlag: boolean } & StoreState): DemoDecision {
  if (input.users > 0) return { seed: false, why: 'has-users' };
  if (input.schools > 0) return { seed: false, why: 'has-schools' };
  if (input.demoFlag) return { seed: true, why: 'asked' };
  if (!input.embedded) return { seed: false, why: 'production' };
  if (!input.fresh) return { seed: false, why: 'not-fresh' };
  return { seed: true, why: 'first-start' };
}

/** What to print for a store without any user: how to make the first admin. */
export function firstAdminLines(): string[] {
  return [
    'The store has no user yet. Create the first admin with:',
    '  npm run cli -- user:add --role admin --email you@example.org',
    '(it asks for a password, or prints a generated one). Then sign in at /login.',
    'For a look around with fictitious data instead, start once with `npm start -- --demo` on an empty store.',
  ];
}

/** Guesses (log10) a SESSION_SECRET must need at least: 10^30 ≈ 2^100, whatever its length. */
export const MIN_SECRET_GUESSES_LOG10 = 30;

/**
 * Refuses a SESSION_SECRET that is a phrase, a pattern or a placeholder (`changeme…`,
 * `development-session-secret`, `0123456789…`): zxcvbn (common, English and Dutch dictionaries,
 * keyboard patterns, repeats, sequences) must estimate at least 10^30 guesses. 32 random bytes in
 * base64 (`openssl rand -base64 32`) give about 10^44.
 */
export async function secretProblem(secret: string): Promise<string | null> {
  if (secret.length < 32) return 'SESSION_SECRET must have at least 32 characters (make one with `openssl rand -base64 32`)';
  // Once, at start-up: the estimator's thread (and its dictionaries' memory) ends with the answer.
  const { guessesLog10 } = await estimateGuesses(secret.slice(0, 256), ['schoolpols', 'session', 'secret'], 0);
  if (guessesLog10 < MIN_SECRET_GUESSES_LOG10) {
    return `SESSION_SECRET is too easy to guess (about 10^${Math.floor(guessesLog10)} guesses; at least 10^${MIN_SECRET_GUESSES_LOG10} are needed): use random bytes, e.g. \`openssl rand -base64 32\``;
  }
  return null;
}

/** The session secret file of the embedded default store (never used on PostgreSQL). */
export const sessionSecretFile = (dataDir: string) => path.join(dataDir, 'session.secret');

/**
 * The embedded default store's session secret: made on first start into `DATA_DIR/session.secret`
 * (0600), beside the data it protects — fine for a demo, a trial or one school on one machine.
 * On PostgreSQL the secret must come from SESSION_SECRET: several instances share it, and it must
 * not sit in the database beside the session ids it signs.
 */
export async function embeddedSessionSecret(dataDir: string): Promise<{ secret: string; created: boolean }> {
  const file = sessionSecretFile(dataDir);
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (text.length < 32) throw new Error(`${file} holds no usable session secret; delete it to make a new one (everyone signs in again)`);
    await chmod(file, 0o600);
    return { secret: text, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32).toString('base64url');
  // 'wx': never overwrite a secret another process just wrote.
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return { secret: (await readFile(file, 'utf8')).trim(), created: true };
}

/**
 * DATA_DIR readable by this user only: the embedded store holds answers, session ids and keys.
 * The directory is made (or tightened to) 0700 — only the directory itself: DATA_DIR may name a
 * directory that holds other things — and the process creates new files without group or other
 * permissions (PGlite makes files as the store grows). `openStore` tightens the store's own
 * directory, file by file.
 */
export async function restrictDataDir(dataDir: string): Promise<void> {
  try {
    process.umask(0o077);
  } catch {
    // Worker threads may not change the umask; the chmod calls below and after opening still apply.
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

export interface PreparedStart {
  store: Store;
  /** the configuration with SESSION_SECRET filled in */
  config: Config;
  /** the demo network was seeded by this start */
  seeded: boolean;
  demo: boolean;
  /** what to print once the server listens */
  lines: string[];
}

/**
 * Checks secrets and URLs, opens and migrates the store, and seeds the demo network when
 * `decideDemo` says so (`seed` does the seeding). Throws, with the store closed, when the
 * server must not start.
 */
export async function prepareStart(
  config: Config,
  options: StartOptions,
  seed: (store: Store) => Promise<unknown>,
): Promise<PreparedStart> {
  const embedded = !config.DATABASE_URL;
  if (!embedded && !config.SESSION_SECRET) {
    throw new Error(
      'SESSION_SECRET is not set. On PostgreSQL every instance needs the same secret for staff sessions, from the environment ' +
        '(never from the database): e.g. SESSION_SECRET=$(openssl rand -base64 32), kept with your other secrets (docs/deploying.md).',
    );
  }
  if (config.SESSION_SECRET) {
    const problem = await secretProblem(config.SESSION_SECRET);
    if (problem) throw new Error(problem);
  }
  const pgliteDir = path.join(config.dataDir, 'pglite');
  let fresh = false;
  if (embedded) {
    fresh = !(await exists(pgliteDir));
    await restrictDataDir(config.dataDir);
  }
  const store = await openConfiguredStore(config);
  try {
    const lines: string[] = [];
    const state = await storeState(store.db);
    const decision = decideDemo({ embedded, fresh, demoFlag: options.demo, ...state });
    if (decision.seed) {
      process.stdout.write('Seeding the labelled demo network (fictitious schools, answers and accounts)…\n');
      await seed(store);
    } else if (options.demo) {
      lines.push('--demo: not seeded: the demo network goes only into an empty store (no user, no school).');
    }
    const demo = await isDemo(store.db);
    if (!demo && state.users === 0) lines.push(...firstAdminLines());
    if (demo && !embedded) {
      // Earlier versions seeded it into any empty database, production included.
      lines.push('!! This PostgreSQL database holds the labelled demo network: its admin password is in the README.');
      lines.push('!! Before real use: `npm run cli -- demo:remove`, or "Remove the demo network" on /admin.');
    }
    if (!embedded && !demo && !config.PUBLIC_URL) {
      throw new Error(
        'PUBLIC_URL is not set. Access-code slips and QR codes point to it (never to whatever Host a request names): ' +
          'set it to the address teachers open, e.g. PUBLIC_URL=https://schoolpols.example.org',
      );
    }
    if (!config.PUBLIC_URL && !demo && config.HOST !== '127.0.0.1' && config.HOST !== 'localhost') {
      lines.push(
        `PUBLIC_URL is not set: code slips point to http://localhost:${config.PORT}. Set PUBLIC_URL to the address teachers open.`,
      );
    }
    let secret = config.SESSION_SECRET;
    if (!secret) {
      const made = await embeddedSessionSecret(config.dataDir);
      secret = made.secret;
      if (made.created)
        lines.push(
          `Staff sessions are signed with a new secret in ${sessionSecretFile(config.dataDir)} (0600); set SESSION_SECRET to choose your own.`,
        );
    }
    return { store, config: { ...config, SESSION_SECRET: secret }, seeded: decision.seed, demo, lines };
  } catch (err) {
    await store.close();
    throw err;
  }
}
