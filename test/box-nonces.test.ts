/**
 * Every box gets a nonce of its own (issue 14): nonces come from a pool refilled by the system's
 * generator, so a pool taken twice, or not refilled when spent, would repeat one — and with
 * XChaCha20-Poly1305 one repeated nonce under one key gives away both plaintexts' difference.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { BOX_OVERHEAD, open, seal } from '../server/encryption/boxes.ts';

describe('box nonces', () => {
  it('never repeat across many pools, and every box still opens', () => {
    const key = randomBytes(32);
    const label = {
      kind: 'response',
      waveId: '0f8e0000-0000-4000-8000-000000000009',
      schoolId: '11111111-2222-4333-8444-555555555555',
    } as const;
    const boxes = Array.from({ length: 2000 }, (_, i) => seal(key, label, Buffer.from([i & 0xff, i >> 8])));
    const nonces = boxes.map((b) => b.toString('hex', 1, 25));
    expect(new Set(nonces).size).toBe(boxes.length);
    expect(nonces).not.toContain('00'.repeat(24));
    boxes.forEach((b, i) => expect([...open(key, label, b)]).toEqual([i & 0xff, i >> 8]));
    expect(boxes[0]!.length).toBe(BOX_OVERHEAD + 2);
  });
});
