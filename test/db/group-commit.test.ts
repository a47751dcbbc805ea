/**
 * The group commit's own rules (issue 14), with a stand-in for the statement: what goes together,
 * how many statements run at once, and which failures are tried again write by write. (Stored
 * submissions and audit entries are tested against the databases in their own files.)
 */
import { describe, expect, it } from 'vitest';
import { GroupCommit, isSqlError } from '../../server/db/group-commit.ts';

/** A statement stand-in: records each batch; `fail` decides a batch's error, `hold` keeps it waiting. */
function statements(options: { fail?: (batch: number[]) => Error | null; hold?: (batch: number[]) => Promise<void> } = {}) {
  const batches: number[][] = [];
  const write = async (batch: number[]) => {
    batches.push(batch);
    await options.hold?.(batch);
    const err = options.fail?.(batch);
    if (err) throw err;
    return batch.map((x) => x * 10);
  };
  return { batches, write };
}

const sqlError = (code: string) => Object.assign(new Error(`sql ${code}`), { code });

describe('group commit', () => {
  it('sends writes made in one turn together, each answered with its own result', async () => {
    const s = statements();
    const group = new GroupCommit(s.write, { max: 100, inFlight: 1 });
    expect(await Promise.all([1, 2, 3].map((x) => group.add(x)))).toEqual([10, 20, 30]);
    expect(s.batches).toEqual([[1, 2, 3]]);
  });

  it('keeps at most `max` writes a statement, and at most `inFlight` statements on their way', async () => {
    let running = 0;
    let most = 0;
    const s = statements({
      hold: async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      },
    });
    const group = new GroupCommit(s.write, { max: 3, inFlight: 2 });
    const all = Array.from({ length: 10 }, (_, i) => i);
    expect(await Promise.all(all.map((x) => group.add(x)))).toEqual(all.map((x) => x * 10));
    expect(Math.max(...s.batches.map((b) => b.length))).toBe(3);
    expect(s.batches.flat().sort((a, b) => a - b)).toEqual(all);
    expect(most).toBe(2);
  });

  it('lets the writes behind a statement that waits go on in another', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const s = statements({ hold: (batch) => (batch.includes(0) ? held : Promise.resolve()) });
    const group = new GroupCommit(s.write, { max: 100, inFlight: 2 });
    let first = false;
    const waiting = group.add(0).then((out) => ((first = true), out));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await Promise.all([1, 2, 3].map((x) => group.add(x)))).toEqual([10, 20, 30]);
    expect(first).toBe(false);
    release();
    expect(await waiting).toBe(0);
  });

  it('after an error of SQL tries each write of the batch alone, one after another: a failure stays its own', async () => {
    let concurrent = 0;
    let most = 0;
    const s = statements({
      hold: async () => {
        most = Math.max(most, ++concurrent);
        await Promise.resolve();
        concurrent--;
      },
      fail: (batch) => (batch.includes(2) ? sqlError('23505') : null),
    });
    const group = new GroupCommit(s.write, { max: 100, inFlight: 4 });
    const results = await Promise.allSettled([1, 2, 3].map((x) => group.add(x)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 'sql 23505', 30]);
    expect(s.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
    expect(most).toBe(1);
  });

  it('after a lost connection tries nothing again (it may have committed): every write of the batch gets the error', async () => {
    for (const err of [new Error('Connection terminated unexpectedly'), sqlError('08006'), sqlError('57P01')]) {
      const s = statements({ fail: () => err });
      const group = new GroupCommit(s.write, { max: 100, inFlight: 1 });
      const results = await Promise.allSettled([1, 2].map((x) => group.add(x)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(s.batches).toEqual([[1, 2]]);
    }
  });

  it('does not send a lone write twice', async () => {
    const s = statements({ fail: () => sqlError('23505') });
    const group = new GroupCommit(s.write, { max: 100, inFlight: 1 });
    await expect(group.add(1)).rejects.toThrow('sql 23505');
    expect(s.batches).toEqual([[1]]);
  });

  it('tells errors of SQL from errors of the connection', () => {
    expect([sqlError('23505'), sqlError('40P01'), sqlError('22P02')].map(isSqlError)).toEqual([true, true, true]);
    expect([sqlError('08006'), sqlError('57P01'), new Error('x'), null, { code: 42 }].map(isSqlError)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
