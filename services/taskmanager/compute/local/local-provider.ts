// The `local` compute provider: an instance is a directory under $HOARD_HOME/instances/<id> with
// a volume (loop-mounted ext4 as root, else a plain directory), its own address, and a detached
// guest agent. Everything it does is checked before it is done, so ensure() and destroy() can be
// repeated after a crash at any point, and instances survive a control plane restart.

import { chmod, chown, mkdir, readdir, realpath, rm, stat } from "node:fs/promises";
import type { Logger } from "pino";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../../platform/errors.js";
import type { ComputeProvider, ComputeRef, ComputeState, InstanceSpec, ResizeSpec } from "../provider.js";
import { createAddressAllocator, type Address } from "./address-allocator.js";
import { findAgent, startAgent, stopAgent } from "./agent-process.js";
import { DestroyIncompleteError, InvalidInstanceSpecError, VolumeShrinkError } from "./errors.js";
import { deleteFirewallTable } from "./firewall.js";
import { readInstanceConfig, writeInstanceConfig, type InstanceConfig } from "./instance-config.js";
import { assertInstanceId, instancePaths, isValidInstanceId, type InstancePaths } from "./instance-paths.js";
import { canGrowOnline, ensureLoopVolume, growLoopVolume, growLoopVolumeOffline, releaseLoopVolume } from "./loop-volume.js";
import { createKeyedMutex, createMutex } from "./mutex.js";
import { resolveOptions, type LocalProviderOptions } from "./options.js";
import { findProcessesUsing, findSessionMembers, killProcessesUsing, killSession } from "./process-reaper.js";
import { ensureAccount, instanceAccountName, removeAccount, resolveRunAs, untraversableBy, type RunAs } from "./run-as.js";

/** Creates the local provider; throws at once on options that can never work. */
interface PrepareContext {
  log: Logger;
  paths: InstancePaths;
  cacheDir: string;
  existing: InstanceConfig | undefined;
  accountReady: Promise<RunAs | null>;
}

