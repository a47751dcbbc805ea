import { randomFillSync } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { partitionName } from '../db/partitions.ts';
import { withCopySession, type CopySession } from '../db/copy.ts';
import { sentAhead } from '../db/sent-ahead.ts';
import { BoxReader, boxesBySchool, dropCopies, ResponseRows } from './sealed-rows.ts';
import { commentChunks, readComments, type OpenedComments } from './sealed-comments.ts';
import { BoxOpening } from './box-opening.ts';
import type { Database } from '../db/schema.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { freezeWave, frozenRows, type FrozenRows } from '../results/frozen-wave.ts';
import { storeKindOf } from '../db/connect.ts';
import { storeSealedResults } from '../results/wave-results.ts';
import { getQuestionnaire } from '../questionnaires.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { BOX_OVERHEAD, BoxError, responseLength } from '../encryption/boxes.ts';
import { WaveKeyUnavailable, type WaveKeys } from '../encryption/wave-keys.ts';
import { WaveError } from '../waves.ts';

/**
 * The one way to seal a wave (the admin's close, the CLI, the demo): `closeWave`, then what every
 * output of the wave is made from is stored — per-school sums and the disclosure decisions
 * (`storeSealedResults`). The wave is sealed once `closeWave` commits; should storing fail after
 * that, the first view of the wave makes them, and `unstored` says why they are not there yet.
 */
