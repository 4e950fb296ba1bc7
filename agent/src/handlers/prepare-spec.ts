// PrepareRequest (protobuf) to PrepareSpec (the manager's contract). The gateway validates what
// users send; this only rejects what would make an engine misbehave, naming the field.
import type { PrepareRequest } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { InvalidArgumentError } from "../../../services/platform/errors.js";
import type { PrepareSpec } from "../datastores/manager.js";

export function toPrepareSpec(req: PrepareRequest): PrepareSpec {
  if (req.ramMb < 1) throw new InvalidArgumentError("ram_mb", "must be at least 1");
  if (req.vcpus < 1) throw new InvalidArgumentError("vcpus", "must be at least 1");
  unique(
    "databases",
    req.databases.map((d, i) => nonEmpty(`databases[${i}].name`, d.name)),
  );
  unique(
    "users",
    req.users.map((u, i) => `${nonEmpty(`users[${i}].name`, u.name)}@${u.host}`),
  );
  req.users.forEach((u, i) => nonEmpty(`users[${i}].password`, u.password));
  return {
    ramMb: req.ramMb,
    vcpus: req.vcpus,
    databases: req.databases.map((d) => ({
      name: d.name,
      ...(d.characterSet ? { characterSet: d.characterSet } : {}),
      ...(d.collation ? { collation: d.collation } : {}),
    })),
    users: req.users.map((u) => ({
      name: u.name,
      password: u.password,
      ...(u.host ? { host: u.host } : {}),
      databases: [...u.databases],
    })),
    adminPassword: req.adminPassword,
  };
}

function nonEmpty(field: string, value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError(field, "must not be empty");
  return value;
}

function unique(field: string, keys: string[]): void {
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) throw new InvalidArgumentError(field, `"${key.replace(/@$/, "")}" appears twice`);
    seen.add(key);
  }
}
