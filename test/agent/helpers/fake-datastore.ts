// An in-memory DatastoreManager for the agent's own tests: it records calls, and crash() makes
// the "server" die the way a real one would (probe says CRASHED until someone starts it). Its
// databases, users and root live in memory and fail the way an engine's do (NotFound, Conflict).
import { Readable } from "node:stream";
import {
  DatastoreConflictError,
  DatastoreNotFoundError,
  DatastoreSpecError,
} from "../../../agent/src/datastores/errors.js";
import type {
  DatabaseInfo,
  DatastoreAdmin,
  DatastoreCapabilities,
  DatastoreManager,
  InstanceLayout,
  GuestLogInfo,
  PrepareSpec,
  ServerSettings,
  ServiceHealth,
} from "../../../agent/src/datastores/manager.js";

/** One call of a DatastoreAdmin method, arguments as passed. */
export interface AdminCall {
  method: keyof DatastoreAdmin;
  args: unknown[];
}

export class FakeDatastore {
  prepared = false;
  running = false;
  crashed = false;
  prepareCalls = 0;
  startCalls = 0;
  stopCalls = 0;
  restartCalls = 0;
  specs: PrepareSpec[] = [];
  layouts: InstanceLayout[] = [];
  prepareDelayMs = 100;
  /** When set, prepare fails with this message (once per value; cleared after throwing). */
  failNextPrepare: string | undefined;
  volumeBytes = 12_345;
  /** Settings of the last Prepare or Configure. */
  settings: ServerSettings | undefined;
  /** Parameters the "server" runs with; names in restartOnly change only at (re)start. */
  live = new Map<string, string>();
  restartOnly = new Set(["max_connections"]);
  /** Log lines by log name; "slow" can be toggled. */
  logLines = new Map<string, string[]>([["error", []], ["slow", []]]);
  slowEnabled = false;

  /** The manager shares this object: change its fields, not the object. */
  readonly capabilities: DatastoreCapabilities = { databases: true, userHosts: false, grants: true };
  databases = new Map<string, DatabaseInfo>();
  users = new Map<string, { password: string; databases: Set<string> }>();
  rootPassword: string | undefined;
  adminCalls: AdminCall[] = [];
  /** When set, the next admin call throws it (once). */
  failNextAdmin: Error | undefined;
  /** When set, createDatabase waits for it before doing anything, to hold an admin call open. */
  holdCreateDatabase: Promise<void> | undefined;

  /** The server process dies. */
  crash(): void {
    this.running = false;
    this.crashed = true;
  }

  /** The factory the agent is given. */
  readonly factory = (layout: InstanceLayout): DatastoreManager => {
    this.layouts.push(layout);
    return this.manager;
  };

  readonly manager: DatastoreManager = {
    isPrepared: async () => this.prepared,
    prepare: async (spec, signal) => {
      this.prepareCalls++;
      this.specs.push(spec);
      await sleep(this.prepareDelayMs, signal);
      const failure = this.failNextPrepare;
      if (failure !== undefined) {
        this.failNextPrepare = undefined;
        throw new Error(failure);
      }
      this.prepared = true;
      this.running = true;
      this.crashed = false;
      this.settings = { ramMb: spec.ramMb, vcpus: spec.vcpus, parameters: { ...spec.parameters }, allowedCidrs: [...spec.allowedCidrs] };
      this.applyAll();
    },
    start: async () => {
      this.startCalls++;
      this.applyAll();
      this.running = true;
      this.crashed = false;
    },
    stop: async () => {
      this.stopCalls++;
      this.running = false;
      this.crashed = false;
    },
    restart: async () => {
      this.restartCalls++;
      this.applyAll();
      this.running = true;
      this.crashed = false;
    },
    probe: async (): Promise<ServiceHealth> => {
      if (this.running) return { state: "HEALTHY", restartPending: this.restartPending() };
      if (this.crashed) return { state: "CRASHED", detail: "postmaster is gone" };
      return { state: "SHUTDOWN" };
    },
    volumeUsedBytes: async () => this.volumeBytes,
    configure: async (settings) => {
      this.settings = structuredClone(settings);
      for (const [name, value] of Object.entries(settings.parameters)) if (!this.restartOnly.has(name)) this.live.set(name, value);
      return { restartRequired: this.restartPending() };
    },
    effectiveParameters: async (names) => Object.fromEntries(names.filter((n) => this.live.has(n)).map((n) => [n, this.live.get(n) ?? ""])),
    logs: {
      listLogs: async () => [this.logInfo("error"), this.logInfo("slow")],
      setLogEnabled: async (name, enabled) => {
        if (name !== "slow") throw new DatastoreNotFoundError(`no optional log "${name}"`);
        this.slowEnabled = enabled;
        return this.logInfo("slow");
      },
      readLog: async (name, options) => {
        const lines = this.logLines.get(name);
        if (!lines) throw new DatastoreNotFoundError(`no log "${name}"`);
        const from = options.cursor !== undefined ? Number(options.cursor) : Math.max(0, lines.length - (options.lines ?? 50));
        return { text: lines.slice(from).map((l) => `${l}\n`).join(""), cursor: String(lines.length) };
      },
      rotate: async () => {},
    },
    // A backup is a few bytes; a restore reads them all and leaves a prepared, running "server".
    backups: {
      backup: async () => ({
        data: Readable.from([Buffer.from("fake backup\n")]),
        done: Promise.resolve({ format: "pg-tar" as const, engineVersion: "fake 1", details: {} }),
      }),
      restore: async (data, spec) => {
        for await (const _chunk of data) void _chunk;
        this.prepared = true;
        this.running = true;
        this.settings = { ramMb: spec.ramMb, vcpus: spec.vcpus, parameters: { ...spec.parameters }, allowedCidrs: [...spec.allowedCidrs] };
      },
    },
    ...this.createAdmin(),
  };

