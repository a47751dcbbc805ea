import sodium from 'sodium-native';
import { BOX_OVERHEAD, boxContext, BoxError, boxOpener } from './boxes.ts';

/**
 * Comment boxes (design §4). A comment is padded to the longest its questionnaire allows, so the
 * length of its box says nothing of it: `length (4) | UTF-8 | zeros`, 4 + 3n bytes for a limit of n
 * UTF-16 units (at most three UTF-8 bytes each).
 *
 * The form written now (version 2) is one libsodium secretstream (crypto_secretstream_xchacha20poly1305)
 * of two messages, end to end: `2 | header (24) | head (+17) | rest (+17)`. The head is the first
 * 1,024 bytes of the padded comment — the length word and, for nearly every comment, all of its
 * text; the rest is what follows. Sealing reads and opens only the heads, and the rest of a box only
 * when its comment is longer: a network wave's comment boxes were 70 MB of padding that sealing read
 * and opened whole (issue 14). The head's associated data names the box's wave and school; the
 * stream binds the rest to its head, in order.
 *
 * The forms before, which an open wave may still hold, are one box (`boxes.ts`) of the padded
 * comment: `length | UTF-8 | zeros` (the first) or `length | UTF-16LE | zeros`, 4 + 2n bytes, with
 * the length word's top bit set (the second).
 */
const VERSION = 2;

/** sodium-native 5's secretstream as it is (@types/sodium-native describes an older one: a state object, tags as buffers). */
interface SecretStream {
  crypto_secretstream_xchacha20poly1305_HEADERBYTES: number;
  crypto_secretstream_xchacha20poly1305_ABYTES: number;
  crypto_secretstream_xchacha20poly1305_STATEBYTES: number;
  crypto_secretstream_xchacha20poly1305_TAG_MESSAGE: number;
  crypto_secretstream_xchacha20poly1305_TAG_FINAL: number;
  crypto_secretstream_xchacha20poly1305_init_push(state: Buffer, header: Buffer, key: Buffer): void;
  crypto_secretstream_xchacha20poly1305_push(state: Buffer, c: Buffer, m: Buffer, ad: Buffer | null, tag: number): number;
  crypto_secretstream_xchacha20poly1305_init_pull(state: Buffer, header: Buffer, key: Buffer): void;
  crypto_secretstream_xchacha20poly1305_pull(state: Buffer, m: Buffer, tag: Buffer, c: Buffer, ad: Buffer | null): number;
}
const stream = sodium as unknown as SecretStream;
const HEADER = stream.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
const A = stream.crypto_secretstream_xchacha20poly1305_ABYTES;
const STATE = stream.crypto_secretstream_xchacha20poly1305_STATEBYTES;
const TAG_MESSAGE = stream.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
const TAG_FINAL = stream.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
/** The padded comment's bytes in a head. */
const HEAD = 1024;
/** What a box adds to its padded comment. */
const OVERHEAD = 1 + HEADER + 2 * A;
/** The bytes of a box that hold its head (or the whole box, when shorter): what sealing reads first. */
export const COMMENT_HEAD_BYTES = 1 + HEADER + HEAD + A;

/** A comment box's wave and school (`BoxLabel`). */
type CommentLabel = { waveId: string; schoolId: string };

const padded = (maxLength: number) => 4 + 3 * maxLength;

/** The length of every comment box a questionnaire with this limit gets now. */
export function commentBoxLength(maxLength: number): number {
  return OVERHEAD + padded(maxLength);
}

/** The lengths a comment box of this questionnaire may have: the form written now, the second, the first. */
export function commentBoxLengths(maxLength: number): number[] {
  return [commentBoxLength(maxLength), BOX_OVERHEAD + 4 + 2 * maxLength, BOX_OVERHEAD + padded(maxLength)];
}

