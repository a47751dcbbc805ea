/**
 * What sealing reads, at the edges its shortcuts rely on: a school's response boxes arrive joined
 * end to end, so a box of another length must be refused even when the bytes still add up; nonces
 * are first compared by their first 48 bits, so nonces that share those bits must still be told
 * apart, and a box stored twice must be kept exactly once, in the place it was first read; comments
 * are read by their heads, and whole only where needed.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { COPY_HEADER, CopyRowReader, CopyWriter, forEachCopyRow, uuidBytes, type CopySession } from '../server/db/copy.ts';
import { dropCopies, readBoxes, ResponseRows } from '../server/sealing/sealed-rows.ts';
import { readComments, type OpenedComments } from '../server/sealing/sealed-comments.ts';
import { BoxOpening } from '../server/sealing/box-opening.ts';
import { BOX_OVERHEAD, BoxError, encodeComment, encodeResponse, responseLength, seal } from '../server/encryption/boxes.ts';
import { itemsInOrder } from '../surveys/load.ts';
import { shipped } from './helpers/fixtures.ts';

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

/** What `boxesBySchool` sends: a row per school (in order of first appearance), its boxes end to end. */
function bySchool(rows: Array<[string, Buffer]>, boxLength: number): Buffer {
  const schools = new Map<string, Buffer[]>();
  for (const [school, b] of rows) schools.set(school, [...(schools.get(school) ?? []), b]);
  const out = new CopyWriter();
  for (const [school, boxes] of schools) {
    out.row(3);
    out.bytes(uuidBytes(school));
    out.bytes(Buffer.from([boxes.every((b) => b.length === boxLength) ? 1 : 0]));
    out.bytes(Buffer.concat(boxes));
  }
  return out.end();
}
const FAKE = BOX_OVERHEAD + 4;
const read = (rows: Array<[string, Buffer]>) => readBoxes(bySchool(rows, FAKE), FAKE);

const tails = (boxes: ReturnType<typeof readBoxes>) => Array.from({ length: boxes.count }, (_, i) => boxes.data[boxes.start[i]! + 20]);
const schoolsOf = (boxes: ReturnType<typeof readBoxes>) => Array.from({ length: boxes.count }, (_, i) => boxes.schools[boxes.school[i]!]);

describe('reading a wave’s boxes for sealing', () => {
  it('tells apart schools whose ids share their first 48 bits, and takes each school’s boxes in their order', () => {
    const boxes = read([
      [schoolA, box(1, 1)],
      [schoolB, box(2, 2)],
      [schoolA, box(3, 3)],
      [schoolB, box(4, 4)],
    ]);
    expect(boxes.schools).toEqual([schoolA, schoolB]);
    expect(schoolsOf(boxes)).toEqual([schoolA, schoolA, schoolB, schoolB]);
    expect(tails(boxes)).toEqual([1, 3, 2, 4]);
  });

  it('drops nothing when no nonce repeats', () => {
    const boxes = read([
      [schoolA, box(1, 1)],
      [schoolB, box(2, 2)],
      [schoolA, box(3, 3)],
    ]);
    expect(dropCopies(boxes)).toBe(0);
    expect(tails(boxes)).toEqual([1, 3, 2]);
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
    const boxes = read(rows);
    expect(dropCopies(boxes)).toBe(3);
    expect(tails(boxes)).toEqual([1, 3, 4, 2]);
    expect(schoolsOf(boxes)).toEqual([schoolA, schoolA, schoolA, schoolB]);
  });

  it('refuses boxes of another length, even when they add up to whole boxes', () => {
    expect(() =>
      read([
        [schoolA, box(1, 1)],
        [schoolA, Buffer.alloc(BOX_OVERHEAD - 1)],
      ]),
    ).toThrow(/not a Schoolpols box/);
    // One box a byte short and the next a byte long: the school's bytes still make two boxes.
    const short = box(1, 1).subarray(0, FAKE - 1);
    const long = Buffer.concat([box(2, 2), Buffer.alloc(1)]);
    expect(() =>
      read([
        [schoolB, short],
        [schoolB, long],
      ]),
    ).toThrow(/not a Schoolpols box/);
    // A row whose boxes do not make whole boxes, whatever it says of their lengths.
    const out = new CopyWriter();
    out.row(3);
    out.bytes(uuidBytes(schoolA));
    out.bytes(Buffer.from([1]));
    out.bytes(Buffer.concat([box(1, 1), Buffer.alloc(3)]));
    expect(() => readBoxes(out.end(), FAKE)).toThrow(/not a Schoolpols box/);
  });

  it('reads more boxes than the wave issued codes (copies made in the database), every one where it was', () => {
    const rows: Array<[string, Buffer]> = Array.from({ length: 40 }, (_, i) => [i % 3 === 0 ? schoolA : schoolB, box(100 + i, i)]);
    const boxes = readBoxes(bySchool(rows, FAKE), FAKE, 3);
    expect(boxes.count).toBe(40);
    const inOrder = [...rows.filter(([s]) => s === schoolA), ...rows.filter(([s]) => s === schoolB)];
    expect(tails(boxes)).toEqual(inOrder.map(([, b]) => b[20]));
    expect(schoolsOf(boxes)).toEqual(inOrder.map(([s]) => s));
    for (let i = 0; i < boxes.count; i++) expect(boxes.data.readUIntLE(boxes.start[i]! + 1, 6)).toBe(inOrder[i]![1].readUIntLE(1, 6));
  });
});

