import type { Role } from '../../db/schema.ts';
import { CLI_ACTOR, type Command, ROLES, UsageError, list, refuse, requireId, str, withStore } from '../command.ts';
import { LIST_HELP, LIST_OPTIONS, listFilter, lists, printList, USER_SORT_NAMES, yesNo } from '../lists.ts';

export const userCommands: Record<string, Command> = {
  'user:add': {
    summary: 'create a staff account',
    synopsis: 'user:add --role ROLE --email EMAIL [--school ID] [--password P] [--lang nl|en]',
    description: [
      'Create a staff account. Without --password a password is generated and printed once.',
      '(A password given on the command line may be kept in the shell history; prefer a generated one.)',
    ],
    options: {
      role: { type: 'string' },
      email: { type: 'string' },
      school: { type: 'string', multiple: true },
      password: { type: 'string' },
      lang: { type: 'string' },
    },
    optionHelp: [
      `--role ROLE          ${ROLES.join(' | ')}`,
      '--email EMAIL        the sign-in e-mail address',
      '--school ID          a school of a rep (repeat, or comma-separated)',
      '--password P         at least 12 characters (default: generated)',
      '--lang nl|en         language of the account (default nl)',
    ],
    run: async ({ values, config, io }) => {
      if (!str(values['role'])) throw new UsageError(`--role is required (${ROLES.join(', ')})`);
      if (!str(values['email'])) throw new UsageError('--email is required');
      const { addUser } = await import('../../staff/users.ts');
      const result = await withStore(config, (store) =>
        addUser(
          store.db,
          {
            email: str(values['email']),
            role: str(values['role']),
            schools: list(values['school']),
            lang: str(values['lang']) || 'nl',
            ...(str(values['password']) ? { password: str(values['password']) } : {}),
          },
          CLI_ACTOR,
        ),
      );
      if (!result.ok)
        refuse('no account was created:', result.problems, {
          email: '--email',
          role: '--role',
          schools: '--school',
          password: '--password',
          lang: '--lang',
        });
      io.out(`Created ${str(values['role'])} ${str(values['email']).trim()}: ${result.value.id}\n`);
      if (result.value.generatedPassword) io.out(`Password (shown once): ${result.value.generatedPassword}\n`);
    },
  },

  'user:list': {
    summary: 'list staff accounts (search, filters; table or --json)',
    synopsis:
      'user:list [--search TEXT] [--role admin|rep|researcher] [--active yes|no] [--two-factor on|off] [--school ID] [--sort S] [--desc] [--json]',
    description: [
      'List staff accounts with their ids, role, status, two-step verification and (reps) number of schools. Never a password or secret.',
    ],
    options: {
      ...LIST_OPTIONS,
      role: { type: 'string' },
      active: { type: 'string' },
      'two-factor': { type: 'string' },
      school: { type: 'string' },
    },
    optionHelp: [
      '--search TEXT        in the e-mail address',
      '--role R             admin, rep or researcher',
      '--active yes|no      active or inactive accounts only',
      '--two-factor on|off  with or without two-step verification',
      '--school ID          reps of this school',
      `--sort S             ${USER_SORT_NAMES.join('|')} (default email)`,
      ...LIST_HELP,
    ],
    run: async ({ values, config, io }) => {
      const { findUsers } = await lists();
      const role = str(values['role']);
      if (role && !(ROLES as readonly string[]).includes(role))
        throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${role}"`);
      const twoFactor = str(values['two-factor']);
      if (twoFactor && twoFactor !== 'on' && twoFactor !== 'off')
        throw new UsageError(`--two-factor must be on or off, not "${twoFactor}"`);
      const school = str(values['school']);
      if (school) requireId(school, '--school');
      const filter = {
        ...listFilter(values, USER_SORT_NAMES),
        ...(role ? { role: role as Role } : {}),
        ...yesNo(values['active'], '--active', 'active'),
        ...(twoFactor ? { twoFactor: twoFactor as 'on' | 'off' } : {}),
        ...(school ? { school } : {}),
      };
      const found = await withStore(config, (store) => findUsers(store.db, filter));
      printList(
        io,
        values,
        {
          ...found,
          rows: found.rows.map((u) => ({
            id: u.id,
            email: u.email,
            role: u.role,
            active: u.active,
            twoFactor: u.twoFactor,
            schools: u.schoolCount,
          })),
        },
        ['id', 'email', 'role', 'active', 'twoFactor', 'schools'],
      );
    },
  },

  'user:reset-2fa': {
    summary: 'clear the two-step verification of an account (a lost phone)',
    synopsis: 'user:reset-2fa --email EMAIL',
    description: [
      'Turns off two-step verification of the account and signs it out everywhere. The user then signs',
      'in with the password alone; an admin is asked to enrol again before anything else.',
    ],
    options: { email: { type: 'string' } },
    optionHelp: ['--email EMAIL        the sign-in e-mail address'],
    run: async ({ values, config, io }) => {
      if (!str(values['email'])) throw new UsageError('--email is required');
      const { resetTwoFactor, userIdByEmail } = await import('../../staff/users.ts');
      const done = await withStore(config, async (store) => {
        const id = await userIdByEmail(store.db, str(values['email']));
        return id && (await resetTwoFactor(store.db, id, CLI_ACTOR)) ? id : null;
      });
      if (!done) throw new UsageError(`no account with e-mail ${str(values['email']).trim()}`);
      io.out(`Two-step verification cleared for ${str(values['email']).trim()}: ${done}\n`);
    },
  },
};
