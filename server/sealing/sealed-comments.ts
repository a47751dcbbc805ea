import { CopyWriter, uuidBytes, uuidText, type CopyRowVisitor, type CopySession } from '../db/copy.ts';
import { boxContext, BoxError } from '../encryption/boxes.ts';
import { COMMENT_HEAD_BYTES, commentOpener } from '../encryption/comment-boxes.ts';

/** What `readComments` needs of the transaction sealing runs in (a `CopySession`'s, on its connection). */
export interface CommentSession {
  copyOut: CopySession['copyOut'];
  copyIn: CopySession['copyIn'];
  /** runs a statement that returns no rows */
  execute(statement: string): Promise<void>;
}

/** The temporary table of the boxes to read whole. */
const WHOLE = 'sealing_whole_comments';

/** A wave's comments as opened: each one's school (an index of `schools`) and text (UTF-8). */
export interface OpenedComments {
  schools: string[];
  school: number[];
  text: Buffer[];
  /** boxes dropped because an earlier one had their nonce (see `dropCopies`) */
  copies: number;
}

/**
 * Reads and opens a wave's comment boxes (the partition `partition` of `encrypted_comment`), keeping
 * only their text, in two passes: the head of every box (`COMMENT_HEAD_BYTES`), which holds nearly
 * every comment whole, then whole boxes only for the comments that go on beyond their head and for
 * boxes of the forms before (`comment-boxes.ts`). A network wave's 13,000 boxes are 80 MB, nearly
 * all padding: sealing once read, sent and opened all of it (issue 14). A box whose nonce an
 * earlier one had is dropped and counted, as `dropCopies` does for responses.
 */
export async function readComments(
  session: CommentSession,
  partition: string,
  waveId: string,
  key: Buffer | null,
): Promise<OpenedComments> {
  const opened: OpenedComments = { schools: [], school: [], text: [], copies: 0 };
  const schools = new Map<string, { index: number; context: Buffer }>();
  const nonces = new Set<string>();
  const open = key ? commentOpener(key) : null;
  const schoolOf = (data: Buffer, start: number, end: number) => {
    if (end - start !== 16) throw new Error('a school id is not a UUID');
    const id = data.toString('hex', start, end);
    let school = schools.get(id);
    if (!school) {
      const schoolId = uuidText(data.subarray(start, end));
      school = { index: opened.schools.push(schoolId) - 1, context: boxContext({ kind: 'comment', waveId, schoolId }) };
      schools.set(id, school);
    }
    return school;
  };
  const keep = (index: number, text: Buffer) => {
    opened.school.push(index);
    opened.text.push(Buffer.from(text));
  };
  /** the row ids (block, offset) of boxes to read whole */
  const whole: Array<[number, number]> = [];

  // (ctid, school_id, length(box), the box's first bytes)
  const heads: CopyRowVisitor = (data, s, e) => {
    if (e[0]! - s[0]! !== 6 || e[2]! - s[2]! !== 4) throw new Error('not a row id and a length');
    if (s[3]! < 0 || e[3]! - s[3]! < 25) throw new BoxError('not a Schoolpols box');
    if (!open) throw new Error(`wave ${waveId} holds encrypted comments but no data key`);
    const nonce = data.toString('latin1', s[3]! + 1, s[3]! + 25);
    if (nonces.has(nonce)) {
      opened.copies++;
      return;
    }
    nonces.add(nonce);
    const school = schoolOf(data, s[1]!, e[1]!);
    const text = open(school.context, data, s[3]!, e[3]!, data.readInt32BE(s[2]!));
    if (text) keep(school.index, text);
    else whole.push([data.readUInt32BE(s[0]!), data.readUInt16BE(s[0]! + 4)]);
  };
  await session.copyOut(
    `copy (select ctid, school_id, length(box), substring(box from 1 for ${COMMENT_HEAD_BYTES}) from "${partition}") to stdout (format binary)`,
    heads,
  );
  if (whole.length === 0) return opened;

  // (school_id, box), for the boxes found above: their nonces were counted there.
  const boxes: CopyRowVisitor = (data, s, e) => {
    if (s[1]! < 0) throw new BoxError('not a Schoolpols box');
    const school = schoolOf(data, s[0]!, e[0]!);
    keep(school.index, open!(school.context, data, s[1]!, e[1]!, e[1]! - s[1]!)!);
  };
  // Which boxes they are goes to PostgreSQL as data (COPY), never in a statement's text: a log can
  // keep a statement, and a row id joins by its xmin to the code spent with it, which would tell
  // which codes wrote a long comment. The temporary table is not written to the WAL, and goes at commit.
  await session.execute(`create temporary table ${WHOLE} (id tid not null) on commit drop`);
  const ids = new CopyWriter();
  for (const [block, offset] of whole) {
    ids.row(1);
    ids.bytes(Buffer.from([block >>> 24, (block >>> 16) & 0xff, (block >>> 8) & 0xff, block & 0xff, offset >>> 8, offset & 0xff]));
  }
  await session.copyIn(`copy ${WHOLE} from stdin (format binary)`, [ids.end()]);
  const read = await session.copyOut(
    `copy (select school_id, box from "${partition}" where ctid = any(array(select id from ${WHOLE}))) to stdout (format binary)`,
    boxes,
  );
  // The database holds the wave in a lock: each of those rows is still where it was.
  if (read !== whole.length) throw new Error(`read ${read} of ${whole.length} comment boxes again`);
  await session.execute(`drop table ${WHOLE}`);
  return opened;
}

/** A wave's comments — opened, then plaintext rows — as binary COPY rows of `comment (wave_id, school_id, text)`. */
export function* commentChunks(
  waveId: string,
  comments: OpenedComments,
  legacy: Array<{ schoolId: string; text: string }>,
  order: Uint32Array,
): Generator<Buffer> {
  const out = new CopyWriter();
  const wave = uuidBytes(waveId);
  const schoolBytes = comments.schools.map(uuidBytes);
  const count = comments.text.length;
  for (const i of order) {
    out.row(3);
    out.bytes(wave);
    if (i < count) {
      out.bytes(schoolBytes[comments.school[i]!]!);
      out.bytes(comments.text[i]!);
    } else {
      const row = legacy[i - count]!;
      out.bytes(uuidBytes(row.schoolId));
      out.bytes(Buffer.from(row.text));
    }
    const chunk = out.take();
    if (chunk) yield chunk;
  }
  yield out.end();
}
