// Re-checks parameter catalogues against real servers, so an operator can re-verify them after an
// engine upgrade: every name exists, types, ranges, allowed values, units and defaults agree with
// what the engine reports, and restartRequired agrees with whether the engine applies a change live.
//
//   tsx scripts/check-parameter-catalogue.ts [--engine postgresql,mariadb,redis] [FILE...]
//   tsx scripts/check-parameter-catalogue.ts --engine redis --facts maxmemory,timeout   (what the engine says, as JSON)
//
// Without FILE it checks the bundled catalogues (catalogue/parameters/). Connections:
//   postgresql  --postgresql-url URL, or libpq's PG* variables (PGHOST=/var/run/postgresql ...); reads pg_settings.
//   mariadb     --mariadb-cli "mariadb --user=root ..." (default "mariadb"; ~/.my.cnf and MYSQL_* apply);
//               reads information_schema.SYSTEM_VARIABLES. --mariadbd PATH (default: found on PATH or in
//               /usr/sbin) also checks that every name is accepted in an option file.
//   redis       --redis-cli "redis-cli -h HOST -p PORT" (default "redis-cli"; REDISCLI_AUTH applies). On that
//               server it only reads values and sets a parameter to the value it already has (an immutable
//               parameter refuses even that). Types, ranges, allowed values and defaults come from probing a
//               scratch server it starts itself (--redis-server PATH, default "redis-server", same version).
// A value the catalogue allows and the engine refuses is an error (exit 1); a narrower catalogue is a
// note, since Hoard narrows a few ranges on purpose (catalogue/parameters/README.md).
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { parseArgs, promisify } from "node:util";
import pg from "pg";
import { bundledCatalogues, readCatalogueFile, type ParameterCatalogue, type ParameterType } from "../services/platform/parameters/index.js";

const run = promisify(execFile);

/** What the engine says about one parameter; undefined fields could not be learnt from it. */
interface Fact {
  type?: ParameterType | `unsupported ${string}`;
  min?: string;
  max?: string;
  allowed?: string[];
  restartRequired?: boolean;
  /** The engine's unit; null: none; undefined: the engine does not tell. */
  unit?: string | null;
  /** Known not to be a size in bytes (Redis tells sizes from other numbers, not which unit the others have). */
  notBytes?: boolean;
  default?: string;
}

interface EngineReport {
  version: string;
  facts: Map<string, Fact>;
  errors: string[];
  notes: string[];
}

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engine: { type: "string" },
    "postgresql-url": { type: "string" },
    "mariadb-cli": { type: "string", default: "mariadb" },
    mariadbd: { type: "string" },
    "redis-cli": { type: "string", default: "redis-cli" },
    "redis-server": { type: "string", default: "redis-server" },
    facts: { type: "string" },
  },
});

// ---- PostgreSQL: pg_settings says everything ----

async function postgresqlFacts(names: string[]): Promise<EngineReport> {
  const client = new pg.Client(opts["postgresql-url"] === undefined ? {} : { connectionString: opts["postgresql-url"] });
  await client.connect();
  try {
    const num = (await client.query<{ n: string }>("SELECT current_setting('server_version_num') AS n")).rows[0]?.n ?? "0";
    const rows = await client.query<Record<string, string | string[] | null>>(
      "SELECT name, vartype, min_val, max_val, enumvals, context, unit, boot_val FROM pg_settings WHERE name = ANY($1)",
      [names],
    );
    const types: Record<string, ParameterType> = { bool: "boolean", integer: "integer", real: "float", string: "string", enum: "string" };
    const facts = new Map<string, Fact>();
    for (const r of rows.rows) {
      const unit = r.unit as string | null;
      facts.set(r.name as string, {
        type: r.context === "internal" ? "unsupported internal (read-only)" : (types[r.vartype as string] ?? `unsupported ${String(r.vartype)}`),
        ...(r.min_val !== null && { min: r.min_val as string, max: r.max_val as string }),
        allowed: (r.enumvals as string[] | null) ?? undefined,
        restartRequired: r.context === "postmaster",
        unit,
        default: r.boot_val as string,
      });
    }
    return { version: `${Math.floor(Number(num) / 10000)}.${Number(num) % 10000}`, facts, errors: [], notes: [] };
  } finally {
    await client.end();
  }
}

// ---- MariaDB: information_schema.SYSTEM_VARIABLES, and mariadbd --help for option-file names ----

