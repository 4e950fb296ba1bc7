// Waiting for an instance's public status the way a user polls GetInstance.
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient } from "./clients.js";
import { waitUntil, type Stack } from "./harness.js";

/** Waits for `status`; ERROR ends the wait at once with the fault, unless ERROR is what is awaited. */
export async function waitForStatus(stack: Stack, id: string, status: InstanceStatus, timeoutMs = 90_000): Promise<Instance> {
  const client = connectClient(stack.url, stack.token);
  let fault: string | undefined;
  const reached = await waitUntil(
    async () => {
      const { instance } = await client.getInstance({ id });
      if (instance?.status === InstanceStatus.ERROR && status !== InstanceStatus.ERROR) fault = instance.fault?.message ?? instance.serviceDetail;
      return instance?.status === status || fault !== undefined ? instance : undefined;
    },
    `${id} ${InstanceStatus[status]}`,
    timeoutMs,
    100,
  );
  if (fault !== undefined) throw new Error(`${id} went to ERROR: ${fault}`);
  return reached;
}
