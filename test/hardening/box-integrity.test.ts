/**
 * Issue 14, tried as a database administrator with write access and as an operator rotating keys
 * (found by an adversarial review): a box copied to tag one teacher's answers, a box moved to a
 * school where it would stand alone, an instance still running on the old master key after a
 * rotation, and a sealed wave's key left in an instance's memory.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useStore, storeKind } from '../helpers/store.ts';
import { testKeys, testMaster } from '../helpers/app.ts';
import { openWaveWithCodes, shipped, submit } from '../helpers/fixtures.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { openWave, WaveError } from '../../server/waves.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { auditAnonymity } from '../../server/sealing/anonymity-audit.ts';
import { generateMasterKeyText, parseMasterKey } from '../../server/encryption/master-key.ts';
import { WaveKeys, WaveKeyUnavailable } from '../../server/encryption/wave-keys.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { commentBoxLengths, seal } from '../../server/encryption/boxes.ts';

const items = itemsInOrder(shipped);
const answersOf = (i: number) => items.map((_, j) => ((i * 7 + j * 3 + ((i * j) % 4)) % 5) + 1);

describe(`boxes an administrator copies or moves (${storeKind})`, () => {
  const store = useStore();

  /** An open wave with three answered codes; the third code's box is the target. */
  async function answered() {
    const w = await openWaveWithCodes(store.db, 3);
    for (let i = 0; i < 3; i++)
      expect(await submit(store.db, w.codes[i]!, { answers: answersOf(i), background: {}, comment: null })).toBe(true);
    return w;
  }

  it('a copied box does not tag its writer: sealing keeps it once, says so in the audit log, and the self-audit finds it', async () => {
    const w = await answered();
    // The join an administrator would use, then a copy of that one box.
    await sql`
      insert into encrypted_response (wave_id, school_id, box)
      select e.wave_id, e.school_id, e.box from encrypted_response e
      join access_code a on a.xmin = e.xmin
      where a.wave_id = ${w.waveId} and a.hash = encode(sha256(convert_to(${w.codes[2]!}, 'UTF8')), 'hex')`.execute(store.db);
    expect((await store.db.selectFrom('encrypted_response').select('box').where('wave_id', '=', w.waveId).execute()).length).toBe(4);
    const report = await auditAnonymity(store, testKeys(store.db));
    const findings = report.channels.flatMap((c) => c.findings).join('\n');
    expect(findings).toMatch(/1 response box\(es\) are copies of another/);
    expect(findings).toMatch(/holds 4 response box\(es\) for 3 spent code\(s\)/);

    await closeWave(store.db, testKeys(store.db), w.waveId, { userId: null });
    const sealed = (await store.db.selectFrom('response').select('answers').where('wave_id', '=', w.waveId).execute()).map((r) =>
      r.answers.join(','),
    );
    expect(sealed.sort()).toEqual([0, 1, 2].map((i) => answersOf(i).join(',')).sort());
    const audit = await store.db
      .selectFrom('audit_log')
      .select('target')
      .where('action', '=', 'wave.close')
      .where('target', 'like', `wave:${w.waveId}%`)
      .executeTakeFirstOrThrow();
    expect(audit.target).toBe(`wave:${w.waveId} copies-dropped:1`);
  });

  it('boxes lengthened and shortened so their school still holds whole boxes: sealing refuses and changes nothing', async () => {
    const w = await answered();
    const boxes = await sql<{
      ctid: string;
    }>`select ctid::text as ctid from encrypted_response where wave_id = ${w.waveId} limit 2`.execute(store.db);
    const [first, second] = boxes.rows.map((r) => r.ctid);
    await sql`update encrypted_response set box = box || '\\x00'::bytea where ctid = ${first}::tid`.execute(store.db);
    await sql`update encrypted_response set box = substring(box from 1 for length(box) - 1) where ctid = ${second}::tid`.execute(store.db);
    const err = await closeWave(store.db, testKeys(store.db), w.waveId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaveError);
    expect((err as WaveError).reason).toBe('tampered');
    expect(await store.db.selectFrom('wave').select('sealed').where('id', '=', w.waveId).executeTakeFirstOrThrow()).toEqual({
      sealed: false,
    });
    expect(await store.db.selectFrom('encrypted_response').select('box').where('wave_id', '=', w.waveId).execute()).toHaveLength(3);
  });

  it('sealing refuses a comment box altered at its end, whether the comment is short or long: its outcome says nothing of a comment’s length', async () => {
    // The attack an adversarial review found against reading only the first kilobyte of each comment
    // box: alter the end of the box a code wrote (found through xmin), then seal. Had only a long
    // comment's box been read whole, sealing would have refused that one and sealed over the short
    // one's, telling which code wrote a long comment.
    const long = 'Een lang verhaal over de werkdruk. '.repeat(60).slice(0, shipped.comment!.maxLength);
    for (const comment of ['kort', long]) {
      const w = await openWaveWithCodes(store.db, 2);
      for (let i = 0; i < 2; i++)
        expect(await submit(store.db, w.codes[i]!, { answers: answersOf(i), background: {}, comment: i === 0 ? comment : null })).toBe(
          true,
        );
      const altered = await sql`
        update encrypted_comment e set box = overlay(e.box placing decode(lpad(to_hex(get_byte(e.box, length(e.box) - 1) # 1), 2, '0'), 'hex') from length(e.box))
        from access_code a
        where a.xmin = e.xmin and a.wave_id = ${w.waveId} and e.wave_id = ${w.waveId}
          and a.hash = encode(sha256(convert_to(${w.codes[0]!}, 'UTF8')), 'hex')`.execute(store.db);
      expect(Number(altered.numAffectedRows)).toBe(1);
      const err = await closeWave(store.db, testKeys(store.db), w.waveId).catch((e: unknown) => e);
      expect(err, `a ${comment === long ? 'long' : 'short'} comment`).toBeInstanceOf(WaveError);
      expect((err as WaveError).reason).toBe('tampered');
      expect(await store.db.selectFrom('wave').select('sealed').where('id', '=', w.waveId).executeTakeFirstOrThrow()).toEqual({
        sealed: false,
      });
    }
  });

  it('sealing opens every comment once, long ones and a box of the first form alike, and a copied box once', async () => {
    const w = await openWaveWithCodes(store.db, 3);
    const long = 'Een lang verhaal over de werkdruk, met é en 😀. '.repeat(40).slice(0, shipped.comment!.maxLength);
    const written = ['kort', long, 'x'.repeat(1021)];
    for (let i = 0; i < 3; i++)
      expect(await submit(store.db, w.codes[i]!, { answers: answersOf(i), background: {}, comment: written[i]! })).toBe(true);
    // A box of the first form (UTF-8), as an open wave from before may hold, and a copy of the long comment's box.
    const wave = (await testKeys(store.db).answerable(w.waveId))!;
    const utf8 = Buffer.alloc(4 + 3 * shipped.comment!.maxLength);
    utf8.writeUInt32LE(utf8.write('eerste vorm', 4, 'utf8'), 0);
    await store.db
      .insertInto('encrypted_comment')
      .values({
        wave_id: w.waveId,
        school_id: w.schoolId,
        box: seal(wave.key, { kind: 'comment', waveId: w.waveId, schoolId: w.schoolId }, utf8),
      })
      .execute();
    await sql`insert into encrypted_comment (wave_id, school_id, box) select wave_id, school_id, box from encrypted_comment
      where wave_id = ${w.waveId} and length(box) = ${commentBoxLengths(shipped.comment!.maxLength)[0]!} order by ctid offset 1 limit 1`.execute(
      store.db,
    );
    await closeWave(store.db, testKeys(store.db), w.waveId);
    const sealed = await store.db.selectFrom('comment').select('text').where('wave_id', '=', w.waveId).execute();
    expect(sealed.map((c) => c.text).sort()).toEqual([...written, 'eerste vorm'].sort());
  });

  it('a box emptied to NULL (the column’s NOT NULL dropped first) is refused, not skipped', async () => {
    const w = await answered();
    await sql`alter table encrypted_response alter column box drop not null`.execute(store.db);
    try {
      await sql`update encrypted_response set box = null where ctid = (select ctid from encrypted_response where wave_id = ${w.waveId} limit 1)`.execute(
        store.db,
      );
      const err = await closeWave(store.db, testKeys(store.db), w.waveId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WaveError);
      expect((err as WaveError).reason).toBe('tampered');
      expect(await store.db.selectFrom('wave').select('sealed').where('id', '=', w.waveId).executeTakeFirstOrThrow()).toEqual({
        sealed: false,
      });
    } finally {
      await sql`delete from encrypted_response where box is null`.execute(store.db);
      await sql`alter table encrypted_response alter column box set not null`.execute(store.db);
    }
  });

  it('a box moved to another school does not open there: sealing refuses and changes nothing', async () => {
    const w = await answered();
    const lonely = await createSchool(store.db, {
      name: `Lege school ${Math.random()}`,
      benchmark_group: 'secundair',
      municipality: 'Gent',
      staff_count: 5,
    });
    await store.db.insertInto('wave_school').values({ wave_id: w.waveId, school_id: lonely }).execute();
    await sql`update encrypted_response set school_id = ${lonely} where ctid = (select ctid from encrypted_response where wave_id = ${w.waveId} limit 1)`.execute(
      store.db,
    );
    const err = await closeWave(store.db, testKeys(store.db), w.waveId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaveError);
    expect((err as WaveError).reason).toBe('tampered');
    expect(await store.db.selectFrom('wave').select(['status', 'sealed']).where('id', '=', w.waveId).executeTakeFirstOrThrow()).toEqual({
      status: 'open',
      sealed: false,
    });
    expect(await store.db.selectFrom('response').select('id').where('wave_id', '=', w.waveId).execute()).toEqual([]);
    const report = await auditAnonymity(store, testKeys(store.db));
    expect(report.channels.flatMap((c) => c.findings).join('\n')).toMatch(/are not ciphertext of this wave/);
  });
});

