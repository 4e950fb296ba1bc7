// Name rules per engine for databases, users and hosts, in one place: the gateway checks them so
// a bad name is refused with a clear message before anything is sent, and the guest agent checks
// them again before an identifier reaches the engine. Each check returns the problem, or undefined.

interface EngineRules {
  database?: { max: number; pattern: RegExp; reserved: string[]; reservedPrefixes: string[] };
  user: { max: number; pattern: RegExp; reserved: string[]; reservedPrefixes: string[] };
  /** Engines whose accounts are bound to a client host ('user'@'host'). */
  hosts: boolean;
}

const rules: Record<string, EngineRules> = {
  postgresql: {
    database: { max: 63, pattern: /^[A-Za-z_][A-Za-z0-9_$-]*$/, reserved: ["postgres", "template0", "template1"], reservedPrefixes: ["pg_"] },
    user: {
      max: 63,
      pattern: /^[A-Za-z_][A-Za-z0-9_$.-]*$/,
      reserved: ["postgres", "root", "public", "current_user", "session_user", "current_role", "none"],
      reservedPrefixes: ["pg_", "hoard"],
    },
    hosts: false,
  },
  mariadb: {
    database: {
      max: 64,
      pattern: /^[A-Za-z0-9_$][A-Za-z0-9_$-]*$/,
      reserved: ["mysql", "information_schema", "performance_schema", "sys", "lost+found"],
      reservedPrefixes: ["#"],
    },
    user: { max: 80, pattern: /^[A-Za-z0-9_][A-Za-z0-9_.$-]*$/, reserved: ["root", "mysql", "mariadb.sys", "public", "pubic"], reservedPrefixes: ["hoard"] },
    hosts: true,
  },
  redis: {
    user: { max: 64, pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, reserved: ["default", "root"], reservedPrefixes: ["hoard"] },
    hosts: false,
  },
};
rules.mysql = rules.mariadb as EngineRules;

function check(kind: string, name: string, r: { max: number; pattern: RegExp; reserved: string[]; reservedPrefixes: string[] }, engine: string) {
  if (name.length === 0) return `${kind} name must not be empty`;
  if (Buffer.byteLength(name) > r.max) return `${kind} name "${name}" is longer than ${r.max} bytes`;
  if (!r.pattern.test(name)) return `${kind} name "${name}" has characters ${engine} ${kind} names may not use (allowed: ${r.pattern.source})`;
  const lower = name.toLowerCase();
  if (r.reserved.includes(lower) || r.reservedPrefixes.some((p) => lower.startsWith(p))) return `${kind} name "${name}" is reserved by ${engine}`;
  return undefined;
}

/** Whether the engine has databases at all (Redis does not). */
export function hasDatabases(engine: string): boolean {
  return Boolean(rules[engine]?.database);
}

/** Whether the engine's accounts carry a host (MariaDB's 'user'@'host'). */
export function hasUserHosts(engine: string): boolean {
  return rules[engine]?.hosts ?? false;
}

export function checkDatabaseName(engine: string, name: string): string | undefined {
  const r = rules[engine]?.database;
  if (!r) return `${engine} has no databases`;
  return check("database", name, r, engine);
}

export function checkUserName(engine: string, name: string): string | undefined {
  const r = rules[engine]?.user;
  if (!r) return `unknown engine ${engine}`;
  return check("user", name, r, engine);
}

/** A host is '%', a host name, an IPv4/IPv6 address or a MariaDB pattern such as 10.0.0.% or 10.0.0.0/255.255.255.0. */
export function checkUserHost(engine: string, host: string): string | undefined {
  if (host === "") return undefined;
  if (!hasUserHosts(engine)) return `${engine} users have no host; leave it empty`;
  if (host.length > 255 || !/^[A-Za-z0-9.%_:-]+(\/[0-9.]+)?$/.test(host)) return `host "${host}" is not a host name, address or pattern`;
  return undefined;
}

export function checkPassword(password: string): string | undefined {
  if (password.length < 8) return "password must have at least 8 characters";
  if (password.length > 128) return "password must have at most 128 characters";
  if (/[\u0000-\u001f\u007f]/.test(password)) return "password must not contain control characters";
  return undefined;
}
