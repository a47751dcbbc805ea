/**
 * What sealing reads, at the edges its shortcuts rely on: schools and nonces are first compared by
 * their first 48 bits, so ids and nonces that share those bits must still be told apart, and a box
 * stored twice must be kept exactly once, in the place it was first read.
 */
import { describe, expect, it } from 'vitest';
import { CopyWriter, uuidBytes } from '../server/db/copy.ts';
import { dropCopies, readBoxes } from '../server/sealed-rows.ts';
import { BOX_OVERHEAD } from '../server/encryption/boxes.ts';

const schoolA = '11111111-2222-4333-8444-555555555555';
// The same first 48 bits as A; only the rest differs.
const schoolB = '11111111-2222-4333-8444-666666666666';

/** A fake box: version byte, a nonce whose first six bytes are `prefix`, then `tail` and filler. */
function box(prefix: number, tail: number): Buffer {
  const b = Buffer.alloc(BOX_OVERHEAD + 4);
  b[0] = 1;
  b.writeUIntLE(prefix, 1, 6);
  b[20] = tail;
  return b;
}

function copyData(rows: Array<[string, Buffer]>): Buffer {
  const out = new CopyWriter();
  for (const [school, b] of rows) {
    out.row(2);
    out.bytes(uuidBytes(school));
    out.bytes(b);
  }
  return out.end();
}

const tails = (boxes: ReturnType<typeof readBoxes>) => Array.from({ length: boxes.count }, (_, i) => boxes.data[boxes.start[i]! + 20]);
const schoolsOf = (boxes: ReturnType<typeof readBoxes>) => Array.from({ length: boxes.count }, (_, i) => boxes.schools[boxes.school[i]!]);

describe('reading a wave’s boxes for sealing', () => {
  it('tells apart schools whose ids share their first 48 bits', () => {
    const boxes = readBoxes(copyData([[schoolA, box(1, 1)], [schoolB, box(2, 2)], [schoolA, box(3, 3)], [schoolB, box(4, 4)]]));
    expect(boxes.schools).toEqual([schoolA, schoolB]);
    expect(schoolsOf(boxes)).toEqual([schoolA, schoolB, schoolA, schoolB]);
  });

  it('drops nothing when no nonce repeats', () => {
    const boxes = readBoxes(copyData([[schoolA, box(1, 1)], [schoolB, box(2, 2)], [schoolA, box(3, 3)]]));
    expect(dropCopies(boxes)).toBe(0);
    expect(tails(boxes)).toEqual([1, 2, 3]);
  });

  it('keeps boxes whose nonces share only their first 48 bits, and each copied box once, where it first came', () => {
    const rows: Array<[string, Buffer]> = [
      [schoolA, box(7, 1)],
      [schoolB, box(9, 2)],
      [schoolA, box(7, 3)], // same prefix as the first, different nonce: a different box
      [schoolB, box(9, 2)], // a copy of the second
      [schoolA, box(5, 4)],
      [schoolB, box(9, 2)], // another copy of the second
      [schoolA, box(7, 1)], // a copy of the first
    ];
    const boxes = readBoxes(copyData(rows));
    expect(dropCopies(boxes)).toBe(3);
    expect(tails(boxes)).toEqual([1, 2, 3, 4]);
    expect(schoolsOf(boxes)).toEqual([schoolA, schoolB, schoolA, schoolA]);
  });

  it('refuses a box too short to be one', () => {
    const boxes = readBoxes(copyData([[schoolA, box(1, 1)], [schoolA, Buffer.alloc(BOX_OVERHEAD - 1)]]));
    expect(() => dropCopies(boxes)).toThrow(/not a Schoolpols box/);
  });
});
