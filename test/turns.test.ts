import { describe, expect, it } from 'vitest';
import { turns } from '../server/platform/turns.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('turns', () => {
  it('runs work one at a time, in the order it arrived, however its steps interleave', async () => {
    const inTurn = turns();
    const log: string[] = [];
    const job = (name: string) =>
      inTurn(async () => {
        log.push(`${name} start`);
        await tick();
        await Promise.resolve();
        log.push(`${name} end`);
        return name;
      });
    const done = await Promise.all(['a', 'b', 'c'].map(job));
    expect(done).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('lets `limit` turns run at once and no more', async () => {
    const inTurn = turns(2);
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 7 }, () =>
        inTurn(async () => {
          most = Math.max(most, ++running);
          await tick();
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('passes the turn on when work fails, and the failure to its caller', async () => {
    const inTurn = turns();
    const failing = inTurn(() => {
      throw new Error('no page');
    });
    const next = inTurn(() => 'served');
    await expect(failing).rejects.toThrow('no page');
    await expect(next).resolves.toBe('served');
    // and the turn is free again afterwards
    await expect(inTurn(async () => 'again')).resolves.toBe('again');
  });
});
