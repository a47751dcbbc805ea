import { beforeAll, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { storeKind, useStore } from '../helpers/store.ts';
import { shipped } from '../helpers/fixtures.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodesForWave, openWave, WaveError } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { generateCodesForAllSchools } from '../../server/admin/code-slips.ts';
import { hashCode, normaliseCode } from '../../server/teacher/access-codes.ts';
import { lookUpCode } from '../../server/teacher/submissions.ts';
import { CLI_ACTOR } from '../../server/platform/audit-log.ts';
import { testKeys } from '../helpers/app.ts';

describe(`codes for every school of a wave at once (${storeKind})`, () => {
  let questionnaireId: string;
  let schools: string[];
  const store = useStore();
  beforeAll(async () => {
    questionnaireId = await publishQuestionnaire(store.db, shipped);
    schools = [
      await createSchool(store.db, {
        name: 'Alle A',
        benchmark_group: 'secundair',
        municipality: 'Gent',
        staff_count: 4,
        instellingsnummer: '123456',
      }),
      await createSchool(store.db, { name: 'Alle B', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 7 }),
      await createSchool(store.db, { name: 'Alle C (geen personeel)', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 0 }),
    ];
  });

  const codeRows = (waveId: string) =>
    store.db.selectFrom('access_code').select(['hash', 'school_id']).where('wave_id', '=', waveId).execute();
  const issued = (waveId: string) =>
    store.db.selectFrom('wave_school').select(['school_id', 'codes_issued']).where('wave_id', '=', waveId).orderBy('school_id').execute();

  it('issues each school its staff count in one CSV; every code works for its own school', async () => {
    const waveId = await createWave(store.db, { name: 'Alle scholen', questionnaireId, schoolIds: schools, k: 5 });
    await openWave(store.db, waveId);
    const out = await generateCodesForAllSchools(store.db, waveId, 'https://schoolpols.example', CLI_ACTOR);
    expect(out).toMatchObject({ count: 11, schools: 2 });
    const parsed = Papa.parse<Record<string, string>>(out.csv.replace(/^\uFEFF/, ''), {
      header: true,
      delimiter: ';',
      skipEmptyLines: true,
    });
    expect(parsed.meta.fields).toEqual(['school', 'school_number', 'wave', 'code', 'url']);
    expect(parsed.data.filter((r) => r.school === 'Alle A')).toHaveLength(4);
    // The official school number, for a mail merge per school; empty where the school has none.
    expect(new Set(parsed.data.map((r) => `${r.school}:${r.school_number}`))).toEqual(new Set(['Alle A:123456', 'Alle B:']));
    expect(parsed.data.filter((r) => r.school === 'Alle B')).toHaveLength(7);
    const rows = await codeRows(waveId);
    expect(rows).toHaveLength(11);
    for (const r of parsed.data) {
      const looked = await lookUpCode(store.db, r.code!);
      expect(looked.ok && looked.context.schoolId).toBe(r.school === 'Alle A' ? schools[0] : schools[1]);
      expect(rows.some((x) => x.hash === hashCode(normaliseCode(r.code!)!))).toBe(true);
    }
    expect(await issued(waveId)).toEqual(
      [...schools]
        .sort()
        .map((school_id) => ({ school_id, codes_issued: school_id === schools[0] ? 4 : school_id === schools[1] ? 7 : 0 })),
    );
    // One audit entry, with counts only.
    const audit = await store.db
      .selectFrom('audit_log')
      .select('target')
      .where('action', '=', 'codes.generate')
      .where('target', 'like', `wave:${waveId}%`)
      .execute();
    expect(audit).toEqual([{ target: `wave:${waveId} schools:2 count:11` }]);
  });

  it('is all or nothing: a school outside the wave, or a closed wave, changes nothing', async () => {
    const waveId = await createWave(store.db, { name: 'Alle scholen 2', questionnaireId, schoolIds: schools.slice(0, 2), k: 5 });
    await openWave(store.db, waveId);
    await expect(
      issueCodesForWave(store.db, waveId, [
        { schoolId: schools[0]!, count: 3 },
        { schoolId: schools[2]!, count: 2 },
      ]),
    ).rejects.toThrow(WaveError);
    expect(await codeRows(waveId)).toEqual([]);
    expect((await issued(waveId)).map((r) => r.codes_issued)).toEqual([0, 0]);
    await expect(
      issueCodesForWave(store.db, waveId, [
        { schoolId: schools[0]!, count: 1 },
        { schoolId: schools[0]!, count: 1 },
      ]),
    ).rejects.toThrow(/twice/);

    const codes = await issueCodesForWave(store.db, waveId, [{ schoolId: schools[0]!, count: 2 }]);
    expect(codes.get(schools[0]!)).toHaveLength(2);
    await closeWave(store.db, testKeys(store.db), waveId);
    const before = await codeRows(waveId);
    await expect(issueCodesForWave(store.db, waveId, [{ schoolId: schools[1]!, count: 2 }])).rejects.toMatchObject({
      reason: 'already-closed',
    });
    expect(await codeRows(waveId)).toEqual(before);
  });
});
