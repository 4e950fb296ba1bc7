// instance.json: everything the agent needs to run one instance, and what the provider reads
// back to re-adopt it after a restart. Written atomically so a crash never leaves half a file.

import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { RunAs } from "./run-as.js";

/** The contents of `${root}/instance.json`; the agent finds it through HOARD_INSTANCE_CONFIG. */
export interface InstanceConfig {
  instanceId: string;
  engine: string;
  binDir: string;
  host: string;
  port: number;
  volumeKind: "loop" | "directory";
  /**
   * Volume size in GiB as last created or grown (absent in files of older versions). A loop
   * volume's backing file is the truth; a directory volume has no limit and only this number.
   */
  volumeSizeGb?: number;
  root: string;
  dataDir: string;
  runDir: string;
  logDir: string;
  cacheDir: string;
  /** The engine's OS account; null when the engine runs as the agent's own user. */
  runAs: RunAs | null;
  natsUrl: string;
}

/** Reads instance.json; undefined when it is absent or unreadable (a crash before the first write). */
export async function readInstanceConfig(file: string): Promise<InstanceConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as InstanceConfig;
    return typeof parsed.host === "string" && typeof parsed.port === "number" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Writes instance.json through a temp file and rename; skips the write when nothing changed. */
export async function writeInstanceConfig(file: string, config: InstanceConfig): Promise<void> {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const current = await readFile(file, "utf8").catch(() => undefined);
  if (current === text) return;
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o644, flush: true });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
