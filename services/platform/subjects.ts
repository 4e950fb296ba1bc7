// Every NATS subject Hoard uses is built here, so permissions and wildcards stay in one place.

const idPattern = /^[A-Za-z0-9-]+$/;

function token(value: string): string {
  // A dot or wildcard in an id would let one instance address another's subjects.
  if (!idPattern.test(value)) throw new Error(`invalid subject token "${value}"`);
  return value;
}

/** Request/reply subject of one guest agent method: hoard.agent.<instance_id>.<Method>. */
export function agentSubject(instanceId: string, method: string): string {
  return `hoard.agent.${token(instanceId)}.${token(method)}`;
}

/** Everything one agent serves; the agent subscribes to this. */
export function agentWildcard(instanceId: string): string {
  return `hoard.agent.${token(instanceId)}.*`;
}

export type ConductorKind = "heartbeat";

/** Agent-to-conductor report subject: hoard.conductor.<instance_id>.<kind>. */
export function conductorSubject(instanceId: string, kind: ConductorKind): string {
  return `hoard.conductor.${token(instanceId)}.${kind}`;
}

/** What the conductors subscribe to for one kind of report, across all instances. */
export function conductorWildcard(kind: ConductorKind): string {
  return `hoard.conductor.*.${kind}`;
}

/** Queue group shared by all conductor replicas, so each report is applied once. */
export const conductorQueue = "hoard-conductor";

/** Instance id from a subject built by agentSubject or conductorSubject. */
export function instanceIdOf(subject: string): string {
  return subject.split(".")[2] ?? "";
}