  /** Whether a restart-only parameter differs from what the "server" runs with. */
  restartPending(): boolean {
    return Object.entries(this.settings?.parameters ?? {}).some(([name, value]) => this.restartOnly.has(name) && this.live.get(name) !== value);
  }

  /** A (re)start applies every configured parameter. */
  private applyAll(): void {
    for (const [name, value] of Object.entries(this.settings?.parameters ?? {})) this.live.set(name, value);
  }

  private logInfo(name: string): GuestLogInfo {
    const lines = this.logLines.get(name) ?? [];
    return {
      name,
      type: name === "error" ? "SYS" : "USER",
      enabled: name === "error" || this.slowEnabled,
      sizeBytes: lines.join("\n").length,
      description: name,
    };
  }

  private createAdmin(): DatastoreAdmin {
    const record = (method: keyof DatastoreAdmin, args: unknown[]): void => {
      this.adminCalls.push({ method, args: structuredClone(args) });
      const failure = this.failNextAdmin;
      if (failure) {
        this.failNextAdmin = undefined;
        throw failure;
      }
    };
    const database = (name: string): DatabaseInfo => {
      const db = this.databases.get(name);
      if (!db) throw new DatastoreNotFoundError(`database "${name}" does not exist`);
      return db;
    };
    const user = (name: string) => {
      const found = this.users.get(name);
      if (!found) throw new DatastoreNotFoundError(`user "${name}" does not exist`);
      return found;
    };
    return {
      capabilities: this.capabilities,
      listDatabases: async () => {
        record("listDatabases", []);
        return [...this.databases.values()].map((db) => ({ ...db }));
      },
      createDatabase: async (spec) => {
        record("createDatabase", [spec]);
        await this.holdCreateDatabase;
        if (spec.characterSet === "bogus") throw new DatastoreSpecError(`character set "bogus" is not a known encoding`);
        if (this.databases.has(spec.name)) throw new DatastoreConflictError(`database "${spec.name}" already exists`);
        this.databases.set(spec.name, { name: spec.name, characterSet: spec.characterSet ?? "UTF8", collation: spec.collation ?? "C.UTF-8" });
      },
      deleteDatabase: async (name) => {
        record("deleteDatabase", [name]);
        database(name);
        this.databases.delete(name);
        for (const u of this.users.values()) u.databases.delete(name);
      },
      listUsers: async () => {
        record("listUsers", []);
        return [...this.users.entries()].map(([name, u]) => ({ name, host: "", databases: [...u.databases].sort() }));
      },
      createUser: async (spec) => {
        record("createUser", [spec]);
        if (this.users.has(spec.name)) throw new DatastoreConflictError(`user "${spec.name}" already exists`);
        spec.databases.forEach(database);
        this.users.set(spec.name, { password: spec.password, databases: new Set(spec.databases) });
      },
      deleteUser: async (name, host) => {
        record("deleteUser", [name, host]);
        user(name);
        this.users.delete(name);
      },
      updateUser: async (name, host, changes) => {
        record("updateUser", [name, host, changes]);
        const found = user(name);
        if (changes.newHost) throw new DatastoreSpecError("fake users have no host");
        if (changes.newName !== undefined && changes.newName !== name) {
          if (this.users.has(changes.newName)) throw new DatastoreConflictError(`user "${changes.newName}" already exists`);
          this.users.delete(name);
          this.users.set(changes.newName, found);
        }
        if (changes.password !== undefined) found.password = changes.password;
      },
      grantAccess: async (name, host, databases) => {
        record("grantAccess", [name, host, databases]);
        const found = user(name);
        databases.forEach(database);
        for (const db of databases) found.databases.add(db);
      },
      revokeAccess: async (name, host, db) => {
        record("revokeAccess", [name, host, db]);
        const found = user(name);
        database(db);
        found.databases.delete(db);
      },
      enableRoot: async (password) => {
        record("enableRoot", [password]);
        this.rootPassword = password;
        return { name: "root", password };
      },
      rootEnabled: async () => {
        record("rootEnabled", []);
        return this.rootPassword !== undefined;
      },
      disableRoot: async () => {
        record("disableRoot", []);
        this.rootPassword = undefined;
      },
    };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    });
  });
}
