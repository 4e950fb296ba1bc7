// Async mutexes: one for address allocation (so concurrent ensure() calls never pick the same
// address) and one per instance id (so ensure and destroy of one instance never interleave).

/** Runs callbacks one at a time, in call order. */
export interface Mutex {
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** A mutex whose lock is scoped to a key; unrelated keys run concurrently. */
export interface KeyedMutex {
  runExclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** Creates a FIFO async mutex. */
export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    runExclusive<T>(fn: () => Promise<T>): Promise<T> {
      const result = tail.then(fn, fn);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}

/** Creates a keyed mutex that forgets a key once nobody waits on it. */
export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<unknown>>();
  return {
    runExclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(fn, fn);
      const settled = result.catch(() => undefined);
      tails.set(key, settled);
      void settled.then(() => {
        if (tails.get(key) === settled) tails.delete(key);
      });
      return result;
    },
  };
}
