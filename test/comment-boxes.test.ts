/**
 * A comment box's plaintext (issue 14): padded to one length per questionnaire whatever was
 * written, UTF-16 since the second form (a third smaller than UTF-8's worst case), and the first
 * form (UTF-8) still readable, as an open wave may hold boxes written before.
 */
import { describe, expect, it } from 'vitest';
import {
  BOX_OVERHEAD,
  BoxError,
  commentBoxLength,
  commentBoxLengths,
  commentText,
  decodeComment,
  encodeComment,
} from '../server/encryption/boxes.ts';

const MAX = 2000;

/** The first form, as it was written before the second form. */
function firstForm(maxLength: number, text: string): Buffer {
  const out = Buffer.alloc(4 + 3 * maxLength);
  const written = out.write(text, 4, 'utf8');
  if (Buffer.byteLength(text, 'utf8') !== written) throw new RangeError('too long');
  out.writeUInt32LE(written, 0);
  return out;
}

const samples = ['', 'a', '\ud800', 'x\udfff', '\udfff\ud800', '😀', '😀'.repeat(5), 'é\u0301', '\uffff\ufffe', 'a\ud83d'];

describe('comment boxes', () => {
  it('have one length for any comment up to the limit, and give back its text', () => {
    const texts = ['', 'x', 'é ü ç', '😀'.repeat(MAX / 2), 'Ω'.repeat(MAX), 'a'.repeat(MAX)];
    const encoded = texts.map((t) => encodeComment(MAX, t));
    expect(new Set(encoded.map((b) => BOX_OVERHEAD + b.length))).toEqual(new Set([commentBoxLengths(MAX)[0]]));
    expect(encoded.map(decodeComment)).toEqual(texts);
    // Two bytes a UTF-16 unit: the second form is a third smaller than the first (three bytes a unit).
    expect(commentBoxLengths(MAX)).toEqual([BOX_OVERHEAD + 4 + 2 * MAX, BOX_OVERHEAD + 4 + 3 * MAX]);
  });

  it('refuse a comment over the limit, and keep a lone surrogate as UTF-8 would (U+FFFD)', () => {
    expect(() => encodeComment(MAX, 'a'.repeat(MAX + 1))).toThrow(RangeError);
    expect(decodeComment(encodeComment(10, 'a\ud800b'))).toBe('a\ufffdb');
  });

  it('read the first form (length | UTF-8 | zeros) as before', () => {
    const utf8 = Buffer.from('eerste vorm: é 😀', 'utf8');
    const plain = Buffer.alloc(4 + 3 * MAX);
    plain.writeUInt32LE(utf8.length, 0);
    utf8.copy(plain, 4);
    expect(decodeComment(plain)).toBe('eerste vorm: é 😀');
    expect(BOX_OVERHEAD + plain.length).toBe(commentBoxLengths(MAX)[1]);
  });

  it('refuse a length that does not fit the box, or half a UTF-16 unit', () => {
    const tooLong = Buffer.alloc(20);
    tooLong.writeUInt32LE(17, 0);
    expect(() => commentText(tooLong)).toThrow(BoxError);
    const odd = encodeComment(10, 'abc');
    odd.writeUInt32LE((0x8000_0000 | 5) >>> 0, 0);
    expect(() => commentText(odd)).toThrow(BoxError);
  });

  it('give sealing the same UTF-8 as the first form, at and below the limit', () => {
    for (const max of [1, 2, 10]) {
      for (const s of samples) {
        const text = s.slice(0, max);
        const now = encodeComment(max, text);
        expect(now.length).toBe(commentBoxLength(max));
        expect(commentText(now).toString('hex')).toBe(commentText(firstForm(max, text)).toString('hex'));
      }
    }
  });

  it('refuses a comment one unit over the limit, an astral pair counting two', () => {
    expect(() => encodeComment(1, '😀')).toThrow(RangeError);
    expect(() => encodeComment(3, 'abcd')).toThrow(RangeError);
  });
});
