import { execFile } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `server/cli.ts …` as a child process, as an operator's `npm run cli` does — with Node and
 * tsx's loader directly (`node --import tsx`), not through npx and the tsx command, which start two
 * more processes: 1.2 s a command instead of 1.9 s, and the suite runs dozens.
 */
export function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/cli.ts', ...args],
      { env: { ...process.env, DATABASE_URL: undefined, LOG_LEVEL: 'silent', ...env }, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