export function sealComment(key: Buffer, label: CommentLabel, maxLength: number, text: string): Buffer {
  if (text.length > maxLength) throw new RangeError('comment longer than its questionnaire allows');
  const plain = Buffer.alloc(padded(maxLength));
  plain.writeUInt32LE(plain.write(text, 4, 'utf8'), 0);
  const head = Math.min(HEAD, plain.length);
  const box = Buffer.alloc(OVERHEAD + plain.length);
  box[0] = VERSION;
  const state = Buffer.alloc(STATE);
  stream.crypto_secretstream_xchacha20poly1305_init_push(state, box.subarray(1, 1 + HEADER), key);
  const context = boxContext({ kind: 'comment', ...label });
  const restAt = 1 + HEADER + head + A;
  stream.crypto_secretstream_xchacha20poly1305_push(state, box.subarray(1 + HEADER, restAt), plain.subarray(0, head), context, TAG_MESSAGE);
  stream.crypto_secretstream_xchacha20poly1305_push(state, box.subarray(restAt), plain.subarray(head), null, TAG_FINAL);
  return box;
}

/**
 * Opens comment boxes of any form, one after another: given a box `boxLength` long whose bytes
 * `data[start, end)` are all of it or, for the form written now, at least its first
 * `COMMENT_HEAD_BYTES`, gives the comment's UTF-8 bytes — a view the next call may overwrite — or
 * null when the rest of the box is needed. Throws `BoxError` for a box that is not a comment box of
 * this key and `context` (its wave and school).
 */
export function commentOpener(
  key: Buffer,
): (context: Buffer, data: Buffer, start: number, end: number, boxLength: number) => Buffer | null {
  const openOld = boxOpener(key);
  const state = Buffer.alloc(STATE);
  const tag = Buffer.alloc(1);
  let plain = Buffer.alloc(0);
  return (context, data, start, end, boxLength) => {
    const whole = end - start === boxLength;
    if (end - start < Math.min(boxLength, COMMENT_HEAD_BYTES) || end - start > boxLength) throw new RangeError('not a box or its head');
    if (data[start] !== VERSION) return whole ? commentText(openOld(context, data, start, end)) : null;
    const length = boxLength - OVERHEAD;
    if (length < 4) throw new BoxError('not a Schoolpols box');
    if (plain.length !== length) plain = Buffer.alloc(length);
    const head = Math.min(HEAD, length);
    const restAt = start + 1 + HEADER + head + A;
    try {
      stream.crypto_secretstream_xchacha20poly1305_init_pull(state, data.subarray(start + 1, start + 1 + HEADER), key);
      stream.crypto_secretstream_xchacha20poly1305_pull(
        state,
        plain.subarray(0, head),
        tag,
        data.subarray(start + 1 + HEADER, restAt),
        context,
      );
    } catch {
      throw new BoxError('the box cannot be opened with this key (wrong key, or altered)');
    }
    if (tag[0] !== TAG_MESSAGE) throw new BoxError('a comment box is malformed');
    const text = plain.readUInt32LE(0);
    if (text > length - 4) throw new BoxError('a comment box is malformed');
    // The rest of a whole box is checked too, even when the comment ended in its head.
    if (!whole) return 4 + text <= head ? plain.subarray(4, 4 + text) : null;
    try {
      stream.crypto_secretstream_xchacha20poly1305_pull(state, plain.subarray(head), tag, data.subarray(restAt, end), null);
    } catch {
      throw new BoxError('the rest of a comment box does not belong to its head (altered)');
    }
    if (tag[0] !== TAG_FINAL) throw new BoxError('a comment box is malformed');
    return plain.subarray(4, 4 + text);
  };
}

/** A whole comment box of any form, opened: its comment. */
export function openComment(key: Buffer, label: CommentLabel, box: Uint8Array): string {
  const data = Buffer.from(box.buffer, box.byteOffset, box.byteLength);
  if (data.length < 1) throw new BoxError('not a Schoolpols box');
  return commentOpener(key)(boxContext({ kind: 'comment', ...label }), data, 0, data.length, data.length)!.toString('utf8');
}

const UTF16 = 0x8000_0000;

/** The comment's UTF-8 bytes in a padded comment of the forms before: a view in the first, converted from UTF-16 in the second. */
export function commentText(plain: Buffer): Buffer {
  if (plain.length < 4) throw new BoxError('a comment box is malformed');
  const word = plain.readUInt32LE(0);
  const length = word & ~UTF16;
  if (length > plain.length - 4 || (word & UTF16 && length % 2 !== 0)) throw new BoxError('a comment box is malformed');
  return word & UTF16 ? Buffer.from(plain.toString('utf16le', 4, 4 + length), 'utf8') : plain.subarray(4, 4 + length);
}
