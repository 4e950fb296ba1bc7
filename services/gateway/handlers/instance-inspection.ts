// The InstanceService calls that ask the guest agent what the server runs with: its effective
// parameters and its logs (list, enable or disable, read the tail or follow with a cursor).
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { GuestLog } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { InstanceService } from "../../../gen/proto/hoard/v1/instance_pb.js";
import type { AgentClients } from "../agents.js";
import { storedValues } from "../domain/configuration-view.js";
import { requireAgent, requireReady } from "../domain/guest-access.js";
import { catalogueOf } from "../domain/parameter-catalogue.js";
import type { InstanceRow, InstanceStore } from "../store/instances.js";
import { loadInstance, requestIdOf } from "./scope.js";

/** A follower reads at most this much per call and comes back with the cursor for the rest. */
const maxLogChunkBytes = 1024 * 1024;

type InspectionHandlers = Pick<ServiceImpl<typeof InstanceService>, "getInstanceConfiguration" | "listInstanceLogs" | "setInstanceLog" | "readInstanceLog">;

export function instanceInspectionHandlers(instances: InstanceStore, agents: AgentClients): InspectionHandlers {
  const agentOf = (row: InstanceRow, ctx: HandlerContext) => agents(row, requestIdOf(ctx));
  const withAgent = async (ctx: HandlerContext, idOrName: string) => {
    const row = await loadInstance(instances, ctx, idOrName);
    requireAgent(row);
    return { row, agent: agentOf(row, ctx) };
  };

  return {
    async getInstanceConfiguration(req, ctx) {
      const row = await loadInstance(instances, ctx, req.id);
      const catalogue = catalogueOf(row.datastoreVersion);
      requireReady(row);
      const configured = row.configuration ? storedValues(row.configuration.values) : {};
      const { values } = await agentOf(row, ctx).getParameters({ names: catalogue.parameters.map((p) => p.name) });
      return {
        configurationId: row.configurationId ?? "",
        parameters: [...catalogue.parameters]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((p) => ({ name: p.name, value: values[p.name] ?? "", configured: configured[p.name] ?? "", restartRequired: p.restartRequired })),
      };
    },

    async listInstanceLogs(req, ctx) {
      const { agent } = await withAgent(ctx, req.id);
      return { logs: (await agent.listLogs({})).logs.map(toInstanceLog) };
    },

    async setInstanceLog(req, ctx) {
      const { agent } = await withAgent(ctx, req.id);
      const { log } = await agent.setLogEnabled({ name: req.name, enabled: req.enabled });
      return { log: log && toInstanceLog(log) };
    },

    async readInstanceLog(req, ctx) {
      const { agent } = await withAgent(ctx, req.id);
      const chunk = await agent.readLog({ name: req.name, cursor: req.cursor, lines: req.lines, maxBytes: maxLogChunkBytes });
      return { text: chunk.text, cursor: chunk.cursor };
    },
  };
}

function toInstanceLog(log: GuestLog) {
  return { name: log.name, type: log.type, enabled: log.enabled, sizeBytes: log.sizeBytes, description: log.description };
}
