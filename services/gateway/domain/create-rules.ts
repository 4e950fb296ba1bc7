// Rules on a create request that protovalidate cannot express because they depend on the engine
// or on relations between fields. Each failure names the field, and nothing has been written yet.
import { InvalidArgumentError } from "../../platform/errors.js";
import type { CreateInstanceRequest } from "../../../gen/proto/hoard/v1/instance_pb.js";

/** Names an engine keeps for itself; a user may not create or take them over. */
const reserved: Record<string, { databases: string[]; users: string[] }> = {
  postgresql: {
    databases: ["postgres", "template0", "template1"],
    users: ["postgres", "public", "pg_monitor", "pg_read_all_data", "pg_write_all_data", "hoard_admin"],
  },
};

export function checkCreateRules(req: CreateInstanceRequest, engine: string, maxVolumeGb: number): void {
  if (req.volumeSizeGb > maxVolumeGb) {
    throw new InvalidArgumentError("volume_size_gb", `must be at most ${maxVolumeGb} GiB, got ${req.volumeSizeGb}`);
  }
  const rules = reserved[engine] ?? { databases: [], users: [] };
  const databases = new Set<string>();
  req.databases.forEach((db, i) => {
    const field = `databases[${i}].name`;
    if (rules.databases.includes(db.name.toLowerCase()) || db.name.toLowerCase().startsWith("pg_")) {
      throw new InvalidArgumentError(field, `"${db.name}" is reserved by ${engine}`);
    }
    if (databases.has(db.name)) throw new InvalidArgumentError(field, `"${db.name}" is listed twice`);
    databases.add(db.name);
  });
  const users = new Set<string>();
  req.users.forEach((user, i) => {
    const field = `users[${i}].name`;
    if (rules.users.includes(user.name.toLowerCase()) || user.name.toLowerCase().startsWith("pg_")) {
      throw new InvalidArgumentError(field, `"${user.name}" is reserved by ${engine}`);
    }
    if (users.has(user.name)) throw new InvalidArgumentError(field, `"${user.name}" is listed twice`);
    users.add(user.name);
    user.databases.forEach((name, j) => {
      if (!databases.has(name)) {
        throw new InvalidArgumentError(`users[${i}].databases[${j}]`, `database "${name}" is not among the databases to create`);
      }
    });
  });
}
