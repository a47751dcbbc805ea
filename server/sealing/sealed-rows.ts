import { randomFillSync } from 'node:crypto';
import { COPY_HEADER, forEachCopyRow, INT2_OID, put, uuidBytes, uuidText, type CopyRowVisitor } from '../db/copy.ts';
import { BOX_OVERHEAD, boxContext, BoxError, decodeResponse, encodeResponse, type ResponsePlain } from '../encryption/boxes.ts';
import type { SchoolTally } from '../results/frozen-wave.ts';
import type { BoxOpening } from './box-opening.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { answerPositions } from '../../surveys/load.ts';

/**
 * The rows sealing moves (design §4): a wave's boxes as read from the database in binary COPY
 * format, opened in a thread of their own (`box-opening.ts`) and written — in the order sealing
 * chose — as binary COPY rows of the sealed partitions. A network wave has 165,000 responses, so
 * nothing here makes an object per row: boxes stay where they were read (offsets into one buffer of
 * shared memory), and rows are written as bytes.
 */

/** Boxes as read (`boxesBySchool`), with each box's school and place. */
export interface Boxes {
  data: Buffer;
  /** school ids, indexed by `school` */
  schools: string[];
  school: Uint32Array<ArrayBuffer>;
  start: Uint32Array<ArrayBuffer>;
  end: Uint32Array<ArrayBuffer>;
  count: number;
}

/**
 * The statement that reads a wave's response boxes for `BoxReader`: a row per school, its boxes
 * joined end to end, with whether each was there and `boxLength` long (every response box of a
 * questionnaire is). PostgreSQL sends 3,700 rows for a network wave rather than 165,000, and Node
 * takes each school's boxes in one copy rather than a row at a time (issue 14: reading the boxes
 * was a sixth of sealing, nearly all of it in Node). The order within a school does not matter:
 * sealing shuffles. (It no longer says how many boxes there are in all: a window over the groups
 * held every row back until the last was made, a third of the statement's time.)
 */
export function boxesBySchool(partition: string, boxLength: number): string {
  if (!Number.isInteger(boxLength)) throw new RangeError('not a box length');
  return `select school_id, bool_and(box is not null and length(box) = ${boxLength}), string_agg(box, ''::bytea) from "${partition}" group by school_id`;
}

/**
 * Collects boxes as `copyOut` visits the rows of `boxesBySchool`: each school's boxes are copied
 * into one buffer, and each box is noted by its school and place. The buffer is made for `expected`
 * boxes at once (the codes the wave issued: a bound unless boxes were copied in the database), and
 * made anew, twice as large, should more come: memory is touched only where boxes are written, and
 * fresh memory is dear (`copy-out.ts`). A box of another length is not a box of this wave: refused.
 */
export class BoxReader {
  private data: Buffer;
  private used = 0;
  private readonly schools: string[] = [];
  private readonly known = new Map<string, number>();
  private size: number;
  private school: Uint32Array<ArrayBuffer>;
  private start: Uint32Array<ArrayBuffer>;
  private end: Uint32Array<ArrayBuffer>;
  private count = 0;

  constructor(
    private readonly boxLength: number,
    expected: number,
  ) {
    if (!Number.isInteger(boxLength) || boxLength < BOX_OVERHEAD) throw new RangeError('not a box length');
    this.size = Math.max(1, Math.floor(expected));
    [this.school, this.start, this.end] = [new Uint32Array(this.size), new Uint32Array(this.size), new Uint32Array(this.size)];
    this.data = shared(this.size * boxLength);
  }

  readonly visit: CopyRowVisitor = (data, s, e) => {
    if (e[0]! - s[0]! !== 16 || s.length !== 3) throw new Error('not a school id and its boxes');
    const length = e[2]! - s[2]!;
    if (data[s[1]!] !== 1 || s[2]! < 0 || length % this.boxLength !== 0) throw new BoxError('not a Schoolpols box');
    const n = length / this.boxLength;
    if (this.count + n > this.size) this.grow(this.count + n);
    const school = this.schoolOf(data, s[0]!);
    const at = this.used;
    this.used = put(this.data, this.used, data, s[2]!, e[2]!);
    for (let k = 0; k < n; k++) {
      const row = this.count++;
      this.school[row] = school;
      this.start[row] = at + k * this.boxLength;
      this.end[row] = at + (k + 1) * this.boxLength;
    }
  };

