import { CopyWriter, uuidBytes, uuidText, type CopyRowVisitor, type CopySession } from '../db/copy.ts';
import { BOX_OVERHEAD, boxContext, BoxError, boxOpener, commentText } from '../encryption/boxes.ts';

/** A wave's comments as opened: each one's school (an index of `schools`) and text (UTF-8). */
export interface OpenedComments {
  schools: string[];
  school: number[];
  text: Buffer[];
  /** boxes dropped because an earlier one had their nonce (see `dropCopies`) */
  copies: number;
}

/**
 * Reads and opens a wave's comment boxes (the partition `partition` of `encrypted_comment`) as they
 * arrive, keeping only their text: a network wave's comment boxes are 70 MB of padding, never held
 * at once. Every box is read whole, whatever it holds: which boxes a statement reads must not depend
 * on what they hold (a statement's text can be logged beside the boxes' row ids). A box whose nonce
 * an earlier one had is dropped and counted, as `dropCopies` does for responses.
 */
export async function readComments(
  copyOut: CopySession['copyOut'],
  partition: string,
  waveId: string,
  /** the wave's data key: asked for at the first box, and throws when there is none to be had */
  key: () => Buffer,
): Promise<OpenedComments> {
  const opened: OpenedComments = { schools: [], school: [], text: [], copies: 0 };
  const schools = new Map<string, { index: number; context: Buffer }>();
  const nonces = new Set<string>();
  let open: ReturnType<typeof boxOpener> | null = null;
  const visit: CopyRowVisitor = (data, s, e) => {
    if (e[0]! - s[0]! !== 16) throw new Error('a school id is not a UUID');
    if (s[1]! < 0 || e[1]! - s[1]! < BOX_OVERHEAD) throw new BoxError('not a Schoolpols box');
    open ??= boxOpener(key());
    const nonce = data.toString('latin1', s[1]! + 1, s[1]! + 25);
    if (nonces.has(nonce)) {
      opened.copies++;
      return;
    }
    nonces.add(nonce);
    const id = data.toString('hex', s[0]!, e[0]!);
    let school = schools.get(id);
    if (!school) {
      const schoolId = uuidText(data.subarray(s[0]!, e[0]!));
      school = { index: opened.schools.push(schoolId) - 1, context: boxContext({ kind: 'comment', waveId, schoolId }) };
      schools.set(id, school);
    }
    opened.school.push(school.index);
    opened.text.push(Buffer.from(commentText(open(school.context, data, s[1]!, e[1]!))));
  };
  await copyOut(`copy (select school_id, box from "${partition}") to stdout (format binary)`, visit);
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