describe('reading COPY data as it arrives, in pieces', () => {
  // Rows of every shape the reader must put together: NULLs, empty fields, fields longer than a piece.
  const rows: Array<Array<Buffer | null>> = [
    [uuidBytes(schoolA), Buffer.alloc(300, 1)],
    [uuidBytes(schoolB), null],
    [Buffer.alloc(0), Buffer.alloc(7000, 2)],
    [uuidBytes(schoolA), Buffer.from('x')],
  ];
  // Written by hand (the writer has no NULL): int16 field count, then int32 length (-1: NULL) and bytes.
  const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const data = Buffer.concat([
    COPY_HEADER,
    ...rows.flatMap((row) => [int16(row.length), ...row.flatMap((f) => (f ? [int32(f.length), f] : [int32(-1)]))]),
    int16(-1),
  ]);
  const visitedIn = (pieces: number[]) => {
    const seen: Array<Array<string | null>> = [];
    const reader = new CopyRowReader((d, start, end) =>
      seen.push(Array.from(start, (s, f) => (s < 0 ? null : d.toString('hex', s, end[f])))),
    );
    let at = 0;
    for (const cut of [...pieces, data.length]) {
      // Each piece is a view of a buffer that is overwritten afterwards, as a socket's would be.
      const piece = Buffer.from(data.subarray(at, cut));
      reader.push(piece, 0, piece.length);
      piece.fill(0xee);
      at = cut;
    }
    return { seen, count: reader.finish() };
  };
  const expected = rows.map((row) => row.map((f) => (f ? f.toString('hex') : null)));

  it('visits every row whole, wherever the data is cut', () => {
    for (let cut = 0; cut <= data.length; cut++) expect(visitedIn([cut])).toEqual({ seen: expected, count: rows.length });
  });

  it('visits every row whole when it comes a byte or a few at a time', () => {
    for (const step of [1, 3, 17, 1000]) {
      const cuts = Array.from({ length: Math.floor((data.length - 1) / step) }, (_, i) => (i + 1) * step);
      expect(visitedIn(cuts)).toEqual({ seen: expected, count: rows.length });
    }
  });

  it('says so when the data ends in the middle of a row', () => {
    const reader = new CopyRowReader(() => {});
    reader.push(data, 0, data.length - 5);
    expect(() => reader.finish()).toThrow(/middle of a row/);
  });
});

