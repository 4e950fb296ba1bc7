// The superuser account users may enable: a role `root`, SUPERUSER LOGIN with a SCRAM password.
// pg_hba.conf rejects the agent's superuser (postgres) over TCP but lets every other role in with
// scram-sha-256, root included, so root needs no special rule (see config-files.ts).
import type { RootCredentials } from "../manager.js";
import { alterSuperuser, createSuperuser, disableSuperuser, ROLE_LOGIN, TERMINATE_SESSIONS } from "./admin-queries.js";
import { ADMIN_DATABASE, adminSession, SqlState, sqlState } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { assertPassword } from "./names.js";
import { ROLE_EXISTS } from "./queries.js";
import { passwordForSql } from "./scram.js";

/** Name of the superuser account users get; reserved for user names (datastore-names.ts). */
export const ROOT_ROLE = "root";

/** Creates root, or makes an existing (disabled) root a superuser that logs in with this password. */
export async function enableRoot(ctx: InstanceContext, password: string): Promise<RootCredentials> {
  assertPassword("root password", password);
  const verifier = await passwordForSql(password);
  await adminSession(ctx, ADMIN_DATABASE, "enabling root", async (client) => {
    if ((await client.query(ROLE_EXISTS, [ROOT_ROLE])).rowCount) {
      await client.query(alterSuperuser(ROOT_ROLE, verifier));
      return;
    }
    await client.query(createSuperuser(ROOT_ROLE, verifier)).catch(async (err: unknown) => {
      if (sqlState(err) !== SqlState.duplicateObject) throw err;
      await client.query(alterSuperuser(ROOT_ROLE, verifier));
    });
  });
  ctx.logger.info("postgresql root enabled");
  return { name: ROOT_ROLE, password };
}

/** True when root exists and can log in as a superuser. */
export async function rootEnabled(ctx: InstanceContext): Promise<boolean> {
  return adminSession(ctx, ADMIN_DATABASE, "checking root", async (client) => {
    const { rows } = await client.query<{ enabled: boolean }>(ROLE_LOGIN, [ROOT_ROLE]);
    return rows[0]?.enabled === true;
  });
}

/**
 * Disables root rather than dropping it: NOLOGIN, no password, no superuser power, and its sessions
 * ended. What root created (databases, tables, grants) keeps its owner and keeps working, which a
 * DROP ROLE could not promise (it would hand everything to the agent's account and drop root's
 * grants); enabling root again gives back the same account. A no-op when root was never enabled.
 */
export async function disableRoot(ctx: InstanceContext): Promise<void> {
  await adminSession(ctx, ADMIN_DATABASE, "disabling root", async (client) => {
    if (!(await client.query(ROLE_EXISTS, [ROOT_ROLE])).rowCount) return;
    await client.query(disableSuperuser(ROOT_ROLE));
    await client.query(TERMINATE_SESSIONS, [ROOT_ROLE, null]);
  });
  ctx.logger.info("postgresql root disabled");
}
