// Synchronous calls from the gateway to an instance's guest agent (databases, users, root).
// Every call has a deadline; an agent that does not answer is UNAVAILABLE naming the instance.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import type { NatsConnection } from "@nats-io/transport-node";
import { GuestAgentService } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { createNatsTransport } from "../platform/nats-rpc.js";
import { agentSubject } from "../platform/subjects.js";

export type AgentClient = Client<typeof GuestAgentService>;
export type AgentClients = (instance: { id: string; name: string }, requestId: string) => AgentClient;

/** Deadline of one guest call; generous for DROP DATABASE on a busy server, short enough to never hang. */
export const guestCallTimeoutMs = 30_000;

export function createAgentClients(nc: NatsConnection): AgentClients {
  return (instance, requestId) => {
    const peer = `guest agent of instance "${instance.name}" (${instance.id})`;
    return createClient(
      GuestAgentService,
      createNatsTransport(nc, {
        subjectOf: (method) => agentSubject(instance.id, method),
        peer,
        defaultTimeoutMs: guestCallTimeoutMs,
        interceptors: [unanswered(peer), (next) => (req) => (req.header.set("x-request-id", requestId), next(req))],
      }),
    );
  };
}

/**
 * A guest call that runs out its deadline means the agent is hung, or gone before NATS noticed:
 * to the user that is an unreachable instance, named, not a bare "operation timed out".
 */
function unanswered(peer: string): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code !== Code.DeadlineExceeded) throw e;
      throw new ConnectError(`${peer} is not reachable (no answer to ${req.method.name} within ${guestCallTimeoutMs / 1000} s)`, Code.Unavailable);
    }
  };
}
