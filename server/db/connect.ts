import { mkdir } from 'node:fs/promises';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Database } from './schema.ts';

export type StoreKind = 'pglite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  kind: StoreKind;
  /** Runs statements that cannot run inside a transaction (VACUUM). */
  close(): Promise<void>;
}

// smallint[] comes back as number[] from both drivers; bigint counts are parsed as numbers because
// no count here comes near 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number.parseFloat(v));

export interface StoreOptions {
  databaseUrl?: string | undefined;
  /** Directory of the file-backed PGlite store; `memory://` keeps it in memory (tests). */
  pgliteDir: string;
  poolSize?: number;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 20 });
    // Fail at start with one clear message rather than on the first request.
    const client = await pool.connect().catch(async (err: Error) => {
      await pool.end();
      throw new Error(`Cannot reach PostgreSQL at ${redact(options.databaseUrl!)}: ${err.message}`);
    });
    client.release();
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (!options.pgliteDir.startsWith('memory://')) await mkdir(options.pgliteDir, { recursive: true });
  const pglite = await PGlite.create(options.pgliteDir, {
    parsers: { 20: (v: string) => Number.parseInt(v, 10), 1700: (v: string) => Number.parseFloat(v) },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', close: () => db.destroy() };
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
