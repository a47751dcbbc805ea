import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../platform/config.ts';
import { UsageError, type CliIo, type Command } from './command.ts';
import { storeCommands } from './commands/store.ts';
import { schoolCommands } from './commands/schools.ts';
import { questionnaireCommands } from './commands/questionnaires.ts';
import { waveCommands } from './commands/waves.ts';
import { keyCommands } from './commands/keys.ts';
import { userCommands } from './commands/users.ts';

/**
 * Command-line operations on the configured store (PGlite under DATA_DIR, or DATABASE_URL). The
 * admin commands share their logic with the admin console (the same domain functions); the
 * command line has no account, so the audit log names it "command line". `npm run cli` runs
 * `server/cli.ts`, which hands the terminal to `runCli`; tests call `runCli` in their own process.
 */
export const COMMANDS: Record<string, Command> = {
  ...storeCommands,
  ...schoolCommands,
  ...questionnaireCommands,
  ...waveCommands,
  ...keyCommands,
  ...userCommands,
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
  return [
    `Usage: npm run cli -- ${c.synopsis}`,
    '',
    ...c.description,
    ...(c.optionHelp ? ['', 'Options:', ...c.optionHelp.map((o) => `  ${o}`)] : []),
    '',
  ].join('\n');
}

async function run(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number | void> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError(
      `${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}\n\n${commandHelp(name, command)}`,
    );
  }
  if (parsed.values.help) {
    io.out(commandHelp(name, command));
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
    config = loadConfig(env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return command.run({ values: parsed.values, positionals: parsed.positionals, config, io });
}

/** Runs one command; resolves to its exit status. Any failure is one line on `err`, never a stack. */
export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    return (await run(argv, io, env)) ?? 0;
  } catch (err) {
    io.err(`Error: ${(err as Error).message}\n`);
    return 1;
  }
}
