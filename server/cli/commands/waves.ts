import {
  CLI_ACTOR,
  type Command,
  UsageError,
  adminWaves,
  list,
  refuse,
  requireId,
  str,
  waveMessage,
  waveRefusal,
  waves,
  withKeys,
  withStore,
} from '../command.ts';
import { LIST_HELP, LIST_OPTIONS, listFilter, lists, printList, WAVE_SORT_NAMES } from '../lists.ts';

export const waveCommands: Record<string, Command> = {
  'wave:create': {
    summary: 'create a wave (draft)',
    synopsis: 'wave:create --name NAME --questionnaire ID --schools ID,ID|all [--k K]',
    description: ['Create a wave (draft) for a questionnaire version and schools. k is fixed from then on.'],
    options: {
      name: { type: 'string' },
      questionnaire: { type: 'string' },
      schools: { type: 'string', multiple: true },
      k: { type: 'string' },
    },
    optionHelp: [
      '--name NAME          the name of the wave',
      '--questionnaire ID   the id of a published questionnaire version',
      '--schools IDS|all    school ids, comma-separated (or repeated), or "all" active schools',
      '--k K                minimum group size (default DISCLOSURE_K, at least 3)',
    ],
    run: async ({ values, config, io }) => {
      if (!str(values['name'])) throw new UsageError('--name is required');
      if (!str(values['questionnaire'])) throw new UsageError('--questionnaire is required');
      const schools = list(values['schools']);
      if (!schools.length) throw new UsageError('--schools is required (ids, or "all")');
      const { createWave } = await waves();
      const { checkNewWave } = await adminWaves();
      const id = await withStore(config, async (store) => {
        const checked = await checkNewWave(
          store.db,
          {
            name: str(values['name']),
            questionnaireId: str(values['questionnaire']),
            schools: schools.length === 1 && schools[0] === 'all' ? 'all' : schools,
            k: str(values['k']),
          },
          config.DISCLOSURE_K,
        );
        if (!checked.ok)
          refuse('nothing was created:', checked.problems, {
            name: '--name',
            questionnaireId: '--questionnaire',
            schools: '--schools',
            k: '--k',
          });
        return createWave(store.db, checked.value, CLI_ACTOR);
      });
      io.out(`${id}\n`);
    },
  },

  'wave:open': {
    summary: 'open a draft wave',
    synopsis: 'wave:open ID',
    description: ['Open a draft wave: its access codes start to work.'],
    positionals: 1,
    run: async ({ positionals, config, io }) => {
      const id = requireId(positionals[0]!, 'the wave id');
      const { openWave } = await waves();
      await withKeys(config, (store, keys) => openWave(store.db, id, CLI_ACTOR, keys).catch(waveMessage));
      io.out(`Wave ${id} is open.\n`);
    },
  },

  'wave:close': {
    summary: 'close and seal an open wave',
    synopsis: 'wave:close ID',
    description: ['Close and seal an open wave (final): responses are rewritten in random order, codes stop working.'],
    positionals: 1,
    run: async ({ positionals, config, io }) => {
      const id = requireId(positionals[0]!, 'the wave id');
      const { sealWave } = await import('../../sealing/sealing.ts');
      await withKeys(config, async (store, keys) => {
        const wave = await store.db.selectFrom('wave').select('status').where('id', '=', id).executeTakeFirst();
        if (!wave) return waveRefusal('not-found');
        if (wave.status === 'closed') return waveRefusal('already-closed');
        const { alreadyClosed, unstored } = await sealWave(store.db, keys, id, CLI_ACTOR).catch(waveMessage);
        if (alreadyClosed) waveRefusal('already-closed');
        if (unstored)
          io.err(`Sums and disclosure decisions were not stored (${unstored.message}); the first view of the wave makes them.\n`);
      });
      io.out(`Wave ${id} is closed and sealed.\n`);
    },
  },

  'wave:list': {
    summary: 'list waves (search, filters; table or --json)',
    synopsis: 'wave:list [--search TEXT] [--status draft|open|closed] [--school ID] [--sort S] [--desc] [--json]',
    description: ['List waves with their ids, status, questionnaire and number of schools, newest first.'],
    options: { ...LIST_OPTIONS, status: { type: 'string' }, school: { type: 'string' } },
    optionHelp: [
      '--search TEXT        in the name',
      '--status S           draft, open or closed',
      '--school ID          waves this school takes part in',
      `--sort S             ${WAVE_SORT_NAMES.join('|')} (default created, newest first)`,
      ...LIST_HELP,
    ],
    run: async ({ values, config, io }) => {
      const { findWaves } = await lists();
      const status = str(values['status']);
      if (status && !['draft', 'open', 'closed'].includes(status))
        throw new UsageError(`--status must be draft, open or closed, not "${status}"`);
      const school = str(values['school']);
      if (school) requireId(school, '--school');
      const filter = {
        ...listFilter(values, WAVE_SORT_NAMES),
        ...(status ? { status: status as 'draft' | 'open' | 'closed' } : {}),
        ...(school ? { school } : {}),
      };
      const found = await withStore(config, (store) => findWaves(store.db, filter));
      printList(
        io,
        values,
        {
          ...found,
          rows: found.rows.map((w) => ({
            id: w.id,
            name: w.name,
            status: w.status,
            sealed: w.sealed,
            k: w.k,
            created: w.createdAt.toISOString(),
            questionnaire: `${w.questionnaire.key} v${w.questionnaire.version}`,
            questionnaireId: w.questionnaire.id,
            schools: w.schools,
          })),
        },
        ['id', 'name', 'status', 'k', 'schools', 'questionnaire', 'created'],
      );
    },
  },

  'codes:generate': {
    summary: 'generate access codes (printed once, as CSV or HTML slips)',
    synopsis: 'codes:generate --wave ID (--school ID [--count N] [--format csv|html] | --all) [--url BASE]',
    description: [
      'Generate access codes for a school in a draft or open wave and print them to stdout, once:',
      'as CSV (default) or as a printable HTML sheet of slips with QR codes. Only hashes are stored.',
      'Redirect the output to a file; the codes are not shown again.',
    ],
    options: {
      wave: { type: 'string' },
      school: { type: 'string' },
      all: { type: 'boolean' },
      count: { type: 'string' },
      format: { type: 'string' },
      url: { type: 'string' },
    },
    optionHelp: [
      '--wave ID            the wave',
      '--school ID          a school taking part in the wave',
      '--all                every school of the wave, each its staff count, as one CSV (one transaction)',
      "--count N            how many codes (default: the school's staff count; at most 5000)",
      '--format csv|html    CSV (default) or printable slips',
      '--url BASE           base of the answer URL (default PUBLIC_URL, else http://localhost:PORT)',
    ],
    run: async ({ values, config, io }) => {
      const waveId = requireId(str(values['wave']), '--wave');
      const all = values['all'] === true;
      if (all && (str(values['school']) || str(values['count']) || (str(values['format']) && str(values['format']) !== 'csv'))) {
        throw new UsageError('--all gives every school its staff count as CSV; leave out --school, --count and --format');
      }
      const schoolId = all ? '' : requireId(str(values['school']), '--school');
      const format = str(values['format']) || 'csv';
      if (format !== 'csv' && format !== 'html') throw new UsageError(`--format must be csv or html, not "${format}"`);
      const base = str(values['url']) || config.PUBLIC_URL || `http://localhost:${config.PORT}`;
      if (!/^https?:\/\/[^\s/]+/.test(base)) throw new UsageError(`--url must start with http:// or https://, not "${base}"`);
      if (!str(values['url']) && !config.PUBLIC_URL) io.err(`Note: PUBLIC_URL is not set; the slips point to ${base}\n`);
      const { checkCodeRequest, generateCodes, generateCodesForAllSchools, slipsDocument } = await import('../../admin/code-slips.ts');
      const output = await withStore(config, async (store) => {
        const wave = await store.db.selectFrom('wave').select('status').where('id', '=', waveId).executeTakeFirst();
        if (!wave) return waveRefusal('not-found');
        if (wave.status === 'closed') return waveRefusal('already-closed');
        if (all) return (await generateCodesForAllSchools(store.db, waveId, base, CLI_ACTOR).catch(waveMessage)).csv;
        const checked = await checkCodeRequest(store.db, waveId, { schoolId, count: str(values['count']), format });
        if (!checked.ok)
          refuse('no codes were generated:', checked.problems, { schoolId: '--school', count: '--count', format: '--format' });
        const generated = await generateCodes(store.db, waveId, checked.value, base, CLI_ACTOR).catch(waveMessage);
        return generated.format === 'csv' ? generated.csv : await slipsDocument(generated.sheet);
      });
      io.out(output);
    },
  },
};
