import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useStore, storeKind, type TestStore } from '../helpers/store.ts';
import { openWaveWithCodes, shipped, submit } from '../helpers/fixtures.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { forgetCachedResults, loadWaveResults, storeSealedResults } from '../../server/results/wave-results.ts';
import { sumsFromBytes, sumsToBytes } from '../../server/results/packed-bytes.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { layoutOf, packResponseSums, sumResponses, unpackResponseSums } from '../../analysis/index.ts';
import { testKeys } from '../helpers/app.ts';

const layout = layoutOf(shipped);
const itemCount = itemsInOrder(shipped).length;

/** A sealed one-school wave of `n` responses with varied answers (some n.v.t., some skipped). */
async function sealedWave(store: TestStore, n: number, seed: number) {
  const { waveId, schoolId, codes } = await openWaveWithCodes(store.db, n);
  for (let i = 0; i < n; i++) {
    const answers = Array.from({ length: itemCount }, (_, j) => {
      const v = (i * 7 + j * (seed + 3) + ((i * j) % 5)) % 7;
      return v === 6 ? null : v;
    });
    expect(await submit(store.db, codes[i]!, { answers, background: {}, comment: null })).toBe(true);
  }
  await closeWave(store.db, testKeys(store.db), waveId);
  return { waveId, schoolId };
}

async function responsesOf(store: TestStore, waveId: string) {
  return store.db.selectFrom('response').select('answers').where('wave_id', '=', waveId).execute();
}

describe(`per-school sums stored after sealing (${storeKind})`, () => {
  const store = useStore();

  it('are exactly the sums of the sealed responses, and are what the results are made from', async () => {
    const { waveId, schoolId } = await sealedWave(store, 12, 1);
    expect(await store.db.selectFrom('wave_school_sums').selectAll().where('wave_id', '=', waveId).execute()).toEqual([]);
    await storeSealedResults(store.db, waveId);
    const rows = await store.db.selectFrom('wave_school_sums').select(['school_id', 'sums']).where('wave_id', '=', waveId).execute();
    const expected = sumResponses(await responsesOf(store, waveId), layout);
    expect(rows.map((r) => r.school_id)).toEqual([schoolId]);
    expect(sumsFromBytes(rows[0]!.sums)).toEqual(packResponseSums(expected, layout));
    expect(unpackResponseSums(sumsFromBytes(rows[0]!.sums), layout)).toEqual(expected);
    // Storing again changes nothing.
    await storeSealedResults(store.db, waveId);
    const again = await store.db.selectFrom('wave_school_sums').select(['school_id', 'sums']).where('wave_id', '=', waveId).execute();
    expect(again.map((r) => [r.school_id, [...r.sums]])).toEqual(rows.map((r) => [r.school_id, [...r.sums]]));

    // The results read the stored row, not the responses: a doctored row shows through.
    const doctored = packResponseSums(expected, layout);
    doctored[0] = 999;
    await sql`update wave_school_sums set sums = ${sumsToBytes(doctored)} where wave_id = ${waveId}`.execute(store.db);
    forgetCachedResults(); // storing made the results once already; a restart reads the rows again
    const results = await loadWaveResults(store.db, waveId);
    expect(results.schools.get(schoolId)!.sums!.respondents).toBe(999);
  });

  it('are computed and stored at first use when sealing did not store them', async () => {
    const { waveId, schoolId } = await sealedWave(store, 9, 2);
    const results = await loadWaveResults(store.db, waveId);
    const expected = sumResponses(await responsesOf(store, waveId), layout);
    expect(results.schools.get(schoolId)!.sums).toEqual(expected);
    const rows = await store.db.selectFrom('wave_school_sums').select('sums').where('wave_id', '=', waveId).execute();
    expect(rows.map((r) => unpackResponseSums(sumsFromBytes(r.sums), layout))).toEqual([expected]);
  });

  it('are stored as little-endian doubles, exactly', () => {
    const numbers = Float64Array.from([0, 1, -2.5, 1 / 3, 2 ** 53, Number.MIN_VALUE, 1e300]);
    const bytes = sumsToBytes(numbers);
    expect([...bytes.subarray(8, 16)]).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]); // 1.0
    expect(sumsFromBytes(bytes)).toEqual(numbers);
    // A view into a larger buffer (what a driver may hand back) reads the same.
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(sumsFromBytes(padded.subarray(3))).toEqual(numbers);
    expect(() => sumsFromBytes(bytes.subarray(1))).toThrow(RangeError);
  });

  it('exist only for sealed waves', async () => {
    const { waveId, schoolId } = await openWaveWithCodes(store.db, 3);
    await expect(storeSealedResults(store.db, waveId)).rejects.toThrow(/sealed/);
    const results = await loadWaveResults(store.db, waveId);
    expect(results.schools.get(schoolId)!.sums).toBeNull();
    expect(await store.db.selectFrom('wave_school_sums').selectAll().where('wave_id', '=', waveId).execute()).toEqual([]);
  });
});
