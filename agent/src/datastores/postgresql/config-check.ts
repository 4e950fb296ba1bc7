// Checks the configuration files the way the postmaster reads them at start, before a running
// server is asked to reload them. A reload shrugs off a bad value (it logs and keeps the old one),
// but the next start would refuse the whole file: an instance that reloads fine today and never
// starts again. `postgres -C` parses every file as a start does and exits, in some 40 ms, and may
// run beside a running server.
import { readFile } from "node:fs/promises";
import { writeOwnedFile } from "../common/owned-file.js";
import { DatastoreEngineError, DatastoreSpecError } from "../errors.js";
import type { ServerSettings } from "../manager.js";
import { writeConfigFiles, type ConfigChanges } from "./config-files.js";
import type { InstanceContext } from "./context.js";
import { runCommand } from "./exec.js";
import type { LogSwitches } from "./log-switches.js";

/**
 * writeConfigFiles, then, when hoard.conf changed, checks it; a file PostgreSQL would refuse is
 * put back as it was and reported as a DatastoreSpecError naming the offending setting.
 */
export async function writeCheckedConfigFiles(
  ctx: InstanceContext,
  settings: ServerSettings,
  switches: LogSwitches,
  signal: AbortSignal,
): Promise<ConfigChanges> {
  const previous = await readFile(ctx.paths.hoardConf, "utf8").catch(() => undefined);
  const changes = await writeConfigFiles(ctx, settings, switches, true);
  if (!changes.settings) return changes;
  try {
    await checkConfigFiles(ctx, signal);
  } catch (err) {
    if (previous !== undefined) await writeOwnedFile(ctx.paths.hoardConf, previous, ctx.switchTo);
    throw err;
  }
  return changes;
}

/** Runs `postgres -C port` over the data directory; throws DatastoreSpecError with PostgreSQL's complaint. */
export async function checkConfigFiles(ctx: InstanceContext, signal: AbortSignal): Promise<void> {
  try {
    await runCommand(ctx.paths.bin("postgres"), ["-D", ctx.paths.dataDir, "-C", "port"], {
      account: ctx.switchTo,
      signal,
      label: "postgres -C",
    });
  } catch (err) {
    if (!(err instanceof DatastoreEngineError)) throw err;
    // "LOG:  invalid value for parameter "work_mem": "lots"", then "FATAL:  configuration file ... contains errors"
    const lines = err.detail.split("\n").map((line) => line.replace(/^.*?\b(LOG|FATAL|ERROR|DETAIL|HINT):\s+/, ""));
    const reason = lines.find((line) => /parameter|syntax error/.test(line)) ?? lines.find((line) => line.trim() !== "") ?? err.message;
    throw new DatastoreSpecError(`PostgreSQL refuses the configuration: ${reason.trim()}`, { cause: err });
  }
}
