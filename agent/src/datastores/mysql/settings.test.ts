import { describe, expect, it } from "vitest";
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import { parseClientError, parseRows, renderAdminOptionFile } from "./client.js";
import { nativePasswordHash } from "./native-password.js";
import { resolvePaths } from "./paths.js";
import { applyParameters, deriveLogSettings, deriveMemorySettings, deriveServerSettings, parseOptionFile, renderOptionFile } from "./settings.js";
import { account, grantDatabase, ident, text, unescapeGrantDatabase } from "./sql.js";

describe("deriveMemorySettings", () => {
  it.each([
    // ramMb, buffer pool, redo log, max_connections, tmp tables, key buffer, table cache
    [256, "128M", "32M", 25, "16M", "8M", 400],
    [512, "256M", "64M", 50, "16M", "8M", 400],
    [1024, "512M", "128M", 100, "32M", "16M", 512],
    [4096, "2048M", "512M", 400, "128M", "64M", 2048],
    [8192, "6144M", "1536M", 800, "256M", "128M", 4000],
    [65536, "49152M", "2048M", 1000, "256M", "128M", 4000],
  ])("%i MiB", (ramMb, pool, log, connections, tmp, key, tables) => {
    expect(Object.fromEntries(deriveMemorySettings(ramMb, 2))).toEqual({
      innodb_buffer_pool_size: pool,
      innodb_log_file_size: log,
      max_connections: connections,
      tmp_table_size: tmp,
      max_heap_table_size: tmp,
      key_buffer_size: key,
      table_open_cache: tables,
    });
  });

  it("refuses flavors the server cannot run in", () => {
    expect(() => deriveMemorySettings(128, 1)).toThrow(DatastoreSpecError);
    expect(() => deriveMemorySettings(1024, 0)).toThrow(DatastoreSpecError);
    expect(() => deriveMemorySettings(1024.5, 1)).toThrow(DatastoreSpecError);
  });
});

describe("my.cnf", () => {
  const layout: InstanceLayout = {
    instanceId: "i-1",
    root: "/srv/hoard/i-1",
    dataDir: "/srv/hoard/i-1/volume/data",
    runDir: "/run/hoard/i-1",
    logDir: "/srv/hoard/i-1/log",
    host: "127.10.0.3",
    port: 3306,
    runAs: undefined,
    binDir: "/usr/sbin",
    cacheDir: "/srv/hoard/cache",
  };
  const paths = resolvePaths(layout);

  it("puts the layout's files and address in one [mysqld] group, quoting what needs it", () => {
    const text = renderOptionFile([...deriveServerSettings(layout, paths, "/usr"), ...deriveLogSettings(paths)]);
    expect(text).toContain("\n[mysqld]\n");
    expect(text).toContain("datadir = /srv/hoard/i-1/volume/data\n");
    expect(text).toContain("socket = /run/hoard/i-1/mysqld.sock\n");
    expect(text).toContain("bind-address = 127.10.0.3\nport = 3306\n");
    expect(text).toContain("skip-name-resolve = ON\n");
    expect(text).toContain("local-infile = OFF\nsymbolic-links = OFF\n");
    expect(text).toContain("secure-file-priv = /run/hoard/i-1/files\n");
    expect(text).toContain("log-error = /srv/hoard/i-1/log/error.log\nlog_output = FILE\nslow_query_log = OFF\n");
    expect(paths.optionFile).toBe("/srv/hoard/i-1/volume/my.cnf");
    expect(renderOptionFile([["x", 'a #b"c']])).toContain('x = "a #b\\"c"\n');
    expect(() => renderOptionFile([["x", "a\nb"]])).toThrow(DatastoreSpecError);
  });

  it("lets parameters win over derived settings, refuses the agent's own, and reads the file back", () => {
    const merged = applyParameters([...deriveMemorySettings(512, 1), ...deriveLogSettings(paths)], {
      "max-connections": "77",
      sql_mode: "STRICT_TRANS_TABLES,NO_ZERO_DATE",
      wait_timeout: "600",
    });
    expect(merged.find(([n]) => n === "max_connections")).toEqual(["max_connections", "77"]);
    expect(merged.slice(-2)).toEqual([["sql_mode", "STRICT_TRANS_TABLES,NO_ZERO_DATE"], ["wait_timeout", "600"]]);
    expect(parseOptionFile(renderOptionFile([...merged, ["x", 'a #b"c']]))).toEqual(
      [...merged, ["x", 'a #b"c']].map(([n, v]) => [n, typeof v === "boolean" ? (v ? "ON" : "OFF") : String(v)]),
    );
    expect(() => applyParameters([], { datadir: "/elsewhere" })).toThrow(/managed by Hoard/);
    expect(() => applyParameters([], { "log-output": "TABLE" })).toThrow(/managed by Hoard/);
    expect(() => applyParameters([], { "x; DROP": "1" })).toThrow(DatastoreSpecError);
  });

  it("keeps the admin password quoted in the client option file", () => {
    expect(renderAdminOptionFile("/r/s.sock", 'p"w\\d')).toContain('password = "p\\"w\\\\d"\n');
  });
});

describe("SQL quoting and client output", () => {
  it("quotes names, escapes grant wildcards and hex-encodes awkward strings", () => {
    expect(ident("a`b")).toBe("`a``b`");
    expect(account("bob", "%")).toBe("`bob`@`%`");
    expect(grantDatabase("my_db")).toBe("`my\\_db`");
    expect(unescapeGrantDatabase("my\\_db")).toBe("my_db");
    expect(text("utf8mb4")).toBe("'utf8mb4'");
    expect(text("a'b")).toBe("CONVERT(X'612762' USING utf8mb4)");
  });

  it("hashes passwords the way mysql_native_password stores them", () => {
    // SELECT PASSWORD('secret') on MariaDB 10.11
    expect(nativePasswordHash("secret")).toBe("*14E65567ABDB5135D0CFD9A70B3032C179A49EE7");
  });

  it("parses batch rows and client errors", () => {
    expect(parseRows("a\\tb\tNULL\n\\\\x\t\n")).toEqual([["a\tb", "NULL"], ["\\x", ""]]);
    expect(parseRows("")).toEqual([]);
    expect(parseClientError("ERROR 1396 (HY000) at line 2: Operation CREATE USER failed for 'u'@'%'\n")).toEqual({
      errno: 1396,
      sqlState: "HY000",
      message: "Operation CREATE USER failed for 'u'@'%'",
    });
    expect(parseClientError("ERROR 2002 (HY000): Can't connect to local server through socket '/x' (2)")?.errno).toBe(2002);
  });
});
