import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKind, testStore, type TestStore } from '../helpers/store.ts';
import { cli, cliProcess } from './run.ts';
import { testMasterText } from '../helpers/app.ts';
import { preparedDataDir } from '../helpers/data-dir.ts';

/** Help and clear refusals, on either store (PGlite: a file store of its own under a temporary DATA_DIR). */
describe(`command line: help and errors (${storeKind})`, { timeout: 300_000 }, () => {
  let dir: string;
  let store: TestStore | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sp-cli-'));
    if (storeKind === 'postgres') {
      store = await testStore();
      // On PostgreSQL the command line, like the server, needs the master key (wave:open makes a wave's key).
      env = { DATABASE_URL: store.url!, SCHOOLPOLS_KEY: testMasterText };
    } else {
      env = { DATA_DIR: await preparedDataDir(path.join(dir, 'data')) };
    }
  });
  afterAll(async () => {
    await store?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every command, and explains each with --help', async () => {
    const all = await cli(['--help'], env);
    expect(all.code).toBe(0);
    const commands = [
      'migrate',
      'demo',
      'school:import',
      'questionnaire:publish',
      'wave:create',
      'wave:open',
      'wave:close',
      'codes:generate',
      'user:add',
      'user:reset-2fa',
    ];
    for (const c of commands) expect(all.stdout).toContain(`  ${c}`);
    const helps = await Promise.all(commands.map((c) => cli([c, '--help'], env)));
    helps.forEach((h, i) => {
      expect(h.code, commands[i]).toBe(0);
      expect(h.stdout, commands[i]).toContain(`Usage: npm run cli -- ${commands[i]}`);
    });
    expect(helps[4]!.stdout).toContain('--schools IDS|all');
    expect(helps[7]!.stdout).toContain('--format csv|html');
  });

  it('answers through the real entry point (npm run cli) with its exit status', async () => {
    const [help, unknown, refused] = await Promise.all([
      cliProcess(['--help'], env),
      cliProcess(['wave:frobnicate'], env),
      cliProcess(['wave:open', 'twelve'], env),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('  wave:close ID');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^Error: unknown command "wave:frobnicate"/);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: the wave id "twelve" is not an id/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses bad arguments with a clear message and exit code 1', async () => {
    const cases: Array<{ args: string[]; message: RegExp }> = [
      { args: ['wave:frobnicate'], message: /unknown command "wave:frobnicate"/ },
      { args: ['wave:open'], message: /wave:open takes 1 argument, got 0/ },
      { args: ['wave:open', 'twelve'], message: /the wave id "twelve" is not an id/ },
      { args: ['wave:create', '--name', 'X', '--colour', 'red'], message: /Unknown option '--colour'/ },
      { args: ['wave:create', '--name', 'X'], message: /--questionnaire is required/ },
      {
        args: [
          'codes:generate',
          '--wave',
          '00000000-0000-4000-8000-000000000000',
          '--school',
          '00000000-0000-4000-8000-000000000000',
          '--format',
          'pdf',
        ],
        message: /--format must be csv or html, not "pdf"/,
      },
      {
        args: [
          'codes:generate',
          '--wave',
          '00000000-0000-4000-8000-000000000000',
          '--all',
          '--school',
          '00000000-0000-4000-8000-000000000000',
        ],
        message: /--all gives every school its staff count as CSV; leave out --school/,
      },
      {
        args: ['codes:generate', '--wave', '00000000-0000-4000-8000-000000000000', '--all', '--format', 'html'],
        message: /leave out --school, --count and --format/,
      },
      { args: ['user:add', '--email', 'x@example.org'], message: /--role is required/ },
      { args: ['school:import', path.join(tmpdir(), 'does-not-exist.csv')], message: /cannot read .*does-not-exist\.csv: ENOENT/ },
    ];
    const results = await Promise.all(cases.map((c) => cli(c.args, env)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]!.args.join(' ')).toBe(1);
      expect(r.stderr, cases[i]!.args.join(' ')).toMatch(/^Error: /);
      expect(r.stderr, cases[i]!.args.join(' ')).toMatch(cases[i]!.message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  });

  it('refuses a bad CSV and an invalid questionnaire against the store, naming line/column and JSON path', async () => {
    const csv = path.join(dir, 'bad.csv');
    writeFileSync(csv, 'naam;niveau;personeel\nGoede School;secundair;12\nSlechte School;secundair;twaalf\n');
    const r1 = await cli(['school:import', csv], env);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('nothing was imported');
    expect(r1.stderr).toContain('line 3, column 3 (personeel): Give a whole number from 0 to 100000.');
    const json = path.join(dir, 'bad.json');
    writeFileSync(json, JSON.stringify({ id: 'x', version: 1, title: { nl: 'x' } }));
    const r2 = await cli(['questionnaire:publish', json], env);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('title.en: is missing');
    expect(r2.stderr).toContain('themes: is missing');
    const r3 = await cli(['wave:open', '00000000-0000-4000-8000-000000000000'], env);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('Error: This wave does not exist.');
    if (store) {
      expect(await store.db.selectFrom('school').select('id').execute()).toEqual([]);
      expect(await store.db.selectFrom('questionnaire').select('id').execute()).toEqual([]);
    }
  });
});
