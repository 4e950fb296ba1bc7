// The by-hand floor of each engine, as a DBA would start a fresh server on this machine: the
// engine's own initialisation and start commands, as an unprivileged account, then the first
// answered query. Nothing Hoard-specific is used.
import { execFile, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { firstAnswer } from "./first-answer.js";

const run = promisify(execFile);

function account() {
  const user = process.getuid?.() === 0 ? (exists("hoard") ? "hoard" : "postgres") : os.userInfo().username;
  return { user, uid: Number(execFileSync("id", ["-u", user]).toString()), gid: Number(execFileSync("id", ["-g", user]).toString()) };
}

function exists(user: string): boolean {
  try {
    execFileSync("id", [user], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function scratch(): { dir: string; as: { uid: number; gid: number } } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  fs.chmodSync(dir, 0o755);
  const { uid, gid } = account();
  fs.chownSync(dir, uid, gid);
  return { dir, as: { uid, gid } };
}

/** Times one fresh server from nothing to its first answer; stops it and removes it afterwards. */
export async function byHand(engine: string, host: string, port: number): Promise<number> {
  const { dir, as } = scratch();
  const data = path.join(dir, "data");
  const deadline = Date.now() + 60_000;
  const started = performance.now();
  let stop: () => Promise<void>;
  if (engine === "postgresql") {
    const bin = "/usr/lib/postgresql/15/bin";
    await run(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], as);
    await run(path.join(bin, "pg_ctl"), ["-D", data, "-w", "-s", "-l", path.join(dir, "log"), "-o", `-k ${dir} -h ${host} -p ${port}`, "start"], as);
    await firstAnswer(engine, { host, port, user: "postgres", password: "", database: "postgres" }, deadline);
    stop = async () => void (await run(path.join(bin, "pg_ctl"), ["-D", data, "-w", "-s", "-m", "immediate", "stop"], as));
  } else if (engine === "mariadb") {
    await run("mariadb-install-db", ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=normal", "--skip-test-db"], as);
    const server = spawn("/usr/sbin/mariadbd", ["--no-defaults", `--datadir=${data}`, `--socket=${dir}/s`, `--pid-file=${dir}/pid`, `--bind-address=${host}`, `--port=${port}`, "--skip-name-resolve"], { ...as, stdio: "ignore" });
    await firstAnswer(engine, { host, port, user: "root", password: "", database: "" }, deadline);
    stop = () => kill(server);
  } else {
    const server = spawn("/usr/bin/redis-server", ["--port", String(port), "--bind", host, "--save", "", "--appendonly", "no", "--dir", dir], { ...as, stdio: "ignore" });
    await firstAnswer(engine, { host, port, user: "default", password: "", database: "" }, deadline);
    stop = () => kill(server);
  }
  const elapsed = performance.now() - started;
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return elapsed;
}

function kill(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}
