import { parseArgs } from 'node:util';
import { loadConfig } from './config.ts';
import { openConfiguredStore } from './store.ts';
import { isEmpty, seedDemo } from './demo.ts';

/** Command-line operations on the configured store (PGlite under DATA_DIR, or DATABASE_URL). */
const COMMANDS: Record<string, { help: string; run: (args: string[]) => Promise<void> }> = {
  migrate: {
    help: 'migrate            bring the database schema up to date',
    run: async () => {
      const store = await openConfiguredStore(loadConfig());
      await store.close();
      process.stdout.write('Database is up to date.\n');
    },
  },
  demo: {
    help: 'demo               seed the demo network into an empty store',
    run: async () => {
      const config = loadConfig();
      const store = await openConfiguredStore(config);
      try {
        if (!(await isEmpty(store.db))) throw new Error('the store already holds schools; the demo is only seeded into an empty store');
        await seedDemo(store.db, config.DISCLOSURE_K);
        process.stdout.write('Demo network seeded.\n');
      } finally {
        await store.close();
      }
    },
  },
};

function usage(): string {
  return ['Usage: npm run cli -- <command> [options]', '', 'Commands:', ...Object.values(COMMANDS).map((c) => `  ${c.help}`), ''].join('\n');
}

async function main(argv: string[]) {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { help: { type: 'boolean', short: 'h' } } });
  const [name, ...rest] = positionals;
  if (!name || name === 'help' || (values.help && !name)) {
    process.stdout.write(usage());
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new Error(`unknown command "${name}"\n\n${usage()}`);
  if (values.help) {
    process.stdout.write(`${command.help}\n`);
    return;
  }
  await command.run(rest);
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`Error: ${err.message}\n`);
  process.exit(1);
});
