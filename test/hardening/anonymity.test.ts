import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { itOn, serverUrl, testStore, storeKind, withDatabase, type TestStore } from '../helpers/store.ts';
import { LogCapture, testApp, useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { fullAnswers, openWaveWithCodes, shipped } from '../helpers/fixtures.ts';
import { dumpText, indexedAnswers, indexOf, spearman, tables } from '../helpers/hardening-db.ts';
import { KNOWN_PUBLIC, TEACHER_FORMS } from '../helpers/hardening-routes.ts';
import { formatCode, hashCode, normaliseCode } from '../../server/teacher/access-codes.ts';
import { partitionName } from '../../server/db/partitions.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createUser } from '../../server/staff/users.ts';
import { ADVERSARIES } from '../../server/teacher/privacy.ts';
import { hasKey, LANGS, translator } from '../../server/platform/i18n.ts';
import { readFileSync } from 'node:fs';

/**
 * The anonymity audit (issue 9): a whole wave — admin, teachers, rep, researcher — through HTTP at
 * `debug` log level, then the database inspected the way an administrator with `psql` would. Runs
 * on both stores: a demo or single-school PGlite store makes the same promises.
 */

const N = 100; // teachers; enough for the order test to tell "shuffled" from "kept" without doubt
const AGENT = 'Mozilla/5.0 (Hardening; LogCanary) AnonymityAudit/1.0';
const PASSWORD = 'correct horse battery staple';
const teacherAddress = (i: number) => `198.51.100.${i + 1}`;
const forwardedFor = (i: number) => `203.0.113.${i + 1}`;
const commentOf = (i: number) => `OpmerkingCanary${i}xq`;

/** Tables that hold responses or codes (design §4): no time, no address, no sequence, ever. */
const ANONYMOUS_TABLES: Record<string, Record<string, string>> = {
  response: { id: 'uuid', wave_id: 'uuid', school_id: 'uuid', answers: 'ARRAY', background: 'jsonb' },
  // moderation (an enum: pending, shown, withheld), the themes and crisis flag a moderator chose (issue 19).
  comment: { id: 'uuid', wave_id: 'uuid', school_id: 'uuid', text: 'text', moderation: 'USER-DEFINED', themes: 'ARRAY', crisis: 'boolean' },
  access_code: { hash: 'text', wave_id: 'uuid', school_id: 'uuid', spent: 'boolean' },
  encrypted_response: { wave_id: 'uuid', school_id: 'uuid', box: 'bytea' },
  encrypted_comment: { wave_id: 'uuid', school_id: 'uuid', box: 'bytea' },
  wave_key: { wave_id: 'uuid', wrapped: 'bytea', master_key_id: 'text' },
  // codes_handed_out: slips handed out, a count staff enter per school (issue 17; docs/storage.md).
  wave_school: { wave_id: 'uuid', school_id: 'uuid', codes_issued: 'integer', codes_spent: 'integer', codes_handed_out: 'integer' },
};
/**
 * The only time columns in the whole schema, none in a table above; each says when staff did or plan
 * something. `action_plan_*`: a school's action plan (issue 19), staff text with no answer in it:
 * when a point was written, its due date and the date of each status change or note.
 * `staff_summary`: when a school's staff summary was published and revoked (issue 19).
 */
const TIME_COLUMNS = [
  'action_plan_item.created_at',
  'action_plan_item.due',
  'action_plan_note.at',
  'app_user.last_failed_login_at',
  'app_user.locked_until',
  'audit_log.at',
  'session.created_at',
  'session.expires_at',
  'staff_summary.published_at',
  'staff_summary.revoked_at',
  'wave.created_at',
  'wave.planned_close',
];
const TIME_OR_ADDRESS = /^(date|time|timestamp|interval|inet|cidr|macaddr|pg_lsn|xid|xid8|tid|txid_snapshot|pg_snapshot)/;

const teacherHeaders = (i: number, extra: Record<string, string> = {}) => ({
  accept: 'text/html',
  'user-agent': `${AGENT} #${i}`,
  'x-forwarded-for': forwardedFor(i),
  'accept-language': 'nl-BE,nl;q=0.9',
  ...extra,
});

function form(i: number, body: Record<string, string>) {
  return {
    remoteAddress: teacherAddress(i),
    headers: teacherHeaders(i, { 'content-type': 'application/x-www-form-urlencoded' }),
    payload: new URLSearchParams(body).toString(),
  };
}

describe(`anonymity audit of a whole wave (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  const logs = new LogCapture();
  let waveId: string;
  let schoolId: string;
  let codes: string[];
  let before: { rows: number; plaintext: number; xmins: number; linked: number; answersInBoxes: number; filenode: string };
  const cookies: string[] = [];

  beforeAll(async () => {
    store = await testStore();
    app = await testApp(store, { logs });
    const questionnaireId = await publishQuestionnaire(store.db, shipped);
    await createUser(store.db, { email: 'admin@example.org', role: 'admin', password: PASSWORD });

    // --- The admin sets up the school, the accounts and the wave, and prints the codes.
    const admin = await new Session(app, '192.0.2.10').login('admin@example.org', PASSWORD);
    cookies.push(admin.cookie!);
    expect(
      (
        await admin.post('/admin/schools', {
          name: 'Audit Atheneum',
          benchmarkGroup: 'secundair',
          municipality: 'Gent',
          staffCount: String(N + 20),
        })
      ).statusCode,
    ).toBe(303);
    schoolId = (await store.db.selectFrom('school').select('id').where('name', '=', 'Audit Atheneum').executeTakeFirstOrThrow()).id;
    expect(
      (await admin.post('/admin/users', { email: 'rep@example.org', role: 'rep', userLang: 'nl', schools: schoolId, password: PASSWORD }))
        .statusCode,
    ).toBe(303);
    expect(
      (await admin.post('/admin/users', { email: 'onderzoek@example.org', role: 'researcher', userLang: 'en', password: PASSWORD }))
        .statusCode,
    ).toBe(303);
    const created = await admin.post('/admin/waves', { name: 'Audit najaar', questionnaireId, k: '5', schools: schoolId });
    expect(created.statusCode).toBe(303);
    waveId = /\/admin\/waves\/([0-9a-f-]{36})/.exec(String(created.headers.location))![1]!;
    expect((await admin.post(`/admin/waves/${waveId}/open`, {})).statusCode).toBe(303);
    const sheet = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId, count: String(N + 10), format: 'csv' });
    expect(sheet.statusCode).toBe(200);
    codes = [...new Set([...sheet.body.matchAll(/\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5})\b/g)].map((m) => normaliseCode(m[1]!)!))];
    expect(codes).toHaveLength(N + 10);

    // --- N teachers, one after the other (so arrival order is known), each from its own address and browser.
    for (let i = 0; i < N; i++) {
      const code = codes[i]!;
      const opened =
        i % 2 === 0
          ? await app.inject({ method: 'GET', url: `/c/${code}`, remoteAddress: teacherAddress(i), headers: teacherHeaders(i) })
          : await app.inject({ method: 'POST', url: '/answer', ...form(i, { code: formatCode(code).toLowerCase() }) });
      expect(opened.statusCode).toBe(200);
      const body = indexedAnswers(formatCode(code), i);
      if (i % 4 === 0) body['comment'] = commentOf(i);
      if (i % 10 === 3) {
        // A slip of the finger first: refused, nothing stored, then corrected.
        const refused = await app.inject({ method: 'POST', url: '/submit', ...form(i, { ...body, 'a.com_6': '9' }) });
        expect(refused.statusCode).toBe(422);
      }
      const submitted = await app.inject({ method: 'POST', url: '/submit', ...form(i, body) });
      expect(submitted.statusCode, `teacher ${i}`).toBe(303);
      for (const r of [opened, submitted]) expect(r.headers['set-cookie']).toBeUndefined();
    }
    // A spent code, a mistyped one, and the thanks and privacy pages.
    expect((await app.inject({ method: 'POST', url: '/submit', ...form(0, fullAnswers(codes[0]!)) })).statusCode).toBe(404);
    const mistyped = `${codes[N]!.slice(0, 12)}${codes[N]!.endsWith('Z') ? 'Y' : 'Z'}`;
    expect((await app.inject({ method: 'POST', url: '/answer', ...form(1, { code: mistyped }) })).statusCode).toBe(404);
    await app.inject({ method: 'GET', url: '/thanks?lang=en', remoteAddress: teacherAddress(2), headers: teacherHeaders(2) });
    await app.inject({ method: 'GET', url: '/privacy', remoteAddress: teacherAddress(3), headers: teacherHeaders(3) });

    // --- What a database administrator could see while the wave is open.
    const boxes = await sql<{ box: Uint8Array }>`select box from encrypted_response where wave_id = ${waveId} order by ctid`.execute(
      store.db,
    );
    const plaintext = await sql<{
      n: number;
    }>`select (select count(*) from response where wave_id = ${waveId}) + (select count(*) from comment where wave_id = ${waveId}) as n`.execute(
      store.db,
    );
    const xmins = await sql<{
      n: number;
    }>`select count(distinct xmin::text)::int as n from encrypted_response where wave_id = ${waveId}`.execute(store.db);
    const linked = await sql<{ n: number }>`
      select count(*)::int as n from encrypted_response r join access_code a on a.xmin::text = r.xmin::text
      where r.wave_id = ${waveId} and a.spent`.execute(store.db);
    const filenode = await sql<{
      f: string;
    }>`select pg_relation_filenode(${partitionName('encrypted_response', waveId)})::text as f`.execute(store.db);
    // Each teacher's answers as PostgreSQL would store them in plaintext (int16 values): in no box.
    const asStored = (i: number) => {
      const values = Object.entries(indexedAnswers(formatCode(codes[i]!), i))
        .filter(([k]) => k.startsWith('a.'))
        .map(([, v]) => Number(v));
      const out = Buffer.alloc(values.length * 2);
      values.forEach((v, j) => out.writeInt16LE(v, j * 2));
      return out;
    };
    const allBoxes = Buffer.concat(boxes.rows.map((r) => Buffer.from(r.box)));
    before = {
      rows: boxes.rows.length,
      plaintext: Number(plaintext.rows[0]!.n),
      xmins: xmins.rows[0]!.n,
      linked: linked.rows[0]!.n,
      answersInBoxes: Array.from({ length: N }, (_, i) => i).filter((i) => allBoxes.includes(asStored(i))).length,
      filenode: filenode.rows[0]!.f,
    };

    // --- The admin closes (seals) the wave.
    const closed = await admin.post(`/admin/waves/${waveId}/close`, { confirm: 'yes' });
    expect(closed.statusCode).toBe(303);

    // --- The rep reads the school's results, the researcher downloads exports, the admin looks around.
    const rep = await new Session(app, '192.0.2.20').login('rep@example.org', PASSWORD);
    cookies.push(rep.cookie!);
    for (const url of [
      '/home',
      `/schools/${schoolId}`,
      `/schools/${schoolId}/waves/${waveId}`,
      `/schools/${schoolId}/waves/${waveId}/report`,
      `/api/schools/${schoolId}/waves/${waveId}`,
    ]) {
      expect((await rep.get(url)).statusCode, url).toBe(200);
    }
    const researcher = await new Session(app, '192.0.2.30').login('onderzoek@example.org', PASSWORD);
    cookies.push(researcher.cookie!);
    for (const file of ['items.csv', 'themes.csv', 'codebook.csv', 'datapackage.json', 'export.zip']) {
      expect((await researcher.get(`/research/waves/${waveId}/${file}`)).statusCode, file).toBe(200);
    }
    expect((await researcher.get('/research')).statusCode).toBe(200);
    expect((await researcher.get(`/research/questionnaires/${shipped.id}/trends.csv`)).statusCode).toBe(200);
    for (const url of [`/admin/waves/${waveId}`, `/admin/waves/${waveId}/network`, '/admin/audit', '/admin/users']) {
      expect((await admin.get(url)).statusCode, url).toBeLessThan(400);
    }
    for (const s of [admin, rep, researcher]) expect((await s.post('/logout', {})).statusCode).toBe(303);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it('logs, at debug level, no address, user agent, code, answer, comment, cookie or password', () => {
    const text = logs.text;
    expect(logs.lines.length).toBeGreaterThan(N * 4);
    expect(text).toContain('"route":"/c/:code"');
    const forbidden = [
      'remoteAddress',
      'remotePort',
      '"url"',
      '"headers"',
      '"body"',
      'user-agent',
      'LogCanary',
      'AnonymityAudit',
      'nl-BE',
      PASSWORD,
      '192.0.2.',
      '198.51.100.',
      '203.0.113.',
      '127.0.0.1',
      'OpmerkingCanary',
      'a.com_',
      'b.role',
      'leraar',
      'from5to15',
      ...cookies.map((c) => c.split('=')[1]!.split('.')[0]!),
    ];
    for (const f of forbidden) expect(text, `log contains ${f}`).not.toContain(f);
    for (const code of codes) {
      for (const shape of [code, formatCode(code), code.toLowerCase(), formatCode(code).toLowerCase(), hashCode(code)])
        expect(text).not.toContain(shape);
    }
  });

  it('has no time, address or sequence in any table that holds responses or codes', async () => {
    const columns = await sql<{
      table_name: string;
      column_name: string;
      data_type: string;
      udt_name: string;
      column_default: string | null;
      is_identity: string;
    }>`
      select table_name, column_name, data_type, udt_name, column_default, is_identity
      from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position`.execute(store.db);
    for (const [table, expected] of Object.entries(ANONYMOUS_TABLES)) {
      const actual = Object.fromEntries(columns.rows.filter((c) => c.table_name === table).map((c) => [c.column_name, c.data_type]));
      expect(actual, `columns of ${table}: a new column here must be justified in docs/storage.md and this test`).toEqual(expected);
    }
    const timeLike = columns.rows.filter((c) => TIME_OR_ADDRESS.test(c.data_type) || TIME_OR_ADDRESS.test(c.udt_name.replace(/^_/, '')));
    expect(timeLike.map((c) => `${c.table_name}.${c.column_name}`).sort()).toEqual(TIME_COLUMNS);
    // No sequences, serials or identity columns anywhere: ids are random.
    expect(columns.rows.filter((c) => c.is_identity === 'YES' || /nextval/.test(c.column_default ?? ''))).toEqual([]);
    const sequences = await sql<{ n: number }>`
      select count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace
      where s.nspname = 'public' and c.relkind = 'S'`.execute(store.db);
    expect(sequences.rows[0]!.n).toBe(0);
    // Nothing fires on a submission that could record it elsewhere.
    const triggers = await sql<{ tgname: string }>`
      select tgname from pg_trigger where not tgisinternal
      and tgrelid in ('response'::regclass, 'comment'::regclass, 'access_code'::regclass, 'wave_school'::regclass, 'encrypted_response'::regclass, 'encrypted_comment'::regclass)`.execute(
      store.db,
    );
    expect(triggers.rows).toEqual([]);
    expect(await tables(store.db)).toEqual(expect.arrayContaining(Object.keys(ANONYMOUS_TABLES)));
  });

  it('has nothing that joins a code to a response', async () => {
    const keys = await sql<{ from_table: string; to_table: string }>`
      select conrelid::regclass::text as from_table, confrelid::regclass::text as to_table
      from pg_constraint where contype = 'f'`.execute(store.db);
    const codeOrAnswer = new Set(['access_code', 'response', 'comment']);
    expect(keys.rows.filter((k) => codeOrAnswer.has(k.from_table) && codeOrAnswer.has(k.to_table))).toEqual([]);
    const shared = Object.keys(ANONYMOUS_TABLES.access_code!).filter(
      (c) => c in ANONYMOUS_TABLES.response! || c in ANONYMOUS_TABLES.comment!,
    );
    expect(shared.sort()).toEqual(['school_id', 'wave_id']);

    // Every code is gone: spent ones reduced to a count, unused ones (which could only tell a slip's holder whether it was used).
    expect(await store.db.selectFrom('access_code').select(['hash', 'spent']).where('wave_id', '=', waveId).execute()).toEqual([]);
    const counted = await store.db
      .selectFrom('wave_school')
      .select(['codes_issued', 'codes_spent'])
      .where('wave_id', '=', waveId)
      .executeTakeFirstOrThrow();
    expect(counted).toEqual({ codes_issued: N + 10, codes_spent: N });
    expect((await store.db.selectFrom('response').select('id').where('wave_id', '=', waveId).execute()).length).toBe(N);

    // No code in any shape, nor the hash of a spent one, nor an old response id, anywhere at all.
    const dump = await dumpText(store.db);
    const everything = Object.values(dump).join('\n');
    for (const code of codes) {
      for (const shape of [code, formatCode(code), code.toLowerCase()]) expect(everything).not.toContain(shape);
    }
    for (const code of codes) expect(everything).not.toContain(hashCode(code));
    // Nothing of the open wave's ciphertext or key is left either.
    expect(dump['encrypted_response']).toBe('');
    expect(dump['encrypted_comment']).toBe('');
    expect(dump['wave_key']).toBe('');
    for (const f of ['198.51.100.', '203.0.113.', 'LogCanary', 'nl-BE']) expect(everything).not.toContain(f);
    // Comments are where they belong, and only there.
    for (const [table, text] of Object.entries(dump)) if (table !== 'comment') expect(text, table).not.toContain('OpmerkingCanary');
  });

  it('while open, gives a database administrator the arrival order and the code of each response as ciphertext only (the residual risk /privacy states)', () => {
    expect(before.rows).toBe(N);
    expect(before.plaintext).toBe(0);
    expect(before.xmins).toBe(N);
    // The spent-code row and the box share the submitting transaction: a live link until sealing…
    expect(before.linked).toBe(N);
    // …to ciphertext: no teacher's answers are in any box.
    expect(before.answersInBoxes).toBe(0);
  });

  it('after sealing: one xmin, new ids, a new file, and an order unrelated to the order of submission', async () => {
    const rows = await sql<{
      id: string;
      answers: number[];
    }>`select id, answers from response where wave_id = ${waveId} order by ctid`.execute(store.db);
    expect(rows.rows).toHaveLength(N);
    const order = rows.rows.map((r) => indexOf(r.answers));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    // Under a random order |ρ| > 0.5 has probability < 1e-6 for n = 100 (sd of ρ ≈ 0.1).
    expect(
      Math.abs(
        spearman(
          order,
          order.map((_, i) => i),
        ),
      ),
    ).toBeLessThan(0.5);
    const byId = [...rows.rows].sort((a, b) => a.id.localeCompare(b.id)).map((r) => indexOf(r.answers));
    expect(
      Math.abs(
        spearman(
          byId,
          byId.map((_, i) => i),
        ),
      ),
    ).toBeLessThan(0.5);

    expect(new Set(rows.rows.map((r) => r.id)).size).toBe(N);
    const commentIds = new Set(
      (await store.db.selectFrom('comment').select('id').where('wave_id', '=', waveId).execute()).map((r) => r.id),
    );
    expect(commentIds.size).toBe(Math.ceil(N / 4));

    for (const table of ['response', 'comment']) {
      const xmins = await sql<{
        n: number;
      }>`select count(distinct xmin::text)::int as n from ${sql.table(table)} where wave_id = ${waveId}`.execute(store.db);
      expect(xmins.rows[0]!.n, table).toBe(1);
    }
    // No code of the wave is left for xmin to link, and the encrypted partition, in arrival order, is gone with its file.
    const codesLeft = await sql<{ n: number }>`select count(*)::int as n from access_code where wave_id = ${waveId}`.execute(store.db);
    expect(codesLeft.rows[0]!.n).toBe(0);
    expect(before.filenode).toMatch(/^\d+$/);
    const oldFile = await sql<{ n: number }>`select count(*)::int as n from pg_class where relfilenode::text = ${before.filenode}`.execute(
      store.db,
    );
    expect(oldFile.rows[0]!.n).toBe(0);
    const encrypted = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_class where relname = ${partitionName('encrypted_response', waveId)}`.execute(store.db);
    expect(encrypted.rows[0]!.n).toBe(0);
  });
});

