// `hoard up` needs a NATS server. When none answers at HOARD_NATS_URL it starts nats-server as a
// child process with JetStream storage under $HOARD_HOME/nats, and stops it on shutdown.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { connect } from "@nats-io/transport-node";
import type { Logger } from "../platform/logger.js";

export interface NatsChild {
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 1000, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

export async function ensureNats(url: string, home: string, logger: Logger): Promise<NatsChild | undefined> {
  if (await answers(url)) return undefined;
  const { hostname, port } = new URL(url.replace(/^nats:/, "http:"));
  const storeDir = path.join(home, "nats");
  fs.mkdirSync(storeDir, { recursive: true });
  const binary = fs.existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";
  const child: ChildProcess = spawn(binary, ["-a", hostname, "-p", port || "4222", "-js", "-sd", storeDir], {
    stdio: ["ignore", "ignore", fs.openSync(path.join(home, "nats-server.log"), "a")],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", (err) => logger.error({ err }, "nats-server failed to start (is the nats-server package installed?)"));
  for (let i = 0; i < 100; i++) {
    if (await answers(url)) {
      logger.info({ url, natsPid: child.pid }, "started nats-server");
      return {
        async stop() {
          child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`no NATS server answers at ${url} and nats-server could not be started (see ${home}/nats-server.log)`);
}
