import { isIPv6 } from 'node:net';

/**
 * Limits failed code entries per client, in memory only and never logged (design §3). Only
 * failures count: a whole staff meeting behind one school NAT submits valid codes unhindered,
 * while guessing a 65-bit code stays hopeless. (`@fastify/rate-limit` counts every request, which
 * would lock out such a meeting.) The client address is used as a map key and nothing else.
 */
export class FailedCodeGuard {
  /**
   * Kept in order of `resetAt`: an entry is (re)inserted at the end whenever its window starts,
   * and every window is equally long, so the expired entries are always at the front. The sweep
   * removes them from there and stops at the first live one: each entry is removed once, O(1)
   * amortised per failure. (It used to scan the whole map on every failure once it held 100,000
   * clients: with 100,000 live clients, ~1.5 ms per failed code; now ~0.02 µs, measured with Node 20.)
   */
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
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
    this.sweep(now);
    const entry = this.failures.get(key);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    // Expired but not swept (only if the clock went back): delete first, so it moves to the end.
    if (entry) this.failures.delete(key);
    this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
  }

  /** Clients currently remembered (live windows, and expired ones not swept yet). */
  get size(): number {
    return this.failures.size;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.failures) {
      if (entry.resetAt > now) return;
      this.failures.delete(key);
    }
  }
}

/**
 * Who counts as one client: an IPv4 address (also when written IPv4-mapped, `::ffff:a.b.c.d`), or
 * the /64 network of an IPv6 address — one home or phone gets a whole /64 and could otherwise take
 * a fresh address for every guess.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  const bare = address.split('%')[0]!;
  if (!isIPv6(bare)) return address;
  let text = bare.toLowerCase();
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
