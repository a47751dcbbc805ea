import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Store } from '../db/connect.ts';
import { partitionName } from '../db/partitions.ts';
import { getQuestionnaire } from '../questionnaires.ts';
import { BOX_OVERHEAD, commentBoxLengths, decodeComment, decodeResponse, open } from '../encryption/boxes.ts';
import { WaveKeyUnavailable, type WaveKeys } from '../encryption/wave-keys.ts';
import { answerPositions } from '../../surveys/load.ts';

/**
 * `npm run cli -- audit:anonymity`: what a privacy officer or works council can check of the
 * promise that nothing links a code to its answers (design §4), channel by channel. It reads and
 * changes nothing (on PostgreSQL it may install the `pageinspect` extension to read raw pages).
 * Every finding is a sentence a non-programmer can act on.
 */
export interface AuditChannel {
  name: string;
  checked: string[];
  findings: string[];
}

export interface AuditReport {
  channels: AuditChannel[];
  findings: number;
}

/** Columns that may stand beside answers, codes or comments; anything else (a time, an address, a code) is a finding. */
const ALLOWED_COLUMNS: Record<string, string[]> = {
  response: ['id', 'wave_id', 'school_id', 'answers', 'background'],
  // A moderator's decision, tags and crisis flag (issue 19): no time, no moderator, nothing of a response.
  comment: ['id', 'wave_id', 'school_id', 'text', 'moderation', 'themes', 'crisis'],
  encrypted_response: ['wave_id', 'school_id', 'box'],
  encrypted_comment: ['wave_id', 'school_id', 'box'],
  access_code: ['hash', 'wave_id', 'school_id', 'spent'],
};

/** At most this many answers and comments of open waves are searched for in the WAL (a random sample beyond). */
const WAL_MARKERS = 2000;

export async function auditAnonymity(store: Store, keys: WaveKeys, options: { walDir?: string | undefined } = {}): Promise<AuditReport> {
  const db = store.db;
  const columns = await columnChannel(db);
  const { channel: openChannel, markers } = await openWaveChannel(db, keys);
  const sealed = await sealedWaveChannel(db, store.kind);
  const wal = await walChannel(db, markers, options.walDir);
  const channels = [columns, openChannel, sealed, wal];
  return { channels, findings: channels.reduce((n, c) => n + c.findings.length, 0) };
}

export function formatAudit(report: AuditReport): string {
  const lines: string[] = ['Schoolpols anonymity self-audit', ''];
  for (const c of report.channels) {
    lines.push(`${c.findings.length ? 'FINDING' : 'ok     '}  ${c.name}`);
    for (const what of c.checked) lines.push(`           checked: ${what}`);
    for (const f of c.findings) lines.push(`           FOUND:   ${f}`);
  }
  lines.push('', report.findings ? `${report.findings} finding(s): the promise does not hold as checked. See above.` : 'No findings.', '');
  return lines.join('\n');
}

