// A real nats-server per test file, on a free port of 127.0.0.1 with its own temp directory.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port, as after a NATS restart. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const natsServerBin = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export async function startNatsServer(): Promise<NatsServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "hoard-nats-"));
  const port = await freePort("127.0.0.1");
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const proc = spawn(natsServerBin, ["-a", "127.0.0.1", "-p", String(port)], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    let output = "";
    proc.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await accepts("127.0.0.1", port))) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server did not start on port ${port}: ${output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function kill(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
  }

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A port nobody listens on at `host` right now. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
