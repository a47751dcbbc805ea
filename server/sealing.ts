import { randomFillSync } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { partitionName } from './db/partitions.ts';
import type { Database } from './db/schema.ts';
import { recordAction, type Actor } from './audit-log.ts';
import { freezeWave } from './results/frozen-wave.ts';
import { getQuestionnaire } from './questionnaires.ts';
import { BoxError, decodeComment, decodeResponse, open } from './encryption/boxes.ts';
import { WaveKeyUnavailable, type WaveKeys } from './encryption/wave-keys.ts';
import { WaveError } from './waves.ts';
import type { Questionnaire } from '../surveys/schema.ts';
import { itemsInOrder } from '../surveys/load.ts';

/**
 * Closes and seals a wave (design §4) in one transaction. While the wave was open its answers and
 * comments were stored only as ciphertext (`encrypted_response`, `encrypted_comment`); sealing
 * opens them with the wave's data key, shuffles them (a cryptographic Fisher–Yates shuffle) and
 * writes them in that order, with fresh random ids, into new partitions of `response` and `comment`
 * (all with one xmin, nothing keeps the submission order). Every code of the wave goes: spent ones
 * become a count per school, and unused ones could no longer be used anyway (keeping them would tell
 * a slip's holder whether it was used). The encrypted partitions are dropped and the wrapped data
 * key deleted, so what the WAL and old backups hold of the open wave is ciphertext whose key is gone
 * once the master key is rotated. The old partitions' files are unlinked at commit, which VACUUM FULL
 * cannot promise. Other waves' rows are not touched. Retrying after a crash is safe: before commit
 * nothing changed; after commit the wave is sealed and closing again is a no-op. If the master key
 * cannot open the wave's key, nothing changes and the error says so.
 */
export async function closeWave(db: Kysely<Database>, keys: WaveKeys, waveId: string, actor?: Actor): Promise<{ alreadyClosed: boolean }> {
  const alreadyClosed = await db.transaction().execute(async (trx) => {
    const wave = await trx.selectFrom('wave').select(['status', 'sealed', 'questionnaire_id']).where('id', '=', waveId).forUpdate().executeTakeFirst();
    if (!wave) throw new WaveError('not-found', 'wave not found');
    if (wave.status === 'draft') throw new WaveError('not-open', 'a draft wave cannot be closed; open it first');
    if (wave.sealed) return true;
    // No submission may slip in between reading and swapping, and detaching needs the parents anyway.
    // Lock order matches a submission's (access_code, then the encrypted tables): no deadlock.
    await sql`lock table access_code, encrypted_response, encrypted_comment, response, comment in access exclusive mode`.execute(trx);
    await sql`
      update wave_school ws set codes_spent = ws.codes_spent + c.n
      from (select school_id, count(*)::int as n from access_code
            where wave_id = ${waveId} and spent group by school_id) c
      where ws.wave_id = ${waveId} and ws.school_id = c.school_id`.execute(trx);
    // A key the master key cannot open, or a box that does not open for its wave and school (moved or
    // altered in the database): nothing changes, and the admin is told which.
    const refused = (err: unknown) => {
      if (err instanceof WaveKeyUnavailable) throw new WaveError('key-unavailable', err.message);
      if (err instanceof BoxError) throw new WaveError('tampered', err.message);
      throw err;
    };
    const opened = await received(trx, keys, waveId).catch(refused);
    const q = await getQuestionnaire(trx, wave.questionnaire_id);
    await replacePartition(trx, 'access_code', waveId, async () => {});
    await replacePartition(trx, 'response', waveId, (fresh) => insertResponses(trx, fresh, waveId, q, opened.key, shuffled(opened.responses)).catch(refused));
    const comments = await Promise.resolve()
      .then(() => opened.comments.map((c) => ('box' in c ? { schoolId: c.schoolId, text: decodeComment(open(opened.key!, { kind: 'comment', waveId, schoolId: c.schoolId }, c.box)) } : c)))
      .catch(refused);
    await replacePartition(trx, 'comment', waveId, (fresh) => insertComments(trx, fresh, waveId, shuffled(comments)));
    for (const table of ['encrypted_response', 'encrypted_comment'] as const) await sql`drop table ${sql.id(partitionName(table, waveId))}`.execute(trx);
    await trx.deleteFrom('wave_key').where('wave_id', '=', waveId).execute();
    await freezeWave(trx, waveId);
    await trx.updateTable('wave').set({ status: 'closed', sealed: true }).where('id', '=', waveId).execute();
    // Copied boxes mean someone altered the database: said in the audit log (as a count).
    await recordAction(trx, actor, 'wave.close', `wave:${waveId}${opened.copies ? ` copies-dropped:${opened.copies}` : ''}`);
    return false;
  });
  keys.forget(waveId);
  return { alreadyClosed };
}

