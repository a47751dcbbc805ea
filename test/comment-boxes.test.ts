/**
 * Comment boxes (issue 14): one length per questionnaire whatever was written; the form written now
 * opens from its head alone for nearly every comment, and only as a whole when the comment goes on
 * beyond it; its head and rest cannot be swapped between boxes or moved to another school; the forms
 * before (UTF-8, then UTF-16), which an open wave may still hold, are still read.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { BOX_OVERHEAD, boxContext, BoxError, seal } from '../server/encryption/boxes.ts';
import {
  COMMENT_HEAD_BYTES,
  commentBoxLength,
  commentBoxLengths,
  commentOpener,
  commentText,
  openComment,
  sealComment,
} from '../server/encryption/comment-boxes.ts';

const MAX = 2000;
const key = randomBytes(32);
const label = { waveId: '0f8e0000-0000-4000-8000-000000000003', schoolId: '11111111-2222-4333-8444-555555555555' };
const elsewhere = { ...label, schoolId: '11111111-2222-4333-8444-666666666666' };
const context = boxContext({ kind: 'comment', ...label });

/** The first form: `length | UTF-8 | zeros`, 4 + 3n bytes, in one box. */
function firstForm(maxLength: number, text: string): Buffer {
  const plain = Buffer.alloc(4 + 3 * maxLength);
  plain.writeUInt32LE(plain.write(text, 4, 'utf8'), 0);
  return plain;
}

/** The second form: `length | UTF-16LE | zeros`, 4 + 2n bytes, the length word's top bit set. */
function secondForm(maxLength: number, text: string): Buffer {
  const plain = Buffer.alloc(4 + 2 * maxLength);
  plain.writeUInt32LE((0x8000_0000 | plain.write(text, 4, 'utf16le')) >>> 0, 0);
  return plain;
}

const samples = ['', 'a', '\ud800', 'x\udfff', '\udfff\ud800', '😀', '😀'.repeat(5), 'é\u0301', '\uffff\ufffe', 'a\ud83d'];

describe('comment boxes', () => {
  it('have one length for any comment up to the limit, and give back its text', () => {
    const texts = ['', 'x', 'é ü ç', '😀'.repeat(MAX / 2), 'Ω'.repeat(MAX), '€'.repeat(MAX), 'a'.repeat(MAX)];
    const boxes = texts.map((t) => sealComment(key, label, MAX, t));
    expect(new Set(boxes.map((b) => b.length))).toEqual(new Set([commentBoxLength(MAX)]));
    expect(boxes.map((b) => openComment(key, label, b))).toEqual(texts);
    expect(commentBoxLengths(MAX)).toEqual([commentBoxLength(MAX), BOX_OVERHEAD + 4 + 2 * MAX, BOX_OVERHEAD + 4 + 3 * MAX]);
  });

  it('refuse a comment over the limit, an astral pair counting two, and keep a lone surrogate as UTF-8 would (U+FFFD)', () => {
    expect(() => sealComment(key, label, MAX, 'a'.repeat(MAX + 1))).toThrow(RangeError);
    expect(() => sealComment(key, label, 1, '😀')).toThrow(RangeError);
    expect(() => sealComment(key, label, 3, 'abcd')).toThrow(RangeError);
    expect(openComment(key, label, sealComment(key, label, 10, 'a\ud800b'))).toBe('a\ufffdb');
  });

  it('open from their head alone when the comment ends there, and ask for the rest when it does not', () => {
    const open = commentOpener(key);
    const head = (b: Buffer) => open(context, b, 0, COMMENT_HEAD_BYTES, b.length)?.toString('utf8') ?? null;
    // The head holds the 4-byte length word and 1,020 bytes of text.
    const fits = 'é'.repeat(510);
    const over = `${fits}x`;
    expect(head(sealComment(key, label, MAX, fits))).toBe(fits);
    expect(head(sealComment(key, label, MAX, over))).toBeNull();
    expect(openComment(key, label, sealComment(key, label, MAX, over))).toBe(over);
    // The forms before are one box: read whole.
    expect(head(seal(key, { kind: 'comment', ...label }, secondForm(MAX, 'kort')))).toBeNull();
    // A questionnaire whose comments are short has boxes shorter than a head: always whole.
    const small = sealComment(key, label, 50, 'klein');
    expect(small.length).toBeLessThan(COMMENT_HEAD_BYTES);
    expect(open(context, small, 0, small.length, small.length)!.toString('utf8')).toBe('klein');
  });

  it('cannot be moved to another school, opened under another key, or have their rest swapped with another box’s', () => {
    const long = (text: string) => sealComment(key, label, MAX, text.repeat(400));
    const [a, b] = [long('aaaa '), long('bbbb ')];
    expect(() => openComment(key, elsewhere, a)).toThrow(BoxError);
    expect(() => openComment(randomBytes(32), label, a)).toThrow(BoxError);
    const swapped = Buffer.concat([a.subarray(0, COMMENT_HEAD_BYTES), b.subarray(COMMENT_HEAD_BYTES)]);
    expect(() => openComment(key, label, swapped)).toThrow(/does not belong to its head/);
    // A short comment's rest is padding, still checked when the box is opened whole (the self-audit).
    const short = sealComment(key, label, MAX, 'kort');
    short[short.length - 1]! ^= 1;
    expect(() => openComment(key, label, short)).toThrow(BoxError);
    expect(commentOpener(key)(context, short, 0, COMMENT_HEAD_BYTES, short.length)!.toString('utf8')).toBe('kort');
  });

  it('read the forms before as they were written', () => {
    for (const [form, plain] of [
      [1, firstForm(MAX, 'eerste vorm: é 😀')],
      [2, secondForm(MAX, 'tweede vorm: é 😀')],
    ] as const) {
      const box = seal(key, { kind: 'comment', ...label }, plain);
      expect(box.length).toBe(commentBoxLengths(MAX)[3 - form]);
      expect(openComment(key, label, box)).toBe(form === 1 ? 'eerste vorm: é 😀' : 'tweede vorm: é 😀');
    }
  });

  it('refuse, in the forms before, a length that does not fit the box, or half a UTF-16 unit', () => {
    const tooLong = Buffer.alloc(20);
    tooLong.writeUInt32LE(17, 0);
    expect(() => commentText(tooLong)).toThrow(BoxError);
    const odd = secondForm(10, 'abc');
    odd.writeUInt32LE((0x8000_0000 | 5) >>> 0, 0);
    expect(() => commentText(odd)).toThrow(BoxError);
  });

  it('give sealing the same UTF-8 in every form, at and below the limit', () => {
    for (const max of [1, 2, 10]) {
      for (const s of samples) {
        const text = s.slice(0, max);
        const now = openComment(key, label, sealComment(key, label, max, text));
        expect(now).toBe(commentText(firstForm(max, text)).toString('utf8'));
        expect(now).toBe(commentText(secondForm(max, text)).toString('utf8'));
      }
    }
  });
});
