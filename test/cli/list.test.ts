import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKind, testStore, type TestStore } from '../helpers/store.ts';
import { testMasterText } from '../helpers/app.ts';
import { preparedDataDir } from '../helpers/data-dir.ts';
import { SHIPPED_QUESTIONNAIRE } from '../../surveys/load.ts';
import { cli, type CliResult } from './run.ts';

/**
 * `school:list`, `wave:list`, `user:list` (issue 18): the admin console's lists for scripts, with
 * the same filters, as a table or JSON. Checked against the data the test itself imported.
 */
const GROUPS = ['basisonderwijs', 'secundair'] as const;
const TOWNS = ['Gent', 'Hasselt', 'Brugge'] as const;
const SCHOOLS = Array.from({ length: 40 }, (_, i) => ({
  name: `CLI School ${String(i).padStart(2, '0')}`,
  group: GROUPS[i % 2]!,
  town: TOWNS[i % 3]!,
  staff: 10 + i,
  number: String(200000 + ((i * 17) % 40)),
}));

describe(`command line: listing schools, waves and users (${storeKind})`, { timeout: 600_000 }, () => {
  let dir: string;
  let store: TestStore | undefined;
  let env: Record<string, string>;
  const run = async (args: string[], expectCode = 0): Promise<CliResult> => {
    const r = await cli(args, env);
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(expectCode);
    return r;
  };
  const json = async <T>(args: string[]) =>
    JSON.parse((await run([...args, '--json'])).stdout) as { total: number; page: number; pages: number; rows: T[] };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sp-cli-list-'));
    if (storeKind === 'postgres') {
      store = await testStore();
      env = { DATABASE_URL: store.url!, SCHOOLPOLS_KEY: testMasterText, PUBLIC_URL: 'https://schoolpols.example' };
    } else {
      env = { DATA_DIR: await preparedDataDir(path.join(dir, 'data')) };
    }
    const csv = path.join(dir, 'scholen.csv');
    writeFileSync(
      csv,
      [
        'naam;niveau;gemeente;personeel;instellingsnummer',
        ...SCHOOLS.map((s) => `${s.name};${s.group};${s.town};${s.staff};${s.number}`),
      ].join('\n') + '\n',
    );
    await run(['school:import', csv]);
  });
  afterAll(async () => {
    await store?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists schools with the same filters and sorting as the console, as JSON or a table, a page at a time', async () => {
    type Row = {
      id: string;
      number: string | null;
      name: string;
      benchmarkGroup: string;
      municipality: string;
      staffCount: number;
      active: boolean;
    };
    const secundair = await json<Row>(['school:list', '--group', 'secundair', '--sort', 'number', '--desc']);
    const expected = SCHOOLS.filter((s) => s.group === 'secundair')
      .map((s) => s.number)
      .sort()
      .reverse();
    expect(secundair.total).toBe(expected.length);
    expect(secundair.rows.map((r) => r.number)).toEqual(expected);
    expect(secundair.rows.every((r) => r.benchmarkGroup === 'secundair' && r.active && /^[0-9a-f-]{36}$/.test(r.id))).toBe(true);

    const page = await json<Row>(['school:list', '--sort', 'number', '--limit', '5', '--page', '3']);
    expect(page).toMatchObject({ total: 40, page: 3, pages: 8 });
    expect(page.rows.map((r) => r.number)).toEqual(
      SCHOOLS.map((s) => s.number)
        .sort()
        .slice(10, 15),
    );

    // A table: a header, one line per school; a search in the municipality.
    const table = await run(['school:list', '--search', 'hasselt', '--municipality', 'Hasselt']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+number\s+name\s+benchmarkGroup\s+municipality\s+staffCount\s+active$/);
    const hasselt = SCHOOLS.filter((s) => s.town === 'Hasselt');
    expect(lines).toHaveLength(hasselt.length + 1);
    for (const s of hasselt) expect(table.stdout).toContain(s.name);
    const one = await json<Row>(['school:list', '--search', SCHOOLS[7]!.number]);
    expect(one.rows.map((r) => r.name)).toEqual([SCHOOLS[7]!.name]);

    const bad = await run(['school:list', '--active', 'maybe'], 1);
    expect(bad.stderr).toContain('--active must be yes or no, not "maybe"');
    expect((await run(['school:list', '--sort', 'ctid'], 1)).stderr).toContain(
      '--sort must be one of name, number, group, municipality, staff',
    );
    expect((await run(['school:list', '--page', '2'], 1)).stderr).toContain('--page needs --limit');
  });

  it('lists waves and users with their filters', async () => {
    type School = { id: string; number: string };
    const gent = await json<School>(['school:list', '--municipality', 'gent']);
    const questionnaire = /: ([0-9a-f-]{36})$/m.exec((await run(['questionnaire:publish', SHIPPED_QUESTIONNAIRE])).stdout)![1]!;
    const waveId = (
      await run([
        'wave:create',
        '--name',
        'Gent najaar',
        '--questionnaire',
        questionnaire,
        '--schools',
        gent.rows.map((r) => r.id).join(','),
      ])
    ).stdout.trim();
    await run([
      'user:add',
      '--role',
      'rep',
      '--email',
      'rep.gent@example.org',
      '--school',
      gent.rows
        .slice(0, 2)
        .map((r) => r.id)
        .join(','),
    ]);
    await run(['user:add', '--role', 'researcher', '--email', 'onderzoek@example.org']);

    type WaveRow = { id: string; name: string; status: string; schools: number; questionnaire: string };
    const waves = await json<WaveRow>(['wave:list', '--status', 'draft']);
    expect(waves.rows).toEqual([
      expect.objectContaining({
        id: waveId,
        name: 'Gent najaar',
        status: 'draft',
        schools: SCHOOLS.filter((s) => s.town === 'Gent').length,
        questionnaire: 'schoolklimaat v1',
      }),
    ]);
    expect((await json<WaveRow>(['wave:list', '--status', 'open'])).rows).toEqual([]);
    expect((await json<WaveRow>(['wave:list', '--school', gent.rows[0]!.id])).rows.map((w) => w.id)).toEqual([waveId]);

    type UserRow = { id: string; email: string; role: string; active: boolean; twoFactor: boolean; schools: number };
    const reps = await json<UserRow>(['user:list', '--role', 'rep']);
    expect(reps.rows).toEqual([
      expect.objectContaining({ email: 'rep.gent@example.org', role: 'rep', active: true, twoFactor: false, schools: 2 }),
    ]);
    expect(JSON.stringify(reps)).not.toMatch(/password|totp|hash/i);
    const everyone = await run(['user:list', '--search', 'example.org', '--sort', 'role']);
    const rows = everyone.stdout.trimEnd().split('\n').slice(1);
    expect(rows.map((r) => r.split(/\s+/)[1])).toEqual(['rep.gent@example.org', 'onderzoek@example.org']);
    expect((await run(['user:list', '--role', 'root'], 1)).stderr).toContain('--role must be one of admin, rep, researcher');
  });
});
