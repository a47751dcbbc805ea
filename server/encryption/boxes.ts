import sodium from 'sodium-native';
import type { Questionnaire } from '../../surveys/schema.ts';
import { answerPositions } from '../../surveys/load.ts';

/**
 * Authenticated encryption of what a teacher sends while a wave is open (design §4):
 * XChaCha20-Poly1305 from libsodium (`sodium-native`). A box is `version (1) | nonce (24) |
 * ciphertext | tag (16)`; the 192-bit random nonce never repeats in practice. Its associated data
 * names the kind of box, its wave and its school (`BoxLabel`). Every response box of a questionnaire has the same length, and so has every comment
 * box: the length of a box says nothing about the answers or the comment's length. libsodium rather
 * than node:crypto because sealing opens a whole network wave at once: a box costs it about a
 * quarter of what setting up an OpenSSL context per box does (measured: 165,000 boxes).
 */
const VERSION = 1;
const NONCE = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
const TAG = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES;
export const BOX_OVERHEAD = 1 + NONCE + TAG;
/** Where a box keeps what: for the thread that opens a wave's boxes at sealing (`open-boxes.worker.mjs`). */
export const BOX_LAYOUT = { version: VERSION, nonceAt: 1, nonceLength: NONCE, sealedAt: 1 + NONCE } as const;

/**
 * What a box is, bound into it as associated data: a teacher's box names its wave and its school,
 * so it cannot be copied into another school (where, alone, it would stand out after sealing) or
 * another wave, or passed off as a comment.
 */
export type BoxLabel = { kind: 'response' | 'comment'; waveId: string; schoolId: string } | { kind: 'wave-key'; waveId: string };

// Each label's bytes are made once (a school's teachers share one).
const contexts = new Map<string, Buffer>();
/** The associated data of boxes with this label. */
export function boxContext(label: BoxLabel): Buffer {
  const school = 'schoolId' in label ? `/${label.schoolId.toLowerCase()}` : '';
  const text = `schoolpols/${label.kind}/${label.waveId.toLowerCase()}${school}`;
  let bytes = contexts.get(text);
  if (!bytes) {
    if (contexts.size > 50_000) contexts.clear();
    contexts.set(text, (bytes = Buffer.from(text)));
  }
  return bytes;
}

// Nonces are taken from a pool the system's generator refills: one getrandom(2) call for 256 boxes,
// not one for each (a system call per submission, under load a point where the server is switched
// out: issue 14). Each nonce is taken once; the pool holds nothing secret.
const nonces = Buffer.alloc(NONCE * 256);
let noncesUsed = nonces.length;
function takeNonce(target: Buffer, at: number): void {
  if (noncesUsed === nonces.length) {
    sodium.randombytes_buf(nonces);
    noncesUsed = 0;
  }
  nonces.copy(target, at, noncesUsed, (noncesUsed += NONCE));
}

export function seal(key: Buffer, label: BoxLabel, plain: Buffer): Buffer {
  const box = Buffer.alloc(1 + NONCE + plain.length + TAG);
  box[0] = VERSION;
  takeNonce(box, 1);
  const nonce = box.subarray(1, 1 + NONCE);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(box.subarray(1 + NONCE), plain, boxContext(label), null, nonce, key);
  return box;
}

/** Throws when the key is wrong or the box was altered (sealing opens many with `boxOpener`). */
export function open(key: Buffer, label: BoxLabel, box: Uint8Array): Buffer {
  const b = Buffer.from(box.buffer, box.byteOffset, box.byteLength);
  if (b.length < BOX_OVERHEAD || b[0] !== VERSION || key.length !== sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    throw new BoxError('not a Schoolpols box');
  const plain = Buffer.alloc(b.length - BOX_OVERHEAD);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plain, null, b.subarray(1 + NONCE), boxContext(label), b.subarray(1, 1 + NONCE), key);
  } catch {
    throw new BoxError('the box cannot be opened with this key (wrong key, or altered)');
  }
  return plain;
}

/**
 * Opens box after box without making views of each: sealing opens a network wave's 165,000 boxes,
 * and copying each into one scratch buffer costs less than the views would (`Buffer.copy`, also for
 * a response box's ~86 bytes: half the time of a byte loop, warm). A comment box (4 kB) is opened
 * where it lies: copying 53 MB of them cost more than two views each. The result is a view of a
 * buffer the next call overwrites.
 */
