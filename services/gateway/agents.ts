// Synchronous calls from the gateway to an instance's guest agent (databases, users, root).
// Every call has a deadline; an agent that does not answer is UNAVAILABLE naming the instance.
import { createClient, type Client } from "@connectrpc/connect";
import type { NatsConnection } from "@nats-io/transport-node";
import { GuestAgentService } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { createNatsTransport } from "../platform/nats-rpc.js";
import { agentSubject } from "../platform/subjects.js";

export type AgentClient = Client<typeof GuestAgentService>;
export type AgentClients = (instance: { id: string; name: string }, requestId: string) => AgentClient;

/** Deadline of one guest call; generous for DROP DATABASE on a busy server, short enough to never hang. */
export const guestCallTimeoutMs = 30_000;

export function createAgentClients(nc: NatsConnection): AgentClients {
  return (instance, requestId) =>
    createClient(
      GuestAgentService,
      createNatsTransport(nc, {
        subjectOf: (method) => agentSubject(instance.id, method),
        peer: `guest agent of instance "${instance.name}" (${instance.id})`,
        defaultTimeoutMs: guestCallTimeoutMs,
        interceptors: [(next) => (req) => (req.header.set("x-request-id", requestId), next(req))],
      }),
    );
}
