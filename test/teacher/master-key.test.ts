/**
 * Issue 14: a lost or wrong master key never makes Schoolpols accept an answer it could not open at
 * sealing; the right key brings everything back; rotation keeps every open wave answerable and
 * sealable, under the new key only.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testConfig, testMaster } from '../helpers/app.ts';
import { counts, fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { buildApp } from '../../server/app.ts';
import {
  generateMasterKeyText,
  MasterKeyError,
  parseMasterKey,
  resolveMasterKey,
  type MasterKey,
} from '../../server/encryption/master-key.ts';
import { WaveKeys } from '../../server/encryption/wave-keys.ts';
import { WaveError } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { hashCode } from '../../server/teacher/access-codes.ts';
import { createUser } from '../../server/staff/users.ts';
import { Session } from '../helpers/session.ts';

const PASSWORD = 'a long and unusual passphrase for keys';

const form = (body: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/submit',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  payload: new URLSearchParams(body).toString(),
});

describe(`the master key (${storeKind})`, () => {
  let store: TestStore;
  const apps: FastifyInstance[] = [];
  // One deployment: every instance shares the session secret (it also seals staff TOTP secrets).
  const config = testConfig({ SESSION_SECRET: randomBytes(32).toString('base64url') });
  const appWith = async (master: MasterKey) => {
    const app = await buildApp({ config, store, master });
    await app.ready();
    apps.push(app);
    return app;
  };
  beforeAll(async () => {
    store = await testStore();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await store?.drop();
  });

  it('with a wrong key: refuses answers for the wave, clearly, and stores nothing; the right key accepts them again', async () => {
    const w = await openWaveWithCodes(store.db, 3);
    const right = await appWith(testMaster);
    expect((await right.inject(form({ ...fullAnswers(w.codes[0]!), wave: w.waveId }))).statusCode).toBe(303);

    const wrongKey = parseMasterKey(generateMasterKeyText());
    expect((await new WaveKeys(store.db, wrongKey).unavailable()).map((p) => p.waveId)).toContain(w.waveId);
    const wrong = await appWith(wrongKey);
    const before = await counts(store.db);
    const shown = await wrong.inject({ method: 'GET', url: `/c/${w.codes[1]}` });
    expect(shown.statusCode).toBe(503);
    expect(shown.body).toContain('kan op dit moment geen antwoorden aannemen');
    expect(shown.body).not.toContain('action="/submit"');
    for (const body of [{ ...fullAnswers(w.codes[1]!), wave: w.waveId }, fullAnswers(w.codes[1]!)]) {
      const res = await wrong.inject(form(body));
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('Er is niets bewaard en je code blijft geldig');
    }
    expect(await counts(store.db)).toEqual(before);
    // The admin is told on the wave's page.
    await createUser(store.db, { email: 'admin.keys@example.org', role: 'admin', password: PASSWORD });
    const admin = await new Session(wrong, '192.0.2.90').login('admin.keys@example.org', PASSWORD);
    const page = await admin.get(`/admin/waves/${w.waveId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Deze bevraging neemt nu geen antwoorden aan');
    const fine = await new Session(right, '192.0.2.91').login('admin.keys@example.org', PASSWORD);
    expect((await fine.get(`/admin/waves/${w.waveId}`)).body).not.toContain('Deze bevraging neemt nu geen antwoorden aan');
    const code = await store.db
      .selectFrom('access_code')
      .select('spent')
      .where('hash', '=', hashCode(w.codes[1]!))
      .executeTakeFirstOrThrow();
    expect(code.spent).toBe(false);
    // Sealing with the wrong key changes nothing and says why.
    await expect(closeWave(store.db, new WaveKeys(store.db, wrongKey), w.waveId)).rejects.toMatchObject({ reason: 'key-unavailable' });
    expect((await store.db.selectFrom('wave').select('status').where('id', '=', w.waveId).executeTakeFirstOrThrow()).status).toBe('open');
    expect(await counts(store.db)).toEqual(before);

    // A later start with the right key: the same code is accepted.
    const again = await appWith(testMaster);
    expect((await again.inject(form({ ...fullAnswers(w.codes[1]!), wave: w.waveId }))).statusCode).toBe(303);
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, spent: before.spent + 1 });
    await closeWave(store.db, new WaveKeys(store.db, testMaster), w.waveId);
    expect(await store.db.selectFrom('response').select('id').where('wave_id', '=', w.waveId).execute()).toHaveLength(2);
  });

  it('rotation re-wraps every open wave under the new key: answerable and sealable with it, with the old one no longer', async () => {
    // Opened under the test master key, which is the "old" one here.
    const a = await openWaveWithCodes(store.db, 3);
    const b = await openWaveWithCodes(store.db, 3);
    const old = testMaster;
    const next = parseMasterKey(generateMasterKeyText());
    const oldApp = await appWith(old);
    for (const w of [a, b])
      expect((await oldApp.inject(form({ ...fullAnswers(w.codes[0]!), comment: 'Voor de rotatie.' }))).statusCode).toBe(303);

    // A rotation that cannot open every key refuses and changes nothing.
    const stranger = parseMasterKey(generateMasterKeyText());
    const before = await store.db.selectFrom('wave_key').selectAll().orderBy('wave_id').execute();
    await expect(new WaveKeys(store.db, stranger).rotate(next)).rejects.toThrow(/cannot open/);
    expect(await store.db.selectFrom('wave_key').selectAll().orderBy('wave_id').execute()).toEqual(before);

    expect(await new WaveKeys(store.db, old).rotate(next)).toBe(2);
    expect(new Set((await store.db.selectFrom('wave_key').select('master_key_id').execute()).map((r) => r.master_key_id))).toEqual(
      new Set([next.id]),
    );
    const nextApp = await appWith(next);
    const stale = await appWith(old);
    for (const w of [a, b]) {
      expect((await stale.inject(form(fullAnswers(w.codes[1]!)))).statusCode).toBe(503);
      expect((await nextApp.inject(form({ ...fullAnswers(w.codes[1]!), comment: 'Na de rotatie.' }))).statusCode).toBe(303);
    }
    // Sealing with the new key opens answers stored before and after the rotation.
    await expect(closeWave(store.db, new WaveKeys(store.db, old), a.waveId)).rejects.toBeInstanceOf(WaveError);
    await closeWave(store.db, new WaveKeys(store.db, next), a.waveId);
    const texts = (await store.db.selectFrom('comment').select('text').where('wave_id', '=', a.waveId).execute()).map((c) => c.text).sort();
    expect(texts).toEqual(['Na de rotatie.', 'Voor de rotatie.']);
    expect(await store.db.selectFrom('response').select('id').where('wave_id', '=', a.waveId).execute()).toHaveLength(2);
  });
});

describe('where the master key comes from', () => {
  it('refuses to start on PostgreSQL without one, and says how to make one', async () => {
    const err = await resolveMasterKey({ DATABASE_URL: 'postgres://x@127.0.0.1/db', dataDir: '/nonexistent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MasterKeyError);
    expect((err as Error).message).toMatch(/key:generate/);
  });

  it('refuses a malformed key, and a key file that is not there', async () => {
    await expect(resolveMasterKey({ SCHOOLPOLS_KEY: 'hunter2', dataDir: '/tmp' })).rejects.toThrow(/not a Schoolpols master key/);
    await expect(resolveMasterKey({ KEY_FILE: '/nonexistent/master.key', dataDir: '/tmp' })).rejects.toThrow(/does not exist/);
  });

  it('makes one key file beside the embedded store, readable by its owner alone, and keeps it', async () => {
    const { mkdtemp, stat, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sp-key-'));
    try {
      const first = await resolveMasterKey({ dataDir: path.join(dir, 'data') });
      expect(first.generated).toBe(true);
      expect((await stat(first.source)).mode & 0o777).toBe(0o600);
      const second = await resolveMasterKey({ dataDir: path.join(dir, 'data') });
      expect(second.generated).toBe(false);
      expect(second.master.id).toBe(first.master.id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