  private grow(needed: number): void {
    this.size = Math.max(2 * this.size, needed);
    const data = shared(this.size * this.boxLength);
    this.data.copy(data, 0, 0, this.used);
    this.data = data;
    const larger = (a: Uint32Array<ArrayBuffer>) => {
      const b = new Uint32Array(this.size);
      b.set(a.subarray(0, this.count));
      return b;
    };
    [this.school, this.start, this.end] = [larger(this.school), larger(this.start), larger(this.end)];
  }

  private schoolOf(data: Buffer, at: number): number {
    const hex = data.toString('hex', at, at + 16);
    let index = this.known.get(hex);
    if (index === undefined) {
      index = this.schools.push(uuidText(data.subarray(at, at + 16))) - 1;
      this.known.set(hex, index);
    }
    return index;
  }

  boxes(): Boxes {
    return { data: this.data, schools: this.schools, school: this.school, start: this.start, end: this.end, count: this.count };
  }
}

/** The boxes of a whole binary COPY result of `boxesBySchool`, `expected` of them (more are read all the same). */
export function readBoxes(data: Buffer, boxLength: number, expected = 64): Boxes {
  const reader = new BoxReader(boxLength, expected);
  forEachCopyRow(data, reader.visit);
  return reader.boxes();
}

/** Memory the thread that opens the boxes reads as it is (`BoxOpening`). */
const shared = (size: number): Buffer => Buffer.from(new SharedArrayBuffer(size));

/**
 * Removes boxes whose nonce (bytes 1–24) an earlier box already has, and returns how many: a box
 * stored twice is a copy someone made in the database (each submission draws a fresh nonce), kept
 * once, or it would stand out among the sealed answers and tag its writer. Nonces are compared by
 * their first 48 bits, and in full only when those match.
 */
export function dropCopies(boxes: Boxes): number {
  const { data, school, start, end } = boxes;
  // Usually no two boxes share a prefix: sorting the prefixes shows that without a map of them all.
  const prefixes = new Float64Array(boxes.count);
  for (let i = 0; i < boxes.count; i++) prefixes[i] = data.readUIntLE(start[i]! + 1, 6);
  prefixes.sort();
  const repeated = new Set<number>();
  for (let i = 1; i < prefixes.length; i++) if (prefixes[i] === prefixes[i - 1]) repeated.add(prefixes[i]!);
  if (repeated.size === 0) return 0;
  const seen = new Set<string>();
  let kept = 0;
  for (let i = 0; i < boxes.count; i++) {
    if (repeated.has(data.readUIntLE(start[i]! + 1, 6))) {
      const nonce = data.toString('latin1', start[i]! + 1, start[i]! + 25);
      if (seen.has(nonce)) continue;
      seen.add(nonce);
    }
    school[kept] = school[i]!;
    start[kept] = start[i]!;
    end[kept] = end[i]!;
    kept++;
  }
  const dropped = boxes.count - kept;
  boxes.count = kept;
  return dropped;
}

const UNANSWERED = 0xff;

/**
 * A wave's responses — its boxes, then any plaintext rows (`legacy`, a wave opened before
 * encryption existed) — written as binary COPY rows of `response (wave_id, school_id, id, answers,
 * background)` in the order sealing chose (`chunks`). The order is chosen before any box is
 * opened, and the boxes are opened in that order in their own thread (`openBoxes`), while the
 * comments are read and as the rows are written: each row waits only for its own box (issue 14).
 * Fresh random ids are made here from
 * a pool the system's generator refills (PostgreSQL's gen_random_uuid() makes a call per row: a
 * third of sealing's time in the database, measured). Writing counts each school's respondents per
 * background: the inputs of disclosure frozen at sealing (`tallies`), without reading the wave back.
 */
export class ResponseRows {
  static readonly columns = '(wave_id, school_id, id, answers, background)';
  /** answer positions (`answerPositions`): theme items, outcome items, priority */
  private readonly items: number;
  private readonly width: number;
  /** each response's school, as an index of `schools` */
  private readonly schools: string[];
  /** each distinct background (a questionnaire has few), by its bytes read as a number */
  private readonly backgrounds = new Map<number, { index: number; field: Buffer; value: Record<string, string> }>();
  /** per background (its `index`): respondents per school */
  private readonly counts: Uint32Array[] = [];
  private written = false;