async function columnChannel(db: Kysely<Database>): Promise<AuditChannel> {
  const channel: AuditChannel = { name: 'what is stored beside answers, comments and codes', checked: [], findings: [] };
  for (const [table, allowed] of Object.entries(ALLOWED_COLUMNS)) {
    const rows = await sql<{ column_name: string; column_default: string | null }>`
      select column_name, column_default from information_schema.columns
      where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db);
    const found = rows.rows.map((r) => r.column_name);
    const extra = found.filter((c) => !allowed.includes(c));
    if (extra.length)
      channel.findings.push(
        `table ${table} has column(s) ${extra.join(', ')} beyond ${allowed.join(', ')}: a time, address or code there could identify a teacher`,
      );
    const sequenced = rows.rows.filter((r) => /nextval|now\(|current_timestamp|clock_timestamp/i.test(r.column_default ?? ''));
    if (sequenced.length)
      channel.findings.push(`table ${table} fills ${sequenced.map((r) => r.column_name).join(', ')} with a sequence or a time`);
  }
  channel.checked.push(`the columns of ${Object.keys(ALLOWED_COLUMNS).join(', ')} (no time, address, user agent, code or sequence)`);
  return channel;
}

async function openWaveChannel(db: Kysely<Database>, keys: WaveKeys) {
  const channel: AuditChannel = { name: 'open waves hold only ciphertext', checked: [], findings: [] };
  const markers: Buffer[] = [];
  const waves = await db.selectFrom('wave').select(['id', 'name', 'questionnaire_id']).where('sealed', '=', false).execute();
  for (const wave of waves) {
    const q = await getQuestionnaire(db, wave.questionnaire_id);
    const plain = Number(
      (
        await db
          .selectFrom('response')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('wave_id', '=', wave.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const plainComments = Number(
      (
        await db
          .selectFrom('comment')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('wave_id', '=', wave.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (plain || plainComments)
      channel.findings.push(
        `wave "${wave.name}" (${wave.id}) is not sealed but holds ${plain} response(s) and ${plainComments} comment(s) in plaintext`,
      );
    const boxes = await db.selectFrom('encrypted_response').select(['school_id', 'box']).where('wave_id', '=', wave.id).execute();
    const commentBoxes = await db.selectFrom('encrypted_comment').select(['school_id', 'box']).where('wave_id', '=', wave.id).execute();
    const responseLength = BOX_OVERHEAD + answerPositions(q).width + q.background.length;
    const odd = boxes.filter((b) => b.box.byteLength !== responseLength).length;
    if (odd) channel.findings.push(`wave "${wave.name}": ${odd} encrypted response(s) do not have the fixed length ${responseLength}`);
    // One fixed length per form of comment box (a wave opened before the second form may hold both).
    const commentLengths = q.comment ? commentBoxLengths(q.comment.maxLength) : [];
    const oddComments = commentBoxes.filter((b) => !commentLengths.includes(b.box.byteLength)).length;
    if (oddComments)
      channel.findings.push(
        `wave "${wave.name}": ${oddComments} encrypted comment(s) do not have a fixed length ${commentLengths.length ? commentLengths.join(' or ') : '(no comment in this questionnaire)'}`,
      );
    // Every box was written by a submission that spent a code (or by the demo's seeding, counted in
    // codes_spent): more boxes than that, or a box twice, is a copy made in the database to tag one.
    const nonces = new Set(boxes.map((b) => Buffer.from(b.box).subarray(1, 25).toString('latin1')));
    if (nonces.size < boxes.length)
      channel.findings.push(
        `wave "${wave.name}": ${boxes.length - nonces.size} response box(es) are copies of another (the database was altered)`,
      );
    const { rows: excess } = await sql<{ school_id: string; boxes: number; spent: number }>`
      select ws.school_id, coalesce(b.n, 0)::int as boxes, (ws.codes_spent + coalesce(c.n, 0))::int as spent
      from wave_school ws
      left join (select school_id, count(*) as n from encrypted_response where wave_id = ${wave.id} group by school_id) b on b.school_id = ws.school_id
      left join (select school_id, count(*) as n from access_code where wave_id = ${wave.id} and spent group by school_id) c on c.school_id = ws.school_id
      where ws.wave_id = ${wave.id} and coalesce(b.n, 0) > ws.codes_spent + coalesce(c.n, 0)`.execute(db);
    for (const e of excess)
      channel.findings.push(
        `wave "${wave.name}": a school holds ${e.boxes} response box(es) for ${e.spent} spent code(s) (boxes were added in the database)`,
      );
    if (!boxes.length && !commentBoxes.length) continue;
    let key: Buffer | null;
    try {
      key = await keys.dataKey(db, wave.id, { create: false });
    } catch (err) {
      if (!(err instanceof WaveKeyUnavailable)) throw err;
      channel.findings.push(`wave "${wave.name}": ${err.message}; its answers could not be sealed`);
      continue;
    }
    if (!key) {
      channel.findings.push(`wave "${wave.name}" holds encrypted answers but no data key`);
      continue;
    }
    // What sealed waves of the same schools legitimately wrote in plaintext is no marker: the same
    // answers or comment given in an earlier wave would be found for the wrong reason.
    const sealedAnswers = new Set(
      (
        await sql<{ a: string }>`select distinct r.answers::text as a from response r join wave w on w.id = r.wave_id
         where w.sealed and r.school_id in (select distinct school_id from encrypted_response where wave_id = ${wave.id})`.execute(db)
      ).rows.map((r) => r.a),
    );
    const sealedComments = new Set(
      (
        await sql<{ t: string }>`select distinct c.text as t from comment c join wave w on w.id = c.wave_id where w.sealed`.execute(db)
      ).rows.map((r) => r.t),
    );
    let unreadable = 0;
    for (const b of boxes) {
      try {
        const r = decodeResponse(q, open(key, { kind: 'response', waveId: wave.id, schoolId: b.school_id }, b.box));
        if (
          !sealedAnswers.has(`{${r.answers.map((a) => (a === null ? 'NULL' : a)).join(',')}}`) &&
          r.answers.filter((a) => a !== null).length >= 8
        )
          markers.push(answersMarker(r.answers));
      } catch {
        unreadable++;
      }
    }
    for (const b of commentBoxes) {
      try {
        const text = decodeComment(open(key, { kind: 'comment', waveId: wave.id, schoolId: b.school_id }, b.box));
        if (Buffer.byteLength(text) >= 12 && !sealedComments.has(text)) markers.push(Buffer.from(text, 'utf8'));
      } catch {
        unreadable++;
      }
    }
    if (unreadable)
      channel.findings.push(
        `wave "${wave.name}": ${unreadable} stored box(es) are not ciphertext of this wave (altered, or written by something else)`,
      );
  }
  channel.checked.push(
    `${waves.length} unsealed wave(s): no plaintext rows, every box of fixed length, no box copied or added, every box opens only with its wave's key and school`,
  );
  return { channel, markers };
}

