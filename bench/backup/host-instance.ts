// What an operator on the host knows about one PostgreSQL instance, read from the instance.json
// the local provider writes under $HOARD_HOME/instances/<id>/: the server's OS account, its socket
// directory and port, its binaries. The by-hand backup uses nothing else.
import fs from "node:fs";
import path from "node:path";

/** One instance as seen from the host. */
export interface HostInstance {
  id: string;
  /** The server's OS account; PostgreSQL's peer map lets it act as the superuser on the socket. */
  account: { user: string; uid: number; gid: number };
  runDir: string;
  dataDir: string;
  logDir: string;
  port: number;
  binDir: string;
}

/** Reads instance.json of `id`; throws when the instance has none or runs as the bench's own account. */
export function hostInstance(home: string, id: string): HostInstance {
  const file = path.join(home, "instances", id, "instance.json");
  const config = JSON.parse(fs.readFileSync(file, "utf8")) as {
    runAs: { user: string; uid: number; gid: number } | null;
    runDir: string;
    dataDir: string;
    logDir: string;
    port: number;
    binDir: string;
  };
  if (!config.runAs) throw new Error(`${file}: the server runs as the agent's own account; run the bench as root`);
  const { runAs, runDir, dataDir, logDir, port, binDir } = config;
  return { id, account: runAs, runDir, dataDir, logDir, port, binDir };
}
