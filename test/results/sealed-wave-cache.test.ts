import { describe, expect, it } from 'vitest';
import { SealedWaveCache } from '../../server/results/sealed-wave-cache.ts';

/** The one cache of values computed from sealed waves (results, quality reports): no store needed. */
describe('SealedWaveCache', () => {
  it('computes a wave once, also for requests that arrive while it is computed', async () => {
    const cache = new SealedWaveCache<number>({ entries: 4 });
    let computed = 0;
    const compute = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 5));
      return 1;
    };
    const [a, b] = await Promise.all([cache.get('w1', compute), cache.get('w1', compute)]);
    expect(a).toBe(b);
    await cache.get('w1', compute);
    expect(computed).toBe(1);
  });

  it('is bounded, least recently used out, and forgets a failure', async () => {
    const cache = new SealedWaveCache<number>({ entries: 2 });
    await cache.get('w1', async () => 1);
    await cache.get('w2', async () => 2);
    await cache.get('w1', async () => 9); // w1 used again: w2 is now the oldest
    await cache.get('w3', async () => 3);
    expect(cache.size).toBe(2);
    expect(await cache.get('w1', async () => 99)).toBe(1);
    expect(await cache.get('w2', async () => 22)).toBe(22);
    await expect(cache.get('w4', () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    expect(await cache.get('w4', async () => 4)).toBe(4);
  });

  it('is bounded by weight too, keeping the value just computed even when alone it is over', async () => {
    const cache = new SealedWaveCache<number>({ entries: 10, weight: 100 }, (v) => v);
    await cache.get('a', async () => 60);
    await cache.get('b', async () => 30);
    await cache.get('c', async () => 20); // 110 > 100: a goes
    expect(await cache.get('a', async () => 61)).toBe(61); // recomputed; now b goes (30 + 20 + 61 > 100)
    expect(await cache.get('c', async () => 21)).toBe(20);
    expect(await cache.get('huge', async () => 500)).toBe(500);
    expect(cache.size).toBe(1);
  });

  it('shares a value that may not be kept while it is computed, and computes it again afterwards', async () => {
    const cache = new SealedWaveCache<{ sealed: boolean }>({ entries: 4 });
    let computed = 0;
    const open = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 5));
      return { sealed: false };
    };
    await Promise.all([cache.get('w', open, (v) => v.sealed), cache.get('w', open, (v) => v.sealed)]);
    expect(computed).toBe(1);
    await cache.get('w', open, (v) => v.sealed);
    expect(computed).toBe(2);
  });

  it('keeps a value still being computed when the bound is reached, so its waiters share it', async () => {
    const cache = new SealedWaveCache<number>({ entries: 1 });
    let slow = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pending = cache.get('slow', async () => {
      slow++;
      await gate;
      return 1;
    });
    await cache.get('fast', async () => 2); // over the bound, but 'slow' is still being computed
    const again = cache.get('slow', async () => ++slow);
    release();
    expect(await pending).toBe(1);
    expect(await again).toBe(1);
    expect(slow).toBe(1);
  });

  it('forgets everything at once, as a restart would', async () => {
    const one = new SealedWaveCache<number>({ entries: 4 });
    const two = new SealedWaveCache<number>({ entries: 4 });
    await one.get('w', async () => 1);
    await two.get('w', async () => 2);
    SealedWaveCache.forgetAll();
    expect([one.size, two.size]).toEqual([0, 0]);
  });
});
