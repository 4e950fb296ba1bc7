// What the caller configures on the local provider, and the defaults it gets otherwise, resolved
// once at creation so a bad setting fails at start-up rather than on the first instance.

import path from "node:path";
import type { Logger } from "pino";
import type { AgentCommands } from "./agent-process.js";
import { parseIpv4 } from "./ipv4.js";

export interface LocalProviderOptions {
  /** $HOARD_HOME; instances live under `${home}/instances/<id>`, the shared cache in `${home}/cache`. */
  home: string;
  /** NATS URL the agent connects to (written into instance.json). */
  natsUrl: string;
  /** argv that starts a guest agent; nothing is appended, the agent reads HOARD_INSTANCE_CONFIG. */
  agentCommand: string[];
  /**
   * argv that earlier versions started agents with. Agents still running them stay this instance's
   * agent (adopted, stopped on destroy) instead of getting a second agent started beside them.
   */
  formerAgentCommands?: string[][];
  /** "loopback": a distinct 127.x.y.z per instance on the engine's standard port; "host": hostAddress + a port. */
  addressMode: "loopback" | "host";
  /** Host mode: the address engines listen on and clients connect to. Default 127.0.0.1. */
  hostAddress?: string;
  /** Host mode: inclusive [start, end] range ports are allocated from. Required in host mode. */
  portRange?: [number, number];
  /** Loopback mode: addresses are allocated after this one (default "127.10.0.0" -> 127.10.0.1, .2, ...). */
  loopbackBase?: string;
  /** Loop-mounted ext4 volumes with a hard size limit. Default: true when running as root. */
  useLoopVolumes?: boolean;
  /** Unprivileged account the engine runs as. Default as root: "hoard", else "postgres", else "nobody". */
  runAsUser?: string;
  /**
   * As root, give every instance an OS account of its own (hoard-<id prefix>), created on ensure and
   * removed on destroy, so one tenant's server (or its root user) cannot read another's files.
   * Default: true as root unless runAsUser names a shared account.
   */
  perInstanceAccounts?: boolean;
  logger: Logger;
  /** Extra environment for the agent process (on top of this process's environment). */
  extraAgentEnv?: Record<string, string>;
  /** How long a SIGTERMed process gets before SIGKILL. Default 5000 ms. */
  stopGraceMs?: number;
}

/** Options with defaults applied and validated. */
export interface ResolvedOptions {
  home: string;
  instancesDir: string;
  cacheDir: string;
  natsUrl: string;
  agentCommand: readonly string[];
  /** agentCommand first, then formerAgentCommands: what a running agent may be running. */
  agentCommands: AgentCommands;
  addressMode: "loopback" | "host";
  hostAddress: string;
  portRange: readonly [number, number];
  loopbackBase: number;
  useLoopVolumes: boolean;
  isRoot: boolean;
  runAsUser: string | undefined;
  perInstanceAccounts: boolean;
  extraAgentEnv: Readonly<Record<string, string>>;
  stopGraceMs: number;
}

/** Applies defaults and throws on settings that can never work. */
export function resolveOptions(options: LocalProviderOptions): ResolvedOptions {
  const isRoot = process.getuid?.() === 0;
  if (!path.isAbsolute(options.home)) throw new Error(`home must be an absolute path: ${options.home}`);
  if (options.agentCommand.length === 0) throw new Error("agentCommand must not be empty");
  const useLoopVolumes = options.useLoopVolumes ?? isRoot;
  if (useLoopVolumes && !isRoot) throw new Error("useLoopVolumes needs root (mount, mkfs)");
  const loopbackBase = parseIpv4(options.loopbackBase ?? "127.10.0.0");
  if (loopbackBase === undefined || loopbackBase >>> 24 !== 127) {
    throw new Error(`loopbackBase must be an IPv4 address in 127.0.0.0/8: ${options.loopbackBase}`);
  }
  const portRange = options.portRange ?? [0, -1];
  if (options.addressMode === "host") {
    const [start, end] = portRange;
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 1 && start <= end && end <= 65535)) {
      throw new Error(`host address mode needs a portRange [start, end] within 1..65535, got ${JSON.stringify(options.portRange)}`);
    }
  }
  const home = path.resolve(options.home);
  return Object.freeze({
    home,
    instancesDir: path.join(home, "instances"),
    cacheDir: path.join(home, "cache"),
    natsUrl: options.natsUrl,
    agentCommand: Object.freeze([...options.agentCommand]),
    agentCommands: Object.freeze(
      [options.agentCommand, ...(options.formerAgentCommands ?? []).filter((c) => c.length > 0)].map((c) => Object.freeze([...c])),
    ),
    addressMode: options.addressMode,
    hostAddress: options.hostAddress ?? "127.0.0.1",
    portRange,
    loopbackBase,
    useLoopVolumes,
    isRoot,
    runAsUser: options.runAsUser ?? undefined,
    perInstanceAccounts: isRoot && (options.perInstanceAccounts ?? options.runAsUser === undefined),
    extraAgentEnv: Object.freeze({ ...options.extraAgentEnv }),
    stopGraceMs: options.stopGraceMs ?? 5000,
  });
}
