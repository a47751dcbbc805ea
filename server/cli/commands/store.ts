import { CLI_ACTOR, type Command, UsageError, withKeys, withStore } from '../command.ts';

export const storeCommands: Record<string, Command> = {
  migrate: {
    summary: 'bring the database schema up to date',
    synopsis: 'migrate',
    description: ['Bring the database schema up to date.'],
    run: async ({ config, io }) => {
      await withStore(config, async () => {});
      io.out('Database is up to date.\n');
    },
  },

  demo: {
    summary: 'seed the demo network into an empty store',
    synopsis: 'demo',
    description: ['Seed the demo network into an empty store.'],
    run: async ({ config, io }) => {
      const { isEmpty, seedDemo } = await import('../../demo/demo.ts');
      const { storeState } = await import('../../platform/startup.ts');
      await withKeys(config, async (store, keys) => {
        if (!(await isEmpty(store.db)))
          throw new UsageError('the store already holds schools; the demo is only seeded into an empty store');
        // Its admin's password is in the README: never beside a real account (issue 16).
        if ((await storeState(store.db)).users > 0)
          throw new UsageError('the store already has users; the demo is only seeded into an empty store');
        await seedDemo(store.db, keys, config.DISCLOSURE_K);
      });
      io.out('Demo network seeded.\n');
    },
  },

  'demo:remove': {
    summary: 'remove the labelled demo network (schools, their waves, the demo accounts)',
    synopsis: 'demo:remove',
    description: [
      'Remove the labelled demo network from the store, as the admin console does: the twelve demo schools, every wave',
      'they take part in (responses, comments, codes and keys), and the demo accounts, whose password is in the README.',
      'Published questionnaires stay. Refused while a wave mixes demo and other schools. Audited.',
    ],
    run: async ({ config, io }) => {
      const { DemoRemovalError, removeDemo } = await import('../../demo/demo-removal.ts');
      const removed = await withStore(config, (store) =>
        removeDemo(store.db, CLI_ACTOR).catch((err: unknown) => {
          throw err instanceof DemoRemovalError ? new UsageError(err.message) : err;
        }),
      );
      io.out(`Demo network removed: ${removed.schools} schools, ${removed.waves} waves, ${removed.users} accounts.\n`);
    },
  },
};
