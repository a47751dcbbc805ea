// Opens a wave's response boxes in a thread of its own, in the order sealing writes them, while the
// main thread reads the comments and writes the rows (`box-opening.ts`, issue 14). Plain
// JavaScript, so that it starts without the TypeScript loader (tens of milliseconds, not hundreds);
// it knows of the box format only what it is sent (`BOX_LAYOUT` in boxes.ts).
import { parentPort } from 'node:worker_threads';
import sodium from 'sodium-native';

parentPort.on('message', (job) => {
  const { layout, width, count, start, school, order } = job;
  const boxes = Buffer.from(job.data);
  const out = Buffer.from(job.plain);
  const progress = new Int32Array(job.progress);
  const key = Buffer.from(job.key);
  const contexts = job.contexts.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  const box = Buffer.alloc(layout.boxLength);
  const nonce = box.subarray(layout.nonceAt, layout.nonceAt + layout.nonceLength);
  const sealed = box.subarray(layout.sealedAt);
  const plain = Buffer.alloc(width);
  let n = 0;
  try {
    for (; n < order.length; n++) {
      const i = order[n];
      // Rows past the boxes are plaintext rows of a wave opened before encryption: nothing to open.
      if (i >= count) continue;
      boxes.copy(box, 0, start[i], start[i] + layout.boxLength);
      if (box[0] !== layout.version) throw new Error('not a box');
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plain, null, sealed, contexts[school[i]], nonce, key);
      plain.copy(out, n * width);
      if ((n & 1023) === 1023) {
        Atomics.store(progress, 0, n + 1);
        Atomics.notify(progress, 0);
      }
    }
  } catch {
    // The box at write position n does not open: the main thread refuses it when it gets there.
    Atomics.store(progress, 1, n + 1);
  }
  key.fill(0);
  plain.fill(0);
  Atomics.store(progress, 0, n);
  Atomics.store(progress, 2, 1);
  Atomics.notify(progress, 0);
});
