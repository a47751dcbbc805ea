import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Like Kysely's FileMigrationProvider, but the import happens in this module so that whatever
 * runs the app (tsx, vitest) also loads the TypeScript migration files.
 */
const provider: MigrationProvider = {
  async getMigrations() {
    const migrations: Record<string, Migration> = {};
    for (const file of (await readdir(MIGRATIONS)).sort()) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
      migrations[file.replace(/\.ts$/, '')] = await import(pathToFileURL(path.join(MIGRATIONS, file)).href);
    }
    return migrations;
  },
};

export function migrator<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider });
}

function check({ error, results }: MigrationResultSet): void {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
}

export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<void> {
  check(await migrator(db).migrateToLatest());
}

export async function migrateDownAll<DB>(db: Kysely<DB>): Promise<void> {
  const m = migrator(db);
  for (;;) {
    const result = await m.migrateDown();
    check(result);
    if (!result.results?.length) return;
  }
}
