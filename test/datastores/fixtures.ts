// What the datastore tests share: the account a server runs as, and an address of its own.
import { execFileSync } from "node:child_process";
import net from "node:net";
import type { InstanceLayout } from "../../agent/src/datastores/manager.js";

/** As root, the first of `candidates` that exists (servers refuse or should not run as root); otherwise ourselves. */
export function serverAccount(candidates: string[]): InstanceLayout["runAs"] {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of candidates) {
    try {
      const id = (flag: string): number => Number(execFileSync("id", [flag, user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
      return { uid: id("-u"), gid: id("-g"), user };
    } catch {
      // no such account; try the next
    }
  }
  throw new Error(`none of the accounts ${candidates.join(", ")} exists to run the server as`);
}

const usedHosts = new Set<string>();

/** A loopback address no other test of this process uses, with `standardPort` on it when free (else any free port). */
export async function freeAddress(standardPort: number): Promise<{ host: string; port: number }> {
  let host: string;
  do host = `127.0.0.${100 + Math.floor(Math.random() * 151)}`;
  while (usedHosts.has(host));
  usedHosts.add(host);
  for (const port of [standardPort, 0]) {
    const found = await new Promise<number | undefined>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(undefined));
      server.listen({ host, port }, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : undefined));
      });
    });
    if (found) return { host, port: found };
  }
  throw new Error(`no free port on ${host}`);
}
