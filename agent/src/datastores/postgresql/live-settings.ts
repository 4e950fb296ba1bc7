// What the running server makes of its configuration files: applying them without a restart
// (pg_reload_conf), whether some setting still waits for one, and the values it runs with.
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { DatastoreEngineError } from "../errors.js";
import { ADMIN_DATABASE, adminSession } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { CONF_LOAD_TIME, PROBE, RELOAD_CONF, SETTINGS_NAMED } from "./queries.js";

/** A reload takes milliseconds; this only bounds a server too busy to get to it. */
const RELOAD_TIMEOUT_MS = 30_000;
const RELOAD_POLL_MS = 5;

/**
 * Makes the running server re-read its files and waits until it has, then says whether a changed
 * setting only a restart applies (PostgreSQL keeps running with the old value and flags it pending).
 * pg_reload_conf only signals: the postmaster re-reads the files, then signals every session, and
 * ours reloads before its next statement. So once this session's pg_conf_load_time() moves on, the
 * postmaster has reloaded too, and pg_settings here says what the server now runs with.
 */
export async function reloadAndCheck(ctx: InstanceContext, signal: AbortSignal): Promise<{ restartPending: boolean }> {
  return adminSession(
    ctx,
    ADMIN_DATABASE,
    "reloading the configuration",
    async (client) => {
      const before = await loadTime(client);
      await client.query(RELOAD_CONF);
      const deadline = Date.now() + RELOAD_TIMEOUT_MS;
      while ((await loadTime(client)) === before) {
        if (Date.now() > deadline) throw new DatastoreEngineError(`PostgreSQL did not reload its configuration within ${RELOAD_TIMEOUT_MS / 1000} s`);
        await sleep(RELOAD_POLL_MS, undefined, { signal });
      }
      return { restartPending: await restartPending(client) };
    },
    { signal },
  );
}

/** Whether the server runs with a setting that differs from its files until a restart. */
export async function restartPending(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ pending: boolean }>(PROBE);
  return rows[0]?.pending === true;
}

/**
 * The values the server runs with, by the names asked for (matched case-insensitively, reported
 * under the caller's spelling); names the server does not know are left out. Values are pg_settings'
 * `setting`: the base unit's integer for sizes and times (work_mem "4096", meaning kB), "on"/"off",
 * enum labels, which is the form the parameter catalogue validates and Configure takes back. The
 * session is not quiet, so log_statement and friends read as the server has them; its one statement
 * may show in the general log, and carries nothing secret.
 */
export async function effectiveParameters(ctx: InstanceContext, names: string[]): Promise<Record<string, string>> {
  if (names.length === 0) return {};
  const asked = new Map<string, string[]>();
  for (const name of names) asked.set(name.toLowerCase(), [...(asked.get(name.toLowerCase()) ?? []), name]);
  return adminSession(
    ctx,
    ADMIN_DATABASE,
    "reading parameters",
    async (client) => {
      const { rows } = await client.query<{ name: string; setting: string | null }>(SETTINGS_NAMED, [[...asked.keys()]]);
      const values: Record<string, string> = {};
      for (const row of rows) for (const name of asked.get(row.name) ?? []) values[name] = row.setting ?? "";
      return values;
    },
    { quiet: false },
  );
}

async function loadTime(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ loaded: string }>(CONF_LOAD_TIME);
  return rows[0]?.loaded ?? "";
}