describe('opening a wave’s comments as they arrive', () => {
  const waveId = '0f8e0000-0000-4000-8000-000000000001';
  const key = randomBytes(32);
  const comment = (schoolId: string, text: string) => seal(key, { kind: 'comment', waveId, schoolId }, encodeComment(2000, text));

  /** `copyOut` over a partition holding `rows`; notes each statement it was given. */
  function partition(rows: Array<[string, Buffer]>) {
    const statements: string[] = [];
    const copyOut: CopySession['copyOut'] = async (statement, visit) => {
      statements.push(statement);
      const out = new CopyWriter();
      for (const [school, box] of rows) {
        out.row(2);
        out.bytes(uuidBytes(school));
        out.bytes(box);
      }
      return forEachCopyRow(out.end(), visit);
    };
    return { copyOut, statements };
  }
  const texts = (opened: OpenedComments) => opened.text.map((t) => t.toString('utf8'));

  it('keeps only each comment’s text, drops a box stored twice and counts it', async () => {
    const first = comment(schoolA, 'te veel vergaderingen');
    const p = partition([
      [schoolA, first],
      [schoolB, comment(schoolB, 'goede collega’s')],
      [schoolA, first],
    ]);
    const opened = await readComments(p.copyOut, 'p', waveId, () => key);
    expect(texts(opened)).toEqual(['te veel vergaderingen', 'goede collega’s']);
    expect(opened.school.map((i) => opened.schools[i])).toEqual([schoolA, schoolB]);
    expect(opened.copies).toBe(1);
  });

  it('reads every box whole in one statement that names no row, long comments and the first form alike', async () => {
    const long = 'lang verhaal, '.repeat(140);
    const utf8 = Buffer.from('eerste vorm: é 😀', 'utf8');
    const firstForm = Buffer.alloc(4 + 3 * 2000);
    firstForm.writeUInt32LE(utf8.length, 0);
    utf8.copy(firstForm, 4);
    const p = partition([
      [schoolA, comment(schoolA, 'kort')],
      [schoolA, seal(key, { kind: 'comment', waveId, schoolId: schoolA }, firstForm)],
      [schoolB, comment(schoolB, long)],
    ]);
    const opened = await readComments(p.copyOut, 'p', waveId, () => key);
    expect(texts(opened).sort()).toEqual(['eerste vorm: é 😀', 'kort', long].sort());
    // Which boxes a statement reads must not depend on what they hold: its text can be logged.
    expect(p.statements).toEqual(['copy (select school_id, box from "p") to stdout (format binary)']);
  });

  it('refuses a comment moved to another school, and one under another key', async () => {
    await expect(readComments(partition([[schoolB, comment(schoolA, 'verplaatst')]]).copyOut, 'p', waveId, () => key)).rejects.toThrow(
      BoxError,
    );
    const other = partition([[schoolA, comment(schoolA, 'andere sleutel')]]);
    await expect(readComments(other.copyOut, 'p', waveId, () => randomBytes(32))).rejects.toThrow(BoxError);
  });
});

