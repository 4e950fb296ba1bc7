// Gateway wiring: stores, interceptors (request scope -> authentication -> validation), the public
// services, health and reflection, all on one port.
import { createClient } from "@connectrpc/connect";
import { connect as connectNats } from "@nats-io/transport-node";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { TaskManagerService } from "../../gen/proto/hoard/taskmanager/v1/taskmanager_pb.js";
import type { PlatformConfig } from "../platform/config.js";
import type { Db } from "../platform/db/index.js";
import type { Logger } from "../platform/logger.js";
import { backupStorageFromEnv, deleteBackupObjects } from "../platform/backup-settings.js";
import { createSecretBox, loadSecretKey } from "../platform/secrets.js";
import { createAgentClients } from "./agents.js";
import { publicServices } from "./public-services.js";
import { loadGatewayConfig } from "./config.js";
import { registerCatalogueServices } from "./handlers/catalogue.js";
import { registerDatabaseService } from "./handlers/databases.js";
import { registerBackupService } from "./handlers/backups.js";
import { registerConfigurationService } from "./handlers/configurations.js";
import { registerInstanceService } from "./handlers/instances.js";
import { registerManageService } from "./handlers/manage.js";
import { registerRootService } from "./handlers/root.js";
import { registerUserService } from "./handlers/users.js";
import { createHealthService } from "./health/index.js";
import { createAuthenticateInterceptor } from "./interceptors/authenticate.js";
import { createRequestScopeInterceptor } from "./interceptors/request-scope.js";
import { createValidateInterceptor } from "./interceptors/validate.js";
import { registerReflection } from "./reflection/index.js";
import { startGatewayServer } from "./server/index.js";
import { createCatalogueStore } from "./store/catalogue.js";
import { createBackupStore } from "./store/backups.js";
import { createBackupScheduleStore } from "./store/backup-schedules.js";
import { createConfigurationStore } from "./store/configurations.js";
import { createInstanceStore } from "./store/instances.js";
import { createManageStore } from "./store/manage.js";
import { createTokenStore } from "./store/tokens.js";

export interface Gateway {
  address: { host: string; port: number };
  stop(): Promise<void>;
}


export async function startGateway(platform: PlatformConfig, db: Db, rootLogger: Logger): Promise<Gateway> {
  const logger = rootLogger.child({ component: "gateway" });
  const config = loadGatewayConfig();
  const taskmanager = createClient(
    TaskManagerService,
    createGrpcTransport({ baseUrl: `http://${platform.taskmanagerAddr.host}:${platform.taskmanagerAddr.port}` }),
  );
  const submitTask = (taskId: string) => {
    taskmanager
      .submitTask({ taskId }, { timeoutMs: 5000 })
      .catch((err: unknown) => logger.warn({ err, taskId }, "taskmanager not reachable; the task waits for its next poll"));
  };
  const catalogue = createCatalogueStore(db);
  const instances = createInstanceStore(db);
  const configurations = createConfigurationStore(db);
  const backups = createBackupStore(db);
  const backupStorage = backupStorageFromEnv(platform.home);
  const nc = await connectNats({ servers: platform.natsUrl, name: "hoard-gateway", maxReconnectAttempts: -1 });
  const agents = createAgentClients(nc);
  const health = createHealthService();

  const server = await startGatewayServer({
    host: platform.gatewayAddr.host,
    port: platform.gatewayAddr.port,
    services: publicServices,
    interceptors: [createRequestScopeInterceptor(logger), createAuthenticateInterceptor(createTokenStore(db)), createValidateInterceptor()],
    logger,
    health,
    routes: (router) => {
      registerInstanceService(router, {
        instances,
        catalogue,
        configurations,
        backups,
        agents,
        secrets: createSecretBox(loadSecretKey(platform.home)),
        submitTask,
        maxVolumeGb: config.maxVolumeGb,
        backupStorage,
      });
      registerConfigurationService(router, { configurations, catalogue, submitTask });
      registerBackupService(router, {
        backups,
        instances,
        storage: backupStorage,
        submitTask,
        schedules: createBackupScheduleStore(db),
        deleteObjects: (backup) => deleteBackupObjects(backup, nc),
      });
      registerCatalogueServices(router, catalogue);
      registerDatabaseService(router, instances, agents);
      registerUserService(router, instances, agents);
      registerRootService(router, instances, agents);
      registerManageService(router, createManageStore(db), submitTask);
      health.register(router);
      registerReflection(router, publicServices);
    },
  });
  for (const s of publicServices) health.setStatus(s.typeName, "SERVING");
  health.setStatus("", "SERVING");
  logger.info({ address: server.address }, "gateway listening");

  return {
    address: server.address,
    async stop() {
      health.setStatus("", "NOT_SERVING");
      await server.close();
      await nc.drain();
    },
  };
}
