// What a fresh Hoard needs before anyone can use it: a catalogue made from the engines installed
// on this host, and an admin project whose token is written to $HOARD_HOME/admin-token (0600).
import fs from "node:fs";
import path from "node:path";
import type { Db } from "../platform/db/index.js";
import type { Logger } from "../platform/logger.js";
import { bundledCatalogues } from "../platform/parameters/index.js";
import { hashToken, newToken } from "../platform/tokens.js";
import { createBootstrapStore, type DefaultFlavor, type DefaultVersion } from "./store/bootstrap.js";

/** Engines Hoard knows how to find on a Debian host, each with the server binary that proves it is installed. */
const candidateVersions: (DefaultVersion & { server: string })[] = [
  { datastore: "postgresql", version: "15", manager: "postgresql", binDir: "/usr/lib/postgresql/15/bin", server: "postgres" },
  { datastore: "mariadb", version: "10.11", manager: "mariadb", binDir: "/usr/sbin", server: "mariadbd" },
  { datastore: "redis", version: "7", manager: "redis", binDir: "/usr/bin", server: "redis-server" },
];

/** Trove-style numeric ids, so `openstack database instance create --flavor 2` keeps working. */
const defaultFlavors: DefaultFlavor[] = [
  { id: "1", name: "tiny", vcpus: 1, ramMb: 512 },
  { id: "2", name: "small", vcpus: 1, ramMb: 1024 },
  { id: "3", name: "medium", vcpus: 2, ramMb: 2048 },
  { id: "4", name: "large", vcpus: 4, ramMb: 4096 },
];

export async function bootstrap(db: Db, home: string, logger: Logger): Promise<{ adminTokenFile: string }> {
  const store = createBootstrapStore(db);
  for (const v of candidateVersions) {
    if (!fs.existsSync(path.join(v.binDir, v.server))) {
      logger.warn({ datastore: v.datastore, version: v.version, binDir: v.binDir }, "engine binaries not installed; version not registered");
      continue;
    }
    if (await store.ensureVersion(v)) logger.info({ datastore: v.datastore, version: v.version }, "datastore version registered");
  }
  for (const catalogue of bundledCatalogues()) {
    if (await store.ensureParameterCatalogue(catalogue.datastore, catalogue.version, JSON.stringify(catalogue))) {
      logger.info({ datastore: catalogue.datastore, version: catalogue.version, parameters: catalogue.parameters.length }, "parameter catalogue loaded");
    }
  }
  if (await store.ensureFlavors(defaultFlavors)) logger.info({ count: defaultFlavors.length }, "default flavors created");

  const adminTokenFile = path.join(home, "admin-token");
  const existing = fs.existsSync(adminTokenFile) ? fs.readFileSync(adminTokenFile, "utf8").trim() : "";
  if (!existing || !(await store.tokenExists(hashToken(existing)))) {
    const projectId = await store.ensureProject("admin");
    const token = newToken();
    await store.addToken(projectId, "bootstrap admin", hashToken(token), ["admin", "member", "reader"]);
    fs.writeFileSync(adminTokenFile, `${token}\n`, { mode: 0o600 });
    fs.chmodSync(adminTokenFile, 0o600);
    logger.info({ file: adminTokenFile }, "admin token written");
  }
  return { adminTokenFile };
}
