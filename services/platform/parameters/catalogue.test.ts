import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../errors.js";
import { CatalogueError, bundledCatalogueDir, bundledCatalogues, loadBundledCatalogue, parseCatalogue } from "./catalogue.js";

/** Parameters that would take an instance away from Hoard (addresses, files, accounts, process control). */
const FORBIDDEN = [
  // PostgreSQL
  "listen_addresses", "port", "unix_socket_directories", "unix_socket_permissions", "unix_socket_group", "data_directory",
  "hba_file", "ident_file", "config_file", "external_pid_file", "logging_collector", "log_directory", "log_filename",
  "log_destination", "log_file_mode", "log_rotation_age", "log_rotation_size", "log_truncate_on_rotation",
  "ssl", "ssl_cert_file", "ssl_key_file", "ssl_ca_file", "password_encryption", "shared_preload_libraries",
  "session_preload_libraries", "local_preload_libraries", "dynamic_library_path", "archive_command", "restore_command",
  "superuser_reserved_connections",
  // MariaDB
  "bind_address", "socket", "datadir", "basedir", "pid_file", "log_error", "general_log_file", "slow_query_log_file",
  "skip_networking", "secure_file_priv", "plugin_load", "plugin_load_add", "plugin_dir", "local_infile", "init_file",
  "init_connect", "skip_grant_tables", "tmpdir", "log_bin", "symbolic_links", "skip_name_resolve", "user",
  // Redis
  "bind", "unixsocket", "unixsocketperm", "protected-mode", "dir", "dbfilename", "logfile", "pidfile", "daemonize",
  "supervised", "include", "rename-command", "requirepass", "masterauth", "aclfile", "appendonly", "appendfilename",
  "appenddirname", "save", "enable-protected-configs", "enable-debug-command", "enable-module-command", "loadmodule",
];

describe("bundled catalogues", () => {
  const catalogues = bundledCatalogues();

  it("cover PostgreSQL 15, MariaDB 10.11 and Redis 7", () => {
    expect(catalogues.map((c) => `${c.datastore} ${c.version}`)).toEqual(["mariadb 10.11", "postgresql 15", "redis 7"]);
  });

  it.each(catalogues.map((c) => [`${c.datastore} ${c.version}`, c] as const))("%s parses with at least 30 parameters", (_, c) => {
    expect(c.parameters.length).toBeGreaterThanOrEqual(30);
  });

  it.each(catalogues.map((c) => [`${c.datastore} ${c.version}`, c] as const))("%s has no parameter Hoard must control", (_, c) => {
    const names = c.parameters.map((p) => p.name.toLowerCase().replaceAll("-", "_"));
    expect(names.filter((n) => FORBIDDEN.some((f) => f.replaceAll("-", "_") === n))).toEqual([]);
    // Anything else that sounds like a place or a credential must have been reviewed (and listed here).
    const suspicious = new Set(["file", "dir", "directory", "socket", "path", "ssl", "tls", "password", "pass", "library", "libraries", "port", "bind", "address", "host"]);
    const reviewed = ["innodb_log_file_size", "innodb_file_per_table"];
    expect(names.filter((n) => n.split("_").some((w) => suspicious.has(w)) && !reviewed.includes(n))).toEqual([]);
  });

  it("keep numbers within JavaScript's safe integers", () => {
    for (const c of catalogues) {
      for (const p of c.parameters) if (p.type === "integer") expect(Number.isSafeInteger(p.min) && Number.isSafeInteger(p.max), p.name).toBe(true);
    }
  });

  it("are found relative to the repository, loaded by name and cached", () => {
    expect(existsSync(join(bundledCatalogueDir(), "postgresql-15.json"))).toBe(true);
    const pg = loadBundledCatalogue("postgresql", "15");
    expect(pg.booleans).toEqual(["on", "off"]);
    expect(loadBundledCatalogue("postgresql", "15")).toBe(pg);
    expect(Object.isFrozen(pg.parameters[0])).toBe(true);
  });

  it.each([
    ["postgresql", "9.6"],
    ["mongodb", "7"],
    ["..", "postgresql-15"],
    ["postgresql/../postgresql", "15"],
  ])("NotFound for %s %s", (datastore, version) => {
    expect(() => loadBundledCatalogue(datastore, version)).toThrow(NotFoundError);
  });
});

