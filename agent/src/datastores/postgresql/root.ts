// The account users may enable: a role `root`, modelled on Amazon RDS's master user, with a SCRAM
// password. A superuser could read and write any file the server's OS account can and run programs
// as it (pg_read_file, COPY ... PROGRAM, lo_import); each instance has an account of its own, but
// the host is not the tenant's to roam either (and a host may share one account between
// instances when configured so). Root therefore gets broad rights inside the database and
// none on the host: LOGIN and CREATEDB, every table's data and the monitoring roles (ROOT_ROLES in
// admin-queries.ts), CONNECT on every database Hoard made, but no SUPERUSER, no pg_*_server_*
// role, and no CREATEROLE (which before PostgreSQL 16 could grant itself those roles); users are
// made through Hoard's user API. pg_hba.conf rejects the agent's superuser (postgres) over TCP but
// lets every other role in with scram-sha-256, root included (see config-files.ts).
import type { RootCredentials } from "../manager.js";
import {
  alterRoot,
  createRoot,
  disableRoot as disableRootSql,
  grantDatabaseToRoot,
  grantRootRoles,
  LIST_DATABASES,
  revokeHostRoles,
  ROLE_LOGIN,
  TERMINATE_SESSIONS,
} from "./admin-queries.js";
import type pg from "pg";
import { ADMIN_DATABASE, adminSession, SqlState, sqlState } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { assertPassword } from "./names.js";
import { ROLE_EXISTS } from "./queries.js";
import { passwordForSql } from "./scram.js";

/** Name of the account users get; reserved for user names (datastore-names.ts). */
export const ROOT_ROLE = "root";

/**
 * Creates root, or resets an existing one (disabled, or a superuser from an older enable) to root's
 * attributes and this password. Either way root ends up with exactly its predefined roles, none of
 * the host-reaching ones, and CONNECT on every database.
 */
export async function enableRoot(ctx: InstanceContext, password: string): Promise<RootCredentials> {
  assertPassword("root password", password);
  const verifier = await passwordForSql(password);
  await adminSession(ctx, ADMIN_DATABASE, "enabling root", async (client) => {
    if ((await client.query(ROLE_EXISTS, [ROOT_ROLE])).rowCount) {
      await client.query(alterRoot(ROOT_ROLE, verifier));
    } else {
      await client.query(createRoot(ROOT_ROLE, verifier)).catch(async (err: unknown) => {
        if (sqlState(err) !== SqlState.duplicateObject) throw err;
        await client.query(alterRoot(ROOT_ROLE, verifier));
      });
    }
    await client.query(revokeHostRoles(ROOT_ROLE));
    await client.query(grantRootRoles(ROOT_ROLE));
    const { rows } = await client.query<{ name: string }>(LIST_DATABASES);
    for (const { name } of rows) await client.query(grantDatabaseToRoot(name, ROOT_ROLE));
  });
  ctx.logger.info("postgresql root enabled");
  return { name: ROOT_ROLE, password };
}

/** A database made while root exists is opened to root too, as enableRoot opens the others. */
export async function openDatabaseToRoot(client: pg.Client, database: string): Promise<void> {
  if ((await client.query(ROLE_EXISTS, [ROOT_ROLE])).rowCount) await client.query(grantDatabaseToRoot(database, ROOT_ROLE));
}

/** True when root exists and can log in. */
export async function rootEnabled(ctx: InstanceContext): Promise<boolean> {
  return adminSession(ctx, ADMIN_DATABASE, "checking root", async (client) => {
    const { rows } = await client.query<{ enabled: boolean }>(ROLE_LOGIN, [ROOT_ROLE]);
    return rows[0]?.enabled === true;
  });
}

/**
 * Disables root rather than dropping it: NOLOGIN, no password, and its sessions ended. What root
 * created (databases, tables, grants) keeps its owner and keeps working, which a DROP ROLE could
 * not promise (it would hand everything to the agent's account and drop root's grants); enabling
 * root again gives back the same account. A no-op when root was never enabled.
 */
export async function disableRoot(ctx: InstanceContext): Promise<void> {
  await adminSession(ctx, ADMIN_DATABASE, "disabling root", async (client) => {
    if (!(await client.query(ROLE_EXISTS, [ROOT_ROLE])).rowCount) return;
    await client.query(disableRootSql(ROOT_ROLE));
    await client.query(TERMINATE_SESSIONS, [ROOT_ROLE, null]);
  });
  ctx.logger.info("postgresql root disabled");
}