async function mariadbFacts(names: string[]): Promise<EngineReport> {
  const [cli, ...args] = words(opts["mariadb-cli"] as string);
  const query = async (sql: string) => (await run(cli as string, [...args, "--batch", "--skip-column-names", "-e", sql])).stdout.trim().split("\n").map((l) => l.split("\t"));
  const version = (await query("SELECT VERSION()"))[0]?.[0] ?? "?";
  const list = names.map((n) => `'${n}'`).join(",");
  const rows = await query(
    "SELECT LOWER(VARIABLE_NAME), VARIABLE_TYPE, NUMERIC_MIN_VALUE, NUMERIC_MAX_VALUE, ENUM_VALUE_LIST, READ_ONLY, DEFAULT_VALUE" +
      ` FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_NAME IN (${list})`,
  );
  const report: EngineReport = { version, facts: new Map(), errors: [], notes: ["MariaDB reports no units; units not checked"] };
  for (const [name, vtype = "", min, max, enums, readOnly, dflt] of rows) {
    const type: Fact["type"] = /INT/.test(vtype) ? "integer" : vtype === "DOUBLE" ? "float" : vtype === "BOOLEAN" ? "boolean" : vtype === "ENUM" || vtype === "VARCHAR" ? "string" : `unsupported ${vtype}`;
    report.facts.set(name as string, {
      type,
      ...(min !== "NULL" && { min, max }),
      ...(vtype === "ENUM" && enums !== "NULL" && { allowed: enums?.split(",") }),
      restartRequired: readOnly === "YES",
      ...(dflt !== "NULL" && { default: dflt }),
    });
  }
  const mariadbd = opts.mariadbd ?? findExecutable("mariadbd", ["/usr/sbin"]);
  if (mariadbd === undefined) report.notes.push("no mariadbd found: option-file names not checked (--mariadbd PATH)");
  else {
    const asRoot = process.getuid?.() === 0 ? ["--user=mysql"] : [];
    const help = (await run(mariadbd, ["--no-defaults", "--verbose", "--help", ...asRoot], { maxBuffer: 16 << 20 })).stdout;
    const options = new Set([...help.matchAll(/^\s+(?:-\w, )?--([A-Za-z0-9_-]+)/gm)].map((m) => (m[1] as string).replaceAll("-", "_")));
    for (const name of names) if (!options.has(name)) report.errors.push(`${name}: not accepted in an option file (${mariadbd} --help does not list it)`);
  }
  return report;
}

// ---- Redis: CONFIG GET/SET on the target, probes on a scratch server ----

async function redisFacts(names: string[]): Promise<EngineReport> {
  const target = words(opts["redis-cli"] as string);
  const report: EngineReport = { version: await redisVersion(target), facts: new Map(), errors: [], notes: [] };
  const live = new Map<string, boolean | undefined>();
  for (const name of names) {
    const current = await redisGet(target, name);
    if (current === undefined) continue;
    live.set(name, await redisImmutable(target, name, current));
  }
  const scratch = await startScratchRedis(opts["redis-server"] as string).catch((err: Error) => {
    report.notes.push(`no scratch server (${err.message}): types, ranges, allowed values and defaults not checked`);
    return undefined;
  });
  try {
    if (scratch !== undefined && scratch.version !== report.version) {
      report.errors.push(`scratch server is Redis ${scratch.version}, the target ${report.version}: pass --redis-server for the same version`);
    } else if (scratch !== undefined) {
      const defaults = new Map<string, string | undefined>();
      for (const name of live.keys()) defaults.set(name, await redisGet(scratch.cli, name));
      for (const [name, immutable] of live) {
        report.facts.set(name, { ...(await probeRedis(scratch, name, immutable === true)), restartRequired: immutable, default: defaults.get(name) });
      }
    }
  } finally {
    scratch?.stop();
  }
  for (const [name, immutable] of live) if (!report.facts.has(name)) report.facts.set(name, { restartRequired: immutable });
  return report;
}

async function redisCall(cli: string[], ...args: string[]): Promise<string> {
  const [bin, ...rest] = cli;
  return (await run(bin as string, [...rest, ...args])).stdout.trimEnd();
}

async function redisVersion(cli: string[]): Promise<string> {
  const version = /redis_version:(\S+)/.exec(await redisCall(cli, "INFO", "server"))?.[1];
  if (version === undefined) throw new Error(`no answer from ${cli.join(" ")}`);
  return version;
}

async function redisGet(cli: string[], name: string): Promise<string | undefined> {
  const out = await redisCall(cli, "CONFIG", "GET", name);
  if (out === "") return undefined;
  const [key, ...value] = out.split("\n");
  return key === name ? value.join("\n") : undefined;
}

/** Sets the parameter to the value it has: refused only when it cannot change at run time. */
async function redisImmutable(cli: string[], name: string, current: string): Promise<boolean | undefined> {
  const out = await redisCall(cli, "CONFIG", "SET", name, current);
  if (out === "OK") return false;
  if (/immutable/.test(out)) return true;
  return undefined;
}

