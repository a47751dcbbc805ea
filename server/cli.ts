import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from './platform/config.ts';
import type { Store } from './db/connect.ts';
import type { Role } from './db/schema.ts';
import { translator } from './platform/i18n.ts';
import type { Actor } from './platform/audit-log.ts';
import { decodeText } from './platform/upload.ts';
import { isUuid, problemLines, type Problem } from './platform/problems.ts';

// The database and domain modules are loaded by the commands that need them, so that `--help`
// and argument errors answer at once.
const waves = () => import('./waves.ts');
const adminWaves = () => import('./admin/waves.ts');

/**
 * Command-line operations on the configured store (PGlite under DATA_DIR, or DATABASE_URL). The
 * admin commands share their logic with the admin console (the same domain functions); the
 * command line has no account, so the audit log names it "command line".
 */

/** Messages in English on the command line. */
const t = translator('en');

/** The command line has no account; the audit log names it "command line" (user_id null). */
const CLI_ACTOR: Actor = { userId: null };
const ROLES = ['admin', 'rep', 'researcher'] as const satisfies readonly Role[];

/** A refusal the user can act on: printed without a stack, exit code 1. */
class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

interface Command {
  /** one line: name and arguments */
  synopsis: string;
  /** what it does, in one short line, for the list of commands */
  summary: string;
  /** what it does, for `--help` */
  description: string[];
  options?: Options;
  /** option descriptions for `--help` */
  optionHelp?: string[];
  positionals?: number;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[]; config: Config }): Promise<void>;
}

async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const { openConfiguredStore } = await import('./platform/store.ts');
  const store = await openConfiguredStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The store and the master key's view of its wave keys; a missing or invalid master key is a refusal, not a crash. */
async function withKeys<T>(config: Config, fn: (store: Store, keys: import('./encryption/wave-keys.ts').WaveKeys) => Promise<T>): Promise<T> {
  const { resolveMasterKey, MasterKeyError } = await import('./encryption/master-key.ts');
  const { WaveKeys } = await import('./encryption/wave-keys.ts');
  const { master } = await resolveMasterKey(config).catch((err) => {
    throw err instanceof MasterKeyError ? new UsageError(err.message) : err;
  });
  return withStore(config, (store) => fn(store, new WaveKeys(store.db, master)));
}

function refuse(what: string, problems: Problem[], labels: Record<string, string> = {}): never {
  throw new UsageError(`${what}\n${problemLines(t, problems, labels)}`);
}

/** A refused wave action (`WaveError`) as a message; other errors as they are. */
async function waveMessage(err: unknown): Promise<never> {
  const { WaveError } = await waves();
  if (err instanceof WaveError) throw new UsageError(t(`admin.waves.error.${err.reason}`));
  throw err;
}
const waveRefusal = (reason: string): never => {
  throw new UsageError(t(`admin.waves.error.${reason}`));
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).flatMap((s: string) => s.split(',')).map((s) => s.trim()).filter(Boolean);

function requireId(value: string, what: string): string {
  if (!value) throw new UsageError(`${what} is required`);
  if (!isUuid(value)) throw new UsageError(`${what} "${value}" is not an id (expected a UUID such as 0b6c…-…)`);
  return value;
}

