// Fast data directories. initdb takes about half a second; copying a data directory it made earlier
// takes a tenth of that. So the first prepare for a set of binaries builds a template with initdb,
// once per host, under ${cacheDir}/postgresql/<key>/data, and every prepare copies it. The template
// holds no password (the superuser gets the instance's own one after the first start) and the
// same locale and encoding for everyone: C.UTF-8 and UTF8, with data checksums on.
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, open, readdir, realpath, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { assertReachable, ensureOwnedDir, ensureParent, exists } from "../common/host-fs.js";
import { DatastorePreconditionError } from "../errors.js";
import { INCLUDE_LINE } from "./config-files.js";
import type { InstanceContext } from "./context.js";
import { runCommand } from "./exec.js";
import { ADMIN_ROLE } from "./paths.js";

/** initdb options of the template; part of the cache key, so changing them builds a new template. */
const INITDB_OPTIONS = [
  `--username=${ADMIN_ROLE}`,
  "--encoding=UTF8",
  "--locale=C.UTF-8",
  "--auth-local=peer",
  "--auth-host=scram-sha-256",
  "--data-checksums",
  "--no-instructions",
];

/** Bumped when the template recipe changes in a way INITDB_OPTIONS does not show. */
const RECIPE_VERSION = "1";

const STALE_BUILD_MS = 60 * 60 * 1000;

/** Remembers each binDir's cache key for the life of the agent: initdb --version costs a process. */
const keys = new Map<string, Promise<string>>();

/**
 * Returns the template data directory for the layout's binaries, building it first when missing.
 * Builders work in a private directory and rename it into place, so concurrent prepares (in this
 * agent or in others sharing the cache) never see half a template; the loser discards its copy.
 */
export async function ensureTemplate(ctx: InstanceContext, signal: AbortSignal): Promise<string> {
  const { layout, switchTo } = ctx;
  const key = await templateKey(ctx);
  const root = join(layout.cacheDir, "postgresql");
  const finalDir = join(root, key);
  const templateData = join(finalDir, "data");
  if (await exists(join(templateData, "PG_VERSION"))) return templateData;

  await mkdir(root, { recursive: true, mode: 0o755 });
  await assertReachable(templateData, switchTo);
  await sweepStaleBuilds(root);
  const build = await mkdtemp(join(root, `.build-${key}-`));
  const started = Date.now();
  try {
    await chmod(build, 0o755);
    const data = join(build, "data");
    await ensureOwnedDir(data, switchTo, 0o700);
    await runCommand(ctx.paths.bin("initdb"), ["--pgdata", data, ...INITDB_OPTIONS], {
      account: switchTo,
      signal,
      label: "initdb",
    });
    await appendDurably(join(data, "postgresql.conf"), `\n# Hoard: settings derived from the flavor and layout.\n${INCLUDE_LINE}\n`);
    await writeFile(
      join(build, "template.json"),
      `${JSON.stringify({ key, binDir: layout.binDir, createdAt: new Date().toISOString() })}\n`,
    );
    try {
      await rename(build, finalDir);
      ctx.logger.info({ key, ms: Date.now() - started }, "postgresql template built");
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
 * cheaper than fsyncing each file). PostgreSQL only fsyncs what it writes itself, so without this a
 * host crash in the first half minute could lose catalog files the copy left in the page cache.
 */
export async function flushCopy(ctx: InstanceContext, signal: AbortSignal): Promise<void> {
  await runCommand("sync", ["--file-system", ctx.paths.dataDir], { account: undefined, signal });
}

/** What a data directory holds: nothing yet, an initialised cluster, or something we must not touch. */
export async function dataDirState(dataDir: string): Promise<"empty" | "initialised" | "foreign"> {
  if (await exists(join(dataDir, "PG_VERSION"))) return "initialised";
  const entries = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  return entries.length === 0 ? "empty" : "foreign";
}

/** Throws unless the data directory is initialised; start and stop need one. */
export async function assertInitialised(dataDir: string): Promise<void> {
  if ((await dataDirState(dataDir)) !== "initialised") {
    throw new DatastorePreconditionError(`${dataDir} is not a PostgreSQL data directory: prepare the instance first`);
  }
}

function templateKey(ctx: InstanceContext): Promise<string> {
  const { binDir } = ctx.layout;
  let key = keys.get(binDir);
  if (!key) {
    key = (async () => {
      // Not the caller's signal: other prepares may share this promise.
      const { stdout } = await runCommand(ctx.paths.bin("initdb"), ["--version"], {
        account: undefined,
        signal: new AbortController().signal,
      });
      const hash = createHash("sha256");
      for (const part of [RECIPE_VERSION, await realpath(binDir), stdout.trim(), ...INITDB_OPTIONS]) hash.update(`${part}\n`);
      return hash.digest("hex").slice(0, 16);
    })();
    keys.set(binDir, key);
    key.catch(() => keys.delete(binDir)); // retry next time, e.g. after an abort
  }
  return key;
}

async function appendDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, "a");
  try {
    await handle.appendFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
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