interface Scratch {
  cli: string[];
  version: string;
  bin: string;
  dir: string;
  stop(): void;
}

async function startScratchRedis(bin: string): Promise<Scratch> {
  const dir = mkdtempSync(join(tmpdir(), "hoard-redis-probe-"));
  const sock = join(dir, "redis.sock");
  const child = spawn(bin, ["--port", "0", "--unixsocket", sock, "--dir", dir, "--save", "", "--appendonly", "no", "--logfile", join(dir, "log")], { stdio: "ignore" });
  const failed = new Promise<never>((_, reject) => child.on("error", reject));
  failed.catch(() => undefined); // raced below; an error after start-up has nobody to tell
  const stop = () => {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  const cli = [words(opts["redis-cli"] as string)[0] as string, "-s", sock];
  for (let i = 0; i < 50; i++) {
    await Promise.race([failed, new Promise((r) => setTimeout(r, 100))]).catch((err: Error) => {
      stop();
      throw err;
    });
    if (existsSync(sock) && (await redisCall(cli, "PING").catch(() => "")) === "PONG") return { cli, version: await redisVersion(cli), bin, dir, stop };
  }
  stop();
  throw new Error(`${bin} did not start`);
}

/** What setting `value` says: accepted, or the server's complaint. Immutable parameters are tried at start-up instead. */
async function redisTry(scratch: Scratch, name: string, value: string, immutable: boolean): Promise<string> {
  if (!immutable) return redisCall(scratch.cli, "CONFIG", "SET", name, value);
  const out = await new Promise<string>((resolve) => {
    const child = spawn(scratch.bin, ["--port", "0", "--save", "", "--appendonly", "no", "--dir", scratch.dir, `--${name}`, value]);
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d.toString()));
    child.stderr.on("data", (d: Buffer) => (text += d.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), 1500);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code === 0 || code === null ? "OK" : text);
    });
  });
  return /FATAL CONFIG/.test(out) ? (out.trim().split("\n").pop() ?? out) : "OK";
}

async function probeRedis(scratch: Scratch, name: string, immutable: boolean): Promise<Fact> {
  const answer = await redisTry(scratch, name, "hoard-probe-not-a-value", immutable);
  const oneOf = /must be one of the following: (.*)$/.exec(answer);
  if (oneOf) return { type: "string", allowed: (oneOf[1] as string).split(", ") };
  if (/'yes' or 'no'/.test(answer)) return { type: "boolean" };
  const memory = /memory value/.test(answer);
  if (!memory && !/parsed into an integer/.test(answer)) return { type: "string" };
  const fact: Fact = memory ? { type: "integer", unit: "B" } : { type: "integer", notBytes: true };
  const accepted: string[] = [];
  for (const candidate of ["-9223372036854775808", "18446744073709551615", "0"]) {
    const out = await redisTry(scratch, name, candidate, immutable);
    const bounds = /between (-?\d+) and (-?\d+) inclusive/.exec(out);
    if (bounds) return { ...fact, min: bounds[1], max: bounds[2] };
    if (out === "OK") accepted.push(candidate);
  }
  // No bounds in any message: an unsigned 64-bit parameter, which took 0 and 2^64 - 1 but no negative number.
  if (accepted.includes("0") && accepted.includes("18446744073709551615")) return { ...fact, min: "0", max: "18446744073709551615" };
  return fact;
}

// ---- comparison ----

function compare(catalogue: ParameterCatalogue, report: EngineReport): void {
  const { errors, notes } = report;
  for (const def of catalogue.parameters) {
    const fact = report.facts.get(def.name);
    const say = (list: string[], text: string) => list.push(`${def.name}: ${text}`);
    if (fact === undefined) {
      say(errors, "the server has no such parameter");
      continue;
    }
    if (fact.type !== undefined && fact.type !== def.type) say(errors, `type ${def.type}, engine's is ${fact.type}`);
    if (fact.restartRequired !== undefined && fact.restartRequired !== def.restartRequired) {
      say(errors, `restartRequired ${def.restartRequired}, but the engine ${fact.restartRequired ? "applies it only at start" : "applies it live"}`);
    }
    const unit = "unit" in def ? def.unit : undefined;
    if (fact.unit !== undefined && (unit ?? null) !== fact.unit) say(errors, `unit ${unit ?? "(none)"}, engine's is ${fact.unit ?? "(none)"}`);
    if (fact.notBytes === true && unit === "B") say(errors, "unit B, but the engine does not take it as a size");
    if ((def.type === "integer" || def.type === "float") && fact.type === def.type) {
      if (fact.min === undefined || fact.max === undefined) say(notes, "range not checked (the engine did not tell)");
      else compareRange(def.type, def.min, def.max, fact.min, fact.max, (t) => say(errors, t), (t) => say(notes, t));
    }
    if (def.type === "string" && def.allowed !== undefined) {
      if (fact.allowed === undefined) say(notes, "allowed values not checked (the engine did not list any)");
      else {
        const refused = def.allowed.filter((a) => !fact.allowed?.includes(a));
        const left = fact.allowed.filter((a) => !def.allowed?.includes(a));
        if (refused.length > 0) say(errors, `allows ${refused.join(", ")}, which the engine does not accept (engine: ${fact.allowed.join(", ")})`);
        if (left.length > 0) say(notes, `narrower than the engine: leaves out ${left.join(", ")}`);
      }
    }
    if (def.engineDefault !== undefined && fact.default !== undefined && !sameValue(def.type, def.engineDefault, fact.default)) {
      say(errors, `engineDefault ${JSON.stringify(def.engineDefault)}, engine's is ${JSON.stringify(fact.default)}`);
    }
  }
}

