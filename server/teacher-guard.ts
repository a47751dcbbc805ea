/**
 * Limits failed code entries per client, in memory only and never logged (design §3). Only
 * failures count: a whole staff meeting behind one school NAT submits valid codes unhindered,
 * while guessing a 65-bit code stays hopeless. (`@fastify/rate-limit` counts every request, which
 * would lock out such a meeting.) The client address is used as a map key and nothing else.
 */
export class FailedCodeGuard {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(client: string): boolean {
    const entry = this.failures.get(client);
    if (!entry) return false;
    if (entry.resetAt <= this.now()) {
      this.failures.delete(client);
      return false;
    }
    return entry.count >= this.maxFailures;
  }

  recordFailure(client: string): void {
    const now = this.now();
    const entry = this.failures.get(client);
    if (!entry || entry.resetAt <= now) this.failures.set(client, { count: 1, resetAt: now + this.windowMs });
    else entry.count += 1;
    if (this.failures.size > 100_000) this.sweep(now);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
  }
}
