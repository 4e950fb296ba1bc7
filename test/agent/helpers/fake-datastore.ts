// An in-memory DatastoreManager for the agent's own tests: it records calls, and crash() makes
// the "server" die the way a real one would (probe says CRASHED until someone starts it).
import type { DatastoreManager, InstanceLayout, PrepareSpec, ServiceHealth } from "../../../agent/src/datastores/manager.js";

export class FakeDatastore {
  prepared = false;
  running = false;
  crashed = false;
  prepareCalls = 0;
  startCalls = 0;
  stopCalls = 0;
  restartCalls = 0;
  specs: PrepareSpec[] = [];
  layouts: InstanceLayout[] = [];
  prepareDelayMs = 100;
  /** When set, prepare fails with this message (once per value; cleared after throwing). */
  failNextPrepare: string | undefined;
  volumeBytes = 12_345;

  /** The server process dies. */
  crash(): void {
    this.running = false;
    this.crashed = true;
  }

  /** The factory the agent is given. */
  readonly factory = (layout: InstanceLayout): DatastoreManager => {
    this.layouts.push(layout);
    return this.manager;
  };

  readonly manager: DatastoreManager = {
    isPrepared: async () => this.prepared,
    prepare: async (spec, signal) => {
      this.prepareCalls++;
      this.specs.push(spec);
      await sleep(this.prepareDelayMs, signal);
      const failure = this.failNextPrepare;
      if (failure !== undefined) {
        this.failNextPrepare = undefined;
        throw new Error(failure);
      }
      this.prepared = true;
      this.running = true;
      this.crashed = false;
    },
    start: async () => {
      this.startCalls++;
      this.running = true;
      this.crashed = false;
    },
    stop: async () => {
      this.stopCalls++;
      this.running = false;
      this.crashed = false;
    },
    restart: async () => {
      this.restartCalls++;
      this.running = true;
      this.crashed = false;
    },
    probe: async (): Promise<ServiceHealth> => {
      if (this.running) return { state: "HEALTHY" };
      if (this.crashed) return { state: "CRASHED", detail: "postmaster is gone" };
      return { state: "SHUTDOWN" };
    },
    volumeUsedBytes: async () => this.volumeBytes,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    });
  });
}