/**
 * How PostgreSQL stores a smallint[] without NULLs: the values as consecutive little-endian int16
 * (NULL elements are left out of the data). A run of ~40 such values is specific to one response.
 */
function answersMarker(answers: readonly (number | null)[]): Buffer {
  const values = answers.filter((a): a is number => a !== null);
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => out.writeInt16LE(v, i * 2));
  return out;
}

async function sealedWaveChannel(db: Kysely<Database>, kind: Store['kind']): Promise<AuditChannel> {
  const channel: AuditChannel = { name: 'sealed waves keep no trace of who answered when', checked: [], findings: [] };
  const waves = await db.selectFrom('wave').select(['id', 'name']).where('sealed', '=', true).execute();
  let pageinspect = false;
  if (kind === 'postgres')
    pageinspect = await sql`create extension if not exists pageinspect`.execute(db).then(
      () => true,
      () => false,
    );
  for (const wave of waves) {
    const label = `wave "${wave.name}" (${wave.id})`;
    const codes = Number(
      (
        await db
          .selectFrom('access_code')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('wave_id', '=', wave.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (codes) channel.findings.push(`${label} still holds ${codes} access code hash(es)`);
    if (await db.selectFrom('wave_key').select('wave_id').where('wave_id', '=', wave.id).executeTakeFirst())
      channel.findings.push(`${label} still has its data key`);
    for (const table of ['encrypted_response', 'encrypted_comment'] as const) {
      const n = Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('wave_id', '=', wave.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
      if (n) channel.findings.push(`${label} still holds ${n} row(s) in ${table}`);
    }
    for (const table of ['response', 'comment'] as const) {
      // A moderated comment carries its moderator's transaction (issue 19): moderators take comments in
      // the order of their random ids, so only comments still as sealing wrote them share one xmin.
      const { rows } = await sql<{ xmins: number; rows: number; ids: number }>`
        select count(distinct xmin::text) filter (where ${sql.raw(table === 'comment' ? "moderation = 'pending'" : 'true')})::int as xmins,
               count(*)::int as rows, count(distinct id)::int as ids
        from ${sql.table(table)} where wave_id = ${wave.id}`.execute(db);
      const r = rows[0]!;
      if (r.xmins > 1)
        channel.findings.push(`${label}: its ${table} rows were written by ${r.xmins} transactions, not one (arrival order may show)`);
      if (r.ids !== r.rows) channel.findings.push(`${label}: ${table} ids are not all distinct`);
      if (pageinspect) {
        const leftover = await leftoverTuples(db, partitionName(table, wave.id), table === 'comment');
        if (leftover) channel.findings.push(`${label}: ${leftover} old row version(s) remain in the pages of ${table}`);
      }
    }
  }
  channel.checked.push(
    `${waves.length} sealed wave(s): no codes, no key, no ciphertext left, one inserting transaction and distinct ids per table (comments: those not yet moderated)`,
  );
  channel.checked.push(
    pageinspect
      ? 'the raw pages of every sealed partition for old row versions (pageinspect)'
      : 'raw pages: not inspected (pageinspect is not available here)',
  );
  return channel;
}

/**
 * Old row versions in a partition's pages. `moderated`: a comment partition, where a moderator's
 * update leaves line pointers behind once vacuumed (redirected or unused, holding nothing); only a
 * version that still holds data counts.
 */
async function leftoverTuples(db: Kysely<Database>, relation: string, moderated = false): Promise<number> {
  const old = moderated
    ? sql`(item.lp_flags = 1 and item.t_xmax::text <> '0') or (item.lp_flags <> 1 and item.lp_len > 0)`
    : sql`item.lp_flags <> 1 or item.t_xmax::text <> '0'`;
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n
    from generate_series(0, greatest(pg_relation_size(${relation}::regclass) / current_setting('block_size')::int - 1, -1)) as page,
         lateral heap_page_items(get_raw_page(${relation}, page::int)) as item
    where ${old}`.execute(db);
  return rows[0]?.n ?? 0;
}

async function walChannel(db: Kysely<Database>, markers: Buffer[], walDir: string | undefined): Promise<AuditChannel> {
  const channel: AuditChannel = { name: 'the write-ahead log holds no answer of an open wave', checked: [], findings: [] };
  const sample = sampleOf(markers, WAL_MARKERS);
  let files: Array<{ name: string; bytes: Buffer }> = [];
  if (walDir) files = await filesUnder(walDir);
  else files = await walViaServer(db);
  if (!files.length) {
    channel.checked.push(
      walDir
        ? `${walDir}: no files found`
        : "not checked: give --wal DIR (PostgreSQL's pg_wal, or PGlite's data directory), or run as a PostgreSQL superuser",
    );
    return channel;
  }
  let hits = 0;
  for (const f of files) {
    for (const m of sample) {
      if (f.bytes.includes(m)) {
        hits++;
        if (channel.findings.length < 10) channel.findings.push(`${f.name}: holds an answer or comment of an open wave in plaintext`);
      }
    }
  }
  if (hits > 10) channel.findings.push(`…and ${hits - 10} more`);
  channel.checked.push(
    `${files.length} file(s), ${(files.reduce((n, f) => n + f.bytes.length, 0) / 2 ** 20).toFixed(1)} MB, for ${sample.length} answer set(s) and comment(s) of open waves`,
  );
  return channel;
}

function sampleOf<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const copy = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

async function filesUnder(dir: string): Promise<Array<{ name: string; bytes: Buffer }>> {
  const out: Array<{ name: string; bytes: Buffer }> = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, entry);
    if ((await stat(full)).isFile()) out.push({ name: full, bytes: await readFile(full) });
  }
  return out;
}

/** As a superuser, PostgreSQL's current and previous WAL segments, read through SQL (no file path needed); --wal reads them all. */
async function walViaServer(db: Kysely<Database>): Promise<Array<{ name: string; bytes: Buffer }>> {
  try {
    // A segment listed can be recycled by a checkpoint before it is read (a busy server): list again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const { rows } = await sql<{
        name: string;
      }>`select name from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$' and name <= pg_walfile_name(pg_current_wal_lsn()) order by name desc limit 2`.execute(
        db,
      );
      const out: Array<{ name: string; bytes: Buffer }> = [];
      for (const { name } of rows) {
        const file = await sql<{ bytes: Uint8Array | null }>`
          select pg_read_binary_file(${`pg_wal/${name}`}, 0, (select setting::bigint from pg_settings where name = 'wal_segment_size'), true) as bytes`.execute(
          db,
        );
        const bytes = file.rows[0]?.bytes;
        if (!bytes) break;
        out.push({ name: `pg_wal/${name}`, bytes: Buffer.from(bytes) });
      }
      if (out.length === rows.length) return out;
    }
    return [];
  } catch {
    return [];
  }
}