describe("parseCatalogue", () => {
  const valid = {
    datastore: "postgresql",
    version: "15",
    booleans: ["on", "off"],
    parameters: [
      { name: "work_mem", type: "integer", min: 64, max: 2147483647, unit: "kB", restartRequired: false, engineDefault: "4096", description: "Sort memory." },
      { name: "wal_level", type: "string", allowed: ["replica", "logical"], restartRequired: true, description: "WAL detail." },
      { name: "jit", type: "boolean", restartRequired: false, engineDefault: "on", description: "JIT." },
      { name: "seq_page_cost", type: "float", min: 0, max: 1e300, restartRequired: false, engineDefault: "1", description: "Cost." },
      { name: "notify", type: "string", pattern: "[a-z]*", restartRequired: false, description: "Free text." },
    ],
  };

  it("accepts a well-formed catalogue", () => {
    const c = parseCatalogue(valid);
    expect(c.parameters.map((p) => p.name)).toEqual(["work_mem", "wal_level", "jit", "seq_page_cost", "notify"]);
  });

  it("lists every problem at once", () => {
    const bad = {
      datastore: "PostgreSQL",
      version: "15",
      booleans: ["on", "ON"],
      extra: 1,
      parameters: [
        { name: "work_mem", type: "integer", min: 100, max: 10, restartRequired: false, description: "x" },
        { name: "work_mem", type: "integer", min: 1, max: 2, restartRequired: false, description: "x" },
        { name: "a", type: "int", restartRequired: false, description: "x" },
        { name: "b", type: "integer", min: 0, max: 2 ** 60, restartRequierd: true, description: "x" },
        { name: "c", type: "string", allowed: ["x", "X"], pattern: "(", restartRequired: false, description: "" },
        { name: "d", type: "boolean", restartRequired: "no", description: "x", engineDefault: "maybe" },
        { name: "e", type: "integer", min: 0, max: 10, restartRequired: false, description: "x", engineDefault: "20" },
        { name: "f", type: "integer", min: 0, max: 10, restartRequired: false, description: "x", engineDefault: "007" },
        "g",
      ],
    };
    let error: CatalogueError | undefined;
    try {
      parseCatalogue(bad, "bad.json");
    } catch (err) {
      error = err as CatalogueError;
    }
    expect(error).toBeInstanceOf(CatalogueError);
    const text = error?.problems.join("\n") ?? "";
    for (const expected of [
      'unknown field "extra"',
      "datastore must be a lower-case engine id",
      "booleans must be the engine's spelling",
      'parameters[0] "work_mem": min 100 is above max 10',
      'parameters[1] "work_mem": listed twice',
      'parameters[2] "a": type must be one of integer, float, boolean, string',
      'parameters[3] "b": unknown field "restartRequierd"',
      'parameters[3] "b": max must be an integer within',
      'parameters[3] "b": restartRequired must be true or false',
      'parameters[4] "c": allowed lists a value twice',
      'parameters[4] "c": give allowed or pattern, not both',
      'parameters[4] "c": pattern is not a regular expression',
      'parameters[4] "c": description must be a non-empty string',
      'parameters[5] "d": restartRequired must be true or false',
      'parameters[6] "e": engineDefault "20": must be between 0 and 10',
      'parameters[7] "f": engineDefault must be written as it renders, "7"',
      "parameters[8]: must be an object",
    ]) {
      expect(text).toContain(expected);
    }
    expect(error?.message).toMatch(/^bad\.json: \d+ problems:\n- /);
  });

  it("refuses what is not an object", () => {
    expect(() => parseCatalogue([])).toThrow("catalogue: must be a JSON object");
    expect(() => parseCatalogue({ ...valid, parameters: [] })).toThrow("parameters must be a non-empty list");
  });
});