type Received<T> = { schoolId: string; box: Buffer } | ({ schoolId: string } & T);

/**
 * Everything the wave received, still sealed, and the key that opens it: the boxes, plus any
 * plaintext rows a wave opened before encryption existed still holds (the anonymity audit reports
 * those). Boxes are opened only as they are written.
 */
async function received(trx: Kysely<Database>, keys: WaveKeys, waveId: string) {
  const responses: Array<Received<{ answers: (number | null)[]; background: Record<string, string> }>> = await responseBoxes(trx, waveId);
  const comments: Array<Received<{ text: string }>> = (
    await sql<{ school_id: string; box: string }>`select school_id, encode(box, 'base64') as box from encrypted_comment where wave_id = ${waveId}`.execute(trx)
  ).rows.map((r) => ({ schoolId: r.school_id, box: Buffer.from(r.box, 'base64') }));
  // A box stored twice is a copy someone made in the database (each submission draws a fresh nonce):
  // kept once, or it would stand out among the sealed answers and tag its writer.
  const copies = dropCopies(responses) + dropCopies(comments);
  const key = responses.length || comments.length ? await keys.dataKey(trx, waveId, { create: false }) : null;
  if ((responses.length || comments.length) && !key) throw new Error(`wave ${waveId} holds encrypted answers but no data key`);
  const legacy = await trx.selectFrom('response').select(['school_id', 'answers', 'background']).where('wave_id', '=', waveId).execute();
  for (const r of legacy) responses.push({ schoolId: r.school_id, answers: r.answers, background: r.background });
  const legacyComments = await trx.selectFrom('comment').select(['school_id', 'text']).where('wave_id', '=', waveId).execute();
  for (const c of legacyComments) comments.push({ schoolId: c.school_id, text: c.text });
  return { key, responses, comments, copies };
}

/** Removes boxes whose nonce (bytes 1–24) another box already has; returns how many. */
function dropCopies<T extends object>(rows: Array<T | { schoolId: string; box: Buffer }>): number {
  const seen = new Set<string>();
  let kept = 0;
  for (const row of rows) {
    if ('box' in row) {
      const nonce = row.box.subarray(1, 25).toString('latin1');
      if (seen.has(nonce)) continue;
      seen.add(nonce);
    }
    rows[kept++] = row;
  }
  const dropped = rows.length - kept;
  rows.length = kept;
  return dropped;
}

/**
 * A wave's response boxes with their schools, read as ONE text value (`school:base64` pairs, ~130
 * bytes each): a row per box would cost a protocol message and a hex decode each, the larger part
 * of reading 165,000 of them. (Comment boxes, ~6 KB each, are read a row at a time.)
 */
async function responseBoxes(trx: Kysely<Database>, waveId: string): Promise<Array<{ schoolId: string; box: Buffer }>> {
  const { rows } = await sql<{ all: string | null }>`
    select string_agg(school_id::text || ':' || translate(encode(box, 'base64'), E'\n', ''), ',') as all
    from encrypted_response where wave_id = ${waveId}`.execute(trx);
  const all = rows[0]?.all;
  if (!all) return [];
  return all.split(',').map((pair) => ({ schoolId: pair.slice(0, 36), box: Buffer.from(pair.slice(37), 'base64') }));
}

/**
 * The rows in a uniformly random order: Fisher–Yates with a cryptographic generator, unbiased by
 * rejection sampling; random words are drawn in blocks (one call per 64 Ki rows, not one per row).
 */
