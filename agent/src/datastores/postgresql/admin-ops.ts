// DatastoreAdmin for PostgreSQL: databases.ts, users.ts, access.ts and root.ts behind the manager's
// queue, so administration never overlaps a prepare, start, stop or restart of the same instance.
import type { SerialQueue } from "../common/serial-queue.js";
import type { DatastoreAdmin } from "../manager.js";
import { grantAccess, revokeAccess } from "./access.js";
import type { InstanceContext } from "./context.js";
import { createDatabase, deleteDatabase, listDatabases } from "./databases.js";
import { disableRoot, enableRoot, rootEnabled } from "./root.js";
import { createUser, deleteUser, listUsers, updateUser } from "./users.js";

export function createPostgresqlAdmin(ctx: InstanceContext, serial: SerialQueue): DatastoreAdmin {
  return {
    capabilities: Object.freeze({ databases: true, userHosts: false, grants: true }),
    listDatabases: () => serial(() => listDatabases(ctx)),
    createDatabase: (spec) => serial(() => createDatabase(ctx, spec)),
    deleteDatabase: (name) => serial(() => deleteDatabase(ctx, name)),
    listUsers: () => serial(() => listUsers(ctx)),
    createUser: (spec) => serial(() => createUser(ctx, spec)),
    deleteUser: (name, host) => serial(() => deleteUser(ctx, name, host)),
    updateUser: (name, host, changes) => serial(() => updateUser(ctx, name, host, changes)),
    grantAccess: (name, host, databases) => serial(() => grantAccess(ctx, name, host, databases)),
    revokeAccess: (name, host, database) => serial(() => revokeAccess(ctx, name, host, database)),
    enableRoot: (password) => serial(() => enableRoot(ctx, password)),
    rootEnabled: () => serial(() => rootEnabled(ctx)),
    disableRoot: () => serial(() => disableRoot(ctx)),
  };
}