async function readText(file: string): Promise<string> {
  try {
    return decodeText(await readFile(file));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

// ---- Listing (school:list, wave:list, user:list): the admin console's lists, for scripts -------------

const lists = () => import('./admin/lists.ts');
const SCHOOL_SORT_NAMES = ['name', 'number', 'group', 'municipality', 'staff'] as const;
const WAVE_SORT_NAMES = ['created', 'name', 'status'] as const;
const USER_SORT_NAMES = ['email', 'role'] as const;
const LIST_OPTIONS: Options = { search: { type: 'string' }, sort: { type: 'string' }, desc: { type: 'boolean' }, limit: { type: 'string' }, page: { type: 'string' }, json: { type: 'boolean' } };
const LIST_HELP = [
  '--desc               sort descending (waves by creation: always newest first)',
  '--limit N            at most N rows (default: all, up to 10000)',
  '--page P             with --limit: the P-th page of N rows',
  '--json               JSON ({ total, page, pages, rows }) instead of a table',
];

function positiveInt(v: unknown, option: string): number | undefined {
  const s = str(v);
  if (!s) return undefined;
  if (!/^\d{1,6}$/.test(s) || Number(s) < 1) throw new UsageError(`${option} must be a whole number of at least 1, not "${s}"`);
  return Number(s);
}

function yesNo(v: unknown, option: string, key: 'active'): { active?: 'yes' | 'no' } {
  const s = str(v);
  if (!s) return {};
  if (s !== 'yes' && s !== 'no') throw new UsageError(`${option} must be yes or no, not "${s}"`);
  return { [key]: s };
}

function listFilter<S extends string>(values: Record<string, unknown>, sorts: readonly S[]): { q?: string; sort?: S; dir?: 'asc' | 'desc'; page?: number; pageSize: number } {
  const sort = str(values['sort']);
  if (sort && !(sorts as readonly string[]).includes(sort)) throw new UsageError(`--sort must be one of ${sorts.join(', ')}, not "${sort}"`);
  const limit = positiveInt(values['limit'], '--limit');
  const page = positiveInt(values['page'], '--page');
  if (page && !limit) throw new UsageError('--page needs --limit');
  return {
    ...(str(values['search']) ? { q: str(values['search']) } : {}),
    ...(sort ? { sort: sort as S } : {}),
    ...(values['desc'] === true ? { dir: 'desc' as const } : {}),
    ...(page ? { page } : {}),
    pageSize: Math.min(limit ?? 10_000, 10_000),
  };
}

/** A list as a table (columns padded) or as JSON; a line on stderr says when rows were left out. */
function printList(values: Record<string, unknown>, found: { rows: object[]; total: number; page: number; pages: number }, columns: string[]) {
  if (values['json'] === true) {
    process.stdout.write(`${JSON.stringify({ total: found.total, page: found.page, pages: found.pages, rows: found.rows }, null, 2)}\n`);
    return;
  }
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v).replace(/\s+/g, ' '));
  const table = [columns, ...found.rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])))];
  const widths = columns.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  process.stdout.write(table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
  if (found.rows.length < found.total) process.stderr.write(`${found.rows.length} of ${found.total} shown (page ${found.page} of ${found.pages}); use --limit and --page for more.\n`);
}

