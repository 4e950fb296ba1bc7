// The taskmanager keeps what it owns alive: at start-up and then periodically, every live instance
// gets its agent running again if it died (the database server kept running without it), and
// instance directories no row claims are destroyed, so a crash between "allocate" and "record"
// leaves nothing behind for long.
import type { Logger } from "../platform/logger.js";
import { instanceSpecOf } from "./compute/instance-spec.js";
import type { ComputeProvider } from "./compute/provider.js";
import type { TaskStore } from "./store/tasks.js";

export async function readoptInstances(store: TaskStore, provider: ComputeProvider, logger: Logger, atStartup: boolean): Promise<void> {
  // At start-up nothing of ours runs yet, so busy instances are re-adopted too; later only idle ones.
  for (const instance of await store.liveInstances(!atStartup)) {
    try {
      await provider.ensure(instanceSpecOf(instance), AbortSignal.timeout(60_000));
    } catch (err) {
      logger.error({ err, instanceId: instance.id }, "could not re-adopt instance");
    }
  }
  const held = await provider.list();
  const known = await store.existingIds(held);
  // Rows are written before directories, so a directory without a live row is always an orphan.
  for (const id of held.filter((h) => !known.has(h))) {
    logger.warn({ instanceId: id }, "destroying orphaned instance directory");
    await provider.destroy(id, AbortSignal.timeout(60_000)).catch((err: unknown) => logger.error({ err, instanceId: id }, "orphan cleanup failed"));
  }
}
