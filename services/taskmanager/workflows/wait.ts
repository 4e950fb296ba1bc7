// Polling with a deadline: every wait in a workflow ends, either with a value or with a fault.

export interface WaitOptions {
  /** Pause between probes once the first second is over. */
  intervalMs: number;
  /**
   * Pause between probes during the first second (default intervalMs): what is waited for often
   * comes within it, and a probe that fails at once (no responder yet) costs next to nothing.
   */
  startIntervalMs?: number;
  signal: AbortSignal;
  what: string;
  timeoutMs?: number;
}

const START_PERIOD_MS = 1000;

/** Calls `probe` every `intervalMs` until it returns a value (not undefined) or `signal` fires. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  // A timer and a controller, not AbortSignal.timeout: inside AbortSignal.any, Node 20 may
  // garbage-collect a timeout signal before it fires (nodejs/node#57736).
  const timeout = new AbortController();
  const timer = options.timeoutMs ? setTimeout(() => timeout.abort(), options.timeoutMs) : undefined;
  const limit = AbortSignal.any([options.signal, timeout.signal]);
  try {
    return await poll(probe, options, limit);
  } finally {
    clearTimeout(timer);
  }
}

async function poll<T>(probe: () => Promise<T | undefined>, options: WaitOptions, limit: AbortSignal): Promise<T> {
  const started = performance.now();
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
    const early = performance.now() - started < START_PERIOD_MS;
    await sleep(early ? (options.startIntervalMs ?? options.intervalMs) : options.intervalMs, limit);
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
