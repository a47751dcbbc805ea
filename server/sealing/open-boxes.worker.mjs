// Opens a wave's response boxes in a thread of its own, in the order sealing writes them, while the
// main thread reads the comments and writes the rows (`box-opening.ts`, issue 14). Plain
// JavaScript, so that it starts without the TypeScript loader (tens of milliseconds, not hundreds);
// it knows of the box format only what it is sent (`BOX_LAYOUT` in boxes.ts).
import { parentPort } from 'node:worker_threads';
import sodium from 'sodium-native';

parentPort.on('message', (job) => {
  const progress = new Int32Array(job.progress);
  try {
    open(job, progress);
  } finally {
    // Whatever happened, the main thread stops waiting (it waits blocked and cannot hear of an error).
    job.key.fill(0);
    Atomics.store(progress, 2, 1);
    Atomics.notify(progress, 0);
  }
});

function open(job, progress) {
  const { layout, width, count, start, school, order } = job;
  const boxes = Buffer.from(job.data);
  const out = Buffer.from(job.plain);
  const key = Buffer.from(job.key.buffer, job.key.byteOffset, job.key.byteLength);
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
  plain.fill(0);
  box.fill(0);
  Atomics.store(progress, 0, n);
}
