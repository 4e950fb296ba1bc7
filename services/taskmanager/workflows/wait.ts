// Polling with a deadline: every wait in a workflow ends, either with a value or with a fault.

/** Calls `probe` every `intervalMs` until it returns a value (not undefined) or `signal` fires. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  options: { intervalMs: number; signal: AbortSignal; what: string; timeoutMs?: number },
): Promise<T> {
  const limit = options.timeoutMs ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : options.signal;
  let lastError: unknown;
  for (;;) {
    if (limit.aborted) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`gave up waiting for ${options.what}${why}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(options.intervalMs, limit);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
