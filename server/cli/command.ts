import { readFile } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../platform/config.ts';
import type { Store } from '../db/connect.ts';
import type { Role } from '../db/schema.ts';
import { translator } from '../platform/i18n.ts';
import { CLI_ACTOR } from '../platform/audit-log.ts';
import { decodeText } from '../platform/upload.ts';
import { isUuid, problemLines, type Problem } from '../platform/problems.ts';

/**
 * What every command of the command line is made of, and the helpers they share. Commands write
 * through `io` (the terminal, or a test that runs them in its own process) and read the
 * configuration they are given, never `process` itself.
 */

/** Where a command's output goes, and the environment it was started with. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

// The database and domain modules are loaded by the commands that need them, so that `--help`
// and argument errors answer at once.
export const waves = () => import('../waves.ts');
export const adminWaves = () => import('../admin/waves.ts');

/** Messages in English on the command line. */
export const t = translator('en');

export { CLI_ACTOR };
export const ROLES = ['admin', 'rep', 'researcher'] as const satisfies readonly Role[];

/** A refusal the user can act on: printed without a stack, exit code 1. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
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
  /** Resolves to the exit status when it is not 0 (output already written). */
  run(args: {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
    config: Config;
    io: CliIo;
  }): Promise<number | void>;
}

export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const { openConfiguredStore } = await import('../platform/store.ts');
  const store = await openConfiguredStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The store and the master key's view of its wave keys; a missing or invalid master key is a refusal, not a crash. */
export async function withKeys<T>(
  config: Config,
  fn: (store: Store, keys: import('../encryption/wave-keys.ts').WaveKeys) => Promise<T>,
): Promise<T> {
  const { resolveMasterKey, MasterKeyError } = await import('../encryption/master-key.ts');
  const { WaveKeys } = await import('../encryption/wave-keys.ts');
  const { master } = await resolveMasterKey(config).catch((err) => {
    throw err instanceof MasterKeyError ? new UsageError(err.message) : err;
  });
  return withStore(config, (store) => fn(store, new WaveKeys(store.db, master)));
}

export function refuse(what: string, problems: Problem[], labels: Record<string, string> = {}): never {
  throw new UsageError(`${what}\n${problemLines(t, problems, labels)}`);
}

/** A refused wave action (`WaveError`) as a message; other errors as they are. */
export async function waveMessage(err: unknown): Promise<never> {
  const { WaveError } = await waves();
  if (err instanceof WaveError) throw new UsageError(t(`admin.waves.error.${err.reason}`));
  throw err;
}
export const waveRefusal = (reason: string): never => {
  throw new UsageError(t(`admin.waves.error.${reason}`));
};

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : typeof v === 'string' ? [v] : [])
    .flatMap((s: string) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);

export function requireId(value: string, what: string): string {
  if (!value) throw new UsageError(`${what} is required`);
  if (!isUuid(value)) throw new UsageError(`${what} "${value}" is not an id (expected a UUID such as 0b6c…-…)`);
  return value;
}

export async function readText(file: string): Promise<string> {
  try {
    return decodeText(await readFile(file));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
