import closeWithGrace from 'close-with-grace';
import { loadConfig } from './config.ts';
import { openConfiguredStore } from './store.ts';
import { buildApp } from './app.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, demoCodes, isDemo, isEmpty, seedDemo } from './demo.ts';
import { formatCode } from './access-codes.ts';

async function main() {
  const config = loadConfig();
  const store = await openConfiguredStore(config);
  if (await isEmpty(store.db)) {
    process.stdout.write('Empty store: seeding the demo network…\n');
    await seedDemo(store.db, config.DISCLOSURE_K);
  }
  const app = await buildApp({ config, store });
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    await app.close();
    await store.close();
  });
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  const url = config.PUBLIC_URL ?? address.replace('127.0.0.1', 'localhost');
  const lines = [``, `Schoolpols is running at ${url}  (store: ${store.kind})`];
  if (await isDemo(store.db)) {
    const codes = await demoCodes(store.db, 5);
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
