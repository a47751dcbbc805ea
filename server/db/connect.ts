import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { registerPgliteCopy, registerPostgresCopy } from './copy.ts';
import { prepareStatements } from './prepared-statements.ts';

export type StoreKind = 'pglite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  kind: StoreKind;
  close(): Promise<void>;
}

// smallint[] comes back as number[] from both drivers; bigint counts are parsed as numbers because
// no count here comes near 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number.parseFloat(v));
// A date (a day, no time or zone) stays its ISO text: as a JavaScript Date it would be midnight in
// the server's zone, and shift a day when read elsewhere.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export interface StoreOptions {
  databaseUrl?: string | undefined;
  /** Directory of the file-backed PGlite store; `memory://` (the default) keeps it in memory. */
  pgliteDir?: string;
  /** A PGlite data directory to start from (a `dumpDataDir` tarball): no initdb, and whatever it holds. */
  pgliteDataDir?: Blob;
  /** PostgreSQL connections in the pool (`DATABASE_POOL_SIZE`); 10 unless said. */
  poolSize?: number;
  /** Called when an idle pooled connection dies (server restart, admin kill); the pool replaces it. */
  onConnectionError?: (err: Error) => void;
}

export const DEFAULT_POOL_SIZE = 10;

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? DEFAULT_POOL_SIZE });
    // Without listeners, a connection killed by the server (failover, restart, admin kill) would
    // crash the process: idle ones report on the pool, checked-out ones on the client itself. The
    // query in flight fails on its own and its transaction is rolled back by the server.
    const lost = options.onConnectionError ?? ((err: Error) => process.stderr.write(`PostgreSQL connection lost: ${err.message}\n`));
    pool.on('error', lost);
    pool.on('connect', (client) => {
      client.on('error', lost);
      prepareStatements(client);
    });
    // Fail at start with one clear message rather than on the first request.
    const client = await pool.connect().catch(async (err: Error) => {
      await pool.end();
      throw new Error(`Cannot reach PostgreSQL at ${redact(options.databaseUrl!)}: ${err.message}`);
    });
    client.release();
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    registerPostgresCopy(db, pool);
    kinds.set(db, 'postgres');
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  // Loaded only when used: PGlite costs ~45 MB of memory that a PostgreSQL deployment never needs.
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
  const dir = options.pgliteDir ?? 'memory://';
  if (!dir.startsWith('memory://')) await mkdir(dir, { recursive: true, mode: 0o700 });
  const pglite = await PGlite.create(dir, {
    ...(options.pgliteDataDir ? { loadDataDir: options.pgliteDataDir } : {}),
    parsers: { 20: (v: string) => Number.parseInt(v, 10), 1700: (v: string) => Number.parseFloat(v), 1082: (v: string) => v },
  });
  // PGlite creates its files with the process umask (usually world-readable); the store holds
  // answers and session ids, so only this user may read it (files the store makes later are
  // covered by the directory's 0700 and, for the server, by its umask: server/platform/startup.ts).
  if (!dir.startsWith('memory://')) await restrictTree(dir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  registerPgliteCopy(db, pglite);
  kinds.set(db, 'pglite');
  return { db, kind: 'pglite', close: () => db.destroy() };
}

const kinds = new WeakMap<Kysely<Database>, StoreKind>();

/** Which store `db` belongs to, when `openStore` made it. */
export function storeKindOf(db: Kysely<Database>): StoreKind | undefined {
  return kinds.get(db);
}

/** chmod 0700 on directories and 0600 on files, below and including `dir`. */
export async function restrictTree(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await restrictTree(p);
    else if (entry.isFile()) await chmod(p, 0o600);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}
