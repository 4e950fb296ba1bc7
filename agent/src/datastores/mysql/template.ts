// Fast data directories. Initialising one runs the server in bootstrap mode over the system-table
// scripts (about a second); copying one made earlier takes a few tens of milliseconds. So the first
// prepare for a set of binaries builds a template once per host, under
// ${cacheDir}/<engine>/<key>/data, and every prepare copies it. The template holds no password and
// no host name: root@localhost authenticates by unix_socket only until prepare says otherwise.
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, realpath, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { assertReachable, ensureOwnedDir, ensureParent, exists } from "../common/host-fs.js";
import { DatastorePreconditionError } from "../errors.js";
import type { InstanceContext } from "./context.js";
import { runCommand } from "./exec.js";

/** Bumped when the template recipe changes in a way the flavor's templateRecipe does not show. */
const RECIPE_VERSION = "1";

const STALE_BUILD_MS = 60 * 60 * 1000;

/** Remembers each server binary's cache key for the life of the agent: --version costs a process. */
const keys = new Map<string, Promise<string>>();

/**
 * Returns the template data directory for the layout's binaries, building it first when missing.
 * Builders work in a private directory and rename it into place, so concurrent prepares (in this
 * agent or in others sharing the cache) never see half a template; the loser discards its copy.
 */
export async function ensureTemplate(ctx: InstanceContext, signal: AbortSignal): Promise<string> {
  const { layout, switchTo, flavor } = ctx;
  const key = await templateKey(ctx);
  const root = join(layout.cacheDir, flavor.engine);
  const finalDir = join(root, key);
  const templateData = join(finalDir, "data");
  if (await exists(join(templateData, "mysql"))) return templateData;

  await mkdir(root, { recursive: true, mode: 0o755 });
  await assertReachable(templateData, switchTo);
  await sweepStaleBuilds(root);
  const build = await mkdtemp(join(root, `.build-${key}-`));
  const started = Date.now();
  try {
    await chmod(build, 0o755);
    const data = join(build, "data");
    await ensureOwnedDir(data, switchTo, 0o700);
    await flavor.initializeDataDir({ binaries: await ctx.binaries(), dataDir: data, account: switchTo, signal });
    await writeFile(join(build, "template.json"), `${JSON.stringify({ key, binDir: layout.binDir, createdAt: new Date().toISOString() })}\n`);
    await runCommand("sync", ["--file-system", build], { account: undefined, signal });
    try {
      await rename(build, finalDir);
      ctx.logger.info({ key, ms: Date.now() - started }, "template data directory built");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err; // else another prepare finished first
    }
  } finally {
    await rm(build, { recursive: true, force: true });
  }
  return templateData;
}

/**
 * Copies the template to the instance's data directory through a sibling staging directory and a
 * rename, so an interrupted copy never looks like an initialised data directory. `dataDir` must be
 * missing or empty (the caller checks), and must not be a mount point itself.
 */
export async function copyTemplate(ctx: InstanceContext, templateData: string, signal: AbortSignal): Promise<void> {
  const { dataDir } = ctx.paths;
  const { switchTo } = ctx;
  const parent = await ensureParent(dataDir);
  const staging = join(parent, `.${basename(dataDir)}.copy-${randomBytes(4).toString("hex")}`);
  try {
    await runCommand("cp", ["-a", "--reflink=auto", templateData, staging], { account: undefined, signal });
    const owner = await stat(staging);
    if (switchTo && (owner.uid !== switchTo.uid || owner.gid !== switchTo.gid)) {
      await runCommand("chown", ["-R", `${switchTo.uid}:${switchTo.gid}`, staging], { account: undefined, signal });
    }
    await chmod(staging, 0o700);
    await rmdir(dataDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    await rename(staging, dataDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Forces the copy and its config files to disk (syncfs of the data directory's file system; much
 * cheaper than fsyncing each file). InnoDB only fsyncs what it writes itself, so without this a host
 * crash soon after prepare could lose system tables the copy left in the page cache.
 */
export async function flushCopy(ctx: InstanceContext, signal: AbortSignal): Promise<void> {
  await runCommand("sync", ["--file-system", ctx.paths.dataDir], { account: undefined, signal });
}

/** What a data directory holds: nothing yet, initialised system tables, or something we must not touch. */
export async function dataDirState(dataDir: string): Promise<"empty" | "initialised" | "foreign"> {
  if (await exists(join(dataDir, "mysql"))) return "initialised";
  const entries = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  return entries.length === 0 ? "empty" : "foreign";
}

/** Throws unless the data directory is initialised; start needs one. */
export async function assertInitialised(ctx: InstanceContext): Promise<void> {
  if ((await dataDirState(ctx.paths.dataDir)) !== "initialised") {
    throw new DatastorePreconditionError(`${ctx.paths.dataDir} is not a ${ctx.flavor.displayName} data directory: prepare the instance first`);
  }
}

function templateKey(ctx: InstanceContext): Promise<string> {
  const { binDir } = ctx.layout;
  const id = `${ctx.flavor.engine}\0${binDir}`;
  let key = keys.get(id);
  if (!key) {
    key = (async () => {
      const { server } = await ctx.binaries();
      // Not the caller's signal: other prepares may share this promise.
      const { stdout } = await runCommand(server, ["--version"], { account: undefined, signal: new AbortController().signal, timeoutMs: 30_000 });
      const hash = createHash("sha256");
      for (const part of [RECIPE_VERSION, ctx.flavor.engine, await realpath(server), stdout.trim(), ...ctx.flavor.templateRecipe]) hash.update(`${part}\n`);
      return hash.digest("hex").slice(0, 16);
    })();
    keys.set(id, key);
    key.catch(() => keys.delete(id)); // retry next time, e.g. after a failed look-up
  }
  return key;
}

/** Removes builds that an agent crash left behind; young ones may belong to a running prepare. */
async function sweepStaleBuilds(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    if (!name.startsWith(".build-")) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_BUILD_MS) await rm(path, { recursive: true, force: true });
  }
}
