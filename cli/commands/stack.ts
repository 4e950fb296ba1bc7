// `hoard up` and `hoard serve <service>`: run the control plane in the foreground. Loaded lazily
// so everyday commands never pay for the services' start-up imports.
import type { Command } from "commander";

const services = ["gateway", "taskmanager", "conductor"] as const;

export function registerStackCommands(program: Command): void {
  program
    .command("up")
    .description("run the whole stack in the foreground on the embedded default (SQLite, local NATS, local compute)")
    .action(async () => {
      const { runServices } = await import("../../services/stack/up.js");
      await runServices([...services], { startNats: true });
    });

  program
    .command("serve")
    .description("run one service in the foreground (gateway, taskmanager or conductor)")
    .argument("<service>", services.join("|"))
    .action(async (service: string) => {
      const name = services.find((s) => s === service);
      if (!name) program.error(`error: unknown service "${service}" (expected ${services.join(", ")})`, { exitCode: 2 });
      const { runServices } = await import("../../services/stack/up.js");
      await runServices([name], { startNats: false });
    });
}