export function createLocalProvider(options: LocalProviderOptions): ComputeProvider {
  const opts = resolveOptions(options);
  const logger = options.logger.child({ component: "compute-local" });
  const perInstance = createKeyedMutex();
  const accounts = createMutex(); // useradd/userdel lock /etc/passwd: one at a time
  // Node reads NODE_EXTRA_CA_CERTS at every start (tens of ms); an agent only needs CAs for a TLS NATS.
  const agentUnsetEnv = /^(tls|wss):/i.test(opts.natsUrl) ? [] : ["NODE_EXTRA_CA_CERTS"];
  let runAs: Promise<RunAs | null> | undefined;
  let home: Promise<{ instancesDir: string; cacheDir: string }> | undefined;

  // The canonical home, so paths compare equal to what /proc/self/mounts reports.
  const layout = (): Promise<{ instancesDir: string; cacheDir: string }> =>
    (home ??= (async () => {
      await mkdir(opts.instancesDir, { recursive: true });
      await mkdir(opts.cacheDir, { recursive: true });
      const real = await realpath(opts.home);
      return { instancesDir: `${real}/instances`, cacheDir: `${real}/cache` };
    })().catch((err: unknown) => {
      home = undefined;
      throw err;
    }));

  const engineAccount = (): Promise<RunAs | null> =>
    (runAs ??= (async () => {
      const account = await resolveRunAs(opts.runAsUser, opts.isRoot);
      const blocked = account ? await untraversableBy(account, (await layout()).instancesDir) : [];
      if (blocked.length > 0) {
        logger.warn({ user: account?.user, directories: blocked }, "engine account cannot reach the instance directories");
      }
      return account;
    })().catch((err: unknown) => {
      runAs = undefined;
      throw err;
    }));

  const allocator = createAddressAllocator(opts, async () => {
    const { instancesDir } = await layout();
    const configs = await Promise.all(
      (await listIds(instancesDir)).map((id) => readInstanceConfig(instancePaths(instancesDir, id).config)),
    );
    return configs.filter((c): c is InstanceConfig => c !== undefined);
  });

  async function ensureInstance(spec: InstanceSpec, signal: AbortSignal): Promise<ComputeRef> {
    const log = logger.child({ instanceId: spec.instanceId });
    const { instancesDir, cacheDir } = await layout();
    const paths = instancePaths(instancesDir, spec.instanceId);
    const existing = await readInstanceConfig(paths.config);
    // Started now, awaited where needed: useradd overlaps with the directories and mkfs.
    const accountReady = opts.perInstanceAccounts
      ? accounts.runExclusive(() => ensureAccount(existing?.runAs?.user ?? instanceAccountName(spec.instanceId)))
      : engineAccount();
    try {
      return await prepareInstance(spec, signal, { log, paths, cacheDir, existing, accountReady });
    } finally {
      // Nothing a failed ensure started may outlive the instance lock (a destroy may follow).
      await accountReady.catch(() => undefined);
    }
  }

  async function prepareInstance(
    spec: InstanceSpec,
    signal: AbortSignal,
    { log, paths, cacheDir, existing, accountReady }: PrepareContext,
  ): Promise<ComputeRef> {
    // 1. Directories.
    await mkdir(paths.root, { recursive: true });
    await Promise.all([paths.volume, paths.runDir, paths.logDir].map((dir) => mkdir(dir, { recursive: true })));
    await chmod(paths.root, 0o755);
    // The agent is only ever started after instance.json is written, so without one none can run.
    const agentMayRun = existing !== undefined || (await exists(paths.config));
    const volumeKind = existing?.volumeKind ?? (opts.useLoopVolumes || (await exists(paths.volumeImage)) ? "loop" : "directory");

    // 2. The volume, and 3. the address recorded in instance.json with everything else the agent
    // needs: independent of each other, so the address is allocated while mkfs runs. Both finish
    // (settle) before this returns, so no step of a failed ensure outlives the instance lock.
    const volume = async (): Promise<void> => {
      if (volumeKind === "loop") {
        await ensureLoopVolume(paths.volumeImage, paths.volume, spec.volumeSizeGb, { logger: log, signal });
      }
      const account = await accountReady;
      if (account) {
        await Promise.all([paths.volume, paths.runDir, paths.logDir].map((dir) => chown(dir, account.uid, account.gid)));
      }
    };
    const configFor = (address: Address, account: RunAs | null): InstanceConfig => ({
      instanceId: spec.instanceId,
      engine: spec.engine,
      binDir: spec.binDir,
      host: address.host,
      port: address.port,
      volumeKind,
      // A resize may have grown it past what the caller's (possibly older) spec says.
      volumeSizeGb: Math.max(existing?.volumeSizeGb ?? 0, spec.volumeSizeGb),
      root: paths.root,
      dataDir: paths.dataDir,
      runDir: paths.runDir,
      logDir: paths.logDir,
      cacheDir,
      runAs: account,
      natsUrl: opts.natsUrl,
    });
    const address = async (): Promise<InstanceConfig> => {
      const account = await accountReady;
      const known = requestedAddress(spec) ?? existing;
      if (!known) {
        return allocator.allocate(spec.engine, async (allocated) => {
          const fresh = configFor(allocated, account);
          await writeInstanceConfig(paths.config, fresh);
          log.info({ host: allocated.host, port: allocated.port }, "address allocated");
          return fresh;
        });
      }
      const config = configFor({ host: known.host, port: known.port }, account);
      await writeInstanceConfig(paths.config, config);
      return config;
    };
    const launch = () => startAgent(paths, { command: opts.agentCommand, env: opts.extraAgentEnv, unsetEnv: agentUnsetEnv, logger: log });
    // 4. The agent. A brand-new instance's agent starts as soon as instance.json exists, while the
    // volume is still being formatted: until Prepare it touches nothing on the volume, and Prepare
    // is only sent after ensure() returns, so after the mount. A known instance's agent waits for
    // its volume: after a host reboot it must find its data mounted when it starts.
    const addressThenAgent = async (): Promise<InstanceConfig> => {
      const config = await address();
      if (!agentMayRun) await launch();
      return config;
    };
    const [volumeDone, addressDone] = await Promise.allSettled([volume(), addressThenAgent()]);
    if (volumeDone.status === "rejected") throw volumeDone.reason;
    if (addressDone.status === "rejected") throw addressDone.reason;
    const config = addressDone.value;
    signal.throwIfAborted();
    if (agentMayRun && (await findAgent(paths, opts.agentCommands)) === undefined) await launch();
    return refOf(config, paths);
  }

  async function destroyInstance(instanceId: string, signal: AbortSignal): Promise<void> {
    const log = logger.child({ instanceId });
    const { instancesDir } = await layout();
    const paths = instancePaths(instancesDir, instanceId);
    if (!(await exists(paths.root))) return;
    signal.throwIfAborted();
    const graceMs = opts.stopGraceMs;
    const agentPid = await stopAgent(paths, opts.agentCommands, { graceMs, logger: log, signal });
    if (agentPid !== undefined) await killSession(agentPid, { graceMs, logger: log, signal });
    await killProcessesUsing(paths.root, { graceMs, logger: log, signal });
    const left = await releaseLoopVolume(paths.volumeImage, paths.root, {
      logger: log,
      signal,
      beforeRetry: async () => {
        await killProcessesUsing(paths.root, { graceMs, logger: log, signal });
      },
    });
    const processes = [
      ...(agentPid === undefined ? [] : await findSessionMembers(agentPid)),
      ...(await findProcessesUsing(paths.root)),
    ];
    if (left.mounts.length > 0 || left.loopDevices.length > 0 || processes.length > 0) {
      log.error({ ...left, processes }, "instance could not be fully released");
      throw new DestroyIncompleteError(
        `instance ${instanceId} still has mounts [${left.mounts.join(", ")}], loop devices [${left.loopDevices.join(", ")}], processes [${processes.join(", ")}]`,
      );
    }
    // The agent's firewall table, if it made one: only root can have (nft needs CAP_NET_ADMIN).
    if (opts.isRoot) await deleteFirewallTable(instanceId, signal);
    signal.throwIfAborted();
    // The account goes before the directory: if removing it fails, the directory still says which
    // account to remove on the next attempt.
    const account = (await readInstanceConfig(paths.config))?.runAs?.user;
    if (opts.perInstanceAccounts && account) await accounts.runExclusive(() => removeAccount(account));
    await rm(paths.root, { recursive: true, force: true, maxRetries: 3 });
    log.info("instance destroyed");
  }

  /**
   * Grows the volume. A loop volume grows online (growLoopVolume), or unmounted when the caller
   * stopped the server and asks for `offline` (growLoopVolumeOffline). A directory volume is not
   * size-limited at all (it shares the host's file system), so its new size is only recorded.
   * Either way the size lands in instance.json, and never goes down.
   */
  async function resizeInstance(instanceId: string, change: ResizeSpec, signal: AbortSignal): Promise<{ volumeSizeGb: number }> {
    const log = logger.child({ instanceId });
    const { instancesDir } = await layout();
    const paths = instancePaths(instancesDir, instanceId);
    if (!(await exists(paths.root))) throw new NotFoundError("instance", instanceId);
    const config = await readInstanceConfig(paths.config);
    // Without instance.json the first ensure never finished: nothing to grow yet.
    if (!config) throw new FailedPreconditionError(`instance ${instanceId} is not set up yet; ensure it first`);
    signal.throwIfAborted();
    let volumeSizeGb: number;
    if (config.volumeKind === "loop") {
      const grow = change.offline ? growLoopVolumeOffline : growLoopVolume;
      volumeSizeGb = await grow(paths.volumeImage, paths.volume, change.volumeSizeGb, { logger: log, signal });
    } else {
      const current = config.volumeSizeGb ?? 0;
      if (change.volumeSizeGb < current) throw new VolumeShrinkError(current, change.volumeSizeGb);
      volumeSizeGb = change.volumeSizeGb;
    }
    if (config.volumeSizeGb !== volumeSizeGb) {
      await writeInstanceConfig(paths.config, { ...config, volumeSizeGb });
      log.info({ volumeKind: config.volumeKind, volumeSizeGb }, "volume resized");
    }
    return { volumeSizeGb };
  }

  return {
    async growsOnline(instanceId) {
      const { instancesDir } = await layout();
      const config = await readInstanceConfig(instancePaths(instancesDir, instanceId).config);
      // A directory volume has nothing to grow; a loop volume needs the kernel's online resize.
      return config?.volumeKind !== "loop" || canGrowOnline();
    },
    ensure(spec, signal) {
      return perInstance.runExclusive(spec.instanceId, async () => {
        validateSpec(spec);
        return ensureInstance(spec, signal);
      });
    },

    async describe(instanceId): Promise<ComputeState | undefined> {
      assertInstanceId(instanceId);
      const { instancesDir } = await layout();
      const paths = instancePaths(instancesDir, instanceId);
      if (!(await exists(paths.root))) return undefined;
      const config = await readInstanceConfig(paths.config);
      const agentPid = await findAgent(paths, opts.agentCommands);
      const ref: ComputeRef = config
        ? refOf(config, paths)
        : // A crash before instance.json was written: the directory exists, nothing is known yet.
          { instanceId, host: "", port: 0, volumeKind: (await exists(paths.volumeImage)) ? "loop" : "directory", root: paths.root };
      return agentPid === undefined ? { ...ref, status: "STOPPED" } : { ...ref, status: "RUNNING", agentPid };
    },

    resize(instanceId, change, signal) {
      return perInstance.runExclusive(instanceId, async () => {
        assertInstanceId(instanceId);
        if (!(Number.isFinite(change.volumeSizeGb) && change.volumeSizeGb > 0)) {
          throw new InvalidArgumentError("volumeSizeGb", `must be a positive number, got ${change.volumeSizeGb}`);
        }
        return resizeInstance(instanceId, change, signal);
      });
    },

    destroy(instanceId, signal) {
      assertInstanceId(instanceId);
      return perInstance.runExclusive(instanceId, () => destroyInstance(instanceId, signal));
    },

    async list() {
      return listIds((await layout()).instancesDir);
    },
  };
}

function validateSpec(spec: InstanceSpec): void {
  assertInstanceId(spec.instanceId);
  if (!(Number.isFinite(spec.volumeSizeGb) && spec.volumeSizeGb > 0)) {
    throw new InvalidInstanceSpecError(`volumeSizeGb must be a positive number, got ${spec.volumeSizeGb}`);
  }
  if (!spec.engine) throw new InvalidInstanceSpecError("engine must not be empty");
  if ((spec.host === undefined) !== (spec.port === undefined)) {
    throw new InvalidInstanceSpecError("host and port must be given together (or both left to the provider)");
  }
}

function requestedAddress(spec: InstanceSpec): Address | undefined {
  return spec.host !== undefined && spec.port !== undefined ? { host: spec.host, port: spec.port } : undefined;
}

function refOf(config: InstanceConfig, paths: InstancePaths): ComputeRef {
  return { instanceId: config.instanceId, host: config.host, port: config.port, volumeKind: config.volumeKind, root: paths.root };
}

async function listIds(instancesDir: string): Promise<string[]> {
  const entries = await readdir(instancesDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && isValidInstanceId(e.name))
    .map((e) => e.name)
    .sort();
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
