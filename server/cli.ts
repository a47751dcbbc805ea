import { runCli } from './cli/run.ts';

// `npm run cli -- <command>`: the commands are in cli/commands/, one file per group.
process.exitCode = await runCli(
  process.argv.slice(2),
  { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  process.env,
);