// ---- Sealing on a busy server -------------------------------------------------------------------

describe(`sealing while the PostgreSQL server is busy (${storeKind})`, () => {
  const { store, app } = useApp();

  // VACUUM FULL copies every row version that some running transaction might still need — and a
  // transaction that has written anything, in *any* database of the server (another app, another
  // Schoolpols instance saving a session, a CREATE DATABASE), counts. The old versions then survive
  // in the new file: old ids, per-submission xmin, arrival order, and the deleted spent-code rows.
  itOn(
    'postgres',
    'leaves no old row version in the table files, even with a write transaction open elsewhere on the server (pageinspect)',
    async () => {
      const { codes, waveId } = await openWaveWithCodes(store.db, 20);
      // Another wave stays open with unused codes, so the code table has pages to inspect.
      await openWaveWithCodes(store.db, 5);
      await createUser(store.db, { email: 'admin.busy@example.org', role: 'admin', password: PASSWORD });
      const admin = await new Session(app, '192.0.2.60').login('admin.busy@example.org', PASSWORD);
      for (const [i, code] of codes.entries()) {
        const res = await app.inject({ method: 'POST', url: '/submit', ...form(i, { ...indexedAnswers(code, i), comment: commentOf(i) }) });
        expect(res.statusCode).toBe(303);
      }
      // The boxes as they were stored, in arrival order: none of their bytes may survive in a page.
      const oldBoxes = (await store.db.selectFrom('encrypted_response').select('box').execute()).map((r) =>
        Buffer.from(r.box).toString('hex').slice(0, 64),
      );
      const elsewhere = new pg.Client({ connectionString: withDatabase(serverUrl!, 'postgres') });
      await elsewhere.connect();
      try {
        await elsewhere.query('begin');
        await elsewhere.query('select txid_current()');
        expect((await admin.post(`/admin/waves/${waveId}/close`, { confirm: 'yes' })).statusCode).toBe(303);
      } finally {
        await elsewhere.query('rollback').catch(() => {});
        await elsewhere.end();
      }
      await sql`create extension if not exists pageinspect`.execute(store.db);
      const leftovers: Record<string, { dead: number; oldBoxes: number; spentHashes: number }> = {};
      for (const table of ['response', 'comment', 'access_code']) {
        // Every partition of the table: the rows live there, the parent has no storage of its own.
        const items = await sql<{ flags: number; xmax: string; data: string }>`
        select h.lp_flags as flags, h.t_xmax::text as xmax, encode(h.t_data, 'hex') as data
        from pg_inherits i,
             generate_series(0, (pg_relation_size(i.inhrelid) / current_setting('block_size')::int)::int - 1) as b,
             heap_page_items(get_raw_page(i.inhrelid::regclass::text, b)) as h
        where i.inhparent = ${table}::regclass`.execute(store.db);
        // Something was inspected: the wave left codes, responses and comments behind.
        expect(items.rows.length, table).toBeGreaterThan(0);
        const bytes = items.rows.map((p) => p.data ?? '').join('');
        leftovers[table] = {
          dead: items.rows.filter((p) => p.flags !== 1 || p.xmax !== '0').length,
          oldBoxes: oldBoxes.filter((box) => bytes.includes(box)).length,
          spentHashes: codes.filter((c) => bytes.includes(Buffer.from(hashCode(c)).toString('hex'))).length,
        };
      }
      const clean = { dead: 0, oldBoxes: 0, spentHashes: 0 };
      expect(leftovers).toEqual({ response: clean, comment: clean, access_code: clean });
    },
  );
});

