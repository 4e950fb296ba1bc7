// Rules on a create request that protovalidate cannot express because they depend on the engine
// or on relations between fields. Each failure names the field, and nothing has been written yet.
import { InvalidArgumentError } from "../../platform/errors.js";
import { checkDatabaseName, checkPassword, checkUserHost, checkUserName, hasDatabases } from "../../platform/datastore-names.js";
import type { CreateInstanceRequest } from "../../../gen/proto/hoard/v1/instance_pb.js";

export function checkCreateRules(req: CreateInstanceRequest, engine: string, maxVolumeGb: number): void {
  if (req.volumeSizeGb > maxVolumeGb) {
    throw new InvalidArgumentError("volume_size_gb", `must be at most ${maxVolumeGb} GiB, got ${req.volumeSizeGb}`);
  }
  if (req.databases.length > 0 && !hasDatabases(engine)) {
    throw new InvalidArgumentError("databases", `${engine} has no databases; leave it empty`);
  }
  const databases = new Set<string>();
  req.databases.forEach((db, i) => {
    const field = `databases[${i}].name`;
    const problem = checkDatabaseName(engine, db.name);
    if (problem) throw new InvalidArgumentError(field, problem);
    if (databases.has(db.name)) throw new InvalidArgumentError(field, `"${db.name}" is listed twice`);
    databases.add(db.name);
  });
  const users = new Set<string>();
  req.users.forEach((user, i) => {
    const problem = checkUserName(engine, user.name);
    if (problem) throw new InvalidArgumentError(`users[${i}].name`, problem);
    const hostProblem = checkUserHost(engine, user.host);
    if (hostProblem) throw new InvalidArgumentError(`users[${i}].host`, hostProblem);
    const passwordProblem = checkPassword(user.password);
    if (passwordProblem) throw new InvalidArgumentError(`users[${i}].password`, passwordProblem);
    const key = `${user.name}@${user.host}`;
    if (users.has(key)) throw new InvalidArgumentError(`users[${i}].name`, `"${user.name}" is listed twice`);
    users.add(key);
    user.databases.forEach((name, j) => {
      if (!databases.has(name)) {
        throw new InvalidArgumentError(`users[${i}].databases[${j}]`, `database "${name}" is not among the databases to create`);
      }
    });
  });
}