const COMMANDS: Record<string, Command> = {
  migrate: {
    summary: 'bring the database schema up to date',
    synopsis: 'migrate',
    description: ['Bring the database schema up to date.'],
    run: async ({ config }) => {
      await withStore(config, async () => {});
      process.stdout.write('Database is up to date.\n');
    },
  },

  demo: {
    summary: 'seed the demo network into an empty store',
    synopsis: 'demo',
    description: ['Seed the demo network into an empty store.'],
    run: async ({ config }) => {
      const { isEmpty, seedDemo } = await import('./demo/demo.ts');
      const { storeState } = await import('./platform/startup.ts');
      await withKeys(config, async (store, keys) => {
        if (!(await isEmpty(store.db))) throw new UsageError('the store already holds schools; the demo is only seeded into an empty store');
        // Its admin's password is in the README: never beside a real account (issue 16).
        if ((await storeState(store.db)).users > 0) throw new UsageError('the store already has users; the demo is only seeded into an empty store');
        await seedDemo(store.db, keys, config.DISCLOSURE_K);
      });
      process.stdout.write('Demo network seeded.\n');
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
    run: async ({ config }) => {
      const { DemoRemovalError, removeDemo } = await import('./demo/demo-removal.ts');
      const removed = await withStore(config, (store) =>
        removeDemo(store.db, CLI_ACTOR).catch((err: unknown) => {
          throw err instanceof DemoRemovalError ? new UsageError(err.message) : err;
        }),
      );
      process.stdout.write(`Demo network removed: ${removed.schools} schools, ${removed.waves} waves, ${removed.users} accounts.\n`);
    },
  },

  'school:import': {
    summary: 'import schools from a CSV file (all or nothing)',
    synopsis: 'school:import FILE',
    description: [
      'Import schools from a CSV file (header line; columns name, school level, municipality, staff count and',
      'optionally school number; Dutch names naam, niveau, gemeente, personeel, instellingsnummer work too;',
      '";" or "," as delimiter). `school:list` then shows their ids.',
      'All or nothing: any problem is reported with its line and column and nothing is imported.',
    ],
    positionals: 1,
    run: async ({ positionals, config }) => {
      const file = positionals[0]!;
      const text = await readText(file);
      const { importSchools } = await import('./admin/school-import.ts');
      const result = await withStore(config, (store) => importSchools(store.db, text, CLI_ACTOR));
      if (!result.ok) refuse(`${file}: nothing was imported:`, result.problems);
      process.stdout.write(`Imported ${result.value.count} schools.\n`);
    },
  },

  'questionnaire:publish': {
    summary: 'validate and publish a questionnaire version',
    synopsis: 'questionnaire:publish FILE',
    description: [
      'Validate a questionnaire JSON file and publish it as an immutable version. Errors name the JSON path.',
      'A new version of an existing key must have a higher version and keep every earlier item id in its theme.',
    ],
    positionals: 1,
    run: async ({ positionals, config }) => {
      const file = positionals[0]!;
      const text = await readText(file);
      const { publishQuestionnaireText } = await import('./admin/questionnaires.ts');
      const result = await withStore(config, (store) => publishQuestionnaireText(store.db, text, CLI_ACTOR));
      if (!result.ok) refuse(`${file}: nothing was published:`, result.problems);
      const q = result.value.questionnaire;
      process.stdout.write(`Published ${q.id} version ${q.version}: ${result.value.id}\n`);
    },
  },

  'wave:create': {
    summary: 'create a wave (draft)',
    synopsis: 'wave:create --name NAME --questionnaire ID --schools ID,ID|all [--k K]',
    description: ['Create a wave (draft) for a questionnaire version and schools. k is fixed from then on.'],
    options: { name: { type: 'string' }, questionnaire: { type: 'string' }, schools: { type: 'string', multiple: true }, k: { type: 'string' } },
    optionHelp: [
      '--name NAME          the name of the wave',
      '--questionnaire ID   the id of a published questionnaire version',
      '--schools IDS|all    school ids, comma-separated (or repeated), or "all" active schools',
      '--k K                minimum group size (default DISCLOSURE_K, at least 3)',
    ],
    run: async ({ values, config }) => {
      if (!str(values['name'])) throw new UsageError('--name is required');
      if (!str(values['questionnaire'])) throw new UsageError('--questionnaire is required');
      const schools = list(values['schools']);
      if (!schools.length) throw new UsageError('--schools is required (ids, or "all")');
      const { createWave } = await waves();
      const { checkNewWave } = await adminWaves();
      const id = await withStore(config, async (store) => {
        const checked = await checkNewWave(
          store.db,
          { name: str(values['name']), questionnaireId: str(values['questionnaire']), schools: schools.length === 1 && schools[0] === 'all' ? 'all' : schools, k: str(values['k']) },
          config.DISCLOSURE_K,
        );
        if (!checked.ok) refuse('nothing was created:', checked.problems, { name: '--name', questionnaireId: '--questionnaire', schools: '--schools', k: '--k' });
        return createWave(store.db, checked.value, CLI_ACTOR);
      });
      process.stdout.write(`${id}\n`);
    },
  },

  'wave:open': {
    summary: 'open a draft wave',
    synopsis: 'wave:open ID',
    description: ['Open a draft wave: its access codes start to work.'],
    positionals: 1,
    run: async ({ positionals, config }) => {
      const id = requireId(positionals[0]!, 'the wave id');
      const { openWave } = await waves();
      await withKeys(config, (store, keys) => openWave(store.db, id, CLI_ACTOR, keys).catch(waveMessage));
      process.stdout.write(`Wave ${id} is open.\n`);
    },
  },

  'key:generate': {
    summary: 'print a new master key (encrypts the answers of open waves)',
    synopsis: 'key:generate',
    description: [
      'Print a new master key on standard output, e.g. `npm run cli -- key:generate > /etc/schoolpols/master.key`.',
      'Give it to Schoolpols as KEY_FILE (a file holding it, readable by Schoolpols alone) or SCHOOLPOLS_KEY.',
      'It never goes into the database. Keep a copy offline: without it, open waves cannot be sealed.',
    ],
    run: async () => {
      const { generateMasterKeyText } = await import('./encryption/master-key.ts');
      process.stdout.write(`${generateMasterKeyText()}\n`);
    },
  },

  'key:rotate': {
    summary: 're-wrap the keys of open waves under a new master key',
    synopsis: 'key:rotate --new-key-file FILE',
    description: [
      "Re-wrap every open wave's data key under the master key in FILE (made with key:generate), in one transaction;",
      'the configured key (SCHOOLPOLS_KEY or KEY_FILE) must open them all, or nothing changes. Then configure the new key',
      'and destroy the old one: from then on, what the write-ahead log and backups hold of any wave open before is',
      'ciphertext nobody can open. With the embedded default key file, that file is replaced by the new key.',
    ],
    options: { 'new-key-file': { type: 'string' } },
    optionHelp: ['--new-key-file FILE   the new master key (required)'],
    run: async ({ values, config }) => {
      const file = str(values['new-key-file']);
      if (!file) throw new UsageError('--new-key-file is required (make one with `npm run cli -- key:generate > FILE`)');
      const { parseMasterKey, resolveMasterKey, defaultKeyFile } = await import('./encryption/master-key.ts');
      let next;
      try {
        next = parseMasterKey(await readFile(file, 'utf8'));
      } catch (err) {
        throw new UsageError(`${file}: ${(err as Error).message}`);
      }
      const current = await resolveMasterKey(config);
      if (current.master.id === next.id) throw new UsageError('the new key is the configured key');
      const rewrapped = await withKeys(config, (_store, keys) => keys.rotate(next));
      const embedded = !config.SCHOOLPOLS_KEY && !config.KEY_FILE;
      if (embedded) {
        const { rename, writeFile } = await import('node:fs/promises');
        const target = defaultKeyFile(config.dataDir);
        await writeFile(`${target}.new`, `${(await readFile(file, 'utf8')).trim()}\n`, { mode: 0o600 });
        await rename(`${target}.new`, target);
      }
      process.stdout.write(
        `${rewrapped} wave key${rewrapped === 1 ? '' : 's'} re-wrapped under master key ${next.id}.\n` +
          (embedded ? `The key file ${defaultKeyFile(config.dataDir)} now holds the new key.\n` : 'Now configure the new key (SCHOOLPOLS_KEY or KEY_FILE) and restart; then destroy the old key.\n'),
      );
    },
  },

  'audit:anonymity': {
    summary: 'check that nothing links a code to its answers (exit 1 on any finding)',
    synopsis: 'audit:anonymity [--wal DIR]',
    description: [
      'A self-audit a privacy officer or works council can run. Reports, per channel, what was checked and what was found:',
      'open waves hold only ciphertext of fixed length; sealed waves hold no codes and no keys, one inserting transaction, fresh ids;',
      'no table beside responses has a time, address or code column; and, with --wal (PostgreSQL\'s pg_wal or PGlite\'s data',
      'directory) or as a PostgreSQL superuser, that no answer or comment of an open wave appears in the write-ahead log in plaintext.',
      'Exit status 1 when anything is found.',
    ],
    options: { wal: { type: 'string' } },
    optionHelp: ['--wal DIR   a directory of write-ahead log files (or a data directory) to search'],
    run: async ({ values, config }) => {
      const { auditAnonymity, formatAudit } = await import('./sealing/anonymity-audit.ts');
      const report = await withKeys(config, (store, keys) => auditAnonymity(store, keys, { walDir: str(values.wal) || undefined }));
      process.stdout.write(formatAudit(report));
      if (report.findings > 0) process.exitCode = 1;
    },
  },

  'wave:close': {
    summary: 'close and seal an open wave',
    synopsis: 'wave:close ID',
    description: ['Close and seal an open wave (final): responses are rewritten in random order, codes stop working.'],
    positionals: 1,
    run: async ({ positionals, config }) => {
      const id = requireId(positionals[0]!, 'the wave id');
      const { sealWave } = await import('./sealing/sealing.ts');
      await withKeys(config, async (store, keys) => {
        const wave = await store.db.selectFrom('wave').select('status').where('id', '=', id).executeTakeFirst();
        if (!wave) return waveRefusal('not-found');
        if (wave.status === 'closed') return waveRefusal('already-closed');
        const { alreadyClosed, unstored } = await sealWave(store.db, keys, id, CLI_ACTOR).catch(waveMessage);
        if (alreadyClosed) waveRefusal('already-closed');
        if (unstored) process.stderr.write(`Sums and disclosure decisions were not stored (${unstored.message}); the first view of the wave makes them.\n`);
      });
      process.stdout.write(`Wave ${id} is closed and sealed.\n`);
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
    options: { wave: { type: 'string' }, school: { type: 'string' }, all: { type: 'boolean' }, count: { type: 'string' }, format: { type: 'string' }, url: { type: 'string' } },
    optionHelp: [
      '--wave ID            the wave',
      '--school ID          a school taking part in the wave',
      '--all                every school of the wave, each its staff count, as one CSV (one transaction)',
      '--count N            how many codes (default: the school\'s staff count; at most 5000)',
      '--format csv|html    CSV (default) or printable slips',
      '--url BASE           base of the answer URL (default PUBLIC_URL, else http://localhost:PORT)',
    ],
    run: async ({ values, config }) => {
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
      if (!str(values['url']) && !config.PUBLIC_URL) process.stderr.write(`Note: PUBLIC_URL is not set; the slips point to ${base}\n`);
      const { checkCodeRequest, generateCodes, generateCodesForAllSchools, slipsDocument } = await import('./admin/code-slips.ts');
      const output = await withStore(config, async (store) => {
        const wave = await store.db.selectFrom('wave').select('status').where('id', '=', waveId).executeTakeFirst();
        if (!wave) return waveRefusal('not-found');
        if (wave.status === 'closed') return waveRefusal('already-closed');
        if (all) return (await generateCodesForAllSchools(store.db, waveId, base, CLI_ACTOR).catch(waveMessage)).csv;
        const checked = await checkCodeRequest(store.db, waveId, { schoolId, count: str(values['count']), format });
        if (!checked.ok) refuse('no codes were generated:', checked.problems, { schoolId: '--school', count: '--count', format: '--format' });
        const generated = await generateCodes(store.db, waveId, checked.value, base, CLI_ACTOR).catch(waveMessage);
        return generated.format === 'csv' ? generated.csv : await slipsDocument(generated.sheet);
      });
      process.stdout.write(output);
    },
  },

  'user:add': {
    summary: 'create a staff account',
    synopsis: 'user:add --role ROLE --email EMAIL [--school ID] [--password P] [--lang nl|en]',
    description: [
      'Create a staff account. Without --password a password is generated and printed once.',
      '(A password given on the command line may be kept in the shell history; prefer a generated one.)',
    ],
    options: { role: { type: 'string' }, email: { type: 'string' }, school: { type: 'string', multiple: true }, password: { type: 'string' }, lang: { type: 'string' } },
    optionHelp: [
      `--role ROLE          ${ROLES.join(' | ')}`,
      '--email EMAIL        the sign-in e-mail address',
      '--school ID          a school of a rep (repeat, or comma-separated)',
      '--password P         at least 12 characters (default: generated)',
      '--lang nl|en         language of the account (default nl)',
    ],
    run: async ({ values, config }) => {
      if (!str(values['role'])) throw new UsageError(`--role is required (${ROLES.join(', ')})`);
      if (!str(values['email'])) throw new UsageError('--email is required');
      const { addUser } = await import('./staff/users.ts');
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
      if (!result.ok) refuse('no account was created:', result.problems, { email: '--email', role: '--role', schools: '--school', password: '--password', lang: '--lang' });
      process.stdout.write(`Created ${str(values['role'])} ${str(values['email']).trim()}: ${result.value.id}\n`);
      if (result.value.generatedPassword) process.stdout.write(`Password (shown once): ${result.value.generatedPassword}\n`);
    },
  },

  'school:list': {
    summary: 'list schools (search, filters; table or --json)',
    synopsis: 'school:list [--search TEXT] [--group G] [--municipality M] [--wave ID] [--active yes|no] [--sort S] [--desc] [--json]',
    description: ['List schools with their ids and school numbers, as the admin console does: searched, filtered and sorted in the database.'],
    options: { ...LIST_OPTIONS, group: { type: 'string' }, municipality: { type: 'string' }, wave: { type: 'string' }, active: { type: 'string' } },
    optionHelp: [
      '--search TEXT        in the name or municipality, or an exact school number',
      '--group G            one benchmark group',
      '--municipality M     one municipality',
      '--wave ID            schools taking part in this wave',
      '--active yes|no      active or inactive schools only',
      `--sort S             ${SCHOOL_SORT_NAMES.join('|')} (default name)`,
      ...LIST_HELP,
    ],
    run: async ({ values, config }) => {
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
      printList(values, found, ['id', 'number', 'name', 'benchmarkGroup', 'municipality', 'staffCount', 'active']);
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
    run: async ({ values, config }) => {
      const { findWaves } = await lists();
      const status = str(values['status']);
      if (status && !['draft', 'open', 'closed'].includes(status)) throw new UsageError(`--status must be draft, open or closed, not "${status}"`);
      const school = str(values['school']);
      if (school) requireId(school, '--school');
      const filter = {
        ...listFilter(values, WAVE_SORT_NAMES),
        ...(status ? { status: status as 'draft' | 'open' | 'closed' } : {}),
        ...(school ? { school } : {}),
      };
      const found = await withStore(config, (store) => findWaves(store.db, filter));
      printList(values, { ...found, rows: found.rows.map((w) => ({ id: w.id, name: w.name, status: w.status, sealed: w.sealed, k: w.k, created: w.createdAt.toISOString(), questionnaire: `${w.questionnaire.key} v${w.questionnaire.version}`, questionnaireId: w.questionnaire.id, schools: w.schools })) }, ['id', 'name', 'status', 'k', 'schools', 'questionnaire', 'created']);
    },
  },

  'user:list': {
    summary: 'list staff accounts (search, filters; table or --json)',
    synopsis: 'user:list [--search TEXT] [--role admin|rep|researcher] [--active yes|no] [--two-factor on|off] [--school ID] [--sort S] [--desc] [--json]',
    description: ['List staff accounts with their ids, role, status, two-step verification and (reps) number of schools. Never a password or secret.'],
    options: { ...LIST_OPTIONS, role: { type: 'string' }, active: { type: 'string' }, 'two-factor': { type: 'string' }, school: { type: 'string' } },
    optionHelp: [
      '--search TEXT        in the e-mail address',
      '--role R             admin, rep or researcher',
      '--active yes|no      active or inactive accounts only',
      '--two-factor on|off  with or without two-step verification',
      '--school ID          reps of this school',
      `--sort S             ${USER_SORT_NAMES.join('|')} (default email)`,
      ...LIST_HELP,
    ],
    run: async ({ values, config }) => {
      const { findUsers } = await lists();
      const role = str(values['role']);
      if (role && !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${role}"`);
      const twoFactor = str(values['two-factor']);
      if (twoFactor && twoFactor !== 'on' && twoFactor !== 'off') throw new UsageError(`--two-factor must be on or off, not "${twoFactor}"`);
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
      printList(values, { ...found, rows: found.rows.map((u) => ({ id: u.id, email: u.email, role: u.role, active: u.active, twoFactor: u.twoFactor, schools: u.schoolCount })) }, ['id', 'email', 'role', 'active', 'twoFactor', 'schools']);
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
    run: async ({ values, config }) => {
      if (!str(values['email'])) throw new UsageError('--email is required');
      const { resetTwoFactor, userIdByEmail } = await import('./staff/users.ts');
      const done = await withStore(config, async (store) => {
        const id = await userIdByEmail(store.db, str(values['email']));
        return id && (await resetTwoFactor(store.db, id, CLI_ACTOR)) ? id : null;
      });
      if (!done) throw new UsageError(`no account with e-mail ${str(values['email']).trim()}`);
      process.stdout.write(`Two-step verification cleared for ${str(values['email']).trim()}: ${done}\n`);
    },
  },
};

function usage(): string {
  return [
    'Usage: npm run cli -- <command> [options]',
    '       npm run cli -- <command> --help',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.synopsis}\n      ${c.summary}`),
    '',
  ].join('\n');
}

function commandHelp(name: string, c: Command): string {
  return [`Usage: npm run cli -- ${c.synopsis}`, '', ...c.description, ...(c.optionHelp ? ['', 'Options:', ...c.optionHelp.map((o) => `  ${o}`)] : []), ''].join('\n');
}

async function main(argv: string[]) {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...command.options, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}\n\n${commandHelp(name, command)}`);
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(name, command));
    return;
  }
  const expected = command.positionals ?? 0;
  if (parsed.positionals.length !== expected) {
    throw new UsageError(
      `${name} takes ${expected === 0 ? 'no' : expected} argument${expected === 1 ? '' : 's'}, got ${parsed.positionals.length}${parsed.positionals.length ? ` (${parsed.positionals.join(' ')})` : ''}\n\n${commandHelp(name, command)}`,
    );
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  await command.run({ values: parsed.values, positionals: parsed.positionals, config });
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`Error: ${err.message}\n`);
  process.exit(1);
});
