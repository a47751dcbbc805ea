import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { itOn, storeKind, testStore, type TestStore } from '../helpers/store.ts';
import { testApp, testMasterText } from '../helpers/app.ts';
import { fullAnswers } from '../helpers/fixtures.ts';
import { Session } from '../helpers/session.ts';
import { SHIPPED_QUESTIONNAIRE } from '../../surveys/load.ts';
import { hashCode, normaliseCode } from '../../server/teacher/access-codes.ts';
import { cli, type CliResult } from './run.ts';

const form = (body: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  payload: new URLSearchParams(body).toString(),
});

/** The whole cycle through the command line, against a PostgreSQL server (a network wave's home). */
describe(`command line: a whole cycle (${storeKind})`, { timeout: 600_000 }, () => {
  let store: TestStore | undefined;
  let app: FastifyInstance | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sp-cycle-'));
    if (storeKind !== 'postgres') return;
    store = await testStore();
    app = await testApp(store);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  itOn('postgres', 'imports schools, publishes, creates, opens, generates codes, closes and adds a rep', async () => {
    const db = store!.db;
    const env = { DATABASE_URL: store!.url!, PUBLIC_URL: 'https://schoolpols.example', SCHOOLPOLS_KEY: testMasterText };
    const run = async (args: string[], expectCode = 0): Promise<CliResult> => {
      const r = await cli(args, env);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(expectCode);
      return r;
    };

    const csv = path.join(dir, 'scholen.csv');
    writeFileSync(csv, 'naam;niveau;gemeente;personeel\nCLI Basisschool;basisonderwijs;Gent;12\nCLI Atheneum;secundair;Hasselt;40\n');
    expect((await run(['school:import', csv])).stdout).toBe('Imported 2 schools.\n');
    const schools = await db.selectFrom('school').select(['id', 'name']).orderBy('name').execute();
    const [atheneum, basis] = schools;

    const published = await run(['questionnaire:publish', SHIPPED_QUESTIONNAIRE]);
    const questionnaireId = /: ([0-9a-f-]{36})$/m.exec(published.stdout)![1]!;
    expect(published.stdout).toContain('Published schoolklimaat version 1');

    const waveId = (
      await run(['wave:create', '--name', 'CLI voorjaar', '--questionnaire', questionnaireId, '--schools', 'all', '--k', '5'])
    ).stdout.trim();
    expect(await db.selectFrom('wave').select(['name', 'status', 'k']).where('id', '=', waveId).executeTakeFirstOrThrow()).toEqual({
      name: 'CLI voorjaar',
      status: 'draft',
      k: 5,
    });
    expect((await db.selectFrom('wave_school').select('school_id').where('wave_id', '=', waveId).execute()).length).toBe(2);

    expect((await run(['wave:open', waveId])).stdout).toBe(`Wave ${waveId} is open.\n`);
    const reopen = await run(['wave:open', waveId], 1);
    expect(reopen.stderr).toContain('already been opened; nothing was changed');

    const csvOut = await run(['codes:generate', '--wave', waveId, '--school', basis!.id, '--count', '3', '--format', 'csv']);
    const lines = csvOut.stdout
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('school;school_number;wave;code;url');
    const codes = lines.slice(1).map((l) => l.split(';')[3]!);
    expect(codes).toHaveLength(3);
    expect(lines[1]).toContain(`https://schoolpols.example/c/${normaliseCode(codes[0]!)}`);
    const html = await run(['codes:generate', '--wave', waveId, '--school', atheneum!.id, '--format', 'html']);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect((html.stdout.match(/<li class="slip">/g) ?? []).length).toBe(40); // default: the staff count
    expect(html.stdout).toContain('<svg class="qr"');
    const hashes = (await db.selectFrom('access_code').select('hash').where('school_id', '=', basis!.id).execute())
      .map((r) => r.hash)
      .sort();
    expect(hashes).toEqual(codes.map((c) => hashCode(normaliseCode(c)!)).sort());

    // Three teachers answer.
    for (const [i, code] of codes.entries()) {
      const res = await app!.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(code, i)) });
      expect(res.statusCode).toBe(303);
    }

    expect((await run(['wave:close', waveId])).stdout).toBe(`Wave ${waveId} is closed and sealed.\n`);
    expect(await db.selectFrom('wave').select(['status', 'sealed']).where('id', '=', waveId).executeTakeFirstOrThrow()).toEqual({
      status: 'closed',
      sealed: true,
    });
    expect(
      await db
        .selectFrom('wave_school')
        .select(['codes_issued', 'codes_spent'])
        .where('wave_id', '=', waveId)
        .where('school_id', '=', basis!.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ codes_issued: 3, codes_spent: 3 });

    // Closing twice and codes for a closed wave: clear errors, nothing changed.
    const count = async () => ({
      codes: (await db.selectFrom('access_code').select('hash').execute()).length,
      audit: (await db.selectFrom('audit_log').select('id').execute()).length,
      responses: (await db.selectFrom('response').select('id').orderBy('id').execute()).map((r) => r.id),
    });
    const before = await count();
    expect((await run(['wave:close', waveId], 1)).stderr).toBe('Error: This wave is already closed; nothing was changed.\n');
    expect((await run(['codes:generate', '--wave', waveId, '--school', basis!.id, '--count', '2'], 1)).stderr).toBe(
      'Error: This wave is already closed; nothing was changed.\n',
    );
    expect(await count()).toEqual(before);

    // A rep for the basisschool, with a generated password printed once.
    const added = await run(['user:add', '--role', 'rep', '--email', 'rep.cli@example.org', '--school', basis!.id]);
    const password = /Password \(shown once\): (\S+)/.exec(added.stdout)![1]!;
    const rep = await new Session(app!, '10.7.0.1').login('rep.cli@example.org', password);
    const home = await rep.get('/home');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('CLI Basisschool');
    expect((await run(['user:add', '--role', 'rep', '--email', 'REP.cli@example.org'], 1)).stderr).toContain(
      '--email: An account with this e-mail address already exists.',
    );
    // A chosen password meets the policy (issue 16); the refusal names the option.
    expect(
      (await run(['user:add', '--role', 'researcher', '--email', 'weak.cli@example.org', '--password', 'welkom123456'], 1)).stderr,
    ).toContain('--password: This password is too easy to guess');
    expect(await db.selectFrom('app_user').select('id').where('email', '=', 'weak.cli@example.org').executeTakeFirst()).toBeUndefined();

    // The audit log: every step, by the command line (no account), never a code.
    const audit = await db
      .selectFrom('audit_log')
      .select(['user_id', 'action', 'target'])
      .where('action', '!=', 'login')
      .orderBy('at')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'school.import',
      'questionnaire.publish',
      'wave.create',
      'wave.open',
      'codes.generate',
      'codes.generate',
      'wave.close',
      'user.create',
    ]);
    expect(audit.every((a) => a.user_id === null)).toBe(true);
    for (const a of audit) for (const c of codes) expect(a.target).not.toContain(normaliseCode(c)!);

    // A lost phone: the command line clears two-step verification and signs the account out.
    await rep.enrol('rep.cli@example.org');
    expect((await run(['user:reset-2fa', '--email', 'rep.cli@example.org'])).stdout).toMatch(
      /^Two-step verification cleared for rep\.cli@example\.org: [0-9a-f-]{36}\n$/,
    );
    expect((await rep.get('/home')).statusCode).toBe(303);
    expect(
      (await db.selectFrom('app_user').select('totp_secret').where('email', '=', 'rep.cli@example.org').executeTakeFirstOrThrow())
        .totp_secret,
    ).toBeNull();
    expect((await run(['user:reset-2fa', '--email', 'nobody@example.org'], 1)).stderr).toBe(
      'Error: no account with e-mail nobody@example.org\n',
    );

    // A network-wide round: every school its staff count in one command and one CSV.
    const nextWave = (
      await run(['wave:create', '--name', 'CLI najaar', '--questionnaire', questionnaireId, '--schools', 'all'])
    ).stdout.trim();
    await run(['wave:open', nextWave]);
    const allOut = (await run(['codes:generate', '--wave', nextWave, '--all'])).stdout
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(allOut[0]).toBe('school;school_number;wave;code;url');
    expect(allOut.filter((l) => l.startsWith('CLI Basisschool;'))).toHaveLength(12);
    expect(allOut.filter((l) => l.startsWith('CLI Atheneum;'))).toHaveLength(40);
    expect((await db.selectFrom('access_code').select('hash').where('wave_id', '=', nextWave).execute()).length).toBe(52);
  });
});
