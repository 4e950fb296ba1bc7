// Provision an instance: compute, agent, prepare, first healthy status. Each step is idempotent,
// so a taskmanager that died half-way can run the workflow again and finish it.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ServiceStatus } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { unwrapDataKey } from "../../platform/backup/index.js";
import { openCreatePayload } from "../../platform/task-payload.js";
import { instanceSpecOf } from "../compute/instance-spec.js";
import { serverSettingsOf } from "./server-settings.js";
import { ensureWalArchive, pointInTimeTarget } from "./wal-archive.js";
import { waitFor } from "./wait.js";
import { TaskFault, type Workflow } from "./context.js";

const prepareTimeoutMs = 5 * 60_000;
/** A restore streams the whole backup; the task's deadline still bounds it. */
const restoreTimeoutMs = 6 * 60 * 60_000;

/** The stored objects of a backup, as the agent's Restore takes them. */
function parseObjects(json: string) {
  const objects = JSON.parse(json) as { key: string; sha256: string; plainBytes: number; storedBytes: number }[];
  return objects.map((o) => ({ key: o.key, sha256: o.sha256, plainBytes: BigInt(o.plainBytes), storedBytes: BigInt(o.storedBytes) }));
}

/** What a restore needs of each backup record. */
interface StoredBackup {
  objects: string;
  wrappedKey: string;
  storageKind: string;
  storageLocation: string;
  format: string | null;
}

/**
 * What the agent's Restore reads for a backup chain (full backup first, each increment after it):
 * every backup's objects in chain order, each with its backup's own data key. A chain lives in
 * one storage (an incremental backup is stored where its parent is).
 */
function restoreSource(chain: readonly StoredBackup[], masterKey: Buffer) {
  const [full] = chain;
  if (!full) throw new TaskFault("the backup to restore has no full backup", "step prepare");
  const parts = chain.flatMap((b) => parseObjects(b.objects).map((object) => ({ object, dataKey: unwrapDataKey(masterKey, b.wrappedKey) })));
  return {
    storage: { kind: full.storageKind, location: full.storageLocation },
    objects: parts.map((p) => p.object),
    dataKey: parts[0]?.dataKey ?? new Uint8Array(),
    dataKeys: parts.map((p) => p.dataKey),
    // The leaf's format: every backup of a chain has the same.
    format: chain[chain.length - 1]?.format ?? "",
  };
}

export const createWorkflow: Workflow = async (ctx) => {
  const { task, store, provider, signal } = ctx;
  const instance = task.instance;
  const agent = ctx.agentFor(instance.id, task.requestId);

  await ctx.step(
    "allocate",
    async () => {
      const ref = await provider.ensure(instanceSpecOf(instance), signal);
      await store.updateInstance(instance.id, {
        host: ref.host,
        port: ref.port,
        volumeKind: ref.volumeKind,
        computeStatus: "RUNNING",
      });
    },
    { always: true },
  );

  await ctx.step(
    "connect-agent",
    () =>
      waitFor(async () => (await agent.ping({}, { signal, timeoutMs: 2000 })).instanceId || undefined, {
        intervalMs: 100,
        startIntervalMs: 20,
        signal,
        timeoutMs: ctx.agentConnectTimeoutMs,
        what: "the guest agent to connect",
      }),
    { always: true },
  );

  await ctx.step("prepare", async () => {
    const payload = openCreatePayload(ctx.secrets, task.payload);
    const walArchive = await ensureWalArchive(ctx, instance.id);
    if (instance.sourceBackupId) {
      // Restored instances get their databases and users from the backup, not from the request.
      const chain = await store.backupChain(instance.sourceBackupId);
      // A point-in-time restore replays the source instance's archive past the chain's backups (their
      // own WAL first, for an incremental one), up to the moment.
      const recoveryTarget = instance.restoreTime ? await pointInTimeTarget(ctx, chain[0]!.instanceId, instance.restoreTime) : undefined;
      await agent.restore(
        {
          ...serverSettingsOf(instance),
          ...restoreSource(chain, ctx.backupMasterKey),
          adminPassword: payload.adminPassword,
          walArchive,
          recoveryTarget,
        },
        { signal, timeoutMs: restoreTimeoutMs },
      );
      return;
    }
    await agent.prepare(
      {
        ...serverSettingsOf(instance),
        databases: payload.databases,
        users: payload.users,
        adminPassword: payload.adminPassword,
        walArchive,
      },
      { signal, timeoutMs: prepareTimeoutMs },
    );
  });

  const status = await ctx.step(
    "wait-healthy",
    () =>
      waitFor(
        async () => {
          const s = await agent.getStatus({}, { signal, timeoutMs: 5000 });
          if (s.status === ServiceStatus.FAILED) throw new TaskFault(`the database server failed: ${s.detail}`, "step wait-healthy");
          return s.status === ServiceStatus.HEALTHY ? s : undefined;
        },
        { intervalMs: 200, startIntervalMs: 20, signal, what: "the database server to answer queries" },
      ),
    { always: true },
  );

  await store.updateInstance(instance.id, {
    taskStatus: "NONE",
    serviceStatus: "HEALTHY",
    serviceDetail: null,
    // The agent's own clock, as on its heartbeats: anything it sent before this is now stale.
    ...(status?.probedAt ? { lastReportAt: timestampDate(status.probedAt) } : {}),
  });
};