export async function sealWave(
  db: Kysely<Database>,
  keys: WaveKeys,
  waveId: string,
  actor?: Actor,
): Promise<{ alreadyClosed: boolean; unstored: Error | null }> {
  const { alreadyClosed } = await closeWave(db, keys, waveId, actor);
  if (alreadyClosed) return { alreadyClosed, unstored: null };
  const unstored = await storeSealedResults(db, waveId).then(
    () => null,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  return { alreadyClosed, unstored };
}

/**
 * Closes and seals a wave (design §4) in one transaction. While the wave was open its answers and
 * comments were stored only as ciphertext (`encrypted_response`, `encrypted_comment`); sealing
 * opens them with the wave's data key, shuffles them (a cryptographic Fisher–Yates shuffle; the
 * responses then grouped by school, each school's in shuffled order) and writes them in that order,
 * with fresh random ids, into new partitions of `response` and `comment` (all with one xmin,
 * nothing keeps the submission order). Every code of the wave goes: spent ones
 * become a count per school, and unused ones could no longer be used anyway (keeping them would tell
 * a slip's holder whether it was used). The encrypted partitions are dropped and the wrapped data
 * key deleted, so what the WAL and old backups hold of the open wave is ciphertext whose key is gone
 * once the master key is rotated. The old partitions' files are unlinked at commit, which VACUUM FULL
 * cannot promise. Other waves' rows are not touched. Retrying after a crash is safe: before commit
 * nothing changed; after commit the wave is sealed and closing again is a no-op. If the master key
 * cannot open the wave's key, nothing changes and the error says so.
 */
export async function closeWave(db: Kysely<Database>, keys: WaveKeys, waveId: string, actor?: Actor): Promise<{ alreadyClosed: boolean }> {
  const kind = storeKindOf(db);
  // Started first: its thread is ready by the time the boxes are read.
  const opening = new BoxOpening();
  const alreadyClosed = await Promise.resolve()
    .then(() =>
      withCopySession(
        db,
        (session) =>
          session.db.transaction().execute(async (trx) => {
            const wave = await trx
              .selectFrom('wave')
              .select(['status', 'sealed', 'questionnaire_id'])
              .where('id', '=', waveId)
              .forUpdate()
              .executeTakeFirst();
            if (!wave) throw new WaveError('not-found', 'wave not found');
            if (wave.status === 'draft') throw new WaveError('not-open', 'a draft wave cannot be closed; open it first');
            if (wave.sealed) return true;
            // No submission may slip in between reading and swapping, and detaching needs the parents anyway.
            // Lock order matches a submission's (access_code, then the encrypted tables): no deadlock. The
            // comments stay readable (EXCLUSIVE lets only reads through): they are read on a connection
            // alongside (`received`); dropping them later takes the rest of the lock.
            await sql`lock table access_code, encrypted_response in access exclusive mode`.execute(trx);
            await sql`lock table encrypted_comment in exclusive mode`.execute(trx);
            await sql`lock table response, comment in access exclusive mode`.execute(trx);
            // Counting the spent codes groups a wave's codes (165,000 in a network wave) by school. A wave
            // sealed soon after its codes were issued has no statistics yet, and the planner then sorts
            // them, on disk with the default work_mem (4 MB): measured 190 ms against 110 by hashing.
            await sql`set local work_mem = '64MB'`.execute(trx);
            await sql`set local enable_sort = off`.execute(trx);
            // A key the master key cannot open, or a box that does not open for its wave and school (moved or
            // altered in the database): nothing changes, and the admin is told which.
            const refused = (err: unknown) => {
              if (err instanceof WaveKeyUnavailable) throw new WaveError('key-unavailable', err.message);
              if (err instanceof BoxError) throw new WaveError('tampered', err.message);
              throw err;
            };
            const q = await getQuestionnaire(trx, wave.questionnaire_id);
            const got = await received(trx, session, keys, q, waveId, opening).catch(refused);
            // Replaced by an empty table, not truncated: TRUNCATE keeps the relation, and with it the
            // planner's statistics (a sample of the wave's code hashes) and its activity counters.
            await replacePartition(trx, 'access_code', waveId, async () => {});
            const responses = got.responses;
            const comments = got.comments.text.length + got.legacyComments.length;
            // The comments first: while PostgreSQL writes them, the thread that opens the response boxes
            // gets ahead of the rows, on a core that would otherwise wait.
            await replacePartition(trx, 'comment', waveId, (fresh) =>
              session
                .copyIn(
                  `copy ${fresh} (wave_id, school_id, text) from stdin (format binary)`,
                  commentChunks(waveId, got.comments, got.legacyComments, shuffled(identity(comments))),
                )
                .catch(refused),
            );
            let frozen: FrozenRows | null = null;
            await replacePartition(
              trx,
              'response',
              waveId,
              (fresh) =>
                session
                  .copyIn(`copy ${fresh} ${ResponseRows.columns} from stdin (format binary)`, responses.chunks(got.order, opening))
                  .catch(refused),
              { together: kind === 'postgres', meanwhile: () => (frozen = frozenRows(responses.tallies(), comments)) },
            );
            for (const table of ['encrypted_response', 'encrypted_comment'] as const)
              await sql`drop table ${sql.id(partitionName(table, waveId))}`.execute(trx);
            await trx.deleteFrom('wave_key').where('wave_id', '=', waveId).execute();
            // Every comment starts pending (the moderation queue's count: `pendingCount`).
            await freezeWave(trx, waveId, frozen!);
            await trx.updateTable('wave').set({ status: 'closed', sealed: true }).where('id', '=', waveId).execute();
            // Copied boxes mean someone altered the database: said in the audit log (as a count).
            await recordAction(trx, actor, 'wave.close', `wave:${waveId}${got.copies ? ` copies-dropped:${got.copies}` : ''}`);
            return false;
          }),
        { alongside: true },
      ),
    )
    .finally(() => opening.close());
  keys.forget(waveId);
  return { alreadyClosed };
}

/**
 * Everything the wave received: the boxes, read in binary COPY format (responses a school at a time), plus any plaintext
 * rows a wave opened before encryption existed still holds (the anonymity audit reports those).
 * Boxes stored twice are dropped (`dropCopies`) and counted. The wave's spent codes become a count
 * per school meanwhile. On PostgreSQL the comments are read and opened on a connection alongside,
 * which sees what this transaction sees (an exported snapshot), while this one reads the response
 * boxes and counts the codes: read here after those, a core stood idle through most of it (issue 14;
 * reading the response boxes alongside as well, on a third connection, was slower: two cores).
 */
async function received(
  trx: Kysely<Database>,
  session: CopySession,
  keys: WaveKeys,
  q: Questionnaire,
  waveId: string,
  opening: BoxOpening,
) {
  // The key is needed only when there are boxes to open: a wave nobody answered closes without it,
  // so a key the master key cannot open is said only when a box needs it.
  const got = await keys.dataKey(trx, waveId, { create: false }).then(
    (key) => ({ key, err: null }),
    (err: unknown) => {
      if (err instanceof WaveKeyUnavailable) return { key: null, err };
      throw err;
    },
  );
  const key = (): Buffer => {
    if (got.err) throw got.err;
    if (!got.key) throw new Error(`wave ${waveId} holds encrypted answers but no data key`);
    return got.key;
  };
  const commentPartition = partitionName('encrypted_comment', waveId);
  // Every response box of a questionnaire has one length.
  const boxLength = BOX_OVERHEAD + responseLength(q);
  // As many boxes as the wave issued codes, unless someone copied boxes in the database (then it grows).
  const issued = await trx
    .selectFrom('wave_school')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('codes_issued'), eb.lit(0)).as('n'))
    .where('wave_id', '=', waveId)
    .executeTakeFirstOrThrow();
  const reader = new BoxReader(boxLength, Number(issued.n));
  const readBoxes = `copy (${boxesBySchool(partitionName('encrypted_response', waveId), boxLength)}) to stdout (format binary)`;
  let commentsRead: Promise<OpenedComments> | null = null;
  const alongside = session.copyOutAlongside;
  if (alongside) {
    const { rows } = await sql<{ snapshot: string }>`select pg_export_snapshot() as snapshot`.execute(trx);
    const snapshot = rows[0]!.snapshot;
    commentsRead = readComments((statement, visit) => alongside(snapshot, statement, visit), commentPartition, waveId, key);
    // Awaited below; should something fail first, this failure must not go unhandled.
    commentsRead.catch(() => undefined);
  }
  await session.copyOut(readBoxes, reader.visit);
  const responseBoxes = reader.boxes();
  const legacyResponses = (
    await trx.selectFrom('response').select(['school_id', 'answers', 'background']).where('wave_id', '=', waveId).execute()
  ).map((r) => ({
    schoolId: r.school_id,
    answers: r.answers,
    background: r.background,
  }));
  const legacyComments = (await trx.selectFrom('comment').select(['school_id', 'text']).where('wave_id', '=', waveId).execute()).map(
    (c) => ({ schoolId: c.school_id, text: c.text }),
  );
  // PostgreSQL counts the spent codes while Node looks for boxes stored twice and shuffles (~45 and
  // ~40 ms, which took turns): the count is sent before.
  const counting = await sentAhead(
    sql`
    update wave_school ws set codes_spent = ws.codes_spent + c.n
    from (select school_id, count(*)::int as n from access_code
          where wave_id = ${waveId} and spent group by school_id) c
    where ws.wave_id = ${waveId} and ws.school_id = c.school_id`.execute(trx),
  );
  const copies = dropCopies(responseBoxes);
  const responses = new ResponseRows(q, waveId, responseBoxes, legacyResponses);
  // The order the rows will be written in, chosen while PostgreSQL counts.
  const order = responses.bySchool(shuffled(identity(responses.count)));
  // The responses are opened in their own thread, in the order they will be written, from now on.
  if (responseBoxes.count > 0) responses.openBoxes(opening, key(), order);
  // Its own error, not the "transaction is aborted" of the next statement, if it failed.
  await counting.done;
  const comments = await (commentsRead ?? readComments(session.copyOut, commentPartition, waveId, key));
  return { responses, order, comments, legacyComments, copies: copies + comments.copies };
}

