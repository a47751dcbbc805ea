import { ensureMigratedSnapshot } from './helpers/pglite-snapshot.ts';

/** Once per `npm test`, before the files run in parallel: the migrated PGlite snapshot every test store starts from. */
export default async function setup(): Promise<void> {
  if (!process.env['TEST_DATABASE_URL']) await ensureMigratedSnapshot();
}