describe(`the master key in use (${storeKind})`, () => {
  const store = useStore();

  it('after key:rotate, an instance still on the old key makes no wave key, so every answer stays sealable with the new one', async () => {
    const before = await openWaveWithCodes(store.db, 2);
    expect(await submit(store.db, before.codes[0]!, { answers: answersOf(0), background: {}, comment: null })).toBe(true);
    const next = parseMasterKey(generateMasterKeyText());
    await new WaveKeys(store.db, testMaster).rotate(next);

    // A wave opened (without making its key) whose first answer reaches the instance that has not restarted yet.
    const after = await openWaveWithCodes(store.db, 2, { open: false });
    await openWave(store.db, after.waveId);
    const stale = new WaveKeys(store.db, testMaster);
    await expect(stale.answerable(after.waveId)).rejects.toBeInstanceOf(WaveKeyUnavailable);
    expect(await store.db.selectFrom('wave_key').select('wave_id').where('wave_id', '=', after.waveId).execute()).toEqual([]);
    // The restarted instance takes it, and seals both waves.
    const fresh = new WaveKeys(store.db, next);
    expect(await fresh.answerable(after.waveId)).not.toBeNull();
    for (const w of [before, after]) await closeWave(store.db, fresh, w.waveId);
    // A rotation interrupted and run again skips what it already did.
    expect(await fresh.rotate(next)).toBe(0);
  });

  it('a new master key takes over only when no open wave depends on the old one', async () => {
    const w = await openWaveWithCodes(store.db, 2, { open: false });
    await openWave(store.db, w.waveId);
    const current = (await store.db.selectFrom('app_meta').select('value').where('key', '=', 'master_key_in_use').executeTakeFirstOrThrow())
      .value;
    const inUse = current === testMaster.id ? testMaster : null;
    // Whatever key is in use, a stranger may take over now: no wave key exists.
    expect(await store.db.selectFrom('wave_key').select('wave_id').execute()).toEqual([]);
    const stranger = parseMasterKey(generateMasterKeyText());
    expect(await new WaveKeys(store.db, stranger).answerable(w.waveId)).not.toBeNull();
    // Now one depends on the stranger's key: the earlier key may not make another.
    const other = await openWaveWithCodes(store.db, 1, { open: false });
    await openWave(store.db, other.waveId);
    await expect(new WaveKeys(store.db, inUse ?? testMaster).answerable(other.waveId)).rejects.toBeInstanceOf(WaveKeyUnavailable);
  });

  it("forgets a wave's key: expired entries go even unasked, and sealing overwrites the key", async () => {
    await store.db.deleteFrom('wave_key').execute();
    const w = await openWaveWithCodes(store.db, 1, { open: false });
    await openWave(store.db, w.waveId);
    const keys = new WaveKeys(store.db, parseMasterKey(generateMasterKeyText()), 40);
    const cache = (keys as unknown as { cache: Map<string, unknown> }).cache;
    const wave = (await keys.answerable(w.waveId))!;
    expect(cache.size).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(cache.size, 'swept without being asked again').toBe(0);
    const again = (await keys.answerable(w.waveId))!;
    expect(again.key.equals(wave.key)).toBe(true);
    keys.forget(w.waveId);
    expect(again.key.every((b) => b === 0)).toBe(true);
    expect(cache.size).toBe(0);
    keys.close();
  });
});
