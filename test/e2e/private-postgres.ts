// A throwaway PostgreSQL server for tests that need one as the control plane's state database,
// so they never depend on a server the machine may or may not run.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./harness.js";

const run = promisify(execFile);
const binDir = "/usr/lib/postgresql/15/bin";

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoard-state-"));
  fs.chmodSync(dir, 0o755);
  const user = process.getuid?.() === 0 ? "postgres" : os.userInfo().username;
  const as = { uid: Number(execFileSync("id", ["-u", user]).toString()), gid: Number(execFileSync("id", ["-g", user]).toString()) };
  fs.chownSync(dir, as.uid, as.gid);
  const data = path.join(dir, "data");
  const port = await freePort();
  await run(path.join(binDir, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], as);
  await run(path.join(binDir, "pg_ctl"), ["-D", data, "-w", "-s", "-l", path.join(dir, "log"), "-o", `-k ${dir} -h 127.0.0.1 -p ${port}`, "start"], as);
  await run(path.join(binDir, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-c", "create database hoard"], as);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/hoard`,
    async stop() {
      await run(path.join(binDir, "pg_ctl"), ["-D", data, "-w", "-s", "-m", "fast", "stop"], as).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
