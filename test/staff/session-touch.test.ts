/**
 * A staff page view does not write its session back when only the idle expiry moved, and by less
 * than a minute (`TOUCH_INTERVAL_MS`): 50 reps opening dashboards at once otherwise commit 50
 * session rows nobody needs (issue 17, the surge). Idle expiry still moves on, a minute at most
 * behind; a changed session is written at once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { signedIn } from '../admin/helpers.ts';
import type { Session } from '../helpers/session.ts';
import { IDLE_LIFETIME_MS, TOUCH_INTERVAL_MS } from '../../server/staff/session-store.ts';

describe(`a page view renews the session without a write per request (${storeKind})`, () => {
  const { store, app } = useApp();
  let rep: Session;
  let userId: string;

  const stored = async () => {
    const rows = await store.db.selectFrom('session').select(['sid', 'expires_at', 'data']).where('user_id', '=', userId).execute();
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    const signed = await signedIn(app, store.db, 'researcher');
    rep = signed.session;
    userId = signed.id;
  });

  it('leaves the row alone when only the expiry moved, by less than a minute', async () => {
    expect((await rep.get('/account')).statusCode).toBe(200);
    const before = await stored();
    await pause(30);
    expect((await rep.get('/account')).statusCode).toBe(200);
    await pause(30);
    expect((await rep.get('/account')).statusCode).toBe(200);
    const after = await stored();
    expect(after.expires_at.getTime()).toBe(before.expires_at.getTime());
  });

  it('writes the renewed expiry once the stored one is more than a minute behind', async () => {
    const { sid } = await stored();
    const behind = new Date(Date.now() + IDLE_LIFETIME_MS - 2 * TOUCH_INTERVAL_MS);
    await store.db.updateTable('session').set({ expires_at: behind }).where('sid', '=', sid).execute();
    const t0 = Date.now();
    expect((await rep.get('/account')).statusCode).toBe(200);
    const after = await stored();
    expect(after.expires_at.getTime()).toBeGreaterThanOrEqual(t0 + IDLE_LIFETIME_MS - 1000);
  });

  it('writes a session whose data changed at once', async () => {
    const before = await stored();
    // Opening two-factor enrolment keeps the new secret, sealed, in the session.
    expect((await rep.get('/account/two-factor')).statusCode).toBe(200);
    const after = await stored();
    expect(before.data).not.toHaveProperty('enrolling');
    expect(after.data).toHaveProperty('enrolling');
  });
});
