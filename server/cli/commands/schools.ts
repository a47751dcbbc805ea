import { CLI_ACTOR, type Command, readText, refuse, requireId, str, withStore } from '../command.ts';
import { LIST_HELP, LIST_OPTIONS, listFilter, lists, printList, SCHOOL_SORT_NAMES, yesNo } from '../lists.ts';

export const schoolCommands: Record<string, Command> = {
  'school:import': {
    summary: 'import schools from a CSV file (all or nothing)',
    synopsis: 'school:import FILE',
    description: [
      'Import schools from a CSV file (header line; columns name, school level, municipality, staff count and',
      'optionally school number and province; Dutch names naam, niveau, gemeente, personeel, instellingsnummer,',
      'provincie work too;',
      '";" or "," as delimiter). `school:list` then shows their ids.',
      'All or nothing: any problem is reported with its line and column and nothing is imported.',
    ],
    positionals: 1,
    run: async ({ positionals, config, io }) => {
      const file = positionals[0]!;
      const text = await readText(file);
      const { importSchools } = await import('../../admin/school-import.ts');
      const result = await withStore(config, (store) => importSchools(store.db, text, CLI_ACTOR));
      if (!result.ok) refuse(`${file}: nothing was imported:`, result.problems);
      io.out(`Imported ${result.value.count} schools.\n`);
    },
  },

  'school:list': {
    summary: 'list schools (search, filters; table or --json)',
    synopsis: 'school:list [--search TEXT] [--group G] [--municipality M] [--wave ID] [--active yes|no] [--sort S] [--desc] [--json]',
    description: [
      'List schools with their ids and school numbers, as the admin console does: searched, filtered and sorted in the database.',
    ],
    options: {
      ...LIST_OPTIONS,
      group: { type: 'string' },
      municipality: { type: 'string' },
      wave: { type: 'string' },
      active: { type: 'string' },
    },
    optionHelp: [
      '--search TEXT        in the name or municipality, or an exact school number',
      '--group G            one benchmark group',
      '--municipality M     one municipality',
      '--wave ID            schools taking part in this wave',
      '--active yes|no      active or inactive schools only',
      `--sort S             ${SCHOOL_SORT_NAMES.join('|')} (default name)`,
      ...LIST_HELP,
    ],
    run: async ({ values, config, io }) => {
      const { findSchools } = await lists();
      const wave = str(values['wave']);
      if (wave) requireId(wave, '--wave');
      const filter = {
        ...listFilter(values, SCHOOL_SORT_NAMES),
        ...(str(values['group']) ? { group: str(values['group']).trim().toLowerCase() } : {}),
        ...(str(values['municipality']) ? { municipality: str(values['municipality']) } : {}),
        ...(wave ? { wave } : {}),
        ...yesNo(values['active'], '--active', 'active'),
      };
      const found = await withStore(config, (store) => findSchools(store.db, filter));
      printList(io, values, found, ['id', 'number', 'name', 'benchmarkGroup', 'municipality', 'staffCount', 'active']);
    },
  },
};
