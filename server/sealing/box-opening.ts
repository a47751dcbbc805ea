import { Worker } from 'node:worker_threads';
import { BOX_LAYOUT, BoxError } from '../encryption/boxes.ts';
import type { Boxes } from './sealed-rows.ts';

/**
 * A wave's response boxes, opened in a worker thread (`open-boxes.worker.mjs`) in the order
 * sealing will write them, while the main thread reads the comments and writes the rows. Opening
 * 165,000 boxes was two fifths of Node's part of sealing, all of it on the main thread while the
 * second core waited (issue 14). The worker is started before the boxes are read, so that its start
 * costs nothing on the way; it is given the boxes (shared memory, not a copy), the order and the
 * key, and fills `plain` — position n of the order at n × width — telling how far it got through
 * shared counters. `ready(n)` waits for position n, and refuses a box that did not open there as
 * opening it on the main thread did.
 */
export class BoxOpening {
  private readonly worker = new Worker(new URL('./open-boxes.worker.mjs', import.meta.url), { execArgv: [] });
  /** done (positions opened), failed (position + 1 of a box that did not open), finished */
  private readonly progress = new Int32Array(new SharedArrayBuffer(12));
  private width = 0;
  plain: Buffer = Buffer.alloc(0);
  private failure: Error | null = null;

  constructor() {
    this.worker.on('error', (err) => (this.failure = err));
    this.worker.unref();
  }

  /** Starts opening `boxes` (whose `data` is shared memory) in `order`: rows past the boxes are left alone. */
  open(key: Buffer, boxes: Boxes, order: Uint32Array, contexts: Buffer[], width: number): void {
    if (!(boxes.data.buffer instanceof SharedArrayBuffer)) throw new Error('the boxes must be in shared memory');
    this.width = width;
    this.plain = Buffer.from(new SharedArrayBuffer(Math.max(1, order.length * width)));
    const boxLength = boxes.count > 0 ? boxes.end[0]! - boxes.start[0]! : 0;
    this.worker.postMessage({
      layout: { ...BOX_LAYOUT, boxLength },
      width,
      count: boxes.count,
      start: boxes.start.subarray(0, boxes.count),
      school: boxes.school.subarray(0, boxes.count),
      order,
      // Copied into memory of their own: a small Buffer is a slice of a shared pool, all of which would be sent.
      contexts: contexts.map((c) => new Uint8Array(c)),
      data: boxes.data.buffer,
      plain: this.plain.buffer,
      progress: this.progress.buffer,
      key,
    });
  }

  /**
   * Waits (blocking: the rows are made in a synchronous generator) until position n is open, and
   * gives where its plaintext starts in `plain`.
   */
  ready(n: number): number {
    for (let waited = 0; Atomics.load(this.progress, 0) <= n;) {
      const failed = Atomics.load(this.progress, 1);
      if (failed && failed - 1 <= n) throw new BoxError('the box cannot be opened with this key (wrong key, or altered)');
      if (this.failure || Atomics.load(this.progress, 2)) throw this.failure ?? new Error('the box-opening thread stopped early');
      const done = Atomics.load(this.progress, 0);
      // It reports every 1,024 boxes (milliseconds): ten seconds without a word means it is gone.
      if (Atomics.wait(this.progress, 0, done, 1000) === 'timed-out' && ++waited >= 10)
        throw new Error('the box-opening thread made no progress for ten seconds');
    }
    return n * this.width;
  }

  /** Stops the thread, then clears what it opened (it may still be writing until it has stopped). */
  async close(): Promise<void> {
    await this.worker.terminate();
    this.plain.fill(0);
  }
}
