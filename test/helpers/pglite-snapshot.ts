import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A migrated PGlite data directory, made once and reused by every test store (and an empty one,
 * as initdb leaves it, for stores made without migrating): PGlite's initdb
 * costs 6–10 s of CPU, and a test run opens dozens of stores. Keyed by the migrations and the
 * PGlite version, so a changed migration makes a new one. Made by vitest's global set-up
 * (`test/global-setup.ts`), before the test files run in parallel.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'schoolpols');

async function pgliteVersion(): Promise<string> {
  const pglite = JSON.parse(await readFile(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as {
    version: string;
  };
  return pglite.version;
}

async function snapshotPath(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await pgliteVersion());
  const dir = path.join(ROOT, 'migrations');
  for (const file of (await readdir(dir)).sort()) hash.update(file).update(await readFile(path.join(dir, file)));
  return path.join(CACHE, `pglite-migrated-${hash.digest('hex').slice(0, 16)}.tar`);
}

/** An empty store as initdb leaves it (no migration): for the tests of the migrations themselves. */
async function emptySnapshotPath(): Promise<string> {
  return path.join(CACHE, `pglite-empty-${await pgliteVersion()}.tar`);
}

const present = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

async function save(file: string, tar: Blob): Promise<void> {
  await mkdir(CACHE, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, Buffer.from(await tar.arrayBuffer()));
  await rename(temp, file);
}

/** Makes the snapshots if they are missing (global set-up): the empty one, then the migrated one from it. */
export async function ensureMigratedSnapshot(): Promise<void> {
  const [emptyFile, file] = [await emptySnapshotPath(), await snapshotPath()];
  if ((await present(emptyFile)) && (await present(file))) return;
  const { PGlite } = await import('@electric-sql/pglite');
  if (!(await present(emptyFile))) {
    const initdb = await PGlite.create('memory://');
    await save(emptyFile, await initdb.dumpDataDir('none'));
    await initdb.close();
  }
  if (await present(file)) return;
  const { migrateToLatest } = await import('../../server/db/migrate.ts');
  const pglite = await PGlite.create('memory://', { loadDataDir: new Blob([await readFile(emptyFile)]) });
  const { Kysely } = await import('kysely');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const db = new Kysely<Record<string, never>>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const tar = await pglite.dumpDataDir('none');
  await db.destroy();
  await save(file, tar);
}

let loaded: Promise<Blob | null> | undefined;

/** The migrated snapshot, or null when the global set-up did not make one (then the store migrates itself). */
export function migratedSnapshot(): Promise<Blob | null> {
  loaded ??= snapshotPath()
    .then(async (file) => new Blob([await readFile(file)]))
    .catch(() => null);
  return loaded;
}

let loadedEmpty: Promise<Blob | null> | undefined;

/** The empty snapshot (initdb, no migration), or null when the global set-up did not make one (then PGlite runs initdb). */
export function emptySnapshot(): Promise<Blob | null> {
  loadedEmpty ??= emptySnapshotPath()
    .then(async (file) => new Blob([await readFile(file)]))
    .catch(() => null);
  return loadedEmpty;
}
