/**
 * A staff request reads its user with its session, in one query (issue 17). That user is what the
 * database says now, on every request: changed schools, a changed role and a deactivated account
 * take effect on the next request of a session that stays open (nothing is kept between requests).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { signedIn } from '../admin/helpers.ts';
import { createSchool } from '../../server/admin/schools.ts';

describe(`the user read with the session (${storeKind})`, () => {
  const { store, app } = useApp();
  let a: string;
  let b: string;

  beforeAll(async () => {
    const school = (name: string) => createSchool(store.db, { name, benchmark_group: 'secundair', municipality: 'Gent', staff_count: 9 });
    [a, b] = [await school('School A'), await school('School B')];
  });

  it('follows the database on every request: schools, role, deactivation', async () => {
    const { id, session } = await signedIn(app, store.db, 'rep', { schoolIds: [a] });
    expect((await session.get(`/schools/${a}`)).statusCode).toBe(200);
    expect((await session.get(`/schools/${b}`)).statusCode).toBe(403);

    await store.db.updateTable('rep_school').set({ school_id: b }).where('user_id', '=', id).execute();
    expect((await session.get(`/schools/${a}`)).statusCode).toBe(403);
    expect((await session.get(`/schools/${b}`)).statusCode).toBe(200);

    expect((await session.get('/research')).statusCode).toBe(403);
    await store.db.deleteFrom('rep_school').where('user_id', '=', id).execute();
    await store.db.updateTable('app_user').set({ role: 'researcher' }).where('id', '=', id).execute();
    expect((await session.get('/research')).statusCode).toBe(200);
    expect((await session.get(`/schools/${b}`)).statusCode).toBe(403);

    // The session row stays; the account does not.
    await store.db.updateTable('app_user').set({ active: false }).where('id', '=', id).execute();
    expect(await store.db.selectFrom('session').select('sid').where('user_id', '=', id).execute()).toHaveLength(1);
    const refused = await session.get('/research');
    expect(refused.statusCode).toBe(303);
    expect(refused.headers.location).toMatch(/^\/login/);
  });

  it('two users interleaved, each always itself', async () => {
    const x = await signedIn(app, store.db, 'rep', { schoolIds: [a] });
    const y = await signedIn(app, store.db, 'rep', { schoolIds: [b] });
    const runs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? x : y).session.get(`/schools/${a}`).then((r) => [i % 2, r.statusCode] as const)),
    );
    for (const [isX, status] of runs) expect(status).toBe(isX ? 200 : 403);
  });

  it('a change made while requests of the session run is seen by the next one', async () => {
    const x = await signedIn(app, store.db, 'rep', { schoolIds: [a] });
    const running = Array.from({ length: 30 }, () => x.session.get(`/schools/${a}`));
    await store.db.updateTable('rep_school').set({ school_id: b }).where('user_id', '=', x.id).execute();
    await Promise.all(running);
    expect((await x.session.get(`/schools/${a}`)).statusCode).toBe(403);
    expect((await x.session.get(`/schools/${b}`)).statusCode).toBe(200);
  });
});