describe('writing a wave’s responses, opening each box as its row is written', () => {
  const waveId = '0f8e0000-0000-4000-8000-000000000002';
  const key = randomBytes(32);
  const items = itemsInOrder(shipped).length;
  const answers = (i: number) => Array.from({ length: items }, (_, j) => (j === i % items ? null : ((i + j) % 5) + 1));
  const response = (schoolId: string, i: number, label = schoolId) =>
    seal(key, { kind: 'response', waveId, schoolId: label }, encodeResponse(shipped, { answers: answers(i), background: {} }));
  const RESPONSE_BOX = BOX_OVERHEAD + responseLength(shipped);
  /** The rows `written` makes in `order`, its boxes opened in their own thread as sealing does. */
  async function* written_(written: ResponseRows, order: Uint32Array, withKey = key) {
    const opening = new BoxOpening();
    try {
      written.openBoxes(opening, withKey, order);
      yield* written.chunks(order, opening);
    } finally {
      await opening.close();
    }
  }
  /** A binary smallint[] (1 dimension) as numbers and nulls. */
  const smallints = (data: Buffer, at: number) =>
    Array.from({ length: data.readInt32BE(at + 12) }, (_, j) => {
      let p = at + 20;
      for (let k = 0; k < j; k++) p += data.readInt32BE(p) < 0 ? 4 : 6;
      return data.readInt32BE(p) < 0 ? null : data.readInt16BE(p + 4);
    });

  it('writes every response once in the given order, and counts each school’s respondents', async () => {
    const rows: Array<[string, Buffer]> = Array.from({ length: 6 }, (_, i) => [
      i < 4 ? schoolA : schoolB,
      response(i < 4 ? schoolA : schoolB, i),
    ]);
    const written = new ResponseRows(shipped, waveId, readBoxes(bySchool(rows, RESPONSE_BOX), RESPONSE_BOX), []);
    expect(() => written.tallies()).toThrow(/as they are written/);
    const seen: string[] = [];
    const order = Uint32Array.from([5, 3, 1, 0, 2, 4]);
    const chunks: Buffer[] = [];
    for await (const c of written_(written, order)) chunks.push(Buffer.from(c));
    const written_answers: Array<Array<number | null>> = [];
    forEachCopyRow(Buffer.concat(chunks), (data, s, e) => {
      seen.push(`${data.toString('hex', s[1]!, e[1]!)}:${data.readInt32BE(s[3]! + 12)}`);
      written_answers.push(smallints(data, s[3]!));
    });
    expect(seen.map((r) => r.split(':')[1])).toEqual(Array(6).fill(String(items)));
    // Each row holds the answers of the box at its place in the order.
    expect(written_answers).toEqual([...order].map((i) => answers(i)));
    expect(new Set(seen.map((r) => r.split(':')[0]))).toEqual(new Set([schoolA, schoolB].map((id) => id.replaceAll('-', ''))));
    expect([...written.tallies()].map(([id, t]) => [id, t.respondents])).toEqual(
      expect.arrayContaining([
        [schoolA, 4],
        [schoolB, 2],
      ]),
    );
  });

  it("groups a shuffled order by school, schools in id order, keeping each school's rows in their shuffled order (legacy rows too)", () => {
    // Schools arrive B, A, C; a legacy row of A has a slot of its own but must join A's group.
    const schoolC = '00000000-2222-4333-8444-777777777777';
    const rows: Array<[string, Buffer]> = [schoolB, schoolA, schoolC, schoolA, schoolB, schoolA].map((id, i) => [id, response(id, i)]);
    const legacy = [{ schoolId: schoolA, answers: answers(6), background: {} }];
    const boxes = readBoxes(bySchool(rows, RESPONSE_BOX), RESPONSE_BOX);
    const written = new ResponseRows(shipped, waveId, boxes, legacy);
    const schoolOf = (i: number) => (i < boxes.count ? boxes.schools[boxes.school[i]!] : legacy[i - boxes.count]!.schoolId);
    const order = Uint32Array.from([3, 6, 0, 5, 2, 4, 1]);
    const grouped = [...written.bySchool(order)];
    expect([...grouped].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(grouped.map(schoolOf)).toEqual([schoolC, schoolA, schoolA, schoolA, schoolA, schoolB, schoolB]);
    // Within each school, the order `order` gave.
    for (const id of [schoolA, schoolB, schoolC])
      expect(grouped.filter((i) => schoolOf(i) === id)).toEqual([...order].filter((i) => schoolOf(i) === id));
  });

  it('stops at a box that does not open, after the rows before it went out in chunks', async () => {
    const rows: Array<[string, Buffer]> = Array.from({ length: 6000 }, (_, i) => [schoolA, response(schoolA, i)]);
    // The last box was sealed for another school, then moved here.
    rows.push([schoolA, response(schoolA, 6000, schoolB)]);
    const written = new ResponseRows(shipped, waveId, readBoxes(bySchool(rows, RESPONSE_BOX), RESPONSE_BOX), []);
    let chunks = 0;
    await expect(
      (async () => {
        for await (const _ of written_(written, Uint32Array.from(rows.keys()))) chunks++;
      })(),
    ).rejects.toThrow(BoxError);
    expect(chunks).toBeGreaterThan(0);
    expect(() => written.tallies()).toThrow();
    // Under another key, the first box already.
    const again = new ResponseRows(shipped, waveId, readBoxes(bySchool(rows, RESPONSE_BOX), RESPONSE_BOX), []);
    let none = 0;
    await expect(
      (async () => {
        for await (const _ of written_(again, Uint32Array.from(rows.keys()), randomBytes(32))) none++;
      })(),
    ).rejects.toThrow(BoxError);
    expect(none).toBe(0);
  });

  it('refuses an order that does not have one place per response', () => {
    const written = new ResponseRows(
      shipped,
      waveId,
      readBoxes(bySchool([[schoolA, response(schoolA, 0)]], RESPONSE_BOX), RESPONSE_BOX),
      [],
    );
    expect(() => [...written.chunks(Uint32Array.from([0, 0]), null)]).toThrow(RangeError);
  });
});