const identity = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

/**
 * The rows in a uniformly random order: Fisher–Yates with a cryptographic generator, unbiased by
 * rejection sampling; random words are drawn in blocks (one call per 64 Ki rows, not one per row).
 */
export function shuffled<A extends { length: number; [i: number]: unknown }>(rows: A): A {
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
    const swap = rows[i];
    rows[i] = rows[j];
    rows[j] = swap;
  }
  return rows;
}

/**
 * Swaps in a new table for the wave's partition of `table`, filled by `fill` before it is attached:
 * its indexes are then built in one pass rather than row by row. The old partition's file — with its
 * row versions, ids and order of arrival — is unlinked at commit.
 */
async function replacePartition(
  trx: Kysely<Database>,
  table: 'access_code' | 'response' | 'comment',
  waveId: string,
  fill: (fresh: string) => Promise<void>,
  swap: { together?: boolean; meanwhile?: () => void } = {},
): Promise<void> {
  const name = partitionName(table, waveId);
  const fresh = sql.id(`${name}_new`);
  const old = sql.id(name);
  // LIKE copies the columns, their NOT NULL constraints (attaching needs them) and defaults (fresh
  // ids). The CHECK, checked as rows arrive, spares ATTACH reading them all again to prove they
  // belong to the wave; it goes once attached, where the partition's own bound says the same.
  await sql`create table ${fresh} (like ${sql.table(table)} including defaults, constraint sealing_wave check (wave_id = ${sql.lit(waveId)}))`.execute(
    trx,
  );
  await fill(`"${name}_new"`);
  const statements = [
    sql`alter table ${sql.table(table)} detach partition ${old}`,
    sql`drop table ${old}`,
    sql`alter table ${fresh} rename to ${old}`,
    sql`alter table ${sql.table(table)} attach partition ${old} for values in (${sql.lit(waveId)})`,
    sql`alter table ${old} drop constraint sealing_wave`,
  ];
  if (!swap.together) {
    for (const statement of statements) await statement.execute(trx);
    swap.meanwhile?.();
    return;
  }
  // On PostgreSQL the swap goes as one query (without parameters it takes the simple protocol,
  // which runs several statements), and Node does `meanwhile` while PostgreSQL builds the index.
  const swapping = await sentAhead(sql.join(statements, sql`; `).execute(trx));
  swap.meanwhile?.();
  await swapping.done;
}
