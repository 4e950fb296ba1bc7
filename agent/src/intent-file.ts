// Remembers across agent restarts that the server was stopped on request, so an agent coming back
// after a crash or a host reboot restarts a server that should run and leaves a stopped one alone.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Desired } from "./status.js";

/** Where the desired state of the server is kept between agent runs. */
export interface IntentStore {
  load(): Promise<Desired>;
  save(desired: Desired): Promise<void>;
}

/**
 * Keeps the intent as a marker file (present = stopped) in the instance root: not the run
 * directory, which may be a tmpfs a reboot empties, and not the volume, which belongs to the engine.
 */
export function createIntentFile(dir: string): IntentStore {
  const marker = path.join(dir, "agent-server-stopped");
  return {
    async load() {
      return existsSync(marker) ? "stopped" : "running";
    },
    async save(desired) {
      if (desired === "running") {
        await rm(marker, { force: true });
        return;
      }
      await mkdir(dir, { recursive: true });
      await writeFile(marker, `stopped on request at ${new Date().toISOString()}\n`, { flush: true });
    },
  };
}