export function boxOpener(key: Buffer): (context: Buffer, source: Buffer, start: number, end: number) => Buffer {
  let scratch = Buffer.alloc(0);
  let nonce = scratch;
  let sealed = scratch;
  let plain = scratch;
  let wide = scratch;
  return (context, source, start, end) => {
    const length = end - start;
    if (length > 1024) {
      if (source[start] !== VERSION) throw new BoxError('not a Schoolpols box');
      if (wide.length !== length - BOX_OVERHEAD) wide = Buffer.alloc(length - BOX_OVERHEAD);
      try {
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
          wide,
          null,
          source.subarray(start + 1 + NONCE, end),
          context,
          source.subarray(start + 1, start + 1 + NONCE),
          key,
        );
      } catch {
        throw new BoxError('the box cannot be opened with this key (wrong key, or altered)');
      }
      return wide;
    }
    if (length !== scratch.length) {
      if (length < BOX_OVERHEAD) throw new BoxError('not a Schoolpols box');
      scratch = Buffer.alloc(length);
      [nonce, sealed, plain] = [scratch.subarray(1, 1 + NONCE), scratch.subarray(1 + NONCE), Buffer.alloc(length - BOX_OVERHEAD)];
    }
    source.copy(scratch, 0, start, end);
    if (scratch[0] !== VERSION) throw new BoxError('not a Schoolpols box');
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plain, null, sealed, context, nonce, key);
    } catch {
      throw new BoxError('the box cannot be opened with this key (wrong key, or altered)');
    }
    return plain;
  };
}

export class BoxError extends Error {}

// ---- What goes inside ---------------------------------------------------------------------------

export interface ResponsePlain {
  /**
   * by position (`answerPositions`): items and outcome items 1..5, 0 = n.v.t.; priority 1 = named,
   * 0 = not named; null = unanswered
   */
  answers: (number | null)[];
  background: Record<string, string>;
}

const UNANSWERED = 0xff;

/** The questionnaire's layout of a response box, derived once per (immutable) questionnaire object. */
interface Layout {
  items: number;
  background: Array<{ id: string; options: string[] }>;
}
const layouts = new WeakMap<Questionnaire, Layout>();
function layout(q: Questionnaire): Layout {
  let l = layouts.get(q);
  if (!l) {
    // One byte per answer position (items, outcome items, priority), so every box of a questionnaire has one length.
    l = { items: answerPositions(q).width, background: q.background.map((b) => ({ id: b.id, options: b.options.map((o) => o.id) })) };
    layouts.set(q, l);
  }
  return l;
}

/** The length of every response's plaintext for the questionnaire (`encodeResponse`). */
export function responseLength(q: Questionnaire): number {
  const { items, background } = layout(q);
  return items + background.length;
}

/** One byte per item and one per background item (option index + 1, 0 = none): fixed length per questionnaire. */
export function encodeResponse(q: Questionnaire, value: ResponsePlain): Buffer {
  const { items, background } = layout(q);
  const out = Buffer.alloc(items + background.length);
  for (let i = 0; i < items; i++) out[i] = value.answers[i] ?? UNANSWERED;
  background.forEach((b, j) => {
    const chosen = value.background[b.id];
    out[items + j] = chosen === undefined ? 0 : b.options.indexOf(chosen) + 1;
  });
  return out;
}

export function decodeResponse(q: Questionnaire, plain: Buffer): ResponsePlain {
  const { items, background } = layout(q);
  if (plain.length !== items + background.length) throw new BoxError('a response box does not fit its questionnaire');
  const answers: (number | null)[] = new Array(items);
  for (let i = 0; i < items; i++) answers[i] = plain[i] === UNANSWERED ? null : plain[i]!;
  const bg: Record<string, string> = {};
  background.forEach((b, j) => {
    const index = plain[items + j]!;
    if (index > 0) bg[b.id] = b.options[index - 1]!;
  });
  return { answers, background: bg };
}

/**
 * A comment padded to the longest it may be: `length (4) | UTF-16LE | zeros`, the length word's top
 * bit set to tell this form from the first one (`length | UTF-8 | zeros`, padded to 3 bytes a unit,
 * which open waves may still hold). A comment of at most n UTF-16 units (what the form checks) is at
 * most 2n bytes so, a third less than UTF-8's 3n: the boxes sealing reads and opens in a network
 * wave went from 107 to 71 MB (issue 14). Every comment box of a questionnaire has one length.
 */
export function commentBoxLength(maxLength: number): number {
  return 4 + 2 * maxLength;
}

/** The lengths a comment box of this questionnaire may have: its form now, and its first form. */
export function commentBoxLengths(maxLength: number): number[] {
  return [BOX_OVERHEAD + commentBoxLength(maxLength), BOX_OVERHEAD + 4 + 3 * maxLength];
}

const UTF16 = 0x8000_0000;

export function encodeComment(maxLength: number, text: string): Buffer {
  if (text.length > maxLength) throw new RangeError('comment longer than its questionnaire allows');
  const out = Buffer.alloc(commentBoxLength(maxLength));
  const written = out.write(text, 4, 'utf16le');
  out.writeUInt32LE((UTF16 | written) >>> 0, 0);
  return out;
}

export function decodeComment(plain: Buffer): string {
  return commentText(plain).toString('utf8');
}

/** The comment's UTF-8 bytes: a view of `plain` in the first form, converted from UTF-16 in the second. */
export function commentText(plain: Buffer): Buffer {
  const word = plain.readUInt32LE(0);
  const length = word & ~UTF16;
  if (length > plain.length - 4 || (word & UTF16 && length % 2 !== 0)) throw new BoxError('a comment box is malformed');
  return word & UTF16 ? Buffer.from(plain.toString('utf16le', 4, 4 + length), 'utf8') : plain.subarray(4, 4 + length);
}
