/**
 * What is computed from a sealed wave — its results, its instrument quality report — by wave id,
 * most recently used last. A sealed wave never changes, so each value is computed once per process;
 * a request arriving while it is computed waits for the same computation (fifty reps opening their
 * dashboards as a wave is released once each computed the whole network wave: 55 s for the last,
 * issue 17); a failure is not remembered, so the next request tries again. Bounded by entries and by
 * a weight (a wave's results grow with its schools), so a long-running process does not keep every
 * wave ever opened. The one cache of this kind: every instance is emptied by `forgetSealedWaves`.
 */
interface Entry<T> {
  value: Promise<T>;
  weight: number;
  settled: boolean;
  /** the value once computed and kept */
  kept?: T;
}

export class SealedWaveCache<T> {
  static readonly #all = new Set<{ clear(): void }>();
  readonly #kept = new Map<string, Entry<T>>();

  constructor(
    private readonly limits: { entries: number; weight?: number },
    private readonly weigh: (value: T) => number = () => 1,
  ) {
    SealedWaveCache.#all.add(this);
  }

  get size(): number {
    return this.#kept.size;
  }

  /**
   * The wave's value, computed by `compute` unless kept or being computed. `keep` says whether a
   * computed value may be kept (a wave's results are computed for open waves too, and change).
   */
  get(waveId: string, compute: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const hit = this.#kept.get(waveId);
    if (hit) {
      this.#kept.delete(waveId);
      this.#kept.set(waveId, hit);
      return hit.value;
    }
    const entry: Entry<T> = { value: compute(), weight: 0, settled: false };
    this.#kept.set(waveId, entry);
    const drop = () => {
      if (this.#kept.get(waveId) === entry) this.#kept.delete(waveId);
    };
    entry.value.then((value) => {
      if (!keep(value)) return drop();
      entry.weight = this.weigh(value);
      entry.settled = true;
      entry.kept = value;
      this.#evict(entry);
    }, drop);
    return entry.value;
  }

  /**
   * Least recently used out until within the limits. The value just computed stays even if alone it
   * is over them, and values still being computed stay (others are waiting for them).
   */
  #evict(newest: Entry<T>): void {
    let weight = 0;
    for (const e of this.#kept.values()) weight += e.weight;
    for (const [id, e] of this.#kept) {
      if (this.#kept.size <= this.limits.entries && weight <= (this.limits.weight ?? Infinity)) break;
      if (e === newest || !e.settled) continue;
      this.#kept.delete(id);
      weight -= e.weight;
    }
  }

  /** The wave's value if it is computed and kept, without computing it or waiting: undefined otherwise. */
  peek(waveId: string): T | undefined {
    return this.#kept.get(waveId)?.kept;
  }

  clear(): void {
    this.#kept.clear();
  }

  /** Empties every cache of sealed waves, as a restart would (tests prove outputs do not depend on them). */
  static forgetAll(): void {
    for (const cache of SealedWaveCache.#all) cache.clear();
  }
}
