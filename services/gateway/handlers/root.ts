// hoard.v1.RootService: the instance's root account (full rights in its databases, none over the host). The password is generated here, set by the agent,
// and returned once; it is stored nowhere in the control plane.
import { randomBytes } from "node:crypto";
import type { ConnectRouter } from "@connectrpc/connect";
import { RootService } from "../../../gen/proto/hoard/v1/root_pb.js";
import type { AgentClients } from "../agents.js";
import { requireReady } from "../domain/guest-access.js";
import type { InstanceStore } from "../store/instances.js";
import { loadInstance, requestIdOf } from "./scope.js";

export function registerRootService(router: ConnectRouter, instances: InstanceStore, agents: AgentClients): void {
  router.service(RootService, {
    async enableRoot(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireReady(row);
      const password = randomBytes(18).toString("base64url");
      const { name } = await agents(row, requestIdOf(ctx)).enableRoot({ password });
      return { name, password };
    },

    async getRootStatus(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireReady(row);
      return { enabled: (await agents(row, requestIdOf(ctx)).getRootStatus({})).enabled };
    },

    async disableRoot(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireReady(row);
      await agents(row, requestIdOf(ctx)).disableRoot({});
      return {};
    },
  });
}
