// "The first answered query" for each engine, asked the same way for the by-hand floor and for
// Hoard: retry until the server answers, with a deadline.
import { execFile } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface Target {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export type Asker = (t: Target) => Promise<void>;

async function retry(ask: () => Promise<void>, deadline: number): Promise<void> {
  for (;;) {
    try {
      await ask();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const postgresql: Asker = async (t) => {
  const client = new pg.Client({ ...t, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => undefined);
  }
};

const mariadb: Asker = async (t) => {
  const args = ["-h", t.host, "-P", String(t.port), "-u", t.user, "--connect-timeout=1", "-e", "select 1"];
  if (t.database) args.push(t.database);
  await run("mariadb", args, { env: { ...process.env, MYSQL_PWD: t.password }, timeout: 5000 });
};

/** AUTH (when a password is given) and PING in raw RESP: no client library in the loop. */
const redis: Asker = (t) =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host: t.host, port: t.port });
    const auth = t.password ? `*3\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(t.user)}\r\n${t.user}\r\n$${Buffer.byteLength(t.password)}\r\n${t.password}\r\n` : "";
    let reply = "";
    socket.setTimeout(1000, () => socket.destroy(new Error("timeout")));
    socket.once("error", reject);
    socket.on("connect", () => socket.write(`${auth}*1\r\n$4\r\nPING\r\n`));
    socket.on("data", (d) => {
      reply += d.toString();
      if (reply.includes("PONG")) {
        socket.end();
        resolve();
      } else if (reply.startsWith("-") || reply.includes("\r\n-")) {
        socket.destroy();
        reject(new Error(reply.trim()));
      }
    });
  });

const askers: Record<string, Asker> = { postgresql, mariadb, redis };

export function firstAnswer(engine: string, target: Target, deadline: number): Promise<void> {
  const ask = askers[engine];
  if (!ask) throw new Error(`no asker for ${engine}`);
  return retry(() => ask(target), deadline);
}
