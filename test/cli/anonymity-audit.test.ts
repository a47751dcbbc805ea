/**
 * Issue 14: `npm run cli -- audit:anonymity`, the self-audit a works council can run, passes on a
 * demo network (sealed waves and an open one with answers) and fails, naming what it found, on a
 * copy corrupted as a careless change would: answers of the open wave written in plaintext.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeKind, testStore, type TestStore } from '../helpers/store.ts';
import { testMaster, testMasterText } from '../helpers/app.ts';
import { preparedDataDir } from '../helpers/data-dir.ts';
import { openStore, type Store } from '../../server/db/connect.ts';
import { resolveMasterKey } from '../../server/encryption/master-key.ts';
import { WaveKeys } from '../../server/encryption/wave-keys.ts';
import { issueCodes } from '../../server/waves.ts';
import { hashCode } from '../../server/teacher/access-codes.ts';
import { sealSubmission, storeSubmission } from '../../server/teacher/submissions.ts';
import { partitionName } from '../../server/db/partitions.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { cli } from './run.ts';

describe(`audit:anonymity (${storeKind})`, { timeout: 300_000 }, () => {
  let dir: string;
  let server: TestStore | undefined;
  let env: Record<string, string>;
  const walArgs = () => (storeKind === 'postgres' ? [] : ['--wal', path.join(dir, 'data', 'pglite')]);
  /** The store, opened between CLI runs (PGlite admits one process at a time). */
  async function withDb<T>(fn: (store: Store, keys: WaveKeys) => Promise<T>): Promise<T> {
    if (server) return fn(server, new WaveKeys(server.db, testMaster));
    const store = await openStore({ pgliteDir: path.join(dir, 'data', 'pglite') });
    try {
      const { master } = await resolveMasterKey({ dataDir: path.join(dir, 'data') });
      return await fn(store, new WaveKeys(store.db, master));
    } finally {
      await store.close();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sp-audit-'));
    if (storeKind === 'postgres') {
      server = await testStore();
      env = { DATABASE_URL: server.url!, SCHOOLPOLS_KEY: testMasterText };
    } else {
      env = { DATA_DIR: await preparedDataDir(path.join(dir, 'data')) };
    }
    const seeded = await cli(['demo'], env);
    expect(seeded.code, seeded.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes on the demo network with answers in its open wave, and says what it checked', async () => {
    const answers: Array<{ code: string; comment: string }> = [];
    await withDb(async (store, keys) => {
      const waveId = (await store.db.selectFrom('wave').select('id').where('status', '=', 'open').executeTakeFirstOrThrow()).id;
      const schoolId = (
        await store.db.selectFrom('wave_school').select('school_id').where('wave_id', '=', waveId).executeTakeFirstOrThrow()
      ).school_id;
      const wave = (await keys.answerable(waveId))!;
      for (const code of await issueCodes(store.db, waveId, schoolId, 3)) {
        const comment = `AuditCanary ${code} over de werkdruk`;
        // Answers spelled from the whole (random) code: the WAL is the cluster's, shared by every
        // database and every earlier run, and answers from the first character alone were five
        // shifts of one cycle, which an earlier run's deliberately leaked plaintext (the test below)
        // repeated — a finding for the wrong reason.
        const value = {
          answers: itemsInOrder(wave.questionnaire).map((_, i) => ((code.charCodeAt(i % code.length) + i * 7) % 5) + 1),
          background: { role: 'leraar' },
          comment,
        };
        expect(await storeSubmission(store.db, { hash: hashCode(code), waveId, schoolId }, sealSubmission(wave, schoolId, value))).toBe(
          true,
        );
        answers.push({ code, comment });
      }
    });
    const r = await cli(['audit:anonymity', ...walArgs()], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('No findings.');
    expect(r.stdout).toMatch(/^ok +open waves hold only ciphertext$/m);
    expect(r.stdout).toMatch(/2 sealed wave\(s\)/);
    expect(r.stdout).toMatch(/checked: \d+ file\(s\), [\d.]+ MB, for \d+ answer set\(s\) and comment\(s\) of open waves/);
    expect(answers).toHaveLength(3);
  });

  it('fails, naming the wave and what it found, when an open wave holds plaintext answers', async () => {
    await withDb(async (store, keys) => {
      const waveId = (await store.db.selectFrom('wave').select('id').where('status', '=', 'open').executeTakeFirstOrThrow()).id;
      const wave = (await keys.answerable(waveId))!;
      // What a careless change would do: the answers of one submission written in plaintext too.
      const box = await store.db
        .selectFrom('encrypted_response')
        .select(['school_id', 'box'])
        .where('wave_id', '=', waveId)
        .executeTakeFirstOrThrow();
      const { decodeResponse, open } = await import('../../server/encryption/boxes.ts');
      const plain = decodeResponse(wave.questionnaire, open(wave.key, { kind: 'response', waveId, schoolId: box.school_id }, box.box));
      await sql`insert into ${sql.id(partitionName('response', waveId))} (wave_id, school_id, answers, background)
        values (${waveId}, ${box.school_id}, ${plain.answers}::smallint[], ${JSON.stringify(plain.background)}::jsonb)`.execute(store.db);
      if (storeKind === 'pglite') await sql`checkpoint`.execute(store.db);
    });
    const r = await cli(['audit:anonymity', ...walArgs()], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FINDING {2}open waves hold only ciphertext/);
    expect(r.stdout).toMatch(/is not sealed but holds 1 response\(s\) and 0 comment\(s\) in plaintext/);
    expect(r.stdout).toMatch(/FINDING {2}the write-ahead log holds no answer of an open wave/);
    expect(r.stdout).toMatch(/1 finding|\d+ finding\(s\)/);
  });
});
