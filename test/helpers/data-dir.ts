import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { migratedSnapshot } from './pglite-snapshot.ts';
import { openStore } from '../../server/db/connect.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';

/**
 * A DATA_DIR whose embedded store already exists, migrated and empty, as `npm run cli -- migrate`
 * leaves it: `<dataDir>/pglite` unpacked from the migrated snapshot (test/helpers/pglite-snapshot.ts)
 * instead of PGlite's initdb and every migration, 5–10 s of CPU a store. For tests whose subject is
 * not the creation of a store; `npm start` then finds a store that existed before (no demo unless
 * `--demo`). The files get the process umask, as a copied directory would: opening the store (the
 * server, the command line) restricts them. Without a snapshot (a PostgreSQL run) the store is made
 * and migrated the slow way.
 */
export async function preparedDataDir(dataDir: string): Promise<string> {
  await preparedPgliteDir(path.join(dataDir, 'pglite'));
  return dataDir;
}

/** The embedded store's own directory (`<DATA_DIR>/pglite`, or any `pgliteDir`), prepared as by `preparedDataDir`. */
export async function preparedPgliteDir(pgliteDir: string): Promise<void> {
  const snapshot = await migratedSnapshot();
  if (!snapshot) {
    const store = await openStore({ pgliteDir });
    try {
      await migrateToLatest(store.db);
    } finally {
      await store.close();
    }
    return;
  }
  await mkdir(pgliteDir, { recursive: true, mode: 0o700 });
  await untar(Buffer.from(await snapshot.arrayBuffer()), pgliteDir);
}

/** Unpacks a ustar archive of directories and plain files (what PGlite's `dumpDataDir('none')` writes) into `dir`. */
async function untar(tar: Buffer, dir: string): Promise<void> {
  const field = (block: Buffer, start: number, length: number) =>
    block
      .subarray(start, start + length)
      .toString('utf8')
      .replace(/\0.*$/s, '');
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    offset += 512;
    if (header.every((b) => b === 0)) break;
    const prefix = field(header, 345, 155);
    const name = path.posix.join(prefix, field(header, 0, 100));
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const target = path.join(dir, path.posix.normalize(`/${name}`));
    if (!target.startsWith(dir)) throw new Error(`snapshot entry outside the data directory: ${name}`);
    if (type === '5') {
      await mkdir(target, { recursive: true });
    } else if (type === '0' || type === '\0') {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, tar.subarray(offset, offset + size));
    } else {
      throw new Error(`snapshot entry of an unexpected type "${type}": ${name}`);
    }
    offset += Math.ceil(size / 512) * 512;
  }
}
