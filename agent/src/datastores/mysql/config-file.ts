// The files the agent writes for the server: the instance's option file (my.cnf, beside the data
// directory) and, when the agent logs in by password, the admin client option file and the
// one-shot init file that gives a fresh copy the admin password.
import { rm } from "node:fs/promises";
import { ensureParent } from "../common/host-fs.js";
import type { PrepareSpec } from "../manager.js";
import { renderAdminOptionFile } from "./client.js";
import type { InstanceContext } from "./context.js";
import { writeOwnedFile } from "./owned-file.js";
import { deriveLogSettings, deriveMemorySettings, deriveServerSettings, renderOptionFile } from "./settings.js";

/** The whole option file of an instance: shared settings, then the flavor's own. */
export function renderInstanceOptionFile(ctx: InstanceContext, spec: Pick<PrepareSpec, "ramMb" | "vcpus">, basedir: string): string {
  return renderOptionFile([
    ...deriveServerSettings(ctx.layout, ctx.paths, basedir),
    ...deriveMemorySettings(spec.ramMb, spec.vcpus),
    ...deriveLogSettings(ctx.paths),
    ...ctx.flavor.settings(spec.ramMb, spec.vcpus),
  ]);
}

/**
 * Writes my.cnf, owned by the agent and only readable by the server's account, so that not even a
 * root user with FILE privileges can change how the server starts. Returns whether it changed
 * (a running server must then restart). `durable: false` for a fresh copy synced as a whole.
 */
export async function writeOptionFile(ctx: InstanceContext, spec: Pick<PrepareSpec, "ramMb" | "vcpus">, durable: boolean): Promise<boolean> {
  const { basedir } = await ctx.binaries();
  await ensureParent(ctx.paths.optionFile);
  return writeOwnedFile(ctx.paths.optionFile, renderInstanceOptionFile(ctx, spec, basedir), undefined, { mode: 0o644, durable });
}

/**
 * Password mode only: the client option file the agent logs in with (0600, the agent's), and for a
 * fresh copy the init file that sets root@localhost's password hash at its first start (0600, the
 * server's; removed by removeInitFile once the server is up).
 */
export async function writeAdminCredentials(ctx: InstanceContext, adminPassword: string, fresh: boolean): Promise<void> {
  if (ctx.adminAuth !== "password") return;
  await writeOwnedFile(ctx.paths.adminOptionFile, renderAdminOptionFile(ctx.paths.socketPath, adminPassword), undefined, { mode: 0o600 });
  if (fresh) await writeOwnedFile(ctx.paths.initFile, `${ctx.flavor.adminPasswordStatement(adminPassword)}\n`, ctx.switchTo, { mode: 0o600 });
}

/** The init file holds a password hash: gone as soon as the start that needed it is over. */
export async function removeInitFile(ctx: InstanceContext): Promise<void> {
  await rm(ctx.paths.initFile, { force: true });
}
