// PrepareRequest (protobuf) to PrepareSpec (the manager's contract). The gateway validates what
// users send; this only rejects what would make an engine misbehave, naming the field.
import type { ConfigureRequest, PrepareRequest } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { InvalidArgumentError } from "../../../services/platform/errors.js";
import type { PrepareSpec, ServerSettings } from "../datastores/manager.js";
import { checkCidr } from "../../../services/platform/cidr.js";

/** The settings part of Prepare and Configure: flavor, parameters and allowed CIDRs. */
export function toServerSettings(req: Pick<ConfigureRequest, "ramMb" | "vcpus" | "parameters" | "allowedCidrs">): ServerSettings {
  if (req.ramMb < 1) throw new InvalidArgumentError("ram_mb", "must be at least 1");
  if (req.vcpus < 1) throw new InvalidArgumentError("vcpus", "must be at least 1");
  for (const [name, value] of Object.entries(req.parameters)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new InvalidArgumentError(`parameters`, `"${name}" is not a parameter name`);
    if (/[\0\n\r]/.test(value)) throw new InvalidArgumentError(`parameters.${name}`, "must not contain NUL or line breaks");
  }
  req.allowedCidrs.forEach((cidr, i) => {
    const problem = checkCidr(cidr);
    if (problem) throw new InvalidArgumentError(`allowed_cidrs[${i}]`, problem);
  });
  return { ramMb: req.ramMb, vcpus: req.vcpus, parameters: { ...req.parameters }, allowedCidrs: [...req.allowedCidrs] };
}

export function toPrepareSpec(req: PrepareRequest): PrepareSpec {
  const settings = toServerSettings(req);
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
    ...settings,
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