// ---- Teacher pages: no cookie, no other origin ---------------------------------------------------

function expectSameOriginOnly(res: LightMyRequestResponse, label: string) {
  for (const m of res.body.matchAll(/\s(?:src|href|action|formaction|srcset|poster|data)\s*=\s*"([^"]*)"/gi)) {
    expect(m[1], `${label}: reference to another origin`).not.toMatch(/^(?:[a-z][a-z0-9+.-]*:)?\/\//i);
  }
  expect(res.body, `${label}: absolute URL`).not.toMatch(/(?:https?:)?\/\/(?!www\.w3\.org\/2000\/svg)[a-z0-9.-]+\.[a-z]{2,}/i);
  expect(res.body, `${label}: CSS import`).not.toMatch(/@import|url\(\s*['"]?(?:https?:)?\/\//i);
}

describe(`teacher pages: no cookie, nothing from another origin (${storeKind})`, () => {
  const { store, app } = useApp();
  beforeAll(async () => {
    await createUser(store.db, { email: 'rep.teacher@example.org', role: 'rep', password: PASSWORD });
  });

  it('set no cookie — also not for a signed-in rep answering in the same browser — and touch no session', async () => {
    const { codes } = await openWaveWithCodes(store.db, 3);
    const rep = await new Session(app, '192.0.2.50').login('rep.teacher@example.org', PASSWORD);
    const sessionsBefore = await store.db.selectFrom('session').selectAll().orderBy('sid').execute();
    await new Promise((r) => setTimeout(r, 20));
    const teacherRoutes = app.routeTable.filter(
      (r) => r.access === 'public' && KNOWN_PUBLIC[`${r.method} ${r.url}`]?.startsWith('teacher'),
    );
    expect(teacherRoutes.length).toBeGreaterThanOrEqual(TEACHER_FORMS.size + 4);
    const requests: Array<{ label: string; run: (cookie: Record<string, string>) => Promise<LightMyRequestResponse> }> = [];
    for (const r of teacherRoutes) {
      const url = r.url.replace(':code', codes[0]!);
      if (r.method === 'GET' || r.method === 'HEAD') {
        for (const lang of ['', '?lang=en'])
          requests.push({
            label: `${r.method} ${url}${lang}`,
            run: (c) => app.inject({ method: r.method as 'GET', url: `${url}${lang}`, headers: { accept: 'text/html', ...c } }),
          });
      }
    }
    const post = (url: string, body: Record<string, string>) => (c: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url,
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...c },
        payload: new URLSearchParams(body).toString(),
      });
    requests.push(
      { label: 'POST /answer valid', run: post('/answer', { code: codes[0]! }) },
      { label: 'POST /answer unknown', run: post('/answer', { code: 'ZZZZ-ZZZZ-ZZZZZ' }) },
      { label: 'POST /submit invalid', run: post('/submit', { ...fullAnswers(codes[0]!), 'a.com_1': '8' }) },
      { label: 'POST /submit valid', run: post('/submit', fullAnswers(codes[0]!)) },
      { label: 'POST /submit spent', run: post('/submit', fullAnswers(codes[0]!)) },
      { label: 'POST /submit valid with the rep cookie', run: post('/submit', fullAnswers(codes[1]!)) },
    );
    for (const { label, run } of requests) {
      for (const [who, cookie] of [
        ['signed-in rep', { cookie: rep.cookie! }],
        ['nobody', {}],
      ] as const) {
        const res = await run(cookie);
        expect(res.statusCode, `${who}: ${label}`).toBeLessThan(500);
        expect(res.headers['set-cookie'], `${who}: ${label} sets a cookie`).toBeUndefined();
        if (String(res.headers['content-type']).startsWith('text/html')) expectSameOriginOnly(res, `${who}: ${label}`);
        expect(res.headers['content-security-policy'], label).toMatch(/default-src 'self'/);
      }
    }
    // The rep's session row was neither re-written nor extended by any teacher page.
    expect(await store.db.selectFrom('session').selectAll().orderBy('sid').execute()).toEqual(sessionsBefore);
    // And the staff session still works on staff pages.
    expect((await rep.get('/home')).statusCode).toBe(200);
  });
  it('explain on /privacy, in Dutch and English, who can see what — the summary of docs/threat-model.md', async () => {
    const doc = readFileSync(new URL('../../docs/threat-model.md', import.meta.url), 'utf8');
    const headings = [...doc.matchAll(/^### \d\. (.+)$/gm)].map((m) => m[1]!);
    expect(headings).toHaveLength(ADVERSARIES.length);
    for (const lang of LANGS) {
      const t = translator(lang);
      const res = await app.inject({ method: 'GET', url: `/privacy?lang=${lang}` });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`<h2>${t('privacy.threatsTitle')}</h2>`);
      for (const a of ADVERSARIES) {
        for (const part of ['who', 'sees', 'prevents', 'remains'])
          expect(hasKey(lang, `privacy.threats.${a}.${part}`), `${lang} ${a}.${part}`).toBe(true);
        expect(res.body).toContain(`id="threat-${a}"`);
      }
      expect(res.body).toContain('docs/threat-model.md');
      expect(res.body).not.toContain('{{');
      expect(res.body).not.toContain('privacy.threats.');
    }
  });
});
