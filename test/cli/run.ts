import { execFile } from 'node:child_process';
import { runCli } from '../../server/cli/run.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const baseEnv = (env: Record<string, string | undefined>) => ({ ...process.env, DATABASE_URL: undefined, LOG_LEVEL: 'silent', ...env });

/**
 * Runs a command of the command line in this process (`runCli`, what `npm run cli` calls): the
 * suite runs dozens, and a process each (Node, tsx, a store) cost a second or more every time.
 * `cliProcess` runs the real entry point for what only a process shows (exit status, output).
 */
export async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) }, baseEnv(env));
  return { code, stdout, stderr };
}

/** `server/cli.ts …` as a child process, with Node and tsx's loader as `npm run cli` starts it. */
export function cliProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/cli.ts', ...args],
      { env: baseEnv(env), maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
