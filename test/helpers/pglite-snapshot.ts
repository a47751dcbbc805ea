import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A migrated PGlite data directory, made once and reused by every test store: PGlite's initdb
 * costs 6–10 s of CPU, and a test run opens dozens of stores. Keyed by the migrations and the
 * PGlite version, so a changed migration makes a new one. Made by vitest's global set-up
 * (`test/global-setup.ts`), before the test files run in parallel.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'schoolpols');

async function snapshotPath(): Promise<string> {
  const hash = createHash('sha256');
  const pglite = JSON.parse(await readFile(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as {
    version: string;
  };
  hash.update(pglite.version);
  const dir = path.join(ROOT, 'migrations');
  for (const file of (await readdir(dir)).sort()) hash.update(file).update(await readFile(path.join(dir, file)));
  return path.join(CACHE, `pglite-migrated-${hash.digest('hex').slice(0, 16)}.tar`);
}

/** Makes the snapshot if it is missing (global set-up). */
export async function ensureMigratedSnapshot(): Promise<void> {
  const file = await snapshotPath();
  try {
    await readFile(file);
    return;
  } catch {
    // made below
  }
  const { migrateToLatest } = await import('../../server/db/migrate.ts');
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create('memory://');
  const { Kysely } = await import('kysely');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const db = new Kysely<Record<string, never>>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const tar = await pglite.dumpDataDir('none');
  await db.destroy();
  await mkdir(CACHE, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, Buffer.from(await tar.arrayBuffer()));
  await rename(temp, file);
}

let loaded: Promise<Blob | null> | undefined;

/** The migrated snapshot, or null when the global set-up did not make one (then the store migrates itself). */
export function migratedSnapshot(): Promise<Blob | null> {
  loaded ??= snapshotPath()
    .then(async (file) => new Blob([await readFile(file)]))
    .catch(() => null);
  return loaded;
}
