/**
 * Every dashboard served is in the audit log (issue 17 writes the audit row while the page is made):
 * when the row cannot be written, the page is not served, and what the dashboard shows stays out of
 * the error.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { signedIn } from '../admin/helpers.ts';
import { seedDemo } from '../../server/demo/demo.ts';

describe(`a dashboard and its audit row (${storeKind})`, () => {
  const { store, app } = useApp();
  let url: string;
  let schoolName: string;

  beforeAll(async () => {
    await seedDemo(store.db, testKeys(store.db), 5);
    const row = await store.db
      .selectFrom('wave_school')
      .innerJoin('wave', 'wave.id', 'wave_school.wave_id')
      .innerJoin('school', 'school.id', 'wave_school.school_id')
      .select(['wave.id as waveId', 'school.id as schoolId', 'school.name'])
      .where('wave.status', '=', 'closed')
      .orderBy('wave.created_at', 'desc')
      .orderBy('school.name')
      .executeTakeFirstOrThrow();
    url = `/schools/${row.schoolId}/waves/${row.waveId}`;
    schoolName = row.name;
  });

  it('is served with its audit row, and not served when the row cannot be written', async () => {
    const admin = await signedIn(app, store.db, 'admin');
    const audited = async () =>
      Number(
        (
          await store.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('action', '=', 'dashboard.view')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const ok = await admin.session.get(url);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain(schoolName);
    expect(await audited()).toBe(1);

    await sql`create function refuse_dashboard_audit() returns trigger language plpgsql as $$
      begin if new.action = 'dashboard.view' then raise exception 'audit refused'; end if; return new; end $$`.execute(store.db);
    await sql`create trigger refuse_dashboard_audit before insert on audit_log for each row execute function refuse_dashboard_audit()`.execute(
      store.db,
    );
    const refused = await admin.session.get(url);
    expect(refused.statusCode).toBe(500);
    expect(refused.body).not.toContain(schoolName);
    expect(refused.body).not.toContain('audit refused');
    expect(await audited()).toBe(1);
    await sql`drop trigger refuse_dashboard_audit on audit_log`.execute(store.db);
    expect((await admin.session.get(url)).statusCode).toBe(200);
    expect(await audited()).toBe(2);
  });
});
