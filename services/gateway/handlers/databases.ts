// hoard.v1.DatabaseService: databases inside an instance, created and dropped by its guest agent.
import type { ConnectRouter } from "@connectrpc/connect";
import { DatabaseService } from "../../../gen/proto/hoard/v1/database_pb.js";
import type { AgentClients } from "../agents.js";
import { checkDatabase, requireDatabases, requireReady } from "../domain/guest-access.js";
import type { InstanceStore } from "../store/instances.js";
import { loadInstance, requestIdOf } from "./scope.js";

export function registerDatabaseService(router: ConnectRouter, instances: InstanceStore, agents: AgentClients): void {
  router.service(DatabaseService, {
    async createDatabase(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireDatabases(row);
      const database = { name: req.database?.name ?? "", characterSet: req.database?.characterSet ?? "", collation: req.database?.collation ?? "" };
      checkDatabase(row, "database.name", database.name);
      requireReady(row);
      await agents(row, requestIdOf(ctx)).createDatabase({ database });
      return { database };
    },

    async listDatabases(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireDatabases(row);
      requireReady(row);
      const { databases } = await agents(row, requestIdOf(ctx)).listDatabases({});
      return { databases: databases.map((d) => ({ name: d.name, characterSet: d.characterSet, collation: d.collation })) };
    },

    async deleteDatabase(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireDatabases(row);
      checkDatabase(row, "name", req.name);
      requireReady(row);
      await agents(row, requestIdOf(ctx)).deleteDatabase({ name: req.name });
      return {};
    },
  });
}