export function shuffled<T>(rows: T[]): T[] {
  const words = new Uint32Array(65_536);
  let next = words.length;
  const word = () => {
    if (next === words.length) {
      randomFillSync(words);
      next = 0;
    }
    return words[next++]!;
  };
  for (let i = rows.length - 1; i > 0; i--) {
    const bound = i + 1;
    const limit = 2 ** 32 - (2 ** 32 % bound);
    let x = word();
    while (x >= limit) x = word();
    const j = x % bound;
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return rows;
}

/** Rows per INSERT: bounded statements, and PGlite's memory stays small. */
const SEAL_BATCH = 20_000;

/**
 * Opens and inserts the responses in the given order. A batch travels as ONE text parameter, a line
 * per row (school index, smallint[] literal, JSON background), split and cast by PostgreSQL: as
 * arrays, every element would be quoted and escaped in JavaScript. Lines are written as bytes into
 * one buffer per batch. While PostgreSQL inserts a batch, the next one is opened and written here:
 * the two share the work of sealing between them.
 */
async function insertResponses(
  trx: Kysely<Database>,
  table: RawBuilder<unknown>,
  waveId: string,
  q: Questionnaire,
  key: Buffer | null,
  rows: Array<Received<{ answers: (number | null)[]; background: Record<string, string> }>>,
): Promise<void> {
  const schools = [...new Set(rows.map((r) => r.schoolId))];
  const schoolIndex = new Map(schools.map((s, i) => [s, Buffer.from(`${i + 1}\t`)]));
  const writer = lineWriter(q);
  const plain = Buffer.alloc(itemsInOrder(q).length + q.background.length);
  let pending: Promise<unknown> = Promise.resolve();
  for (let start = 0; start < rows.length; start += SEAL_BATCH) {
    const batch = rows.slice(start, start + SEAL_BATCH);
    const out = new ByteWriter(batch.length * 256);
    for (const r of batch) {
      if (out.at) out.byte(NEWLINE);
      out.bytes(schoolIndex.get(r.schoolId)!);
      if ('box' in r) writer.fromBox(out, open(key!, { kind: 'response', waveId, schoolId: r.schoolId }, r.box, plain));
      else out.bytes(Buffer.from(writer.fromValues(r.answers, r.background)));
    }
    const text = out.text();
    await pending;
    pending = sql`
      insert into ${table} (wave_id, school_id, answers, background)
      select ${waveId}::uuid, (${schools}::uuid[])[split_part(line, E'\t', 1)::int], split_part(line, E'\t', 2)::smallint[], split_part(line, E'\t', 3)::jsonb
      from string_to_table(${text}::text, E'\n') as line`.execute(trx);
  }
  await pending;
}

const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** A growing byte buffer of UTF-8 text. */
class ByteWriter {
  private buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 64));
  }
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }
  bytes(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.at);
    this.at += b.length;
  }
  text(): string {
    return this.buf.toString('utf8', 0, this.at);
  }
}

/**
 * Writes a response as `smallint[] literal \t JSON background`, straight from a box's bytes (one
 * byte per item, one per background item: `encodeResponse`) — each of the few distinct backgrounds
 * of a questionnaire is made once.
 */
function lineWriter(q: Questionnaire) {
  const items = itemsInOrder(q).length;
  const width = items + q.background.length;
  const value = Array.from({ length: 256 }, (_, b) => Buffer.from(b === 0xff ? 'NULL' : String(b)));
  const backgrounds = new Map<string, Buffer>();
  return {
    fromBox(out: ByteWriter, plain: Buffer): void {
      if (plain.length !== width) throw new Error('a response box does not fit its questionnaire');
      out.byte(0x7b); // {
      for (let i = 0; i < items; i++) {
        if (i) out.byte(COMMA);
        const v = plain[i]!;
        if (v <= 9) out.byte(0x30 + v);
        else out.bytes(value[v]!);
      }
      out.byte(0x7d); // }
      out.byte(0x09);
      const bytes = plain.toString('latin1', items, width);
      let background = backgrounds.get(bytes);
      if (background === undefined) backgrounds.set(bytes, (background = Buffer.from(JSON.stringify(decodeResponse(q, Buffer.from(plain)).background))));
      out.bytes(background);
    },
    fromValues(answers: (number | null)[], background: Record<string, string>): string {
      return `{${answers.map((a) => (a === null ? 'NULL' : a)).join(',')}}\t${JSON.stringify(background)}`;
    },
  };
}

/** Comments are few and may hold any character: as arrays, in the given order. */
async function insertComments(trx: Kysely<Database>, table: RawBuilder<unknown>, waveId: string, rows: Array<{ schoolId: string; text: string }>): Promise<void> {
  for (let start = 0; start < rows.length; start += SEAL_BATCH) {
    const batch = rows.slice(start, start + SEAL_BATCH);
    await sql`
      insert into ${table} (wave_id, school_id, text)
      select ${waveId}::uuid, s, t from unnest(${batch.map((c) => c.schoolId)}::uuid[], ${batch.map((c) => c.text)}::text[]) as c(s, t)`.execute(trx);
  }
}

/**
 * Swaps in a new table for the wave's partition of `table`, filled by `fill` before it is attached:
 * its indexes are then built in one pass rather than row by row. The old partition's file — with its
 * row versions, ids and order of arrival — is unlinked at commit.
 */
async function replacePartition(trx: Kysely<Database>, table: 'access_code' | 'response' | 'comment', waveId: string, fill: (fresh: RawBuilder<unknown>) => Promise<void>): Promise<void> {
  const name = partitionName(table, waveId);
  const fresh = sql.id(`${name}_new`);
  const old = sql.id(name);
  // LIKE copies the columns, their NOT NULL constraints (attaching needs them) and defaults (fresh ids).
  await sql`create table ${fresh} (like ${sql.table(table)} including defaults)`.execute(trx);
  await fill(fresh);
  await sql`alter table ${sql.table(table)} detach partition ${old}`.execute(trx);
  await sql`drop table ${old}`.execute(trx);
  await sql`alter table ${fresh} rename to ${old}`.execute(trx);
  await sql`alter table ${sql.table(table)} attach partition ${old} for values in (${sql.lit(waveId)})`.execute(trx);
}