  constructor(
    private readonly q: Questionnaire,
    private readonly waveId: string,
    private readonly boxes: Boxes,
    private readonly legacy: Array<{ schoolId: string } & ResponsePlain>,
  ) {
    this.items = answerPositions(q).width;
    this.width = this.items + q.background.length;
    this.schools = [...boxes.schools, ...legacy.map((r) => r.schoolId)];
  }

  get count(): number {
    return this.boxes.count + this.legacy.length;
  }

  /**
   * `order` (a uniform shuffle) regrouped by school, schools in the order of their ids, each
   * school's rows in the order they had in `order` — still a uniform shuffle within each school.
   * The partition's index on `school_id` is then built from presorted rows (measured: ~45 % less
   * time than from a random order), and one school's rows lie together on few pages for its
   * dashboard. Nothing of the order of arrival is kept: a row's school is in the row anyway.
   */
  bySchool(order: Uint32Array): Uint32Array {
    const { boxes } = this;
    const ranks = new Map([...new Set(this.schools)].sort().map((id, rank) => [id, rank]));
    const rankOf = Uint32Array.from(this.schools, (id) => ranks.get(id)!);
    const schoolOf = (i: number) => rankOf[i < boxes.count ? boxes.school[i]! : boxes.schools.length + i - boxes.count]!;
    // A counting sort: stable, so each school keeps the order `order` gave its rows.
    const starts = new Uint32Array(ranks.size + 1);
    for (const i of order) starts[schoolOf(i) + 1]!++;
    for (let r = 1; r < starts.length; r++) starts[r]! += starts[r - 1]!;
    const out = new Uint32Array(order.length);
    for (const i of order) out[starts[schoolOf(i)]!++] = i;
    return out;
  }

  /** Starts opening the boxes, in the order they will be written, in `opening`'s thread. */
  openBoxes(opening: BoxOpening, key: Buffer, order: Uint32Array): void {
    const { waveId } = this;
    const contexts = this.boxes.schools.map((schoolId) => boxContext({ kind: 'response', waveId, schoolId }));
    opening.open(key, this.boxes, order, contexts, this.width);
  }

  /**
   * Response i, written at position n (boxes first, then legacy rows), as `encodeResponse` bytes
   * (`src` from `at`), and its school.
   */
  private reader(opening: BoxOpening | null): (n: number, i: number) => { src: Buffer; at: number; school: number } {
    const { boxes, legacy, q } = this;
    const found: { src: Buffer; at: number; school: number } = { src: Buffer.alloc(0), at: 0, school: 0 };
    return (n, i) => {
      if (i < boxes.count) {
        if (!opening) throw new Error('the boxes were not opened');
        found.at = opening.ready(n);
        found.src = opening.plain;
        found.school = boxes.school[i]!;
      } else {
        found.src = encodeResponse(q, legacy[i - boxes.count]!);
        found.at = 0;
        found.school = boxes.schools.length + i - boxes.count;
        if (found.src.length !== this.width) throw new BoxError('a response does not fit its questionnaire');
      }
      return found;
    };
  }

  /** The binary COPY field of a background (its `encodeResponse` bytes read as a number), made once. */
  private background(key: number, plain: Buffer, at: number): { index: number; field: Buffer } {
    let b = this.backgrounds.get(key);
    if (!b) {
      const value = decodeResponse(this.q, Buffer.from(plain.subarray(at, at + this.width))).background;
      const json = Buffer.from(JSON.stringify(value));
      const field = Buffer.alloc(4 + 1 + json.length);
      field.writeInt32BE(1 + json.length, 0);
      field[4] = 1; // jsonb version
      json.copy(field, 5);
      b = { index: this.counts.length, field, value };
      this.backgrounds.set(key, b);
      this.counts.push(new Uint32Array(this.schools.length));
    }
    return b;
  }

