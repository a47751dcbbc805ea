import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { signedIn } from './helpers.ts';
import { audit } from '../../server/platform/audit-log.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { hasKey, LANGS } from '../../server/platform/i18n.ts';

describe(`admin: audit log (${storeKind})`, () => {
  const { store, app } = useApp();

  it('lists staff actions newest first, 50 a page, with names instead of ids', async () => {
    const { session, email, id } = await signedIn(app, store.db, 'admin');
    const school = await createSchool(store.db, {
      name: 'Het Logboekcollege',
      benchmark_group: 'secundair',
      municipality: 'Gent',
      staff_count: 3,
    });
    // 60 older entries, then one recognisable newest one.
    await store.db
      .insertInto('audit_log')
      .values(
        Array.from({ length: 60 }, (_, i) => ({
          user_id: null,
          action: 'school.update',
          target: `school:${school}`,
          at: new Date(Date.UTC(2020, 0, 1, 0, i)),
        })),
      )
      .execute();
    await audit(store.db, id, 'school.deactivate', `school:${school}`);

    const first = await session.get('/admin/audit');
    expect(first.statusCode).toBe(200);
    const rows = [...first.body.matchAll(/<tr><td><time datetime="([^"]+)"/g)].map((m) => m[1]!);
    expect(rows).toHaveLength(50);
    expect([...rows].sort().reverse()).toEqual(rows);
    const newest = first.body.indexOf('school op niet actief gezet');
    expect(newest).toBeGreaterThan(0);
    expect(first.body.indexOf(email)).toBeGreaterThan(0);
    expect(first.body).toContain('school: Het Logboekcollege');
    expect(first.body).toContain('opdrachtregel');
    expect(first.body).toContain('href="/admin/audit?page=2"');
    const second = await session.get('/admin/audit?page=2');
    expect([...second.body.matchAll(/<tr><td><time/g)]).toHaveLength(63 - 50); // + the admin's own login and two-step enrolment (admins must have it)
    expect(second.body).toContain('href="/admin/audit?page=1"');
    const bad = await session.get('/admin/audit?page=nul');
    expect(bad.statusCode).toBe(400);
  });

  it('never records a teacher: submitting an answer writes no audit entry', async () => {
    const { n } = await store.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await app.inject({ method: 'POST', url: '/answer', payload: { code: 'AAAA-BBBB-CCCCC' } });
    const after = await store.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(n));
  });

  it('writes entries made together in one statement, each settled once stored, and one bad entry fails alone', async () => {
    const { id } = await signedIn(app, store.db, 'admin');
    const target = `batch:${Date.now()}`;
    const stored = (prefix: string) =>
      store.db
        .selectFrom('audit_log')
        .select(['target', sql<string>`xmin::text`.as('transaction')])
        .where('target', 'like', `${prefix}:%`)
        .execute();
    const names = (prefix: string, n: number, skip = -1) =>
      Array.from({ length: n }, (_, i) => `${prefix}:${i}`).filter((_, i) => i !== skip);
    // The first goes alone; the rest arrive while it is written and go together: one statement,
    // one transaction.
    await Promise.all(names(`${target}:a`, 12).map((t) => audit(store.db, id, 'dashboard.view', t)));
    const together = await stored(`${target}:a`);
    expect(together.map((r) => r.target).sort()).toEqual(names(`${target}:a`, 12).sort());
    expect(new Set(together.map((r) => r.transaction)).size).toBeLessThanOrEqual(2);
    // A user id that is not one fails its own entry only.
    const results = await Promise.allSettled(
      names(`${target}:b`, 12).map((t, i) => audit(store.db, i === 7 ? 'not-a-user-id' : id, 'dashboard.view', t)),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 12 }, (_, i) => (i === 7 ? 'rejected' : 'fulfilled')));
    expect((await stored(`${target}:b`)).map((r) => r.target).sort()).toEqual(names(`${target}:b`, 12, 7).sort());
    // Inside a transaction the entry is the transaction's: rolled back with it.
    await store.db
      .transaction()
      .execute(async (trx) => {
        await audit(trx, id, 'school.update', `${target}:rolled-back`);
        throw new Error('rolled back');
      })
      .catch(() => {});
    expect(await store.db.selectFrom('audit_log').select('id').where('target', '=', `${target}:rolled-back`).execute()).toEqual([]);
  });
});

describe('admin message keys', () => {
  it('exist in both languages for every key named in admin modules (problems carry keys, not text)', () => {
    const adminModules = readdirSync('server/admin', { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `server/admin/${f}`);
    const files = [
      'server/platform/problems.ts',
      'server/questionnaires.ts',
      'server/waves.ts',
      'server/staff/users.ts',
      ...adminModules,
      ...readdirSync('web/views/admin').map((f) => `web/views/admin/${f}`),
    ];
    const keys = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/'(admin\.[a-zA-Z][\w.-]*[a-zA-Z])'/g)) keys.add(m[1]!);
    expect(keys.size).toBeGreaterThan(100);
    const missing = [...keys].flatMap((k) => LANGS.filter((l) => !hasKey(l, k)).map((l) => `${l}:${k}`));
    expect(missing).toEqual([]);
    // Keys built from a value: every value has its message.
    for (const lang of LANGS) {
      for (const reason of ['not-found', 'not-draft', 'not-open', 'no-schools', 'already-closed', 'unknown-school'])
        expect(hasKey(lang, `admin.waves.error.${reason}`)).toBe(true);
      for (const action of [
        'school.create',
        'school.update',
        'school.activate',
        'school.deactivate',
        'school.import',
        'questionnaire.publish',
        'wave.create',
        'wave.open',
        'wave.close',
        'wave.addSchools',
        'codes.generate',
        'user.create',
        'user.activate',
        'user.deactivate',
        'user.resetPassword',
        'user.setSchools',
      ]) {
        expect(hasKey(lang, `admin.audit.action.${action}`), action).toBe(true);
      }
    }
  });
});
