// Gateway wiring: stores, interceptors (request scope -> authentication -> rate limit -> validation), the public
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
import { createQuotas } from "../platform/store/quota.js";
import { createAgentClients } from "./agents.js";
import { publicServices } from "./public-services.js";
import { loadGatewayConfig } from "./config.js";
import { registerCatalogueServices } from "./handlers/catalogue.js";
import { registerDatabaseService } from "./handlers/databases.js";
import { registerBackupService } from "./handlers/backups.js";
import { registerConfigurationService } from "./handlers/configurations.js";
import { registerIdentityService } from "./handlers/identity.js";
import { registerInstanceService } from "./handlers/instances.js";
import { registerManageService } from "./handlers/manage.js";
import { registerQuotaService } from "./handlers/quotas.js";
import { registerRootService } from "./handlers/root.js";
import { registerUserService } from "./handlers/users.js";
import { createHealthService } from "./health/index.js";
import { createUserTokens } from "./identity/user-tokens.js";
import { createTokenBuckets } from "./domain/token-buckets.js";
import { createAuthenticateInterceptor } from "./interceptors/authenticate.js";
import { createRateLimitInterceptor } from "./interceptors/rate-limit.js";
import { createRequestScopeInterceptor } from "./interceptors/request-scope.js";
import { createPathProjectInterceptor } from "./interceptors/path-project.js";
import { createKeystoneMount } from "./keystone/index.js";
import { createValidateInterceptor } from "./interceptors/validate.js";
import { registerReflection } from "./reflection/index.js";
import { startGatewayServer } from "./server/index.js";
import { createCatalogueStore } from "./store/catalogue.js";
import { createBackupStore } from "./store/backups.js";
import { createBackupScheduleStore } from "./store/backup-schedules.js";
import { createConfigurationStore } from "./store/configurations.js";
import { createIdentityStore } from "./store/identity.js";
import { createInstanceStore } from "./store/instances.js";
import { createManageStore } from "./store/manage.js";
import { createQuotaStore } from "./store/quotas.js";
import { createTokenStore } from "./store/tokens.js";
import { createTroveMounts } from "./trove/index.js";

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
  const quotas = createQuotas(config.quotaDefaults);
  const instances = createInstanceStore(db, quotas);
  const configurations = createConfigurationStore(db);
  const backups = createBackupStore(db, quotas);
  const manage = createManageStore(db);
  const backupStorage = backupStorageFromEnv(platform.home);
  const nc = await connectNats({ servers: platform.natsUrl, name: "hoard-gateway", maxReconnectAttempts: -1 });
  const agents = createAgentClients(nc);
  const health = createHealthService();
  const tokens = createTokenStore(db);
  const identity = createIdentityStore(db);

  const rateLimit =
    config.rateLimitRps > 0
      ? { ratePerSecond: config.rateLimitRps, burst: config.rateLimitBurst, buckets: createTokenBuckets({ ratePerSecond: config.rateLimitRps, burst: config.rateLimitBurst }) }
      : undefined;
  const server = await startGatewayServer({
    host: platform.gatewayAddr.host,
    port: platform.gatewayAddr.port,
    services: publicServices,
    interceptors: [
      createRequestScopeInterceptor(logger),
      createAuthenticateInterceptor(tokens),
      // After authentication: the bucket is the token's. HOARD_RATE_LIMIT_RPS=0 turns it off.
      ...(rateLimit ? [createRateLimitInterceptor(rateLimit.buckets)] : []),
      createPathProjectInterceptor(),
      createValidateInterceptor(),
    ],
    logger,
    health,
    mounts: (resolveHandler) => [
      createKeystoneMount({
        userTokens: createUserTokens(identity, { ttlSeconds: config.tokenTtlSeconds }),
        tokens,
        publicUrl: config.publicUrl,
        region: config.region,
        logger,
      }),
      ...createTroveMounts(resolveHandler, { logger, ...(rateLimit ? { rateLimit } : {}) }),
    ],
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
      registerManageService(router, manage, submitTask);
      registerIdentityService(router, { identity, project: manage.project });
      registerQuotaService(router, { quotas: createQuotaStore(db, quotas), project: manage.project });
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