  /**
   * The rows in the given order (every response once), in chunks of about 1 MB. Written inline,
   * byte by byte: a network wave is 7 million answers, and a helper call per field costs more than
   * the writing. Throws `BoxError` at a box that does not open.
   */
  *chunks(order: Uint32Array, opening: BoxOpening | null): Generator<Buffer> {
    if (order.length !== this.count) throw new RangeError('every response is written once');
    const { items, width } = this;
    const read = this.reader(opening);
    // Each row starts with its field count, wave and school, and the id's length: made once per school.
    const wave = uuidBytes(this.waveId);
    const starts = this.schools.map((schoolId) => {
      const start = Buffer.alloc(46);
      start.writeInt16BE(5, 0);
      start.writeInt32BE(16, 2);
      wave.copy(start, 6);
      start.writeInt32BE(16, 22);
      uuidBytes(schoolId).copy(start, 26);
      start.writeInt32BE(16, 42);
      return start;
    });
    // Longest row: every item answered, and the longest background the questionnaire allows.
    const longestBackground = this.q.background.reduce(
      (sum, b) => sum + Math.max(...b.options.map((o) => Buffer.byteLength(JSON.stringify({ [b.id]: o.id })))),
      2,
    );
    const rowMax = 46 + 16 + 24 + 6 * items + 5 + longestBackground;
    const CHUNK = 1 << 20;
    const random = Buffer.alloc(16 * 4096);
    const buf = Buffer.allocUnsafe(CHUNK + rowMax);
    let at = put(buf, 0, COPY_HEADER, 0, COPY_HEADER.length);
    for (let n = 0; n < order.length; n++) {
      const { src: plain, at: p, school } = read(n, order[n]!);
      at = put(buf, at, starts[school]!, 0, 46);
      // id: 16 random bytes with the UUID version (4) and variant bits set
      const r = (n & 4095) * 16;
      if (r === 0) randomFillSync(random);
      at = put(buf, at, random, r, r + 16);
      buf[at - 10] = (buf[at - 10]! & 0x0f) | 0x40;
      buf[at - 8] = (buf[at - 8]! & 0x3f) | 0x80;
      // answers: a one-dimensional smallint[], NULL for unanswered
      const begin = at + 4;
      buf.writeInt32BE(1, begin);
      buf.writeInt32BE(0, begin + 4);
      buf.writeInt32BE(INT2_OID, begin + 8);
      buf.writeInt32BE(items, begin + 12);
      buf.writeInt32BE(1, begin + 16);
      at = begin + 20;
      for (let b = 0; b < items; b++) {
        const v = plain[p + b]!;
        if (v === UNANSWERED) {
          buf[at] = buf[at + 1] = buf[at + 2] = buf[at + 3] = 0xff;
          at += 4;
        } else {
          buf[at] = buf[at + 1] = buf[at + 2] = buf[at + 4] = 0;
          buf[at + 3] = 2;
          buf[at + 5] = v;
          at += 6;
        }
      }
      buf.writeInt32BE(at - begin, begin - 4);
      let key = 0;
      for (let b = items; b < width; b++) key = key * 256 + plain[p + b]!;
      const background = this.background(key, plain, p);
      at = put(buf, at, background.field, 0, background.field.length);
      this.counts[background.index]![school]!++;
      // The buffer is reused: the copy sends a chunk before it asks for the next.
      if (at >= CHUNK) {
        yield buf.subarray(0, at);
        at = 0;
      }
    }
    buf.writeInt16BE(-1, at);
    this.written = true;
    yield buf.subarray(0, at + 2);
  }

  /** Respondents per school and per background, for `freezeWave`; once `chunks` has written every row. */
  tallies(): Map<string, SchoolTally> {
    if (!this.written) throw new Error('the responses are counted as they are written');
    const result = new Map<string, SchoolTally>();
    for (const b of this.backgrounds.values()) {
      const counts = this.counts[b.index]!;
      counts.forEach((count, school) => {
        if (count === 0) return;
        const schoolId = this.schools[school]!;
        let tally = result.get(schoolId);
        if (!tally) result.set(schoolId, (tally = { respondents: 0, cells: [] }));
        tally.respondents += count;
        const same = tally.cells.find((c) => c.background === b.value);
        if (same) same.count += count;
        else tally.cells.push({ background: b.value, count });
      });
    }
    return result;
  }
}
