// hoard.taskmanager.v1.TaskManagerService: the gateway's nudge to look for new tasks now.
import type { ConnectRouter } from "@connectrpc/connect";
import { TaskManagerService } from "../../../gen/proto/hoard/taskmanager/v1/taskmanager_pb.js";

export function registerTaskManagerService(router: ConnectRouter, kick: () => void): void {
  router.service(TaskManagerService, {
    submitTask() {
      kick();
      return { accepted: true };
    },
  });
}