function compareRange(type: "integer" | "float", min: number, max: number, engineMin: string, engineMax: string, error: (t: string) => void, note: (t: string) => void): void {
  const cmp = (a: number, b: string) => (type === "integer" ? bigCompare(BigInt(a), BigInt(b)) : Math.sign(a - Number(b)));
  if (cmp(min, engineMin) < 0) error(`min ${min} is below the engine's ${engineMin}`);
  if (cmp(min, engineMin) > 0) note(`min ${min} is narrower than the engine's ${engineMin}`);
  if (cmp(max, engineMax) > 0) error(`max ${max} is above the engine's ${engineMax}`);
  if (cmp(max, engineMax) < 0) note(max === Number.MAX_SAFE_INTEGER ? `max clamped to ${max} (engine's is ${engineMax})` : `max ${max} is narrower than the engine's ${engineMax}`);
}

function bigCompare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameValue(type: ParameterType, ours: string, engine: string): boolean {
  if (type === "integer" || type === "float") return Number(ours) === Number(engine);
  return ours.toLowerCase() === engine.toLowerCase();
}

// ---- main ----

function words(command: string): string[] {
  return command.trim().split(/\s+/);
}

function findExecutable(name: string, extra: string[]): string | undefined {
  return [...(process.env.PATH ?? "").split(delimiter), ...extra].map((d) => join(d, name)).find((p) => existsSync(p));
}

const probes: Record<string, (names: string[]) => Promise<EngineReport>> = { postgresql: postgresqlFacts, mariadb: mariadbFacts, redis: redisFacts };

/** --facts NAME,...: prints what the engine of --engine says about those names, as JSON (for writing a catalogue). */
async function printFacts(engine: string, names: string[]): Promise<number> {
  const probe = probes[engine];
  if (probe === undefined) throw new Error(`--facts needs --engine ${Object.keys(probes).join("|")}`);
  const bad = names.filter((n) => !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(n));
  if (bad.length > 0) throw new Error(`not parameter names: ${bad.join(", ")}`);
  const report = await probe(names);
  console.log(JSON.stringify({ version: report.version, errors: report.errors, notes: report.notes, facts: Object.fromEntries(report.facts) }, null, 2));
  return 0;
}

async function main(): Promise<number> {
  if (opts.facts !== undefined) return printFacts(opts.engine ?? "", opts.facts.split(","));
  const catalogues = positionals.length > 0 ? positionals.map((p) => readCatalogueFile(p)) : bundledCatalogues();
  const engines = opts.engine?.split(",");
  let failed = false;
  for (const catalogue of catalogues) {
    const label = `${catalogue.datastore} ${catalogue.version}`;
    if (engines !== undefined && !engines.includes(catalogue.datastore)) continue;
    const probe = probes[catalogue.datastore];
    if (probe === undefined) {
      console.log(`${label}: skipped, no checker for ${catalogue.datastore}`);
      continue;
    }
    let report: EngineReport;
    try {
      report = await probe(catalogue.parameters.map((p) => p.name));
    } catch (err) {
      console.log(`${label}: cannot reach the server: ${(err as Error).message.split("\n")[0]}`);
      failed = true;
      continue;
    }
    if (report.version !== catalogue.version && !report.version.startsWith(`${catalogue.version}.`)) {
      report.errors.push(`the server runs version ${report.version}, not ${catalogue.version}`);
    }
    compare(catalogue, report);
    console.log(`${label} against ${report.version}: ${catalogue.parameters.length} parameters, ${report.errors.length} errors, ${report.notes.length} notes`);
    for (const e of report.errors) console.log(`  error: ${e}`);
    for (const n of report.notes) console.log(`  note: ${n}`);
    failed ||= report.errors.length > 0;
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
