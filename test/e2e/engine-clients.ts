// The command-line clients a user connects with (psql lives in harness.ts): mariadb and redis-cli.
// Passwords go through the environment, never argv.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ClientResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function capture(cmd: string, args: string[], env: Record<string, string>): Promise<ClientResult> {
  try {
    const { stdout, stderr } = await run(cmd, args, { env: { ...process.env, ...env }, timeout: 20_000 });
    return { code: 0, stdout: stdout.trim(), stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: (e.stdout ?? "").trim(), stderr: e.stderr ?? "" };
  }
}

/** `mariadb -h HOST -P PORT -u USER [DB] -e SQL`, as a user would type it. */
export function mariadb(host: string, port: number, user: string, password: string, database: string, sql: string): Promise<ClientResult> {
  const args = ["-h", host, "-P", String(port), "-u", user, "--connect-timeout=5", "--batch", "--skip-column-names", "-e", sql];
  if (database) args.push(database);
  return capture("mariadb", args, { MYSQL_PWD: password });
}

/** `redis-cli -h HOST -p PORT --user USER ARGS...`; redis-cli prints errors on stdout with exit 0, so check the text. */
export function redisCli(host: string, port: number, user: string, password: string, ...command: string[]): Promise<ClientResult> {
  return capture("redis-cli", ["-h", host, "-p", String(port), "--user", user, "--no-auth-warning", ...command], { REDISCLI_AUTH: password });
}
