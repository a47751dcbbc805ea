/**
 * Work that only needs this thread, done a few at a time in the order it arrived. Fifty requests
 * whose reads came back together would otherwise make their numbers, view-models and pages
 * interleaved at every `await`, all alive at once: each young-generation collection then copies
 * and promotes what fifty half-made pages hold (issue 17). In turns, what is alive is one page's.
 * The work must not wait for I/O, or every request behind it waits too.
 */
export function turns(limit = 1): <T>(work: () => T | Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (running < limit) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The turn passes straight to the next in line; `running` counts turns, not who holds them.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
