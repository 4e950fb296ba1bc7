// What a Redis data directory holds, as prepare and restore see it before they write anything: the
// files of a finished prepare, nothing, what an interrupted prepare or restore left (always ours,
// recognised by name or by redis.conf's header), or files someone else put there.
import { readFile, readdir } from "node:fs/promises";
import { basename } from "node:path";
import { exists } from "../common/host-fs.js";
import type { InstanceContext } from "./context.js";
import { CONFIG_HEADER } from "./settings.js";

/** The files an interrupted prepare may leave before its redis.conf: the agent's secret, the ACL file, the state, temp files. */
function isPrepareLeftover(name: string, ctx: InstanceContext): boolean {
  return [ctx.paths.adminSecret, ctx.paths.aclFile, ctx.paths.configFile, ctx.paths.stateFile].some((path) => basename(path) === name) || name.endsWith(".tmp");
}

/** prepared: marker present; empty: nothing there yet; interrupted: a prepare or restore of ours stopped half-way; foreign: someone else's files. */
export async function dataDirState(ctx: InstanceContext): Promise<"prepared" | "empty" | "interrupted" | "foreign"> {
  const { paths } = ctx;
  if (await exists(paths.preparedMarker)) return "prepared";
  const entries = await readdir(paths.dataDir).catch(() => []);
  if (entries.length === 0) return "empty";
  if (entries.every((name) => isPrepareLeftover(name, ctx))) return "interrupted";
  const config = await readFile(paths.configFile, "utf8").catch(() => "");
  return config.startsWith(`${CONFIG_HEADER}\n`) ? "interrupted" : "foreign";
}
