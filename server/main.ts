import { rm } from 'node:fs/promises';
import closeWithGrace from 'close-with-grace';
import { loadConfig } from './platform/config.ts';
import { resolveMasterKey } from './encryption/master-key.ts';
import { WaveKeys } from './encryption/wave-keys.ts';
import { buildApp } from './app.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, demoCodes, seedDemo } from './demo/demo.ts';
import { parseStartArgs, prepareStart } from './platform/startup.ts';
import { formatCode } from './teacher/access-codes.ts';

async function main() {
  const options = parseStartArgs(process.argv.slice(2));
  const env = loadConfig();
  const key = await resolveMasterKey(env);
  // Secrets, PUBLIC_URL, file modes and whether the demo network is seeded (server/platform/startup.ts). The
  // demo is seeded before the app is built: the app decides its DEMO banner when it is built.
  const start = await prepareStart(env, options, (s) => seedDemo(s.db, new WaveKeys(s.db, key.master), env.DISCLOSURE_K));
  const { store, config } = start;
  const app = await buildApp({ config, store, master: key.master });
  // The embedded store's key file went missing while answers depend on the key it held: a new key
  // would open none of them. Refuse (and take the new file away), rather than run on it.
  if (key.generated && (await app.keys.wrappedByOthers()) > 0) {
    await rm(key.source, { force: true });
    await app.close();
    await store.close();
    throw new Error(
      `the master key file ${key.source} is missing, and open waves of this store were encrypted with the key it held: restore that file (or point KEY_FILE or SCHOOLPOLS_KEY to that key)`,
    );
  }
  // Never accept an answer that could not be decrypted at sealing: such waves refuse answers, and
  // the admin is told here and on the wave's page.
  for (const problem of await app.keys.unavailable()) app.log.error({ wave: problem.waveId }, problem.message);
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    await app.close();
    await store.close();
  });
  // Made before listening: once the server answers, everything it prints is already out.
  const codes = start.demo ? await demoCodes(store.db, 5) : [];
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  const local = address.replace('127.0.0.1', 'localhost');
  const url = config.PUBLIC_URL ?? local;
  // The listening address first (scripts and the benchmark read it), then the public one slips carry.
  const lines = [
    ``,
    `Schoolpols is running at ${local}  (store: ${store.kind})${config.PUBLIC_URL ? `, public address ${config.PUBLIC_URL}` : ''}`,
  ];
  if (key.generated) {
    lines.push(`!! A new master key was written to ${key.source}, beside the data. It encrypts the answers of open waves.`);
    lines.push(
      `!! Fine for a demo or a trial; a production deployment keeps its own key elsewhere (KEY_FILE or SCHOOLPOLS_KEY, see docs/deploying.md).`,
    );
  }
  lines.push(...start.lines);
  if (start.demo) {
    lines.push(`DEMO network — all schools and answers are fictitious.`);
    lines.push(`Demo sign-in at ${url}/login (password for all: ${DEMO_PASSWORD}):`);
    for (const a of DEMO_ACCOUNTS) lines.push(`  ${a.role.padEnd(10)} ${a.email}`);
    if (codes.length) {
      lines.push(`Open demo access codes (each works once; fresh ones at every start):`);
      for (const c of codes) lines.push(`  ${formatCode(c)}   ${url}/c/${c}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().catch((err: Error) => {
  process.stderr.write(`Schoolpols could not start: ${err.message}\n`);
  process.exit(1);
});
