/**
 * A dashboard of a sealed wave whose results the process keeps skips the query of the wave (issue
 * 17: fifty reps at once pay for every round trip). What it answers must not change: a school that
 * did not take part is refused as before, an id in capitals gets the same answer kept or not, and a
 * wave removed with the demo network is gone at once — removed through this process's console or
 * by another process (the command line, another instance), whose removal this memory never hears of.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { signedIn } from '../admin/helpers.ts';
import { seedDemo } from '../../server/demo/demo.ts';
import { removeDemo } from '../../server/demo/demo-removal.ts';
import { CLI_ACTOR } from '../../server/platform/audit-log.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { forgetCachedResults, keptSealedResults } from '../../server/results/wave-results.ts';

describe(`dashboards from kept results (${storeKind})`, () => {
  const { store, app } = useApp();
  let admin: Awaited<ReturnType<typeof signedIn>>;
  let waveId: string;
  let schoolId: string;
  let outsider: string;

  beforeAll(async () => {
    await seedDemo(store.db, testKeys(store.db), 5);
    const wave = await store.db
      .selectFrom('wave')
      .select('id')
      .where('status', '=', 'closed')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    waveId = wave.id;
    schoolId = (
      await store.db
        .selectFrom('wave_school')
        .select('school_id')
        .where('wave_id', '=', waveId)
        .orderBy('school_id')
        .executeTakeFirstOrThrow()
    ).school_id;
    // A school of the store that is not in the wave.
    outsider = await createSchool(store.db, {
      name: 'Buiten de bevraging',
      benchmark_group: 'secundair',
      municipality: 'Gent',
      staff_count: 9,
    });
    admin = await signedIn(app, store.db, 'admin');
    // Sealing kept the results (storeSealedResults): start as a fresh process would.
    forgetCachedResults();
  });

  it('refuses a school outside the wave the same way before and after the wave is kept', async () => {
    const url = (school: string) => `/schools/${school}/waves/${waveId}`;
    expect(keptSealedResults(waveId)).toBeUndefined();
    const cold = await admin.session.get(url(outsider));
    expect(cold.statusCode).toBe(404);
    expect((await admin.session.get(url(schoolId))).statusCode).toBe(200);
    expect(keptSealedResults(waveId)).toBeDefined();
    const warm = await admin.session.get(url(outsider));
    expect(warm.statusCode).toBe(404);
    // The same page: only the CSRF token differs (a fresh one on every page).
    const token = (body: string) => body.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf"');
    expect(token(warm.body)).toBe(token(cold.body));
    for (const path of ['/report', '/report-page.css']) expect((await admin.session.get(url(outsider) + path)).statusCode).toBe(404);
    expect((await admin.session.get(`/api/schools/${outsider}/waves/${waveId}`)).statusCode).toBe(404);
  });

  it('answers an id in capitals as the same id, kept or not', async () => {
    forgetCachedResults();
    const upper = (path: string) => admin.session.get(path.replace(schoolId, schoolId.toUpperCase()).replace(waveId, waveId.toUpperCase()));
    const paths = ['', '/report', '/report-page.css'].map((p) => `/schools/${schoolId}/waves/${waveId}${p}`);
    const json = `/api/schools/${schoolId}/waves/${waveId}`;
    const cold = [...(await Promise.all(paths.map(upper))), await upper(json)].map((r) => r.statusCode);
    expect(keptSealedResults(waveId)).toBeDefined();
    const warm = [...(await Promise.all(paths.map(upper))), await upper(json)].map((r) => r.statusCode);
    expect(cold).toEqual([200, 200, 200, 200]);
    expect(warm).toEqual(cold);
  });

  it('serves nothing of a kept wave once the demo network is removed', async () => {
    expect(keptSealedResults(waveId)).toBeDefined();
    expect((await admin.session.post('/admin/demo/remove', { confirm: 'yes' })).statusCode).toBe(303);
    expect(keptSealedResults(waveId)).toBeUndefined();
    expect((await admin.session.get(`/schools/${schoolId}/waves/${waveId}`)).statusCode).toBe(404);
    expect((await admin.session.get(`/api/schools/${schoolId}/waves/${waveId}`)).statusCode).toBe(404);
  });
});

describe(`kept results after another process removed the demo (${storeKind})`, () => {
  const { store, app } = useApp();

  it('serves nothing of a kept wave that the command line removed', async () => {
    await seedDemo(store.db, testKeys(store.db), 5);
    const { waveId, schoolId } = await store.db
      .selectFrom('wave_school')
      .innerJoin('wave', 'wave.id', 'wave_school.wave_id')
      .select(['wave.id as waveId', 'wave_school.school_id as schoolId'])
      .where('wave.status', '=', 'closed')
      .orderBy('wave.created_at', 'desc')
      .orderBy('wave_school.school_id')
      .executeTakeFirstOrThrow();
    const admin = await signedIn(app, store.db, 'admin');
    const urls = ['', '/report', '/report-page.css', '/slides.pptx'].map((p) => `/schools/${schoolId}/waves/${waveId}${p}`);
    urls.push(`/api/schools/${schoolId}/waves/${waveId}`);
    for (const url of urls) expect((await admin.session.get(url)).statusCode, url).toBe(200);
    expect(keptSealedResults(waveId)).toBeDefined();
    // What `npm run cli -- demo:remove` does, from its own process: this one's memory is not told.
    await removeDemo(store.db, CLI_ACTOR);
    expect(keptSealedResults(waveId)).toBeDefined();
    for (const url of urls) expect((await admin.session.get(url)).statusCode, url).toBe(404);
  });
});
